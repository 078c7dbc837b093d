# SPDX-License-Identifier: Apache-2.0
"""The README documents every setting and every command (STYLE.md §7: tests that keep docs honest)."""

from __future__ import annotations

from dataclasses import fields

import click
import pytest

from directory.cli import main
from directory.config import SETTINGS_HELP, Settings

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", [f.name for f in fields(Settings)])
def test_every_setting_is_documented(name):
    variable = "DATABASE_URL" if name == "database_url" else f"DIRECTORY_{name.upper()}"
    assert variable in README, f"{variable} missing from the README's settings table"
    assert name in SETTINGS_HELP, f"{name} has no help text in SETTINGS_HELP"


def _commands(group: click.Group, prefix: str = "directory") -> list[str]:
    found = []
    for name, command in group.commands.items():
        found.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix} {name}")
    return found


@pytest.mark.parametrize("command", _commands(main))
def test_every_command_is_in_the_readme(command):
    assert command in README, f"« {command} » is not in the README"
