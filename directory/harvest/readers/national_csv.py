# SPDX-License-Identifier: Apache-2.0
"""National-standard CSV (v1 with `|` lists, or legacy v0.1 with `;`)."""

from __future__ import annotations

from collections.abc import Iterator

from directory.schema import NATIONAL_FIELDS

from ..encoding import DecodedText
from ._csv import csv_items, open_csv
from .base import ReadError, ReadItem, Reader

__all__ = ["NationalCsvReader"]

_REQUIRED = ("id", "nom", "commune", "code_postal", "adresse", "date_maj")


class NationalCsvReader(Reader):
    format = "csv"
    media_types = ("text/csv", "application/csv")
    extensions = (".csv",)

    def read_text(self, decoded: DecodedText) -> Iterator[ReadItem]:
        first_line = decoded.text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        header, rows = open_csv(decoded.text, delimiter)
        header = [h.strip().lstrip("\ufeff").strip('"').strip() for h in header]
        if not any(h in NATIONAL_FIELDS for h in header):
            raise ReadError(
                "aucune colonne du standard national n'a été trouvée dans l'en-tête "
                f"(colonnes lues : {', '.join(header[:8])}…)"
            )
        missing = [name for name in _REQUIRED if name not in header]
        if missing:
            self.file_problems.append(f"colonnes obligatoires absentes : {', '.join(missing)}")
        yield from csv_items(rows, header, self.file_problems)
