# SPDX-License-Identifier: Apache-2.0
"""CLI fixtures."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from directory.cli import main


@pytest.fixture
def run(tmp_path):
    """``directory …`` through click's runner, on a SQLite database in ``tmp_path``."""
    runner = CliRunner()
    env = {"DIRECTORY_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}

    def invoke(*args: str):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke
