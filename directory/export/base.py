# SPDX-License-Identifier: Apache-2.0
"""The writer contract, what a writer is given, and the registry of writers.

A writer turns an iterable of ``ExportVenue`` into one document on a text
stream, one venue at a time: it never holds the whole export in memory, so a
100k-venue export costs what one venue costs. ``write`` is a generator that
yields the running count after each venue (for progress bars and logs);
nothing is written until it is iterated (``write_all`` drains it).

Built-in writers register themselves through ``register_writer`` in
``directory.export.writers``, the one table a reader looks at; an
out-of-tree writer registers the same way.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from directory.schema import PRECISION_CODES, Venue, precision
from directory.store import values_to_venue

from .national import stored_values

if TYPE_CHECKING:
    from directory.store import StoredVenue

__all__ = [
    "DEFAULT_BASE_URL",
    "ExportVenue",
    "Writer",
    "WRITERS",
    "register_writer",
    "get_writer",
    "venue_iri",
    "dump_json",
    "write_json_array",
    "write_json_groups",
]

#: Used when an instance has not said where it lives (``public_url``). IRIs
#: and links built on it are placeholders, never meant for publication.
DEFAULT_BASE_URL = "http://localhost:8000"


def venue_iri(base_url: str, venue_id: str) -> str:
    """The venue's IRI and public page: ``{base_url}/lieux/{id}``."""
    return f"{base_url.rstrip('/')}/lieux/{venue_id}"


class ExportVenue:
    """A venue and what exports need beyond the standard's 32 fields.

    ``id`` is the permanent id minted by the store (never a source id): it
    is what the national ``id`` column and every IRI carry.

    An export venue holds either a ``Venue`` or the store's values of one
    (``from_row``, the whole-directory exports): writers that only need the
    national values read ``values`` and no ``Venue`` is ever built; ``venue``
    is built from the values the first time a writer asks for it.

    :param source: where the venue came from, written in the national
        ``source`` column (« structure collectant la donnée »).
    :param updated_at: when the directory last changed the venue.
    :param url: the venue's public page (also its IRI).
    :param geo_method: how the point was obtained (``directory.schema.placement``);
        with ``values``, their ``geo_method`` when present.
    """

    __slots__ = ("_values", "_venue", "geo_method", "source", "updated_at", "url")

    def __init__(
        self,
        venue: Venue | None = None,
        source: str | None = None,
        updated_at: datetime | None = None,
        url: str | None = None,
        *,
        values: Mapping[str, Any] | None = None,
        geo_method: str | None = None,
    ) -> None:
        if venue is None and values is None:
            raise TypeError("ExportVenue needs a venue or its stored values")
        self._venue = venue
        self._values = values
        self.source = source
        self.updated_at = updated_at
        self.url = url
        self.geo_method = geo_method if geo_method is not None or values is None else values.get("geo_method")

    def __repr__(self) -> str:
        return f"ExportVenue(id={self.id!r}, source={self.source!r}, updated_at={self.updated_at!r}, url={self.url!r})"

    @property
    def id(self) -> str:
        return self._venue.id if self._venue is not None else self.values["id"]

    @property
    def venue(self) -> Venue:
        if self._venue is None:
            self._venue = values_to_venue(self.values["id"], self.values)
        return self._venue

    @property
    def values(self) -> Mapping[str, Any]:
        """The venue in the store's form, ``id`` included (``national.stored_values``)."""
        if self._values is None:
            self._values = stored_values(self.venue)  # one of the two is always given (``__init__``)
        return self._values

    @property
    def point(self) -> tuple[float, float] | None:
        """(latitude, longitude), or None: ``Venue.point`` without building the venue."""
        if self._venue is not None:
            return self._venue.point
        latitude, longitude = self.values["latitude"], self.values["longitude"]
        return None if latitude is None or longitude is None else (latitude, longitude)

    @property
    def position_precision(self) -> str | None:
        """What the exports say of the point: ``adresse``, ``rue`` or ``commune`` (None without a point)."""
        return None if self.point is None else PRECISION_CODES[precision(self.geo_method)]

    @classmethod
    def from_stored(cls, stored: StoredVenue, *, base_url: str = DEFAULT_BASE_URL) -> ExportVenue:
        """From the store's view: the venue's own ``source`` if it has one,
        else the ids of the sources that feed it."""
        return cls(
            venue=stored.venue,
            source=_source(stored.venue.source, stored.sources),
            updated_at=stored.updated_at,
            url=venue_iri(base_url, stored.venue.id),
            geo_method=stored.geo_method,
        )

    @classmethod
    def from_row(
        cls, values: Mapping[str, Any], sources: Sequence[tuple[str, str]], *, base_url: str = DEFAULT_BASE_URL
    ) -> ExportVenue:
        """From one of the store's ``iter_venue_rows``: the same as ``from_stored``
        on the same venue, without building a ``Venue`` (``geo_method`` when the row has it)."""
        return cls(
            values=values,
            source=_source(values["source"], sources),
            updated_at=values["updated_at"],
            url=venue_iri(base_url, values["id"]),
        )

    @classmethod
    def from_venue(cls, venue: Venue, *, base_url: str = DEFAULT_BASE_URL) -> ExportVenue:
        """A bare venue (tests, files converted without a store)."""
        return cls(venue=venue, source=venue.source, url=venue_iri(base_url, venue.id))


