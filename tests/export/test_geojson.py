# SPDX-License-Identifier: Apache-2.0
"""GeoJSON: a valid FeatureCollection (geometries checked with shapely),
properties that read back into the same venues."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest

try:  # shapely is not a dependency of the project: without it, checked by hand
    from shapely.geometry import shape
except ImportError:  # pragma: no cover
    shape = None

from directory.export import ExportVenue, GeoJsonWriter
from directory.export.streaming import export_chunks
from directory.export.writers.geojson import feature as venue_feature
from directory.harvest.readers import GeoJsonReader
from directory.schema import NATIONAL_FIELDS, parse_venue
from directory.store import SourceInfo, open_store, utcnow

from ..web.test_itinerant import BUS
from .conftest import BASE_URL, TODAY
from .test_national import comparable


def write(export_venues, **options):
    stream = io.StringIO()
    GeoJsonWriter(base_url=BASE_URL, **options).write_all(export_venues, stream)
    return json.loads(stream.getvalue())


@pytest.fixture(scope="module")
def collection(export_venues):
    return write(export_venues)


def test_a_feature_collection_of_points(collection, venues):
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == len(venues)
    by_id = {v.id: v for v in venues}
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        venue = by_id[feature["id"]]
        if venue.point is None:
            assert feature["geometry"] is None
            continue
        assert feature["geometry"]["type"] == "Point"
        x, y = feature["geometry"]["coordinates"]  # RFC 7946: [longitude, latitude]
        assert all(isinstance(c, float) for c in (x, y)) and -180 <= x <= 180 and -90 <= y <= 90
        assert (x, y) == (venue.longitude, venue.latitude)
        if shape is not None:
            geometry = shape(feature["geometry"])
            assert geometry.geom_type == "Point" and geometry.is_valid and not geometry.is_empty


def test_a_venue_without_coordinates_has_a_null_geometry(collection):
    bus = next(f for f in collection["features"] if f["id"] == "hostile-bus")
    assert bus["geometry"] is None and bus["properties"]["nom"] == "Bus France Services"


def test_located_only_leaves_unlocated_venues_out(export_venues):
    ids = {f["id"] for f in write(export_venues, located_only=True)["features"]}
    assert "hostile-bus" not in ids and len(ids) == len(export_venues) - 1


_EXTRA = ("url", "precision_position", "methode_position")


def test_properties_are_the_national_fields_plus_the_page_and_the_point_s_precision(collection, venues):
    back = {}
    for feature in collection["features"]:
        properties = feature["properties"]
        assert list(properties) == [*NATIONAL_FIELDS, "conditions_frais", *_EXTRA]
        assert properties["url"] == f"{BASE_URL}/lieux/{feature['id']}"
        # bare venues: the producer's point, or none
        assert properties["precision_position"] == ("adresse" if feature["geometry"] else None)
        result = parse_venue({k: v for k, v in properties.items() if k not in _EXTRA}, today=TODAY)
        assert result.venue is not None and not result.warnings, result.problems
        back[result.venue.id] = result.venue
    # « Accepte le Pass numérique » (conditions_frais) comes back too.
    assert back == {v.id: replace(comparable(v), conditions_frais=v.conditions_frais) for v in venues}
    assert any(v.conditions_frais for v in venues)


def test_southern_and_western_points_keep_their_sign(collection):
    points = {f["id"]: f["geometry"]["coordinates"] for f in collection["features"] if f["geometry"]}
    assert points["hostile-overseas"] == [166.458, -22.2758]
    assert points["hostile-pipe-url"] == [-1.566, 47.21]


# --- the stops of itinerant offers (« arrêts »): Point features of their own -------------------------


def _rfc7946_features(document: dict) -> list[dict]:
    """The features of a FeatureCollection, each checked against RFC 7946 (§3.1.2 Point, §3.2
    Feature, §3.3 FeatureCollection): a Point's position is [longitude, latitude] in range."""
    assert document["type"] == "FeatureCollection" and isinstance(document["features"], list)
    for f in document["features"]:
        assert f["type"] == "Feature" and set(f) <= {"type", "id", "geometry", "properties"}
        assert isinstance(f.get("id"), (str, int, float)) and isinstance(f["properties"], dict)
        if f["geometry"] is None:
            continue
        assert f["geometry"]["type"] == "Point" and set(f["geometry"]) == {"type", "coordinates"}
        x, y = f["geometry"]["coordinates"]
        assert all(isinstance(c, float) for c in (x, y)) and -180 <= x <= 180 and -90 <= y <= 90
        if shape is not None:
            assert shape(f["geometry"]).is_valid
    return document["features"]


def _bus(**changes) -> ExportVenue:
    result = parse_venue({**BUS, **changes}, today=TODAY)
    assert result.venue is not None, result.problems
    return ExportVenue.from_venue(result.venue, base_url=BASE_URL)


