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
from ._header import widened
from .base import Reader, ReadError, ReadItem, payload_of

__all__ = ["CsvReader", "open_csv", "csv_items", "text_lines"]

csv.field_size_limit(16 * 1024 * 1024)

#: Lines looked at to guess the delimiter.
HEAD_LINES = 20
#: Characters looked at to tell a text file from a binary one.
_SAMPLE = 4096
_CONTROLS = frozenset(chr(c) for c in range(32)) - set("\t\n\r\v\f")


class CsvReader(Reader):
    """A reader of delimited text: subclasses say how to turn lines into records."""

    def read_stream(self, stream: BinaryIO, declared_encoding: str | None = None) -> Iterator[ReadItem]:
        text, self.encoding = open_text(stream, declared_encoding)
        return self.read_lines(text_lines(text, self.file_problems))

    def read_text(self, decoded: DecodedText) -> Iterator[ReadItem]:
        return self.read_lines(text_lines(io.StringIO(decoded.text, newline=""), self.file_problems))

    @abc.abstractmethod
    def read_lines(self, lines: Iterable[str]) -> Iterator[ReadItem]:
        """Yield every record of the text given line by line (line ends kept, NUL characters removed)."""


def peek_lines(lines: Iterable[str]) -> tuple[list[str], Iterator[str]]:
    """The first lines (to sniff the format) and an iterator over all of them, those included."""
    rest = iter(lines)
    head = list(islice(rest, HEAD_LINES))
    return head, chain(head, rest)


def text_lines(lines: Iterable[str], file_problems: list[str]) -> Iterator[str]:
    """The lines of a text file, stray NUL characters removed (``file_problems`` says on which lines).

    :raises ReadError: a binary file: a ZIP archive (an XLSX workbook), or control characters
        (NUL…) making more than one in a hundred, and at least four, of its first 4,096 characters.
    """
    head, lines = peek_lines(lines)
    sample = "".join(head)[:_SAMPLE]
    if sample.startswith("PK\x03\x04"):
        raise ReadError(
            'ce fichier est une archive ZIP, pas un fichier texte CSV : pour un classeur Excel, écrire format = "xlsx"'
        )
    controls = sum(c in _CONTROLS for c in sample)
    if controls >= 4 and controls * 100 > len(sample):
        raise ReadError(
            f"ce fichier n'est pas un fichier texte CSV (octets binaires : {controls} caractères de contrôle "
            f"parmi les {len(sample)} premiers)"
        )
    stray: list[int] = []
    for number, line in enumerate(lines, start=1):
        if "\x00" in line:
            stray.append(number)
            line = line.replace("\x00", "")
        yield line
    if stray:
        where = ", ".join(map(str, stray[:10])) + (f" et {len(stray) - 10} autres" if len(stray) > 10 else "")
        file_problems.append(
            f"caractères nuls (octet 0) retirés du texte, ligne{'s' if len(stray) > 1 else ''} {where}"
        )


def open_csv(head: list[str], lines: Iterator[str], delimiter: str) -> tuple[list[str], CsvRows]:
    """The header cells and the rows that follow.

    :raises ReadError: an empty file, an unreadable header.
    """
    rows = CsvRows(lines, delimiter)
    try:
        header = next(rows)
    except StopIteration:
        raise ReadError("le fichier est vide") from None
    except csv.Error as err:
        raise ReadError(f"la ligne d'en-tête CSV est illisible ({err})") from err
    rows.take_text()
    return header, rows


class CsvRows:
    """A ``csv`` reader that keeps the text of the row it just read (:meth:`take_text`): the
    lenient reader takes a quote left open at the end of the file as a last cell running to the
    end, and only the row's text, read again strictly, tells a transfer cut inside a quoted cell."""

    def __init__(self, lines: Iterator[str], delimiter: str) -> None:
        self._taken: list[str] = []
        self._lines = lines
        self.delimiter = delimiter
        self._reader = csv.reader(self._recorded(), delimiter=delimiter)

    def _recorded(self) -> Iterator[str]:
        for line in self._lines:
            self._taken.append(line)
            yield line

    def __iter__(self) -> CsvRows:
        return self

    def __next__(self) -> list[str]:
        return next(self._reader)

    @property
    def line_num(self) -> int:
        return self._reader.line_num

    def take_text(self) -> str:
        """The text read since the last call: the lines of the row (or broken row) just read."""
        text = "".join(self._taken)
        self._taken.clear()
        return text

    def quote_left_open(self, text: str) -> bool:
        """Whether ``text`` (one row) ends inside a quoted cell."""
        try:
            for _ in csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter, strict=True):
                pass
        except csv.Error as err:
            return "unexpected end of data" in str(err)
        return False


def csv_items(rows: CsvRows, header: list[str], file_problems: list[str], skipped: int = 0) -> Iterator[ReadItem]:
    """Each non-empty row as a record keyed by ``header``; a broken row is a problem, not the end.

    A row with fewer cells than the header has the others empty, one with more keeps them
    (``colonne_N``): a record, quarantined or not, holds every cell of its row under a column name.
    The last row is cut short (a broken transfer) when it has fewer cells than the rows before it,
    or ends inside a quoted cell. ``skipped``: lines of the file above those ``rows`` reads (line
    numbers in ``file_problems``)."""
    position = 0
    width = len(header)  # the previous row's: a last row shorter than a full one before it was cut
    for row, last, line in _with_last(rows):
        if row is None:
            position += 1
            yield ReadItem(position, None, "", [Problem("*", "unreadable_row", None, params=(("reason", last),))])
            continue
        if not any(cell.strip() for cell in row):
            continue
        position += 1
        keys = header
        problems: list[Problem] = []
        if last == _OPEN_QUOTE:
            problems.append(Problem("*", "truncated_quote", None, params=(("line", skipped + line),)))
        if len(row) != len(header):
            file_problems.append(f"ligne {skipped + line} : {len(row)} cellules pour {len(header)} colonnes")
            if last and len(row) < len(header) <= width and not problems:
                problems.append(
                    Problem("*", "truncated_row", None, params=(("cells", len(row)), ("columns", len(header))))
                )
            keys = widened(header, len(row))
            row = row + [""] * (len(keys) - len(row))
        width = len(row)
        record = dict(zip(keys, row))
        yield ReadItem(position, record, payload_of(record), problems)


_OPEN_QUOTE = "quote"  # _with_last's word for a last row whose text ends inside a quoted cell


def _with_last(rows: CsvRows) -> Iterator[tuple[list[str] | None, bool | str, int]]:
    """Each row, whether it is the file's last (True, or :data:`_OPEN_QUOTE` when its text ends
    inside a quoted cell; for a broken row: None and the reason) and its line number, read one
    row ahead."""
    pending: tuple[list[str], int, str] | None = None
    while True:
        try:
            row = next(rows)
        except StopIteration:
            if pending is not None:
                open_quote = rows.quote_left_open(pending[2])
                yield pending[0], _OPEN_QUOTE if open_quote else True, pending[1]
            return
        except csv.Error as err:
            rows.take_text()
            if pending is not None:
                yield pending[0], False, pending[1]
                pending = None
            yield None, str(err), rows.line_num
            continue
        if pending is not None:
            yield pending[0], False, pending[1]
        pending = (row, rows.line_num, rows.take_text())
