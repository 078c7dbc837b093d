# SPDX-License-Identifier: Apache-2.0
"""Text cells a spreadsheet would run as formulas: written out inert, read back as they were.

A partner opens a CSV export in Excel or LibreOffice Calc; a cell that starts
with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets skip before reading a formula) is run as a formula there:
``=HYPERLINK("http://…","Cliquez")`` becomes a live link, ``=cmd|' /C calc'!A0``
asks to start a program (OWASP « CSV injection »). Venue names and
presentations are typed by anyone, so every CSV and spreadsheet writer of this
directory passes each cell through :func:`neutralise` — the one place that
decides — which puts a single quote in front, the usual practice: spreadsheets
show the text as typed and run nothing.

Numbers are left alone: an E.164 phone number (``+33180059880``) or a negative
longitude (``-1.55``) holds no name or reference a formula could call, and
changing them would break the national standard's patterns. :func:`restore`
is the reading side: a value written by :func:`neutralise` comes back as it
was, so a CSV export harvested by another instance round-trips.
"""

from __future__ import annotations

import re
from typing import TypeVar

__all__ = ["FORMULA_TRIGGERS", "neutralise", "restore", "runs_as_formula"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
_QUOTE = "'"
#: Digits, spaces, dots and commas after an optional sign: a number or a phone number, inert.
_NUMBER = re.compile(r"[+-]?\d[\d .,]*")

T = TypeVar("T")


def runs_as_formula(value: object) -> bool:
    """True when a spreadsheet would read ``value`` as a formula (text starting with a trigger, not a number)."""
    return isinstance(value, str) and value[:1] in FORMULA_TRIGGERS and _NUMBER.fullmatch(value) is None


def neutralise(value: T) -> T | str:
    """``value`` as a cell to write: text that would run as a formula gets a leading ``'``; anything else is unchanged."""
    if isinstance(value, str) and runs_as_formula(value):
        return _QUOTE + value
    return value


def restore(value: str) -> str:
    """The value :func:`neutralise` was given: the leading ``'`` of a neutralised cell is taken off."""
    if value[:1] == _QUOTE and runs_as_formula(value[1:]):
        return value[1:]
    return value