def test_each_stop_of_an_itinerant_offer_is_a_point_feature_after_its_venue_s(export_venues):
    bus = _bus()
    text = io.StringIO()
    assert GeoJsonWriter(base_url=BASE_URL).write_all([*export_venues, bus], text) == len(export_venues) + 1
    features = _rfc7946_features(json.loads(text.getvalue()))
    assert len({f["id"] for f in features}) == len(features) == len(export_venues) + 4
    # The venues' features are as they were, in order; the bus's three stops follow its own.
    assert features[: len(export_venues)] == write(export_venues)["features"]
    venue, *stops = features[len(export_venues) :]
    assert venue == venue_feature(bus, f"{BASE_URL}/lieux/bus-1") and "type" not in venue["properties"]
    assert [f["id"] for f in stops] == ["bus-1:bus-numerique:0", "bus-1:bus-numerique:1", "bus-1:bus-numerique:2"]
    assert [f["geometry"]["coordinates"] for f in stops] == [[4.8859, 45.6975], [4.9133, 45.7386], [4.8533, 45.7086]]
    assert stops[0]["properties"] == {
        "type": "arret",
        "lieu_id": "bus-1",
        "lieu_nom": "Association Connexions solidaires",
        "offre_id": "bus-numerique",
        "offre_nom": "Bus numérique",
        "nom": "Mairie de Vénissieux",
        "adresse": "5 avenue Marcel Houël",
        "code_postal": "69200",
        "commune": "Vénissieux",
        "code_insee": None,
        "horaires": "Tu 09:00-12:00",
        "dates": None,
        "url": f"{BASE_URL}/lieux/bus-1",
    }
    assert (stops[2]["properties"]["horaires"], stops[2]["properties"]["dates"]) == (
        None,
        "2026-12-12T09:00:00/2026-12-12T12:00:00",
    )


def test_a_bus_without_a_base_keeps_its_stops_even_located_only():
    """An itinerant venue often has no point of its own: a map layer still gets its stops."""
    homeless = _bus(latitude=None, longitude=None)
    assert homeless.point is None
    features = _rfc7946_features(write([homeless], located_only=True))
    assert [f["properties"]["type"] for f in features] == ["arret"] * 3
    assert [f["properties"]["type"] for f in write([homeless])["features"][1:]] == ["arret"] * 3


def test_the_store_s_rows_give_the_stops_as_the_venues_do(tmp_path):
    """Whole-directory exports read rows, not venues (``test_fast_path``): the stops come from their
    stored offers the same."""
    store = open_store(f"sqlite:///{tmp_path / 'directory.db'}", upgrade=True)
    try:
        with store.writer() as w:
            w.ensure_source(SourceInfo("src", "Source test"))
            w.apply("src", "bus-1", _bus().venue, at=utcnow())
        fast = b"".join(export_chunks(store, GeoJsonWriter(base_url=BASE_URL), base_url=BASE_URL)).decode()
        stream = io.StringIO(newline="")
        GeoJsonWriter(base_url=BASE_URL).write_all(
            (ExportVenue.from_stored(s, base_url=BASE_URL) for s in store.iter_venues()), stream
        )
        assert fast == stream.getvalue()
        features = _rfc7946_features(json.loads(fast))
        assert [f["properties"].get("type") for f in features] == [None, "arret", "arret", "arret"]
        assert {f["properties"]["lieu_id"] for f in features[1:]} == {features[0]["id"]}
    finally:
        store.close()


def test_a_reader_of_the_export_takes_the_venues_and_not_their_stops(export_venues):
    """Partners and other instances harvest this file: a stop's feature must not become a venue."""
    text = io.StringIO()
    GeoJsonWriter(base_url=BASE_URL).write_all([*export_venues, _bus()], text)
    reader = GeoJsonReader()
    records = [item.record for item in reader.read_stream(io.BytesIO(text.getvalue().encode()), "utf-8")]
    assert [r["_id"] for r in records] == [*(v.id for v in export_venues), "bus-1"]
    assert all("type" not in r for r in records)
    assert reader.file_notes == [
        "3 arrêts d'offres itinérantes (« type » : « arret ») laissés de côté : ce ne sont pas des lieux"
    ]


def test_a_foreign_feature_typed_arret_is_still_read():
    """Only this export's stops (which name their venue) are left out: another file's « type » stays data."""
    document = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "id": "a", "geometry": None, "properties": {"type": "arret", "nom": "A"}}],
    }
    reader = GeoJsonReader()
    records = [item.record for item in reader.read_stream(io.BytesIO(json.dumps(document).encode()), "utf-8")]
    assert records == [{"type": "arret", "nom": "A", "_id": "a"}] and reader.file_notes == []
