# SPDX-License-Identifier: Apache-2.0
"""What every CSV reader does: read the text a line at a time, read the
header, yield rows as records. A large file is never held whole in memory."""

from __future__ import annotations

import abc
import csv
import io
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from typing import BinaryIO

from directory.schema import Problem

from ..encoding import DecodedText, open_text
from .base import ReadError, ReadItem, Reader, payload_of

__all__ = ["CsvReader", "open_csv", "csv_items"]

csv.field_size_limit(16 * 1024 * 1024)

#: Lines looked at to guess the delimiter.
HEAD_LINES = 20


class CsvReader(Reader):
    """A reader of delimited text: subclasses say how to turn lines into records."""

    def read_stream(self, stream: BinaryIO, declared_encoding: str | None = None) -> Iterator[ReadItem]:
        text, self.encoding = open_text(stream, declared_encoding)
        return self.read_lines(text)

    def read_text(self, decoded: DecodedText) -> Iterator[ReadItem]:
        return self.read_lines(io.StringIO(decoded.text, newline=""))

    @abc.abstractmethod
    def read_lines(self, lines: Iterable[str]) -> Iterator[ReadItem]:
        """Yield every record of the text given line by line (line ends kept)."""


def peek_lines(lines: Iterable[str]) -> tuple[list[str], Iterator[str]]:
    """The first lines (to sniff the format) and an iterator over all of them, those included."""
    rest = iter(lines)
    head = list(islice(rest, HEAD_LINES))
    return head, chain(head, rest)


def open_csv(head: list[str], lines: Iterator[str], delimiter: str) -> tuple[list[str], Iterator[list[str]]]:
    """The header cells and an iterator over the remaining rows.

    :raises ReadError: binary content, an empty file, an unreadable header.
    """
    if "\x00" in "".join(head)[:4096]:
        raise ReadError("ce fichier n'est pas un fichier texte CSV (octets binaires)")
    reader = csv.reader(lines, delimiter=delimiter)
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
