# SPDX-License-Identifier: Apache-2.0
"""The national standard v1.0.2 as a file: CSV, and the flat JSON of the national map.

Both carry the 32 fields in the standard's order, lists as `|`-joined strings
in the Table Schema's spellings (``directory.export.national``). The ``id``
column is the directory's permanent venue id; ``source`` says where the venue
came from (``ExportVenue.source``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, TextIO

from directory.schema import NATIONAL_FIELDS

from ..base import DEFAULT_BASE_URL, ExportVenue, Writer, write_json_array
from ..cells import SafeCsvWriter
from ..national import EXTENSION_FIELDS, NATIONAL_LIMITS, stored_national_values
from ..schemas import NATIONAL_SCHEMA_URI

__all__ = ["CsvWriter", "JsonWriter", "national_record", "national_list"]


_SOURCE = NATIONAL_FIELDS.index("source")


def national_record(venue: ExportVenue, *, extensions: bool = False) -> dict[str, Any]:
    """The venue's national row, with ``source`` from the export's view."""
    names = NATIONAL_FIELDS + (EXTENSION_FIELDS if extensions else ())
    return dict(zip(names, national_list(venue, extensions=extensions)))


def national_list(venue: ExportVenue, *, extensions: bool = False) -> list[Any]:
    """The same values as ``national_record``, in column order."""
    values = stored_national_values(venue.values, extensions=extensions)
    values[_SOURCE] = venue.source or ""
    return values


class CsvWriter(Writer):
    """National standard CSV: UTF-8, `,`, every field quoted, CRLF rows (RFC 4180).

    Text that a spreadsheet would run as a formula (« =HYPERLINK(… », « @SUM(… »)
    gets a leading ``'`` (``SafeCsvWriter``); phone numbers and coordinates do not.

    :param extensions: add this directory's extension columns
        (``conditions_frais``) after the 32; off by default, so the file
        validates against the official Table Schema as it is.
    """

    name: ClassVar[str] = "csv"
    media_type: ClassVar[str] = "text/csv"
    extension: ClassVar[str] = "csv"
    title: ClassVar[str] = "Standard national des lieux de médiation numérique v1.0.2 (CSV)"
    conforms_to: ClassVar[str | None] = NATIONAL_SCHEMA_URI

    def __init__(self, *, base_url: str = DEFAULT_BASE_URL, extensions: bool = False) -> None:
        super().__init__(base_url=base_url)
        self.extensions = extensions

    def write(self, venues: Iterable[ExportVenue], stream: TextIO) -> Iterator[int]:
        writer = SafeCsvWriter(stream, limits=NATIONAL_LIMITS)
        writer.writerow(NATIONAL_FIELDS + (EXTENSION_FIELDS if self.extensions else ()))
        for count, venue in enumerate(venues, start=1):
            writer.writerow(national_list(venue, extensions=self.extensions))
            yield count


class ExtendedCsvWriter(CsvWriter):
    """The national CSV plus, after its 32 columns, this directory's extension columns
    (``EXTENSION_FIELDS``: ``conditions_frais``, « Accepte le Pass numérique »,
    « Adhésion requise »), which the standard cannot say. A tool reading the standard's
    columns by name reads this file too; it is not published as conforming to the schema.
    """

    name: ClassVar[str] = "csv-etendu"
    title: ClassVar[str] = "Standard national v1.0.2 et conditions financières : Pass numérique (CSV étendu)"
    conforms_to: ClassVar[str | None] = None

    def __init__(self, *, base_url: str = DEFAULT_BASE_URL, extensions: bool = True) -> None:
        super().__init__(base_url=base_url, extensions=extensions)

    def filename(self, stem: str = "lieux-mediation-numerique") -> str:
        return f"{stem}.etendu.{self.extension}"


class JsonWriter(Writer):
    """The national map's flat JSON: an array of objects, one per CSV row.

    Same field names and `|`-joined list strings as the CSV; latitude and
    longitude are numbers; an empty field is ``null``.
    """

    name: ClassVar[str] = "json"
    media_type: ClassVar[str] = "application/json"
    extension: ClassVar[str] = "json"
    title: ClassVar[str] = "Standard national des lieux de médiation numérique v1.0.2 (JSON à plat)"
    conforms_to: ClassVar[str | None] = NATIONAL_SCHEMA_URI

    def __init__(self, *, base_url: str = DEFAULT_BASE_URL, extensions: bool = False) -> None:
        super().__init__(base_url=base_url)
        self.extensions = extensions

    def write(self, venues: Iterable[ExportVenue], stream: TextIO) -> Iterator[int]:
        names = NATIONAL_FIELDS + (EXTENSION_FIELDS if self.extensions else ())
        records = (
            dict(zip(names, [None if v == "" else v for v in national_list(venue, extensions=self.extensions)]))
            for venue in venues
        )
        yield from write_json_array(records, stream)
