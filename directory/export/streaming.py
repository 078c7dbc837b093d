# SPDX-License-Identifier: Apache-2.0
"""A writer's document as byte chunks, for HTTP responses and files alike."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from typing import TextIO, cast

from directory.store import ROW_COLUMNS, Store, VenueFilter

from .base import DEFAULT_BASE_URL, ExportVenue, Writer

__all__ = ["CHUNK_CHARS", "export_chunks"]

CHUNK_CHARS = 128 * 1024  # each chunk is a thread hop in a streamed response (~0.3 ms): fewer, larger ones
_SPOOL_MAX = 1024 * 1024  # a writer's longer tail (data·inclusion services) goes to disk
BATCH = 1000
#: What an export reads of each venue: its fields, and how its point was obtained.
COLUMNS = (*ROW_COLUMNS, "geo_method")


def export_chunks(
    store: Store,
    writer: Writer,
    venue_filter: VenueFilter | None = None,
    *,
    base_url: str = DEFAULT_BASE_URL,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The writer's document as UTF-8 chunks of about ``CHUNK_CHARS`` characters.

    Venues are read from the store a batch at a time and written one by one
    into a buffer, which is handed out and emptied whenever it is full: memory
    stays flat whatever the size of the directory.

    :param progress: called with the number of venues written so far.
    """
    venues = (
        ExportVenue.from_row(row, sources, base_url=base_url)
        for row, sources in store.iter_venue_rows(venue_filter, batch=BATCH, columns=COLUMNS)
    )
    with tempfile.SpooledTemporaryFile(_SPOOL_MAX, mode="w+", encoding="utf-8", newline="") as spooled:
        buffer = cast(TextIO, spooled)  # a text stream in mode "w+"; typeshed only says IO[str]
        for count in writer.write(venues, buffer):
            if progress is not None:
                progress(count)
            if buffer.tell() >= CHUNK_CHARS:
                yield from _drain(buffer)
        yield from _drain(buffer)


def _drain(buffer: TextIO) -> Iterator[bytes]:
    buffer.seek(0)
    while piece := buffer.read(CHUNK_CHARS):
        yield piece.encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
