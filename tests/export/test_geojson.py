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

from directory.export import GeoJsonWriter
from directory.schema import NATIONAL_FIELDS, parse_venue

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
