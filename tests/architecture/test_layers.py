# SPDX-License-Identifier: Apache-2.0
"""Imports run downstream only (DESIGN.md): schema ← store ← harvest/search/export ← curation ← web, cli.

``errors`` (the error tree, importing nothing) and ``places`` (reference data)
may be used below the web layer.

And packages meet at their front doors: a module imports another package
through its ``__init__`` (``from directory.store import Store``), never one
of its modules (``directory.store.tables``, ``directory.export.national``),
so what a package offers is what its ``__init__`` lists. Every form is read:
absolute imports, relative ones (``from ..schema import x``) and
``from directory import store``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "directory"

#: What each package may import from ``directory`` (besides itself).
ALLOWED = {
    "schema": set(),
    "places": {"schema"},
    "store": {"schema", "errors"},
    "harvest": {"schema", "store", "places", "errors"},
    "search": {"schema", "store", "places", "errors"},
    "export": {"schema", "store", "errors", "places"},
    "curation": {"schema", "store", "places", "errors", "export"},
    "web": {"schema", "store", "places", "harvest", "search", "export", "curation", "config", "errors"},
    "cli": {"schema", "store", "places", "harvest", "search", "export", "curation", "config", "errors", "web"},
}


def _module_of(path: Path) -> list[str]:
    parts = ["directory", *path.relative_to(PACKAGE).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def _is_module(parts: list[str]) -> bool:
    """Whether ``directory.a.b`` names a module or package of ours (not a name inside one)."""
    target = PACKAGE.joinpath(*parts[1:])
    return target.with_suffix(".py").is_file() or (target / "__init__.py").is_file()


def imports(path: Path, text: str | None = None) -> Iterator[tuple[int, list[str], bool]]:
    """(line, dotted module parts, relative?) of every import of ``directory`` in a file.

    ``from X import name`` gives ``X.name`` when ``name`` is itself a module
    (``from directory import store`` is ``directory.store``), else ``X``.
    """
    package = _module_of(path) if path.name == "__init__.py" else _module_of(path)[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8") if text is None else text)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "directory":
                    yield node.lineno, alias.name.split("."), False
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                module = [*base, *(node.module.split(".") if node.module else [])]
            else:
                module = node.module.split(".") if node.module else []
            if module[:1] != ["directory"]:
                continue
            for alias in node.names:
                named = [*module, alias.name]
                yield node.lineno, named if _is_module(named) else module, bool(node.level)


def _own(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_run_downstream(package):
    for path in (PACKAGE / package).rglob("*.py"):
        found = {module[1] for _, module, _ in imports(path) if len(module) > 1}
        extra = found - ALLOWED[package] - {package}
        assert not extra, f"{path.relative_to(PACKAGE)} imports {sorted(extra)}"


def test_packages_meet_at_their_front_doors():
    """Another package is imported as ``directory.<package>``, never one of its modules."""
    reaching = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = _own(path) if len(path.relative_to(PACKAGE).parts) > 1 else None
        for line, module, relative in imports(path):
            if len(module) > 1 and module[1] != own and (len(module) > 2 or relative):
                how = "relative " if relative else ""
                reaching.append(f"{path.relative_to(PACKAGE)}:{line} {how}{'.'.join(module)}")
    assert reaching == []


def test_the_reader_sees_every_form():
    """The three forms a module can take another package by are all read."""
    code = "from directory import harvest\nfrom ..export import national\nfrom directory.web.app import create_app\n"
    found = [(".".join(module), relative) for _, module, relative in imports(PACKAGE / "store" / "_probe.py", code)]
    assert found == [("directory.harvest", False), ("directory.export.national", True), ("directory.web.app", False)]
