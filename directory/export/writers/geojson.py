# SPDX-License-Identifier: Apache-2.0
"""GeoJSON (RFC 7946): a FeatureCollection, one Point feature per venue.

Properties are the national fields (same names and values as the flat JSON)
plus ``url``, the venue's public page, the extension column ``conditions_frais``
(« Accepte le Pass numérique », « Adhésion requise », ``|``-joined as in the CSV's
extended form), and two extension fields on the point:
``precision_position`` (``adresse``, ``rue`` or ``commune``: a point at the
commune's centre is only approximate) and ``methode_position`` (how it was
obtained: ``producteur``, ``ban-housenumber``, ``ban-street``, ``commune``…,
see ``directory.schema.placement``). Coordinates are WGS84
``[longitude, latitude]``, as the RFC orders them.

A venue without coordinates is kept, with ``"geometry": null`` (RFC 7946
§3.2 allows an unlocated feature): the file then lists the same venues as
the CSV, and a map simply skips the null geometries. ``located_only=True``
leaves such venues out instead (for map layers that cannot cope).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, TextIO

from ..base import DEFAULT_BASE_URL, ExportVenue, Writer, write_json_array
from .table import national_record

__all__ = ["GeoJsonWriter", "feature"]

_HEADER = '{"type":"FeatureCollection","features":['


def feature(venue: ExportVenue, url: str) -> dict[str, Any]:
    """One venue as a GeoJSON Feature (``geometry`` None when it has no point)."""
    properties = {k: (None if v == "" else v) for k, v in national_record(venue, extensions=True).items()}
    properties["url"] = url
    point = venue.point
    properties["precision_position"] = venue.position_precision
    properties["methode_position"] = venue.geo_method if point is not None else None
    geometry = None if point is None else {"type": "Point", "coordinates": [point[1], point[0]]}
    return {"type": "Feature", "id": venue.id, "geometry": geometry, "properties": properties}


class GeoJsonWriter(Writer):
    """GeoJSON FeatureCollection of Points.

    :param located_only: leave out venues without coordinates instead of
        writing them with a null geometry.
    """

    name: ClassVar[str] = "geojson"
    media_type: ClassVar[str] = "application/geo+json"
    extension: ClassVar[str] = "geojson"
    title: ClassVar[str] = "Lieux de médiation numérique (GeoJSON)"
    conforms_to: ClassVar[str | None] = "https://www.rfc-editor.org/rfc/rfc7946"

    def __init__(self, *, base_url: str = DEFAULT_BASE_URL, located_only: bool = False) -> None:
        super().__init__(base_url=base_url)
        self.located_only = located_only

    def write(self, venues: Iterable[ExportVenue], stream: TextIO) -> Iterator[int]:
        features = (
            feature(venue, self.url_of(venue)) for venue in venues if not (self.located_only and venue.point is None)
        )
        yield from write_json_array(features, stream, prefix=_HEADER, suffix="]}")
