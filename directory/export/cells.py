# SPDX-License-Identifier: Apache-2.0
"""The one CSV writer of the exports: every cell through ``schema.cells.neutralise``.

Every CSV (and, when one comes, spreadsheet) writer of the directory makes its
writer here instead of calling ``csv.writer``: a text cell that a spreadsheet
would run as a formula cannot reach a file any other way
(``tests/export/test_cells.py`` fails on a writer that bypasses it).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from directory.schema import FORMULA_TRIGGERS, neutralise

__all__ = ["SafeCsvWriter", "safe_row"]


def safe_row(values: Iterable[Any]) -> list[Any]:
    """The row's cells as they are written: text that would run as a formula neutralised."""
    triggers = FORMULA_TRIGGERS
    # Most cells start with a letter or a digit: only the others go through the full check.
    return [neutralise(v) if v.__class__ is str and v[:1] in triggers else v for v in values]


class SafeCsvWriter:
    """``csv.writer`` on ``stream`` (RFC 4180: ``,``, every field quoted, CRLF rows), formulas made inert.

    :param limits: column position → the most characters the file's schema
        allows there (the national ``presentation_resume``: 280). The quote
        can take a full cell one over: its last character then gives way to
        « … », so the file stays valid (the store keeps the whole text).
    """

    __slots__ = ("_limits", "_writer")

    def __init__(self, stream: TextIO, *, limits: Mapping[int, int] | None = None) -> None:
        self._writer = csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        self._limits = tuple((limits or {}).items())

    def writerow(self, values: Iterable[Any]) -> None:
        row = safe_row(values)
        for position, limit in self._limits:
            cell = row[position]
            if cell.__class__ is str and len(cell) > limit:
                row[position] = cell[: limit - 1] + "…"
        self._writer.writerow(row)
