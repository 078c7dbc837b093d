# SPDX-License-Identifier: Apache-2.0
"""Excel workbooks (``.xlsx``): the first sheet (or ``[reader] sheet = "…"``), its header, one record
per following non-blank row.

The header is found (``_header``: a title above it is left out, and said) unless the source file
gives its line (``[reader] header_row = 3``). Cells keep their type, made JSON-friendly: dates become
``YYYY-MM-DD`` (or ``YYYY-MM-DDTHH:MM:SS`` when they carry a time), whole numbers stored as floats
become integers (a postcode typed as a number: ``69003``, not ``69003.0``), text is trimmed.
Formulas give their last computed value. Merged cells below the header give every cell they cover
their top-left value: a commune's name merged over the rows of its venues belongs to each of them.
A row wider than the header keeps its extra cells (``colonne_N``)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from itertools import chain, islice
from typing import Any, BinaryIO

from ..encoding import DecodedText
from ._header import HEAD_ROWS, filled, header_index, skipped_note, widened
from .base import Reader, ReadError, ReadItem, payload_of
from .table_csv import header_row_option, unique_header

__all__ = ["XlsxReader"]


class XlsxReader(Reader):
    format = "xlsx"
    media_types = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",)
    extensions = (".xlsx", ".xlsm")
    options = ("sheet", "header_row")

    def __init__(self, *, sheet: str | None = None, header_row: int | None = None) -> None:
        super().__init__()
        self.sheet = sheet
        self.header_row = None if header_row is None else header_row_option(header_row)

    def read_stream(self, stream: BinaryIO, declared_encoding: str | None = None) -> Iterator[ReadItem]:
        try:
            import openpyxl
            from openpyxl.utils.exceptions import InvalidFileException
        except ImportError as err:  # pragma: no cover - a packaging mistake
            raise ReadError("lecture des classeurs XLSX impossible : le paquet openpyxl n'est pas installé") from err
        self.encoding = None
        try:
            workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as err:
            raise ReadError("ce fichier n'est pas un classeur Excel (.xlsx) lisible") from err
        if self.sheet is not None and self.sheet not in workbook.sheetnames:
            workbook.close()
            raise ReadError(
                f"le classeur n'a pas de feuille « {self.sheet} » (feuilles : {', '.join(workbook.sheetnames)})"
            )
        sheet = workbook[self.sheet] if self.sheet is not None else workbook.worksheets[0]
        merges = merged_ranges(sheet)
        start = self.header_row or 1
        return self._rows(workbook, sheet.iter_rows(min_row=start, values_only=True), start, merges)

    def _rows(
        self, workbook: Any, rows: Iterator[tuple[Any, ...]], start: int, merges: list[tuple[int, int, int, int]]
    ) -> Iterator[ReadItem]:
        try:
            numbered = ((line, [_cell(v) for v in row]) for line, row in enumerate(rows, start=start))  # empty rows too
            nonblank = ((line, cells) for line, cells in numbered if filled(cells))  # blank rows are skipped
            head = list(islice(nonblank, HEAD_ROWS))
            if not head:
                raise ReadError("la feuille est vide")
            at = 0 if self.header_row is not None else header_index([cells for _, cells in head])
            if at:
                self.file_notes.append(skipped_note(head[at][0], [cells for _, cells in head[:at]]))
            header_line, header_cells = head[at]
            header = unique_header(["" if c is None else str(c) for c in header_cells])
            spread = _MergeSpread(merges, header_line)
            for position, (line, cells) in enumerate(chain(head[at + 1 :], nonblank), start=1):
                cells = spread.apply(line, cells)
                keys = header
                if len(cells) > len(header) and any(c is not None for c in cells[len(header) :]):
                    self.file_problems.append(f"ligne {line} : des cellules remplies hors des colonnes de l'en-tête")
                    keys = widened(header, len(cells))
                record = dict(zip(keys, cells + [None] * (len(keys) - len(cells))))
                yield ReadItem(position, record, payload_of(record))
        finally:
            workbook.close()

    def read_text(self, decoded: DecodedText) -> Iterator[ReadItem]:  # pragma: no cover - binary format
        raise ReadError("un classeur XLSX se lit depuis ses octets, pas depuis un texte")


def merged_ranges(sheet: Any) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a sheet, as (first row, first column, last row, last column).

    A read-only worksheet (the whole sheet is never held in memory) does not give openpyxl's
    ``merged_cells``: the ranges are read from the sheet's XML, which lists them after its rows."""
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.xml.functions import iterparse  # defusedxml when installed, as openpyxl reads

    found: list[tuple[int, int, int, int]] = []
    with sheet._get_source() as source:  # the sheet's part of the archive (openpyxl ≥ 2.6)
        for _, element in iterparse(source):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "mergeCell" and (ref := element.get("ref")):
                try:
                    min_col, min_row, max_col, max_row = range_boundaries(ref)
                except (TypeError, ValueError):
                    continue
                if min_col is not None and min_row is not None and max_col is not None and max_row is not None:
                    found.append((min_row, min_col, max_row, max_col))
            if tag in ("row", "mergeCell"):
                element.clear()  # memory follows a row, not the sheet
    return found


class _MergeSpread:
    """Spreads each merged range's top-left value over its cells, in the rows below the header.

    Rows come in order and blank ones are skipped: a range starts when its first row is read (a
    range whose first row is blank has nothing to spread), and ends after its last row."""

    def __init__(self, merges: list[tuple[int, int, int, int]], header_line: int) -> None:
        self.waiting = sorted(m for m in merges if m[0] > header_line and (m[2] > m[0] or m[3] > m[1]))
        self.next = 0
        self.active: list[tuple[int, int, int, Any]] = []  # (first column, last column, last row, value)

    def apply(self, line: int, cells: list[Any]) -> list[Any]:
        while self.next < len(self.waiting) and self.waiting[self.next][0] <= line:
            first_row, first_col, last_row, last_col = self.waiting[self.next]
            self.next += 1
            value = cells[first_col - 1] if first_row == line and first_col <= len(cells) else None
            if value is not None:
                self.active.append((first_col, last_col, last_row, value))
        if not self.active:
            return cells
        self.active = [a for a in self.active if a[2] >= line]
        for first_col, last_col, _, value in self.active:
            if len(cells) < last_col:
                cells = cells + [None] * (last_col - len(cells))
            for column in range(first_col, last_col + 1):
                if cells[column - 1] is None:
                    cells[column - 1] = value
        return cells


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, str):
        return value.strip() or None
    return value
