# SPDX-License-Identifier: Apache-2.0
"""The repository is enough: no tracked code builds a path to a folder beside it.

A fresh clone has nothing beside it. ``tests/conftest.py`` fails a run that
reads such a path (an audit hook); this test keeps the path constructions out
of the code in the first place, including code the suite does not run
(benchmarks, scripts). READMEs may name where data was copied from.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from ..conftest import ROOT, unavailable

#: Files whose text is code or configuration (prose in ``*.md`` may name an origin).
CODE_SUFFIXES = {".py", ".sh", ".toml", ".cfg", ".ini", ".yaml", ".yml", ".js", ".mjs", ".json", ".html", ".mako"}
CODE_NAMES = {"Makefile", "run", "Dockerfile"}

#: A path to a folder of that name beside or above the code, however it is written: after two
#: dots and a slash, as a quoted name after a path's slash operator, or inside ``os.path.join``.
SHARED_PATH = re.compile(
    r"""\.\./+shared\b"""
    r"""|/\s*["']shared["']"""
    r"""|join\([^)]*["']shared["']"""
)


def tracked() -> list[tuple[str, str]]:
    """(mode, path) of every tracked file."""
    try:
        out = subprocess.run(["git", "ls-files", "-s", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode(
            "utf-8"
        )
    except (OSError, subprocess.CalledProcessError) as err:
        unavailable(f"pas de dépôt git lisible dans {ROOT} : {err}")
    rows = []
    for entry in filter(None, out.split("\0")):
        meta, path = entry.split("\t", 1)
        rows.append((meta.split()[0], path))
    return rows


def text(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


@pytest.fixture(scope="module")
def files() -> list[tuple[str, str]]:
    return tracked()


def test_no_code_builds_a_path_to_a_shared_folder_beside_the_repository(files):
    this = Path(__file__).resolve().relative_to(ROOT).as_posix()
    found = []
    for mode, name in files:
        path = ROOT / name
        if mode == "120000" or name == this or not (path.suffix in CODE_SUFFIXES or path.name in CODE_NAMES):
            continue
        if not path.is_file() or (content := text(path)) is None:
            continue
        for number, line in enumerate(content.splitlines(), 1):
            if SHARED_PATH.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert not found, "chemins vers un dossier « shared » hors du dépôt :\n" + "\n".join(found)


def test_no_tracked_file_names_this_machines_parent_folder(files):
    """An absolute path of this machine (the folder holding the clone) means nothing in another clone."""
    parent = str(ROOT.parent).rstrip("/") + "/"
    if parent == "/":
        pytest.skip("dépôt à la racine du système de fichiers")
    found = []
    for mode, name in files:
        path = ROOT / name
        if mode == "120000" or not path.is_file() or (content := text(path)) is None:
            continue
        found += [f"{name}:{n}" for n, line in enumerate(content.splitlines(), 1) if parent in line]
    assert not found, f"chemins absolus de cette machine ({parent}…) :\n" + "\n".join(found)


def test_no_tracked_link_leads_out_of_the_repository(files):
    outside = [name for mode, name in files if mode == "120000" and not (ROOT / name).resolve().is_relative_to(ROOT)]
    assert not outside, f"liens symboliques vers l'extérieur du dépôt : {outside}"
