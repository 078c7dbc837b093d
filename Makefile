# The two commands of the README: `make demo` and `make test`.
# Everything is installed into .venv (Python) and node_modules (axe-core);
# system packages (PostGIS, Chromium) by scripts/system-deps.sh when run as root.

VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python

.PHONY: install install-runtime demo lint test test-quick mutate system-deps clean

# Two stamps: `make demo` installs the runtime dependencies only
# (.installed-runtime); `make test` adds the test extras (.installed), so after
# `make demo` it installs just those.
install: $(VENV)/.installed
install-runtime: $(VENV)/.installed-runtime

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: pyproject.toml requirements.lock | $(PY)
	$(PY) -m pip install --quiet -c requirements.lock -e .
	touch $@

$(VENV)/.installed: $(VENV)/.installed-runtime
	$(PY) -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

system-deps:
	bash scripts/system-deps.sh

demo: install-runtime
	$(VENV)/bin/directory demo

# The formatter, the linter and the type checker, as CI runs them (settings in pyproject.toml);
# .pre-commit-config.yaml runs the same three before each commit, for those who want it.
lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test: install lint node_modules/.installed system-deps
	$(PY) -m pytest $(PYTEST_ARGS)

test-quick: install
	$(PY) -m pytest -m "not browser and not postgis" $(PYTEST_ARGS)

# Mutation testing of the data core (schema, store, search, the harvest's matching), settings in
# pyproject.toml ([tool.mutmut]), how to read it in CONTRIBUTING.md. All ~15,000 mutants take many
# hours on two cores; MUTATE narrows the run to mutant names (globs), e.g.
#   make mutate MUTATE='directory.schema.hours.* directory.store._merge.*'
# Results stay in mutants/ between runs; the report gives the kill rate per package.
MUTATE ?=
MUTATE_JOBS ?= 2
mutate: install
	$(VENV)/bin/mutmut run --max-children $(MUTATE_JOBS) $(MUTATE)
	$(PY) scripts/mutation_report.py

clean:
	rm -rf $(VENV) node_modules data .pytest_cache mutants