def _source(own: str | None, sources: Sequence[tuple[str, str]]) -> str | None:
    """The venue's own ``source``, else the ids of the sources feeding it, once each."""
    if not own and sources:
        return ", ".join(dict.fromkeys(source_id for source_id, _ in sources))
    return own


class Writer(abc.ABC):
    """Writes venues to a text stream in one format.

    Subclasses declare ``name`` (the registry key and CLI value),
    ``media_type`` (IANA, without parameters), ``extension`` (file suffix,
    no dot) and ``conforms_to`` (the IRI of the standard the output follows,
    for the DCAT catalogue), and implement ``write``. Options common to all
    writers are keyword arguments of the constructor.

    :param base_url: the instance's public address, for links and IRIs.
    """

    name: ClassVar[str]
    media_type: ClassVar[str]
    extension: ClassVar[str]
    title: ClassVar[str] = ""
    conforms_to: ClassVar[str | None] = None

    def __init__(self, *, base_url: str = DEFAULT_BASE_URL) -> None:
        self.base_url = base_url.rstrip("/")

    @property
    def content_type(self) -> str:
        """The HTTP ``Content-Type``: every writer writes UTF-8."""
        return f"{self.media_type}; charset=utf-8" if self.media_type.startswith("text/") else self.media_type

    def filename(self, stem: str = "lieux-mediation-numerique") -> str:
        return f"{stem}.{self.extension}"

    def url_of(self, venue: ExportVenue) -> str:
        return venue.url or venue_iri(self.base_url, venue.id)

    @abc.abstractmethod
    def write(self, venues: Iterable[ExportVenue], stream: TextIO) -> Iterator[int]:
        """Write the document, one venue at a time.

        :param venues: consumed once, lazily (a generator over the store is fine).
        :param stream: a text stream opened with ``encoding="utf-8", newline=""``.
        :returns: a generator yielding the number of venues written so far,
            after each venue; the document is complete once it is exhausted
            (an empty export yields nothing and still writes a valid document).
        """

    def write_all(self, venues: Iterable[ExportVenue], stream: TextIO) -> int:
        """Write everything; returns the number of venues written."""
        count = 0
        for written in self.write(venues, stream):
            count = written
        return count


#: Writers by name, in the order they were registered.
WRITERS: dict[str, type[Writer]] = {}


def register_writer(writer: type[Writer]) -> type[Writer]:
    """Add a writer class to ``WRITERS`` (usable as a class decorator)."""
    for attribute in ("name", "media_type", "extension"):
        if not isinstance(getattr(writer, attribute, None), str):
            raise TypeError(f"{writer.__name__} must declare {attribute}")
    if writer.name in WRITERS and WRITERS[writer.name] is not writer:
        raise ValueError(f"a writer is already registered as {writer.name!r}")
    WRITERS[writer.name] = writer
    return writer


def get_writer(name: str, **options: Any) -> Writer:
    """A writer instance by registry name; ``KeyError`` names the known ones."""
    try:
        writer = WRITERS[name]
    except KeyError:
        raise KeyError(f"format inconnu : {name!r} (formats : {', '.join(WRITERS)})") from None
    return writer(**options)


def dump_json(value: Any) -> str:
    """Compact JSON, UTF-8 text kept as is, safe to embed in an HTML page.

    ``<``, ``>`` and ``&`` can only occur inside JSON strings; escaping them
    (``\\u003c``…) keeps a description holding ``</script>`` inert when the
    document is inlined in ``<script type="application/ld+json">``.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if "<" in text or ">" in text or "&" in text:
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text


def write_json_array(items: Iterable[Any], stream: TextIO, *, prefix: str = "[", suffix: str = "]") -> Iterator[int]:
    """Write ``prefix``, the items as JSON separated by commas, one a line, then ``suffix``.

    Yields the running count after each item. The shared shape of the JSON
    writers: the document around the array is theirs, the array is streamed.
    """
    return write_json_groups(([item] for item in items), stream, prefix=prefix, suffix=suffix)


def write_json_groups(
    groups: Iterable[Iterable[Any]], stream: TextIO, *, prefix: str = "[", suffix: str = "]"
) -> Iterator[int]:
    """``write_json_array`` of the items of each group in turn (a venue's several items), yielding the
    running count of groups that gave at least one item, after each."""
    stream.write(prefix)
    items = count = 0
    for group in groups:
        before = items
        for item in group:
            stream.write("\n" if items == 0 else ",\n")
            stream.write(dump_json(item))
            items += 1
        if items > before:
            count += 1
            yield count
    stream.write("\n" + suffix if items else suffix)
