# SPDX-License-Identifier: Apache-2.0
"""A venue's offers as pages show them, and the stops of itinerant mediation as places of their own
(issue 15, item 3).

An itinerant offer (« bus numérique », permanences in several communes) has stops: a place, and its
recurring hours or dated passages there. Each stop is shown where a venue would be — on the map
(``stop_rows``, in ``/api/carte``), in the results around a place (``stops_near``), on the venue's
page (``offer_views``) — with « Prochain passage … » computed at the clock given (``passage_label``).

A stop shown beside a search's results answers that search as its venue's results do
(:func:`answering`): the filters (services, publics, fees and the Pass numérique,
accessibility, evening and weekend slots…) read the offer's values where the offer states
them, else its venue's; slots and « ouvert » read the stop's own hours and passages (else the
offer's, else the venue's); the words typed find its venue through the index, as they find
results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from directory.schema import DAYS, OFFER_TERMS, Offer, Stop, Venue, derived_terms, next_passage, weekly_ranges
from directory.search import CANDIDATE_CAP, IndexDocument, SearchIndex, SearchQuery
from directory.store import OfferPlace, Store

from .display import MONTHS, NBSP, WEEKDAYS, format_distance, format_time
from .params import WEEKDAY_PARAMS, SearchRequest

__all__ = [
    "NearbyStop",
    "OfferView",
    "StopView",
    "answering",
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


def _asks(search: SearchRequest | None) -> bool:
    return search is not None and bool(search.filters or search.ouvert or search.besoin)


def _hours_of(stop: Stop, offer: Offer | None, venue: Venue) -> Stop:
    """The stop's hours and passages; when it says nothing of when, its offer's, else its venue's."""
    if stop.horaires or stop.dates:
        return stop
    if offer is not None and (offer.horaires or offer.dates):
        return Stop(stop.lieu, offer.horaires, offer.dates)
    return Stop(stop.lieu, venue.horaires)


def _session_week(start: datetime, end: datetime | None) -> str:
    """A dated passage as one weekly rule (« Sa 09:00-12:00 »): its weekday and hours are what make
    it a weekend or an evening slot."""
    last = end if end is not None and end.date() == start.date() else start + timedelta(minutes=1)
    return f"{DAYS[start.weekday()]} {start:%H:%M}-{min(last, start.replace(hour=23, minute=59)):%H:%M}"


def _offer_terms(venue: Venue, offer: Offer | None, now: datetime) -> dict[str, tuple[str, ...]]:
    """The filter codes of an offer, as the index reads a venue's (``IndexDocument.terms``): its
    venue seen with the offer's values where the offer states them; hours aside (``_slots``)."""
    stated = {name: getattr(offer, name) for name in OFFER_TERMS if offer is not None and getattr(offer, name)}
    seen = replace(venue, **stated, horaires=None)
    return dict(IndexDocument.from_venue(venue.id, seen, now.date()).terms)


def _slots(venue: Venue, hours: Stop, now: datetime) -> tuple[str, ...]:
    """The « horaires élargis » codes of a stop (``schema.derived``): of its recurring hours, and
    of each passage still to come."""
    rules = [hours.horaires, *(_session_week(s.debut, s.fin) for s in hours.dates if (s.fin or s.debut) >= now)]
    codes = (
        code
        for rule in rules
        if rule
        for code in derived_terms(replace(venue, horaires=rule), now.date()).get("creneaux", ())
    )
    return tuple(dict.fromkeys(codes))


def _there_when_asked(ouvert: str, hours: Stop, now: datetime) -> bool:
    """« ouvert=maintenant »: on site now; « ouvert=mardi »: a passage on the first Tuesday from today."""
    if ouvert == "maintenant":
        when = next_passage(hours.horaires, hours.dates, now)
        return when is not None and when <= now
    day = now.date() + timedelta(days=(WEEKDAY_PARAMS.index(ouvert) - now.weekday()) % 7)
    when = next_passage(hours.horaires, hours.dates, datetime.combine(day, time()))
    return when is not None and when.date() == day


