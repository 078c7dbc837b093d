# SPDX-License-Identifier: Apache-2.0
"""Readers, one per input format, found by name or by file extension."""

from __future__ import annotations

from pathlib import Path

from .base import Reader, ReadError, ReadItem
from .dinclusion import DataInclusionReader
from .geojson import GeoJsonReader
from .instance_feed import FeedReader
from .national_csv import NationalCsvReader
from .national_json import NationalJsonReader
from .table_csv import TableCsvReader
from .table_json import TableJsonReader
from .xlsx import XlsxReader

__all__ = ["READERS", "ReadError", "ReadItem", "Reader", "reader_for"]

#: Short format name → reader class. Built-ins are registered like any other.
#: The national readers come first: ``reader_for("x.csv")`` picks them.
READERS: dict[str, type[Reader]] = {
    NationalCsvReader.format: NationalCsvReader,  # "csv"
    NationalJsonReader.format: NationalJsonReader,  # "json"
    "national-csv": NationalCsvReader,  # explicit names for source files
    "national-json": NationalJsonReader,
    TableCsvReader.format: TableCsvReader,  # any columns, for a [mapping]
    TableJsonReader.format: TableJsonReader,
    GeoJsonReader.format: GeoJsonReader,
    XlsxReader.format: XlsxReader,
    DataInclusionReader.format: DataInclusionReader,
    FeedReader.format: FeedReader,  # "instance-feed": another instance's change feed
}


def reader_for(path: str | Path | None = None, format: str | None = None) -> Reader:
    """A new reader for ``format``, or guessed from the file's extension."""
    if format is not None:
        if format not in READERS:
            raise ReadError(f"format inconnu « {format} » (formats connus : {', '.join(sorted(READERS))})")
        return READERS[format]()
    suffix = Path(path or "").suffix.lower()
    for reader in READERS.values():
        if suffix in reader.extensions:
            return reader()
    raise ReadError(
        f"impossible de deviner le format de « {Path(path or '').name} » : "
        f"extension attendue parmi {', '.join(sorted(e for r in READERS.values() for e in r.extensions))}"
    )
