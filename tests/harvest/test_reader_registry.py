# SPDX-License-Identifier: Apache-2.0
"""Every format goes through the reader registry, the instance feed too (issue 16, item 7).

The feed of another instance used to register itself as a side effect of
importing ``harvest/federation.py``, and the run compared the source's format
with its name twice; now ``READERS`` lists it with the others, and a reader's
``following`` tells the run how a change feed is fetched and what it withdraws.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from directory.harvest import READERS
from directory.harvest.readers.instance_feed import FeedReader

HARVEST = Path(__file__).resolve().parents[2] / "directory" / "harvest"


def test_the_feed_reader_is_in_the_table_without_importing_anything_else():
    code = "from directory.harvest.readers import READERS; print(READERS['instance-feed'].__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "FeedReader"
    assert READERS["instance-feed"] is FeedReader


def test_only_the_feed_follows():
    assert [name for name, reader in READERS.items() if reader.following is not None] == ["instance-feed"]


def test_the_run_names_no_format():
    """No ``source.format == …`` in the run or the import: what a format needs, its reader says."""
    for path in (HARVEST / "run.py", HARVEST / "importer.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "format":
                raise AssertionError(f"{path.name}:{node.lineno} compares a format")
