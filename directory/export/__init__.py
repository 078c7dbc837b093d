# SPDX-License-Identifier: Apache-2.0
"""Open data out: one writer per format, the vocabularies, the DCAT catalogue.

``WRITERS`` maps a format name to its writer class; a writer streams
``ExportVenue`` objects to a text stream (``Writer.write``). The change feed
comes later.
"""

from .base import DEFAULT_BASE_URL, WRITERS, ExportVenue, Writer, get_writer, register_writer, venue_iri
from .national import national_row
from .schema_org import accessible_for_free, descriptions, street_address, venue_type
from .writers import CsvWriter, DataInclusionWriter, GeoJsonWriter, JsonLdWriter, JsonWriter, TurtleWriter

__all__ = [
    "CsvWriter",
    "DEFAULT_BASE_URL",
    "DataInclusionWriter",
    "ExportVenue",
    "GeoJsonWriter",
    "JsonLdWriter",
    "JsonWriter",
    "TurtleWriter",
    "WRITERS",
    "accessible_for_free",
    "descriptions",
    "street_address",
    "venue_type",
    "Writer",
    "get_writer",
    "national_row",
    "register_writer",
    "venue_iri",
]
