# SPDX-License-Identifier: Apache-2.0
"""National-standard CSV (v1 with `|` lists, or legacy v0.1 with `;`).

Cells this directory's exports neutralised for spreadsheets (« '=… », see
``directory.schema.cells``) are read back as they were: an instance harvesting
another's CSV export gets the same text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from directory.schema import NATIONAL_FIELDS, restore

from ._csv import CsvReader, csv_items, open_csv, peek_lines
from .base import ReadError, ReadItem

__all__ = ["NationalCsvReader"]

_REQUIRED = ("id", "nom", "commune", "code_postal", "adresse", "date_maj")


class NationalCsvReader(CsvReader):
    format = "csv"
    media_types = ("text/csv", "application/csv")
    extensions = (".csv",)

    def read_lines(self, lines: Iterable[str]) -> Iterator[ReadItem]:
        head, lines = peek_lines(lines)
        first_line = head[0] if head else ""
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        header, rows = open_csv(head, lines, delimiter)
        header = [h.strip().lstrip("\ufeff").strip('"').strip() for h in header]
        if not any(h in NATIONAL_FIELDS for h in header):
            raise ReadError(
                "aucune colonne du standard national n'a été trouvée dans l'en-tête "
                f"(colonnes lues : {', '.join(header[:8])}…)"
            )
        missing = [name for name in _REQUIRED if name not in header]
        if missing:
            self.file_problems.append(f"colonnes obligatoires absentes : {', '.join(missing)}")
        for item in csv_items(rows, header, self.file_problems):
            # restore only changes a cell that starts with a single quote: most rows have none (their text says so)
            if item.record is not None and "'" in item.payload:
                item.record = {
                    name: restore(value) if isinstance(value, str) else value for name, value in item.record.items()
                }
            yield item