def _answers(
    search: SearchRequest,
    venue: Venue,
    place: OfferPlace,
    now: datetime,
    offers: dict[tuple[str, str], dict[str, tuple[str, ...]]],
) -> bool:
    """Whether the stop answers the search's filters and « ouvert » (``offers``: the offers' terms so far)."""
    offer = next((o for o in venue.offres if o.id == place.offer_id), None)
    hours = _hours_of(place.stop, offer, venue)
    for name, codes in search.filters.items():
        if name == "creneaux":
            have = _slots(venue, hours, now)
        else:
            key = (place.venue_id, place.offer_id)
            if key not in offers:
                offers[key] = _offer_terms(venue, offer, now)
            have = offers[key].get(name, ())
        if not set(codes) & set(have):
            return False
    return search.ouvert is None or _there_when_asked(search.ouvert, hours, now)


def _found_by_words(index: SearchIndex, words: str, venues: Mapping[str, Venue]) -> set[str]:
    """The venues among these that the words find, as the index finds results: within their communes."""
    communes = sorted({v.code_insee for v in venues.values() if v.code_insee})
    if not communes:
        return set()
    q = SearchQuery(text=words, communes=communes, per_page=CANDIDATE_CAP, cap=CANDIDATE_CAP)
    return {hit.venue_id for hit in index.query(q).hits} & set(venues)


def answering(
    store: Store, search: SearchRequest | None, places: list[OfferPlace], now: datetime, index: SearchIndex | None
) -> list[OfferPlace]:
    """The places (stops) among ``places`` that answer ``search``, in their order (module docstring).

    :param index: finds the venues by the search's words; None when the venues are already results
        of the search (the map's stops), so that the words were answered.
    """
    words = search.besoin if search is not None and index is not None else None
    if search is None or not places or not (search.filters or search.ouvert or words):
        return places
    venues = store.venues(sorted({p.venue_id for p in places}))
    if words and index is not None:
        found = _found_by_words(index, words, venues)
        venues = {i: v for i, v in venues.items() if i in found}
    offers: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}
    return [p for p in places if p.venue_id in venues and _answers(search, venues[p.venue_id], p, now, offers)]


def stop_rows(
    store: Store,
    venue_ids: Iterable[str],
    now: datetime,
    search: SearchRequest | None = None,
    *,
    around: tuple[float, float] | None = None,
    index: SearchIndex | None = None,
) -> list[list[object]]:
    """The map's rows: the stops of these venues' offers (the search's results) that answer ``search``
    and, ``around`` the place searched, the stops near it that the page lists (:func:`stops_near`),
    once each: ``[lat, lon, venue id, offer id, stop number, stop name, offer name, « prochain
    passage … » or null]``."""
    ids = list(dict.fromkeys(venue_ids))
    places = answering(store, search, store.offers.places(venue_ids=ids), now, None) if ids else []
    if around is not None:
        rayon = search.rayon_km if search is not None else None
        places += [near.place for near in stops_near(store, *around, now, radius_km=rayon, search=search, index=index)]
    unique: dict[tuple[str, str, int], OfferPlace] = {}
    for place in places:
        unique.setdefault((place.venue_id, place.offer_id, place.position), place)
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
        for p in unique.values()
    ]


@dataclass(frozen=True, slots=True)
class NearbyStop:
    """A stop near the place searched, as a result of its own."""

    place: OfferPlace
    distance: str | None
    next_label: str | None


#: Stops read around a place when the search asks something of them, before those answering it are kept.
NEAR_CANDIDATES = 500
#: How far from the place searched its stops are listed when the search gives no radius (km).
NEAR_KM = 15.0


def stops_near(
    store: Store,
    lat: float,
    lon: float,
    now: datetime,
    *,
    radius_km: float | None = None,
    limit: int = 10,
    search: SearchRequest | None = None,
    index: SearchIndex | None = None,
) -> list[NearbyStop]:
    """The stops of itinerant mediation (and offers' own places) within ``radius_km`` (``NEAR_KM``) of
    a point that answer ``search`` (its words found through ``index``), nearest first."""
    read = NEAR_CANDIDATES if _asks(search) else limit
    places = store.offers.nearest_places(lat, lon, radius_km=radius_km or NEAR_KM, limit=read)
    return [
        NearbyStop(
            p,
            format_distance(p.distance_m) if p.distance_m is not None else None,
            passage_label(p.next_passage(now), now),
        )
        for p in answering(store, search, places, now, index)[:limit]
    ]
