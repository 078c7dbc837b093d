# SPDX-License-Identifier: Apache-2.0
"""Imports run downstream only (DESIGN.md): schema ← store ← harvest/search/export ← curation ← web, cli.

``errors`` (the error tree, importing nothing) and ``places`` (reference data)
may be used below the web layer.
"""

from __future__ import annotations

import ast
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


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "directory" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_run_downstream(package):
    for path in (PACKAGE / package).rglob("*.py"):
        extra = imported_packages(path) - ALLOWED[package] - {package}
        assert not extra, f"{path.relative_to(PACKAGE)} imports {sorted(extra)}"
