# SPDX-License-Identifier: Apache-2.0
"""What every CSV reader does: split the text, read the header, yield rows as records."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from directory.schema import Problem

from .base import ReadError, ReadItem, payload_of

__all__ = ["open_csv", "csv_items"]

csv.field_size_limit(16 * 1024 * 1024)


def open_csv(text: str, delimiter: str) -> tuple[list[str], Iterator[list[str]]]:
    """The header cells and an iterator over the remaining rows.

    :raises ReadError: binary content, an empty file, an unreadable header.
    """
    if "\x00" in text[:4096]:
        raise ReadError("ce fichier n'est pas un fichier texte CSV (octets binaires)")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ReadError("le fichier est vide") from None
    except csv.Error as err:
        raise ReadError(f"la ligne d'en-tête CSV est illisible ({err})") from err
    return header, reader


def csv_items(rows: Iterator[list[str]], header: list[str], file_problems: list[str]) -> Iterator[ReadItem]:
    """Each non-empty row as a record keyed by ``header``; a broken row is a problem, not the end."""
    position = 0
    while True:
        try:
            row = next(rows)
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
            file_problems.append(f"ligne {position + 1} : {len(row)} cellules pour {len(header)} colonnes")
        record = dict(zip(header, row))
        yield ReadItem(position, record, payload_of(record))
