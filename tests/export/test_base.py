# SPDX-License-Identifier: Apache-2.0
"""The writer contract, the registry, ``ExportVenue`` and the schema copy."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, datetime

import pytest
from rdflib import Graph

from directory.export import WRITERS, ExportVenue, Writer, get_writer, register_writer
from directory.export.schemas import NATIONAL_SCHEMA_PATH, NATIONAL_SCHEMA_URI, NATIONAL_SCHEMA_VERSION
from directory.schema import NATIONAL_FIELDS, parse_venue
from directory.store import SourceInfo, is_venue_id, open_store

from .conftest import BASE_URL

EXPECTED = {
    "csv": ("text/csv", "csv"),
    "csv-etendu": ("text/csv", "csv"),
    "json": ("application/json", "json"),
    "dinclusion": ("application/json", "json"),
    "geojson": ("application/geo+json", "geojson"),
    "jsonld": ("application/ld+json", "jsonld"),
    "ttl": ("text/turtle", "ttl"),
}


def test_every_format_is_registered_with_its_media_type_and_extension():
    assert {name: (w.media_type, w.extension) for name, w in WRITERS.items()} == EXPECTED
    for name, writer in WRITERS.items():
        instance = get_writer(name, base_url=BASE_URL)
        assert isinstance(instance, Writer) and instance.name == name
        assert "charset=utf-8" in instance.content_type or not instance.media_type.startswith("text/")
        assert instance.filename().endswith("." + writer.extension)


def test_unknown_format_names_the_known_ones():
    with pytest.raises(KeyError, match="geojson"):
        get_writer("xlsx")


def test_a_writer_missing_write_fails_when_built():
    class Broken(Writer):
        name, media_type, extension = "broken", "text/plain", "txt"

    with pytest.raises(TypeError):
        Broken()


def test_registering_twice_under_one_name_is_refused():
    class Other(Writer):
        name, media_type, extension = "csv", "text/csv", "csv"

        def write(self, venues, stream):
            yield from ()

    with pytest.raises(ValueError, match="csv"):
        register_writer(Other)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_an_empty_export_is_still_a_valid_document(name):
    stream = io.StringIO()
    assert get_writer(name).write_all([], stream) == 0
    text = stream.getvalue()
    if name == "csv":
        assert list(csv.reader(io.StringIO(text))) == [list(NATIONAL_FIELDS)]
    elif name == "csv-etendu":
        assert list(csv.reader(io.StringIO(text))) == [[*NATIONAL_FIELDS, "conditions_frais"]]
    elif name == "ttl":
        assert len(Graph().parse(data=text, format="turtle")) == 0
    else:
        document = json.loads(text)
        expected = {
            "json": [],
            "dinclusion": {"structures": [], "services": []},
            "geojson": {"type": "FeatureCollection", "features": []},
        }
        if name == "jsonld":
            assert document["@graph"] == [] and len(Graph().parse(data=text, format="json-ld")) == 0
        else:
            assert document == expected[name]


def test_write_yields_a_running_count(export_venues):
    counts = list(get_writer("csv").write(export_venues, io.StringIO()))
    assert counts == list(range(1, len(export_venues) + 1))


def test_the_national_id_is_the_permanent_venue_id(tmp_path):
    """From the store: ``id`` is the minted id, never the source's record id."""
    store = open_store(f"sqlite:///{tmp_path / 'directory.db'}", upgrade=True)
    try:
        record = {
            "id": "cnfs-62aaf0cb",
            "pivot": "00000000000000",
            "nom": "Espace numérique",
            "commune": "Lyon",
            "code_postal": "69003",
            "adresse": "39 rue d'Aubigny",
            "date_maj": "2024-01-01",
        }
        venue = parse_venue(record).venue
        at = datetime(2026, 11, 25, 9, tzinfo=UTC)
        with store.writer() as w:
            w.ensure_source(SourceInfo("cnfs", "Conseillers numériques"))
            outcome = w.apply("cnfs", venue.id, venue, at=at)
        exported = ExportVenue.from_stored(store.get_venue(outcome.venue_id), base_url=BASE_URL)
    finally:
        store.close()
    assert exported.url == f"{BASE_URL}/lieux/{outcome.venue_id}"
    assert exported.source == "cnfs" and exported.updated_at is not None
    stream = io.StringIO()
    get_writer("csv").write_all([exported], stream)
    (row,) = csv.DictReader(io.StringIO(stream.getvalue()))
    assert is_venue_id(row["id"]) and row["id"] == outcome.venue_id
    assert row["source"] == "cnfs"


def test_the_table_schema_copy_is_the_official_one():
    descriptor = json.loads(NATIONAL_SCHEMA_PATH.read_text(encoding="utf-8"))
    assert descriptor["uri"] == NATIONAL_SCHEMA_URI and descriptor["version"] == NATIONAL_SCHEMA_VERSION
    assert [f["name"] for f in descriptor["fields"]] == list(NATIONAL_FIELDS)
    readme = (NATIONAL_SCHEMA_PATH.parent / "README.md").read_text(encoding="utf-8")
    # byte for byte the official file: the digest its README records
    assert f"`{hashlib.sha256(NATIONAL_SCHEMA_PATH.read_bytes()).hexdigest()}`" in readme
