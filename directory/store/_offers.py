# SPDX-License-Identifier: Apache-2.0
"""Offers as records (issue 15): how a venue's offers are merged, written and read.

A venue's offers travel in its ``offres`` field (``schema.offer``): merged from its records with
the rest of the venue (:func:`merge_offers`: every record's offers, the same id once, from the
record that ranks first, each offer naming its source), and so carried by provenance, the change
log, the change feed and federation as any field. The ``offer`` and ``offer_stop`` tables are
written from it (:func:`write_offers`) for what reads offers by themselves (:class:`OfferBook`): an
offer with its venue, the offers matching terms, and the places of offers on the map (the stops of
itinerant offers, an offer's own place), nearest first or within a box.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from math import cos, radians
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from directory.schema import Offer, Place, Stop, haversine_m, next_passage, offer_from_record

from ._bulk import chunks, insert_rows
from .tables import offer_stop_t, offer_t, venue_t

if TYPE_CHECKING:
    from ._merge import Contribution

__all__ = ["OfferBook", "OfferPlace", "StoredOffer", "given_by", "merge_offers", "write_offers"]


def merge_offers(ranked: Sequence[Contribution]) -> tuple[list[dict[str, Any]], str | None]:
    """The venue's offers from its records, best ranked first: (stored offers, the source of the first).

    Each record's offers are kept, in its order; an offer id given by two records is taken from the
    first (the most trusted, then the most recent). Each offer names the source it came from.
    """
    merged: dict[str, dict[str, Any]] = {}
    first: str | None = None
    for contribution in ranked:
        for offer in contribution.values.get("offres") or ():
            if offer.get("id") and offer["id"] not in merged:
                merged[offer["id"]] = {**offer, "source": contribution.source_id}
                first = first or contribution.source_id
    return list(merged.values()), first


def given_by(offers: Sequence[Mapping[str, Any]] | None, source_id: str) -> list[dict[str, Any]] | None:
    """A record's stored offers, each naming the source giving them (what a new venue keeps as is)."""
    if offers is None:
        return None
    return [{**offer, "source": source_id} for offer in offers]


