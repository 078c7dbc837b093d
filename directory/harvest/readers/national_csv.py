# SPDX-License-Identifier: Apache-2.0
"""National-standard CSV (v1 with `|` lists, or legacy v0.1 with `;`)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from directory.schema import NATIONAL_FIELDS, Problem

from ..encoding import DecodedText
from .base import ReadError, ReadItem, Reader, payload_of

__all__ = ["NationalCsvReader"]

_REQUIRED = ("id", "nom", "commune", "code_postal", "adresse", "date_maj")
csv.field_size_limit(16 * 1024 * 1024)


class NationalCsvReader(Reader):
    format = "csv"
    media_types = ("text/csv", "application/csv")
    extensions = (".csv",)

    def read_text(self, decoded: DecodedText) -> Iterator[ReadItem]:
        text = decoded.text
        if "\x00" in text[:4096]:
            raise ReadError("ce fichier n'est pas un fichier texte CSV (octets binaires)")
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise ReadError("le fichier est vide") from None
        except csv.Error as err:
            raise ReadError(f"la ligne d'en-tête CSV est illisible ({err})") from err
        header = [h.strip().lstrip("\ufeff").strip('"').strip() for h in header]
        if not any(h in NATIONAL_FIELDS for h in header):
            raise ReadError(
                "aucune colonne du standard national n'a été trouvée dans l'en-tête "
                f"(colonnes lues : {', '.join(header[:8])}…)"
            )
        missing = [name for name in _REQUIRED if name not in header]
        if missing:
            self.file_problems.append(f"colonnes obligatoires absentes : {', '.join(missing)}")
        position = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                position += 1
                yield ReadItem(position, None, "", [Problem("*", "unreadable_row", None, params=(("reason", str(err)),))])
                continue
            if not any(cell.strip() for cell in row):
                continue
            position += 1
            record = dict(zip(header, row))
            if len(row) != len(header):
                self.file_problems.append(
                    f"ligne {position + 1} : {len(row)} cellules pour {len(header)} colonnes"
                )
            yield ReadItem(position, record, payload_of(record))
