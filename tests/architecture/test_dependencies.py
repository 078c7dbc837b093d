# SPDX-License-Identifier: Apache-2.0
"""Every runtime dependency earns its place: the code imports it (issue 16, item 6).

A dependency declared in ``pyproject.toml`` but imported nowhere under
``directory/`` is weight every install pays for nothing (``folium`` was one).
"""

from __future__ import annotations

import ast
import re
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Used without an import of ours, and why.
USED_INDIRECTLY = {
    "python-multipart": "Starlette's request.form() parses the back office's forms with it",
    "httptools": "uvicorn parses HTTP with it when installed (7 % less server CPU per request than h11)",
    "uvloop": "uvicorn runs its event loop on it when installed",
}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {_normal(re.split(r"[\[=<>!~ ]", spec, maxsplit=1)[0]) for spec in project["dependencies"]}


def _imported_distributions() -> set[str]:
    modules: set[str] = set()
    for path in (ROOT / "directory").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module.split(".")[0])
    by_module = packages_distributions()
    return {_normal(dist) for module in modules for dist in by_module.get(module, ())}


def test_every_runtime_dependency_is_imported():
    unused = _declared() - _imported_distributions() - set(USED_INDIRECTLY)
    assert not unused, f"declared in pyproject.toml but imported nowhere in directory/: {sorted(unused)}"


def test_the_indirect_ones_are_still_declared():
    assert set(USED_INDIRECTLY) <= _declared()


def test_the_lock_pins_every_runtime_dependency():
    locked = {
        _normal(line.split("==")[0])
        for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
        if "==" in line
    }
    assert _declared() <= locked