def _stops(offer: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The places of an offer on the map: its stops, or else its own place."""
    if offer.get("arrets"):
        return list(offer["arrets"])
    if offer.get("lieu"):
        return [{**offer["lieu"], "horaires": offer.get("horaires"), "dates": offer.get("dates")}]
    return []


def write_offers(c: sa.Connection, venues: Mapping[int, Mapping[str, Any]], *, replace: bool) -> None:
    """The offer and stop rows of these venues (pk → stored values, ``offres`` among them)."""
    if replace:
        for chunk in chunks(list(venues), 500):
            c.execute(offer_t.delete().where(offer_t.c.venue_pk.in_(chunk)))
    rows = [
        {
            "venue_pk": pk,
            "id": offer["id"],
            "position": position,
            "nom": offer["nom"],
            "services": offer.get("services") or None,
            "conditions_frais": offer.get("conditions_frais") or None,
            "itinerant": bool(offer.get("arrets")),
            "source_id": offer.get("source"),
            "record": dict(offer),
        }
        for pk, values in venues.items()
        for position, offer in enumerate(values.get("offres") or ())
    ]
    if not rows:
        return
    insert_rows(c, offer_t, rows)
    placed = [row for row in rows if _stops(row["record"])]
    if not placed:
        return
    pks = {
        (venue_pk, offer_id): pk
        for pk, venue_pk, offer_id in c.execute(
            sa.select(offer_t.c.pk, offer_t.c.venue_pk, offer_t.c.id).where(
                offer_t.c.venue_pk.in_({row["venue_pk"] for row in placed})
            )
        )
    }
    insert_rows(
        c,
        offer_stop_t,
        [
            {
                "offer_pk": pks[(row["venue_pk"], row["id"])],
                "venue_pk": row["venue_pk"],
                "position": position,
                **{name: stop.get(name) for name in ("nom", "adresse", "code_postal", "commune", "code_insee")},
                "latitude": stop.get("latitude"),
                "longitude": stop.get("longitude"),
                "horaires": stop.get("horaires"),
                "dates": stop.get("dates") or None,
            }
            for row in placed
            for position, stop in enumerate(_stops(row["record"]))
        ],
    )


@dataclass(frozen=True, slots=True)
class StoredOffer:
    """An offer and the venue it belongs to."""

    venue_id: str
    venue_nom: str
    offer: Offer


@dataclass(frozen=True, slots=True)
class OfferPlace:
    """A place of an offer on the map (a stop, or the offer's own place), with its venue and offer."""

    venue_id: str
    venue_nom: str
    offer_id: str
    offer_nom: str
    position: int  # the stop's order in its offer
    stop: Stop
    distance_m: float | None = None

    @property
    def place(self) -> Place:
        return self.stop.lieu

    def next_passage(self, at: datetime) -> datetime | None:
        """When the offer is next at this place, at or after ``at`` (local time)."""
        return next_passage(self.stop.horaires, self.stop.dates, at)


def _place_of(row: Any, distance_m: float | None = None) -> OfferPlace:
    record = offer_from_record(
        {
            "id": row.offer_id,
            "nom": row.offer_nom,
            "arrets": [
                {
                    **{
                        name: getattr(row, name)
                        for name in ("nom", "adresse", "code_postal", "commune", "code_insee", "latitude", "longitude")
                    },
                    "horaires": row.horaires,
                    "dates": row.dates,
                }
            ],
        }
    )
    return OfferPlace(
        row.venue_id, row.venue_nom, row.offer_id, row.offer_nom, row.position, record.arrets[0], distance_m
    )


class OfferBook:
    """What the store knows of offers, read by themselves (``store.offers``).

    Only offers of active venues are read. A venue without offers of its own still offers one per
    service: ask the venue (``Venue.offers()``) for those; here are the offers sources gave.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def _places_query(self) -> sa.Select[Any]:
        s, o, v = offer_stop_t.c, offer_t.c, venue_t.c
        return (
            sa.select(
                v.id.label("venue_id"),
                v.nom.label("venue_nom"),
                o.id.label("offer_id"),
                o.nom.label("offer_nom"),
                s.position,
                s.nom,
                s.adresse,
                s.code_postal,
                s.commune,
                s.code_insee,
                s.latitude,
                s.longitude,
                s.horaires,
                s.dates,
            )
            .join(offer_t, offer_t.c.pk == s.offer_pk)
            .join(venue_t, venue_t.c.pk == s.venue_pk)
            .where(v.status == "active", s.latitude.is_not(None), s.longitude.is_not(None))
        )

    def of_venue(self, venue_id: str) -> list[Offer]:
        """The offers sources gave this venue, in its order (none when it is unknown or has none)."""
        with self.engine.connect() as c:
            records = c.execute(
                sa.select(offer_t.c.record)
                .join(venue_t, venue_t.c.pk == offer_t.c.venue_pk)
                .where(venue_t.c.id == venue_id)
                .order_by(offer_t.c.position)
            ).scalars()
            return [offer_from_record(record) for record in records]

    def find(
        self,
        *,
        services: Iterable[str] = (),
        conditions_frais: Iterable[str] = (),
        venue_ids: Sequence[str] | None = None,
        limit: int = 1000,
    ) -> list[StoredOffer]:
        """Offers of active venues having any of ``services`` (codes) and any of ``conditions_frais``
        (each filter given), of these venues when ``venue_ids`` is given; by venue, then offer order."""
        wanted_services, wanted_conditions = set(services), set(conditions_frais)
        query = (
            sa.select(venue_t.c.id, venue_t.c.nom, offer_t.c.record)
            .join(venue_t, venue_t.c.pk == offer_t.c.venue_pk)
            .where(venue_t.c.status == "active")
            .order_by(venue_t.c.pk, offer_t.c.position)
        )
        if venue_ids is not None:
            query = query.where(venue_t.c.id.in_(list(venue_ids)))
        found: list[StoredOffer] = []
        with self.engine.connect() as c:
            for venue_id, nom, record in c.execute(query):
                if wanted_services and not wanted_services & set(record.get("services") or ()):
                    continue
                if wanted_conditions and not wanted_conditions & set(record.get("conditions_frais") or ()):
                    continue
                found.append(StoredOffer(venue_id, nom, offer_from_record(record)))
                if len(found) >= limit:
                    break
        return found

    def places(
        self, *, bbox: tuple[float, float, float, float] | None = None, venue_ids: Sequence[str] | None = None
    ) -> list[OfferPlace]:
        """The places of offers on the map (south, west, north, east box when given), by venue and offer."""
        query = self._places_query()
        s = offer_stop_t.c
        if bbox is not None:
            south, west, north, east = bbox
            query = query.where(s.latitude.between(south, north), s.longitude.between(west, east))
        if venue_ids is not None:
            query = query.where(venue_t.c.id.in_(list(venue_ids)))
        with self.engine.connect() as c:
            rows = c.execute(query.order_by(s.venue_pk, s.offer_pk, s.position)).all()
        return [_place_of(row) for row in rows]

    def nearest_places(self, lat: float, lon: float, *, radius_km: float = 30, limit: int = 20) -> list[OfferPlace]:
        """The places of offers within ``radius_km`` of (``lat``, ``lon``), nearest first."""
        half_lat = radius_km / 111.2
        half_lon = radius_km / max(1.0, 111.2 * cos(radians(lat)))
        s = offer_stop_t.c
        query = self._places_query().where(
            s.latitude.between(lat - half_lat, lat + half_lat), s.longitude.between(lon - half_lon, lon + half_lon)
        )
        with self.engine.connect() as c:
            rows = c.execute(query).all()
        scored = sorted(
            ((haversine_m(lat, lon, row.latitude, row.longitude), row) for row in rows), key=lambda pair: pair[0]
        )
        return [_place_of(row, distance) for distance, row in scored if distance <= radius_km * 1000][:limit]
