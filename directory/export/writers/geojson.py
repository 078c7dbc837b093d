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

The stops of a venue's itinerant offers (« arrêts » of a « bus numérique »,
``schema.offer``) follow its feature, one Point feature each (:func:`stop_features`),
whose ``type`` property is ``arret``: ``lieu_id`` and ``lieu_nom`` name the venue
(its feature's ``id`` and ``nom``), ``offre_id`` and ``offre_nom`` the offer; the
stop's place has the national fields' names (``nom``, ``adresse``, ``code_postal``,
``commune``, ``code_insee``), its recurring hours are OSM ``horaires`` as the
venue's, and its dated passages ``dates``, ISO 8601 intervals
(``2026-12-12T09:00:00/2026-12-12T12:00:00``) ``|``-joined as lists are in the
CSV. The feature's ``id`` is ``<venue id>:<offer id>:<stop number>``, what the
venue's page takes to print a stop's slip (``/lieux/<id>/fiche?arret=<offer id>:<n>``).
A stop without a point is left out: it would add nothing to a map. Venue features
have no ``type`` property: that is how a map tells the two apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, ClassVar, TextIO

from directory.schema import STOP_FEATURE, offer_from_record

from ..base import DEFAULT_BASE_URL, ExportVenue, Writer, write_json_groups
from .table import national_record

__all__ = ["GeoJsonWriter", "feature", "stop_features"]

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


def _interval(start: datetime, end: datetime | None) -> str:
    return start.isoformat() + (f"/{end.isoformat()}" if end is not None else "")


def stop_features(venue: ExportVenue, url: str) -> Iterator[dict[str, Any]]:
    """The stops of the venue's itinerant offers that have a point, as GeoJSON Features, in offer order."""
    for record in venue.values.get("offres") or ():
        offer = offer_from_record(record)
        for position, stop in enumerate(offer.arrets):
            place = stop.lieu
            if place.point is None:
                continue
            properties = {
                "type": STOP_FEATURE,
                "lieu_id": venue.id,
                "lieu_nom": venue.values["nom"],
                "offre_id": offer.id,
                "offre_nom": offer.nom,
                "nom": place.nom,
                "adresse": place.adresse,
                "code_postal": place.code_postal,
                "commune": place.commune,
                "code_insee": place.code_insee,
                "horaires": stop.horaires or None,
                "dates": "|".join(_interval(s.debut, s.fin) for s in stop.dates) or None,
                "url": url,
            }
            yield {
                "type": "Feature",
                "id": f"{venue.id}:{offer.id}:{position}",
                "geometry": {"type": "Point", "coordinates": [place.longitude, place.latitude]},
                "properties": properties,
            }


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
        yield from write_json_groups((self._features(venue) for venue in venues), stream, prefix=_HEADER, suffix="]}")

    def _features(self, venue: ExportVenue) -> Iterator[dict[str, Any]]:
        """The venue's feature, then its stops' (those of a venue without a point too: they have theirs)."""
        url = self.url_of(venue)
        if not (self.located_only and venue.point is None):
            yield feature(venue, url)
        yield from stop_features(venue, url)
