# SPDX-License-Identifier: Apache-2.0
"""Open data out: one writer per format, the vocabularies, the DCAT catalogue.

``WRITERS`` maps a format name to its writer class; a writer streams
``ExportVenue`` objects to a text stream (``Writer.write``). The change feed
comes later.
"""

from .base import DEFAULT_BASE_URL, WRITERS, ExportVenue, Writer, get_writer, register_writer, venue_iri
from .catalogue_file import CatalogueFile, read_catalogue_file
from .dcat import ETALAB_2, CatalogMetadata, ContactPoint, Publisher, catalog_graph
from .national import national_row, stored_national_row
from .schema_org import accessible_for_free, descriptions, street_address, venue_type
from .schemas import NATIONAL_SCHEMA_PATH, NATIONAL_SCHEMA_URI, NATIONAL_SCHEMA_VERSION
from .streaming import export_chunks
from .territory import (
    DEPARTEMENT,
    INSEE,
    MESSAGES,
    POSTCODE,
    SIREN,
    TERRITORY_PARAMETERS,
    Territory,
    read_territory,
    territory_from_query,
)
from .vocabularies import vocabularies_graph
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
    "stored_national_row",
    "register_writer",
    "venue_iri",
    "CatalogMetadata",
    "ContactPoint",
    "ETALAB_2",
    "Publisher",
    "catalog_graph",
    "CatalogueFile",
    "read_catalogue_file",
    "DEPARTEMENT",
    "INSEE",
    "MESSAGES",
    "POSTCODE",
    "SIREN",
    "TERRITORY_PARAMETERS",
    "Territory",
    "read_territory",
    "territory_from_query",
    "NATIONAL_SCHEMA_PATH",
    "NATIONAL_SCHEMA_URI",
    "NATIONAL_SCHEMA_VERSION",
    "export_chunks",
    "vocabularies_graph",
]
