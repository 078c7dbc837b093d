# SPDX-License-Identifier: Apache-2.0
"""Excel workbooks (``.xlsx``): the first sheet (or ``[reader] sheet = "…"``),
the first non-empty row as the header (or the first from ``[reader] header_row = 3``
on: the rows above, a title, are left out), one record per following row.

Cells keep their type, made JSON-friendly: dates become ``YYYY-MM-DD`` (or
``YYYY-MM-DDTHH:MM:SS`` when they carry a time), whole numbers stored as
floats become integers (a postcode typed as a number: ``69003``, not
``69003.0``), text is trimmed. Formulas give their last computed value.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any, BinaryIO

from ..encoding import DecodedText
from .base import ReadError, ReadItem, Reader, payload_of
from .table_csv import header_row_option, unique_header

__all__ = ["XlsxReader"]


class XlsxReader(Reader):
    format = "xlsx"
    media_types = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",)
    extensions = (".xlsx", ".xlsm")
    options = ("sheet", "header_row")

    def __init__(self, *, sheet: str | None = None, header_row: int = 1) -> None:
        super().__init__()
        self.sheet = sheet
        self.header_row = header_row_option(header_row)

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
            raise ReadError(f"le classeur n'a pas de feuille « {self.sheet} » (feuilles : {', '.join(workbook.sheetnames)})")
        sheet = workbook[self.sheet] if self.sheet is not None else workbook.worksheets[0]
        return self._rows(workbook, sheet.iter_rows(min_row=self.header_row, values_only=True))

    def _rows(self, workbook: Any, rows: Iterator[tuple[Any, ...]]) -> Iterator[ReadItem]:
        try:
            header: list[str] | None = None
            position = 0
            for line, row in enumerate(rows, start=self.header_row):  # every row, empty ones too
                cells = [_cell(v) for v in row]
                if all(c is None for c in cells):
                    continue
                if header is None:
                    header = unique_header(["" if c is None else str(c) for c in cells])
                    continue
                position += 1
                if len(cells) > len(header) and any(c is not None for c in cells[len(header):]):
                    self.file_problems.append(f"ligne {line} : des cellules remplies hors des colonnes de l'en-tête")
                record = dict(zip(header, cells + [None] * (len(header) - len(cells))))
                yield ReadItem(position, record, payload_of(record))
            if header is None:
                raise ReadError("la feuille est vide")
        finally:
            workbook.close()

    def read_text(self, decoded: DecodedText) -> Iterator[ReadItem]:  # pragma: no cover - binary format
        raise ReadError("un classeur XLSX se lit depuis ses octets, pas depuis un texte")


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
