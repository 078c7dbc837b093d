# SPDX-License-Identifier: Apache-2.0
"""A venue's offers as pages show them, and the stops of itinerant mediation as places of their own
(issue 15, item 3).

An itinerant offer (« bus numérique », permanences in several communes) has stops: a place, and its
recurring hours or dated passages there. Each stop is shown where a venue would be — on the map
(``stop_rows``, in ``/api/carte``), in the results around a place (``stops_near``), on the venue's
page (``offer_views``) — with « Prochain passage … » computed at the clock given (``passage_label``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time

from directory.schema import DAYS, Offer, Stop, Venue, next_passage, weekly_ranges
from directory.store import OfferPlace, Store

from .display import MONTHS, NBSP, WEEKDAYS, format_distance, format_time

__all__ = [
    "NearbyStop",
    "OfferView",
    "StopView",
    "chosen_stop",
    "hours_text",
    "offer_views",
    "passage_label",
    "stop_rows",
    "stops_near",
]


def _day(at: datetime, now: datetime) -> str:
    """« aujourd'hui », « demain », « mardi » (within the week), « le 3 mars »."""
    days = (at.date() - now.date()).days
    if days == 0:
        return "aujourd'hui"
    if days == 1:
        return "demain"
    if 1 < days < 7:
        return WEEKDAYS[at.weekday()]
    first = "1er" if at.day == 1 else str(at.day)
    return f"le {first}{NBSP}{MONTHS[at.month - 1]}"


def passage_label(when: datetime | None, now: datetime) -> str | None:
    """« Prochain passage mardi à 9 h » (« aujourd'hui », « demain », « le 3 mars »), « Sur place en
    ce moment » when ``when`` is not after ``now``; None when nothing says when."""
    if when is None:
        return None
    if when <= now:
        return "Sur place en ce moment"
    return f"Prochain passage {_day(when, now)} à {format_time(when)}"


def _clock(hh_mm_ss: str) -> str:
    return format_time(datetime.combine(datetime.min, time.fromisoformat(hh_mm_ss)))


def hours_text(horaires: str | None) -> str | None:
    """« mardi 9 h – 12 h ; jeudi 14 h – 17 h » when the hours have a simple week, else as written."""
    if not horaires:
        return None
    ranges = weekly_ranges(horaires)
    if not ranges:
        return horaires
    by_day: dict[str, list[str]] = {}
    for day, opens, closes in ranges:
        by_day.setdefault(day, []).append(f"{_clock(opens)} – {_clock(closes)}")
    return " ; ".join(f"{WEEKDAYS[DAYS.index(day)]} {', '.join(spans)}" for day, spans in by_day.items())


@dataclass(frozen=True, slots=True)
class StopView:
    """One stop of an itinerant offer (or an offer's own place), as a page shows it."""

    stop: Stop
    position: int
    hours: str | None
    dates: list[str]
    next_label: str | None

    @property
    def name(self) -> str:
        return self.stop.lieu.nom or self.stop.lieu.adresse or self.stop.lieu.commune or f"Arrêt {self.position + 1}"

    @property
    def address(self) -> str:
        place = self.stop.lieu
        town = " ".join(part for part in (place.code_postal, place.commune) if part)
        return ", ".join(part for part in (place.adresse, town) if part)


@dataclass(frozen=True, slots=True)
class OfferView:
    offer: Offer
    hours: str | None
    dates: list[str]
    next_label: str | None
    stops: list[StopView]


def _session_text(start: datetime, end: datetime | None) -> str:
    first = "1er" if start.day == 1 else str(start.day)
    day = f"{WEEKDAYS[start.weekday()]} {first}{NBSP}{MONTHS[start.month - 1]} {start.year}"
    return f"{day}, {format_time(start)}" + (f" – {format_time(end)}" if end is not None else "")


def _stop_view(stop: Stop, position: int, now: datetime) -> StopView:
    return StopView(
        stop,
        position,
        hours_text(stop.horaires),
        [_session_text(s.debut, s.fin) for s in stop.dates if (s.fin or s.debut) >= now],
        passage_label(next_passage(stop.horaires, stop.dates, now), now),
    )


def offer_views(venue: Venue, now: datetime) -> list[OfferView]:
    """The offers a source gave the venue (none when it gave only the venue), each with its stops."""
    views = []
    for offer in venue.offres:
        stops = [_stop_view(stop, i, now) for i, stop in enumerate(offer.arrets)]
        if not stops and offer.lieu is not None:
            stops = [_stop_view(Stop(offer.lieu, offer.horaires, offer.dates), 0, now)]
        views.append(
            OfferView(
                offer,
                hours_text(offer.horaires),
                [_session_text(s.debut, s.fin) for s in offer.dates if (s.fin or s.debut) >= now],
                None if offer.arrets else passage_label(next_passage(offer.horaires, offer.dates, now), now),
                stops,
            )
        )
    return views


def chosen_stop(venue: Venue, key: str | None, now: datetime) -> tuple[Offer, StopView] | None:
    """The stop a referral slip was asked for (``?arret=<offer id>:<stop number>``), with its offer;
    None when the key names no stop of the venue's offers."""
    offer_id, _, position = (key or "").rpartition(":")
    if not position.isdigit():
        return None
    for view in offer_views(venue, now):
        if view.offer.id == offer_id and int(position) < len(view.stops):
            return view.offer, view.stops[int(position)]
    return None


def stop_rows(store: Store, venue_ids: Iterable[str], now: datetime) -> list[list[object]]:
    """The map's rows for the stops of these venues' offers: ``[lat, lon, venue id, offer id, stop
    number, stop name, offer name, « prochain passage … » or null]``."""
    ids = list(dict.fromkeys(venue_ids))
    if not ids:
        return []
    return [
        [
            round(p.place.latitude, 5),  # type: ignore[arg-type]
            round(p.place.longitude, 5),  # type: ignore[arg-type]
            p.venue_id,
            p.offer_id,
            p.position,
            p.place.nom or p.place.adresse or p.offer_nom,
            p.offer_nom,
            passage_label(p.next_passage(now), now),
        ]
        for p in store.offers.places(venue_ids=ids)
    ]


@dataclass(frozen=True, slots=True)
class NearbyStop:
    """A stop near the place searched, as a result of its own."""

    place: OfferPlace
    distance: str | None
    next_label: str | None


def stops_near(
    store: Store, lat: float, lon: float, now: datetime, *, radius_km: float, limit: int = 10
) -> list[NearbyStop]:
    """The stops of itinerant mediation (and offers' own places) around a point, nearest first."""
    return [
        NearbyStop(
            p,
            format_distance(p.distance_m) if p.distance_m is not None else None,
            passage_label(p.next_passage(now), now),
        )
        for p in store.offers.nearest_places(lat, lon, radius_km=radius_km, limit=limit)
    ]
