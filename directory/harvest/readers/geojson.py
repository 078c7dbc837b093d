# SPDX-License-Identifier: Apache-2.0
"""GeoJSON (a WFS or QGIS export): one record per feature.

A record is the feature's ``properties``, flat, plus three keys computed here:

- ``_longitude``, ``_latitude``: the point (WGS84, as GeoJSON requires); for a
  line or polygon, the middle of its bounding box; for a multi-point, the first;
- ``_id``: the feature's ``id`` member, when it has one.

The raw payload kept for each record is the whole feature, as received.

A feature whose ``type`` property is ``arret`` is a stop of an itinerant offer, as this
product's GeoJSON export writes them after their venue: it is not a venue, and is left
out (the file's notes count them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from directory.schema import STOP_FEATURE, Problem

from ..encoding import DecodedText
from .base import Reader, ReadError, ReadItem, payload_of
from .table_json import load_json

__all__ = ["GeoJsonReader", "point_of"]


class GeoJsonReader(Reader):
    format = "geojson"
    media_types = ("application/geo+json", "application/vnd.geo+json")
    extensions = (".geojson",)

    def read_text(self, decoded: DecodedText) -> Iterator[ReadItem]:
        document = load_json(decoded.text)
        if isinstance(document, dict) and document.get("type") == "FeatureCollection":
            features = document.get("features")
        elif isinstance(document, dict) and document.get("type") == "Feature":
            features = [document]
        elif isinstance(document, list):
            features = document
        else:
            raise ReadError("ce n'est pas du GeoJSON : attendu un objet « FeatureCollection » avec ses « features »")
        if not isinstance(features, list):
            raise ReadError("le GeoJSON n'a pas de liste « features »")
        stops = 0
        for position, feature in enumerate(features, start=1):
            if not isinstance(feature, dict) or not isinstance(feature.get("properties", {}), (dict, type(None))):
                yield ReadItem(
                    position, None, payload_of(feature), [Problem("*", "not_an_object", type(feature).__name__)]
                )
                continue
            record = dict(feature.get("properties") or {})
            if record.get("type") == STOP_FEATURE and "lieu_id" in record:
                stops += 1
                continue
            point = point_of(feature.get("geometry"))
            if point is not None:
                record["_longitude"], record["_latitude"] = point
            if feature.get("id") is not None:
                record["_id"] = feature["id"]
            yield ReadItem(position, record, payload_of(feature))
        if stops:
            self.file_notes.append(
                f"{stops} arrêts d'offres itinérantes (« type » : « {STOP_FEATURE} ») laissés de côté : ce ne sont pas des lieux"
            )


def point_of(geometry: Any) -> tuple[float, float] | None:
    """(longitude, latitude) of a geometry, or None."""
    if not isinstance(geometry, dict):
        return None
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Point":
        return _position(coordinates)
    if kind == "MultiPoint" and isinstance(coordinates, list) and coordinates:
        return _position(coordinates[0])
    if kind == "GeometryCollection":
        for member in geometry.get("geometries") or []:
            if (point := point_of(member)) is not None:
                return point
        return None
    positions = [p for p in _positions(coordinates) if p is not None]
    if not positions:
        return None
    lons, lats = [p[0] for p in positions], [p[1] for p in positions]
    return ((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)


def _position(value: Any) -> tuple[float, float] | None:
    if (
        isinstance(value, list)
        and len(value) >= 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value[:2])
    ):
        return (float(value[0]), float(value[1]))
    return None


def _positions(value: Any) -> Iterator[tuple[float, float] | None]:
    if (point := _position(value)) is not None:
        yield point
    elif isinstance(value, list):
        for item in value:
            yield from _positions(item)
