# SPDX-License-Identifier: Apache-2.0
"""The reader contract: bytes in, records (or per-record problems) out."""

from __future__ import annotations

import abc
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar, Protocol

import orjson

from directory.schema import Problem

from ..encoding import DecodedText, decode

if TYPE_CHECKING:
    from datetime import datetime

    from directory.store import SourceState, Writer

    from ..fetch import Fetcher, FetchResult
    from ..run import HarvestReport
    from ..sources import SourceConfig

__all__ = ["Following", "Reader", "ReadItem", "ReadError"]


class ReadError(Exception):
    """The file as a whole cannot be read (not CSV, not JSON…); message in French."""


@dataclass(slots=True)
class ReadItem:
    """One record of a file, as a dict of fields, and its text as received."""

    position: int  # 1 = first record
    record: dict[str, Any] | None
    payload: str
    problems: list[Problem] = field(default_factory=list)


class Following(Protocol):
    """How a harvest takes a format that is a change feed rather than a file or an API's pages."""

    def fetch(
        self, fetcher: Fetcher, source: SourceConfig, state: SourceState, report: HarvestReport
    ) -> list[FetchResult] | None:
        """Every page since the source's cursor; None when nothing is new."""
        ...

    def finish(
        self,
        writer: Writer,
        source: SourceConfig,
        state: SourceState,
        pages: list[FetchResult],
        report: HarvestReport,
        at: datetime,
    ) -> None:
        """Withdraw what the pages said is gone (never by absence), and keep the new cursor."""
        ...


class Reader(abc.ABC):
    """Turns the bytes of one file into records.

    A reader never stops on a bad record: it yields the record with its
    problems, and the import goes on. ``ReadError`` is for a file that cannot
    be read at all.
    """

    #: Short name in the registry and in source files (``format = "csv"``).
    format: ClassVar[str]
    media_types: ClassVar[tuple[str, ...]] = ()
    extensions: ClassVar[tuple[str, ...]] = ()
    #: For a change feed, how a harvest fetches it and what it withdraws; None (files, an API's
    #: pages): the run fetches every page, and what is no longer there is withdrawn.
    following: ClassVar[Following | None] = None

    def __init__(self) -> None:
        self.encoding: str | None = None
        self.file_problems: list[str] = []  # French sentences about the whole file
        self.file_notes: list[str] = []  # French sentences on how it was read (a header found below a title)

    def read(self, data: bytes, declared_encoding: str | None = None) -> Iterator[ReadItem]:
        """Every record of a file held in memory."""
        return self.read_stream(io.BytesIO(data), declared_encoding)

    def read_stream(self, stream: BinaryIO, declared_encoding: str | None = None) -> Iterator[ReadItem]:
        """Every record of a binary stream, which must stay open while the records are read.

        This default reads the whole document at once, as a JSON document must
        be; formats read record by record override it (CSV).
        """
        decoded = decode(stream.read(), declared_encoding)
        self.encoding = decoded.encoding
        return self.read_text(decoded)

    @abc.abstractmethod
    def read_text(self, decoded: DecodedText) -> Iterator[ReadItem]:
        """Yield every record of the decoded file, in order."""


def payload_of(record: Any) -> str:
    """The record as received, as JSON text, keys in their order (orjson: this runs once per record)."""
    try:
        return orjson.dumps(record, default=str).decode()
    except orjson.JSONEncodeError:  # lone surrogates, integers beyond 64 bits
        return json.dumps(record, ensure_ascii=False, sort_keys=False, default=str)
