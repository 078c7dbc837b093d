# SPDX-License-Identifier: Apache-2.0
"""Any CSV with a header row: a commune's or a network's own columns.

The delimiter is sniffed (``,`` ``;`` tab ``|``) unless the source file gives
one (``[reader] delimiter = ";"``). Records are dicts keyed by the header as
written (trimmed); a ``[mapping]`` then says which column is which field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from directory.schema import Problem

from ..encoding import DecodedText
from .base import ReadError, ReadItem, Reader, payload_of

__all__ = ["TableCsvReader", "unique_header"]

_DELIMITERS = (",", ";", "\t", "|")


class TableCsvReader(Reader):
    format = "table-csv"
    media_types = ("text/csv",)
    extensions = (".csv", ".tsv")
    options = ("delimiter",)

    def __init__(self, *, delimiter: str | None = None) -> None:
        super().__init__()
        if delimiter is not None and len(delimiter) != 1:
            raise ReadError(f"séparateur CSV invalide « {delimiter} » : un seul caractère attendu")
        self.delimiter = delimiter

    def read_text(self, decoded: DecodedText) -> Iterator[ReadItem]:
        text = decoded.text
        if "\x00" in text[:4096]:
            raise ReadError("ce fichier n'est pas un fichier texte CSV (octets binaires)")
        delimiter = self.delimiter or sniff_delimiter(text)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = unique_header(next(reader))
        except StopIteration:
            raise ReadError("le fichier est vide") from None
        except csv.Error as err:
            raise ReadError(f"la ligne d'en-tête CSV est illisible ({err})") from err
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
            if len(row) != len(header):
                self.file_problems.append(f"ligne {position + 1} : {len(row)} cellules pour {len(header)} colonnes")
            record = dict(zip(header, row))
            yield ReadItem(position, record, payload_of(record))


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
