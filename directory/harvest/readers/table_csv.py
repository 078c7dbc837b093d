# SPDX-License-Identifier: Apache-2.0
"""Any CSV with a header row: a commune's or a network's own columns.

The delimiter is sniffed (``,`` ``;`` tab ``|``) unless the source file gives
one (``[reader] delimiter = ";"``). The header is found (``_header``: a title
line above it, a CSV saved from a spreadsheet with one, is left out and said)
unless the source file says on which line it is (``[reader] header_row = 3``:
the lines above are left out). Records are dicts keyed by the header as
written (trimmed); a ``[mapping]`` then says which column is which field.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from itertools import islice

from ._csv import CsvReader, csv_items, open_csv, peek_lines
from ._header import filled, header_index, skipped_note
from .base import ReadError, ReadItem

__all__ = ["TableCsvReader", "header_row_option", "unique_header"]

_DELIMITERS = (",", ";", "\t", "|")


class TableCsvReader(CsvReader):
    format = "table-csv"
    media_types = ("text/csv",)
    extensions = (".csv", ".tsv")
    options = ("delimiter", "header_row")

    def __init__(self, *, delimiter: str | None = None, header_row: int | None = None) -> None:
        super().__init__()
        if delimiter is not None and len(delimiter) != 1:
            raise ReadError(f"séparateur CSV invalide « {delimiter} » : un seul caractère attendu")
        self.delimiter = delimiter
        self.header_row = None if header_row is None else header_row_option(header_row)

    def read_lines(self, lines: Iterable[str]) -> Iterator[ReadItem]:
        lines = iter(lines)
        skipped = sum(1 for _ in islice(lines, self.header_row - 1)) if self.header_row is not None else 0
        head, lines = peek_lines(lines)
        delimiter = self.delimiter or sniff_delimiter("".join(head))
        if self.header_row is None and (skipped := self._lines_above_header(head, delimiter)):
            lines = islice(lines, skipped, None)
            head = head[skipped:]
        header, rows = open_csv(head, lines, delimiter)
        yield from csv_items(rows, unique_header(header), self.file_problems, skipped)

    def _lines_above_header(self, head: list[str], delimiter: str) -> int:
        """How many of the first lines come before the header (blank lines, a title), said when a title is left out."""
        reader = csv.reader(head, delimiter=delimiter)
        starts: list[int] = []
        rows: list[list[str]] = []
        while True:
            before = reader.line_num
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error:  # a broken quote: csv_items reports it; the header stays the first line
                return 0
            if filled(row):
                starts.append(before)
                rows.append(row)
        if not rows:
            return 0
        at = header_index(rows)
        if at:
            self.file_notes.append(skipped_note(starts[at] + 1, rows[:at]))
        return starts[at]


def sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV text: the candidate found most often, and as
    often, on the first lines (the header alone can mislead)."""
    lines = [line for line in text.lstrip("\ufeff").splitlines()[:20] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        return max(_DELIMITERS, key=lambda d: lines[0].count(d))


def header_row_option(value: object) -> int:
    """The ``header_row`` option checked: the number of the header's line (1 = the first)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ReadError(
            f"header_row « {value} » : attendu le numéro de la ligne d'en-tête, un nombre entier (1 = la première)"
        )
    return value


def unique_header(cells: list[str]) -> list[str]:
    """Trimmed column names; blank ones become ``colonne_N``, repeats get ``_2``."""
    header: list[str] = []
    for number, cell in enumerate(cells, start=1):
        name = cell.strip().lstrip("\ufeff").strip() or f"colonne_{number}"
        base, suffix = name, 2
        while name in header:
            name, suffix = f"{base}_{suffix}", suffix + 1
        header.append(name)
    return header
