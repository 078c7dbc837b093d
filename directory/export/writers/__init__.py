# SPDX-License-Identifier: Apache-2.0
"""The built-in writers, one module per family of formats.

This is the one table of built-in formats: each goes through
``register_writer`` as an out-of-tree writer would.

| name | class | media type |
| --- | --- | --- |
| ``csv`` | ``CsvWriter`` | ``text/csv`` |
| ``csv-etendu`` | ``ExtendedCsvWriter`` | ``text/csv`` (the 32 columns, then ``conditions_frais``) |
| ``json`` | ``JsonWriter`` | ``application/json`` |
| ``dinclusion`` | ``DataInclusionWriter`` | ``application/json`` |
| ``geojson`` | ``GeoJsonWriter`` | ``application/geo+json`` |
| ``jsonld`` | ``JsonLdWriter`` | ``application/ld+json`` |
| ``ttl`` | ``TurtleWriter`` | ``text/turtle`` |
"""

from __future__ import annotations

from ..base import register_writer
from .dinclusion import DataInclusionWriter
from .geojson import GeoJsonWriter
from .linked_data import JsonLdWriter, TurtleWriter
from .table import CsvWriter, ExtendedCsvWriter, JsonWriter

__all__ = [
    "CsvWriter",
    "ExtendedCsvWriter",
    "JsonWriter",
    "DataInclusionWriter",
    "GeoJsonWriter",
    "JsonLdWriter",
    "TurtleWriter",
]

for _writer in (
    CsvWriter,
    ExtendedCsvWriter,
    JsonWriter,
    DataInclusionWriter,
    GeoJsonWriter,
    JsonLdWriter,
    TurtleWriter,
):
    register_writer(_writer)
