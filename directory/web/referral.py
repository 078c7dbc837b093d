# SPDX-License-Identifier: Apache-2.0
"""Which places to send a person to, and why: the ranked short list of ``/orienter``.

The search index chooses the candidates as every search does (the need's
services as a filter, the nearest first around the place); each candidate is
then weighed against the whole orientation, and every criterion it meets
becomes a reason said in words (« ouvert mardi matin (9 h 30 – 12 h 30) »,
« accepte le Pass numérique »), every one it may miss a point to check
(« horaires non publiés : appelez avant »). A place known to be closed at
the time asked is left out; a place that does not say is kept, lower.

What is weighed is a ``Subject``: the fields a venue and an offer share
(``schema.Offer`` has them too). A venue whose source gave offers of its own
(``Venue.offres``) is weighed through each offer answering the need, and the
best one names the match (``Match.offer``: « Permanence démarches CAF »,
with that offer's hours); a venue without offers is weighed as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Protocol

from directory.places import Place
from directory.schema import (
    ConditionFrais,
    Frais,
    HoursError,
    ModaliteAcces,
    ModaliteAccompagnement,
    OpeningHours,
    PriseEnCharge,
    Public,
    Service,
    Venue,
    haversine_m,
    next_passage,
)
from directory.search import SearchIndex, SearchQuery
from directory.store import Store

from .display import WEEKDAYS, format_date, format_time
from .finder import locate_request
from .locate import Locator
from .orientation import MOMENTS, Orientation

__all__ = ["CANDIDATES", "RADIUS_KM", "SHORT_LIST", "Match", "Referral", "Subject", "best_fit", "refer", "weigh"]

#: How many places the list shows: a short list to choose from, not a directory.
SHORT_LIST = 8
#: Candidates weighed, the nearest first (within ``RADIUS_KM`` of the place).
CANDIDATES = 100
RADIUS_KM = 30.0
#: One point of score is worth this many kilometres: a better fit may be a little further.
KM_PER_POINT = 2.0
#: A place counts as open in a part of the day when it is open this long in it.
MIN_OPEN_MINUTES = 30

# Weights of each criterion met (points; the distance takes some back).
W_PROGRAMME, W_PUBLIC, W_ADAPTED, W_PASS, W_FREE, W_OPEN = 2, 3, 3, 3, 1, 3
W_EQUIPMENT, W_INDIVIDUAL, W_WALK_IN, W_PHONE = 2, 1, 2, 2


class Subject(Protocol):
    """What is weighed: the fields ``schema.Venue`` and ``schema.Offer`` share."""

    services: list[Service]
    publics_specifiquement_adresses: list[Public]
    prise_en_charge_specifique: list[PriseEnCharge]
    frais_a_charge: list[Frais]
    conditions_frais: list[ConditionFrais]
    modalites_acces: list[ModaliteAcces]
    modalites_accompagnement: list[ModaliteAccompagnement]
    horaires: str | None


class Dated(Protocol):
    """A dated session (``schema.Offer.dates``, a stop's ``dates``): local wall-clock times."""

    @property
    def debut(self) -> datetime: ...
    @property
    def fin(self) -> datetime | None: ...


@dataclass(slots=True)
class Match:
    """One place of the list, with why it fits and what to check."""

    venue_id: str
    venue: Venue
    distance_m: float | None
    score: float
    reasons: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    #: Opening times on the day asked (« 9 h 30 – 12 h 30, 14 h – 17 h 30 »), when one was.
    hours_that_day: str | None = None
    #: The name of the venue's offer that fits best (None: the venue as a whole, it gave no offers).
    offer: str | None = None
    #: The opening hours that apply (the offer's, else the venue's), OSM syntax.
    horaires: str | None = None
    #: The stop of an itinerant offer where to go (its place's label), and when the mediator is next there.
    stop: str | None = None
    next_passage: datetime | None = None


@dataclass(slots=True)
class Referral:
    """The answer of an orientation: where, and the short list."""

    place: Place | None
    matches: list[Match]
    #: Candidates weighed (within the radius, offering the need).
    weighed: int = 0
    #: Left out because closed at the time asked.
    closed: int = 0


def _days(orientation: Orientation, today: date) -> list[date]:
    """The dates the time asked falls on: the next such day (today included), or each of the next seven."""
    if orientation.jour == "week-end":
        wanted = {5, 6}
    elif orientation.jour:
        wanted = {WEEKDAYS.index(orientation.jour)}
    else:
        wanted = set(range(7))
    return [today + timedelta(days=n) for n in range(7) if (today + timedelta(days=n)).weekday() in wanted]


def _span_text(spans: Sequence[tuple[datetime, datetime]]) -> str:
    return ", ".join(f"{format_time(a)} – {format_time(b)}" for a, b in spans)


def _window(orientation: Orientation, day: date) -> tuple[datetime, datetime]:
    """The part of ``day`` asked (the whole day when no moment was)."""
    start_min, end_min = MOMENTS[orientation.moment][2:] if orientation.moment else (0, 24 * 60)
    midnight = datetime(day.year, day.month, day.day)
    return midnight + timedelta(minutes=start_min), midnight + timedelta(minutes=end_min)


def _overlaps(a: datetime, b: datetime, start: datetime, end: datetime) -> bool:
    """Open long enough in the window (``MIN_OPEN_MINUTES``, or all of a shorter window)."""
    return min(b, end) - max(a, start) >= min(timedelta(minutes=MIN_OPEN_MINUTES), end - start)


def _open_when(
    horaires: str | None, sessions: Sequence[Dated], orientation: Orientation, today: date
) -> tuple[bool | None, str | None]:
    """Whether the place is open at the time asked (None: it does not say), and its hours then.

    :param sessions: dated sessions (an offer's or a stop's), counted as open times of their day.
    """
    hours: OpeningHours | None = None
    if horaires:
        try:
            hours = OpeningHours(horaires)
        except (HoursError, ValueError):
            hours = None
    if hours is None and not sessions:
        return None, None
    for day in _days(orientation, today):
        start, end = _window(orientation, day)
        midnight = datetime(day.year, day.month, day.day)
        # The day's opening spans that cover enough of the part of the day asked, shown whole.
        spans = [] if hours is None else hours.intervals(midnight, midnight + timedelta(days=1))
        spans = [(a, b) for a, b in spans if _overlaps(a, b, start, end)]
        dated = [(x.debut, x.fin or x.debut + timedelta(hours=1)) for x in sessions if x.debut.date() == day]
        dated = [(a, b) for a, b in dated if _overlaps(a, b, start, end)]
        if spans:
            return True, _span_text(spans)
        if dated:
            return True, f"le {format_date(day)}, {_span_text(dated)}"
    return False, None


def _labels(terms: Sequence[object]) -> str:
    return ", ".join(str(getattr(t, "label", t)).lower() for t in terms)


def weigh(subject: Subject, venue: Venue, orientation: Orientation, today: date) -> Match | None:
    """How well ``subject`` (the venue, or one of its offers) fits; None when it cannot (closed then).

    :param venue: the place (its national programmes and phone count as the venue's).
    :returns: a match without id, distance or final score (``refer`` sets them).
    """
    match = Match("", venue, None, 0.0, horaires=subject.horaires or venue.horaires)
    points = 0
    topics = list(orientation.topics)
    for need in orientation.needs:
        if set(need.services) & set(subject.services):
            detail = f" ({', '.join(topics)})" if topics else ""
            match.reasons.append(f"{need.reason.capitalize()}{detail}")
            topics = []  # said once, with the first need
        programmes = [p for p in need.programmes if p in venue.dispositif_programmes_nationaux]
        for programme in programmes[:2]:
            match.reasons.append(programme.label)
            points += W_PROGRAMME
    asked_publics = [p for p in subject.publics_specifiquement_adresses if p.code in orientation.publics]
    if asked_publics:
        match.reasons.append(f"Accueille en particulier : {_labels(asked_publics)}")
        points += W_PUBLIC * len(asked_publics)
    elif orientation.publics and subject.publics_specifiquement_adresses:
        match.checks.append(
            f"S'adresse surtout à d'autres publics ({_labels(subject.publics_specifiquement_adresses)})"
        )
        points -= W_PUBLIC
    adapted = [p for p in subject.prise_en_charge_specifique if p.code in orientation.adapte]
    missing = [p for p in PriseEnCharge if p.code in orientation.adapte and p not in adapted]
    if adapted:
        match.reasons.append(f"Accompagnement adapté : {_labels(adapted)}")
        points += W_ADAPTED * len(adapted)
    if missing:
        match.checks.append(f"Accompagnement adapté non indiqué ({_labels(missing)}) : à demander")
    if orientation.sans_equipement:
        if Service.ACCES_INTERNET in subject.services or ModaliteAccompagnement.AUTONOMIE in (
            subject.modalites_accompagnement
        ):
            match.reasons.append("Ordinateurs à disposition sur place")
            points += W_EQUIPMENT
        if ModaliteAccompagnement.INDIVIDUEL in subject.modalites_accompagnement:
            match.reasons.append("Accompagnement individuel")
            points += W_INDIVIDUAL
        if subject.modalites_accompagnement == [ModaliteAccompagnement.A_DISTANCE]:
            match.checks.append("Accompagnement à distance seulement")
            points -= W_EQUIPMENT
    if ConditionFrais.PASS_NUMERIQUE in subject.conditions_frais:
        match.reasons.append("Accepte le Pass numérique")
        points += W_PASS if orientation.pass_numerique else 0
    elif orientation.pass_numerique and Frais.GRATUIT not in subject.frais_a_charge:
        match.checks.append("Pass numérique non mentionné : à demander")
    if Frais.GRATUIT in subject.frais_a_charge:
        pass_unneeded = orientation.pass_numerique and ConditionFrais.PASS_NUMERIQUE not in subject.conditions_frais
        match.reasons.append("Gratuit (le Pass numérique n'y est pas utile)" if pass_unneeded else "Gratuit")
        points += W_FREE
    if orientation.jour or orientation.moment:
        # An offer without hours of its own is there when the venue is open.
        # Dated sessions: an offer's or a stop's (a venue has none).
        sessions: Sequence[Dated] = getattr(subject, "dates", ())
        is_open, hours = _open_when(match.horaires, sessions, orientation, today)
        if is_open is False:
            return None
        if is_open:
            match.reasons.append(f"Ouvert {orientation.when_label()}")
            match.hours_that_day = hours
            points += W_OPEN
        else:
            match.checks.append("Horaires non publiés : appelez avant de vous déplacer")
    if orientation.sans_rdv:
        if ModaliteAcces.SE_PRESENTER in subject.modalites_acces:
            match.reasons.append("Accueil sans rendez-vous")
            points += W_WALK_IN
        elif subject.modalites_acces:
            match.checks.append(f"Pour être reçu : {_labels(subject.modalites_acces)}")
    if orientation.telephone:
        if ModaliteAccompagnement.A_DISTANCE in subject.modalites_accompagnement:
            match.reasons.append("Accompagnement à distance, par téléphone")
            points += W_PHONE
        elif ModaliteAcces.TELEPHONER in subject.modalites_acces or venue.telephone:
            match.reasons.append("Joignable par téléphone")
            points += W_PHONE // 2
    match.score = float(points)
    return match


def _distance_m(origin: tuple[float, float] | None, point: tuple[float, float] | None) -> float | None:
    if origin is None or point is None:
        return None
    return haversine_m(origin[0], origin[1], point[0], point[1])


def best_fit(
    venue: Venue,
    orientation: Orientation,
    now: datetime,
    origin: tuple[float, float] | None = None,
    distance_m: float | None = None,
) -> Match | None:
    """The venue weighed through its best offer answering the need, or as a whole when it gave no offers.

    An itinerant offer is weighed at each of its stops, with the stop's own hours and distance: the
    match names the stop (« Mairie de Vaulx, … ») and when the mediator is next there.

    :param origin: the point the person is around (None: no place given).
    :param distance_m: the venue's distance to ``origin``, when the index measured it.
    :returns: the match with its final score (the distance taken off), or None when nothing of
        the venue can be reached at the time asked.
    """
    own = distance_m if distance_m is not None else _distance_m(origin, venue.point)
    wanted = {s for n in orientation.needs for s in n.services}
    offers = [o for o in venue.offres if not wanted or wanted & set(o.services)]
    candidates: list[tuple[Match | None, float | None]] = []
    if not offers:
        candidates.append((weigh(venue, venue, orientation, now.date()), own))
    for offer in offers:
        if not offer.arrets:
            match = weigh(offer, venue, orientation, now.date())
            if match is not None:
                match.offer = offer.nom
            candidates.append((match, _distance_m(origin, offer.lieu.point) if offer.lieu else own))
            continue
        for stop in offer.arrets:
            at_stop = replace(offer, horaires=stop.horaires, dates=list(stop.dates), arrets=[])
            match = weigh(at_stop, venue, orientation, now.date())
            if match is not None:
                match.offer, match.stop = offer.nom, stop.lieu.label or None
                match.next_passage = next_passage(stop.horaires, stop.dates, now)
            candidates.append((match, _distance_m(origin, stop.lieu.point)))
    best: Match | None = None
    for match, distance in candidates:
        if match is None:
            continue
        match.distance_m = distance
        if distance is not None:
            match.score -= distance / 1000 / KM_PER_POINT
        if best is None or match.score > best.score:
            best = match
    return best


def refer(store: Store, index: SearchIndex, locator: Locator, orientation: Orientation, now: datetime) -> Referral:
    """The short list for an orientation: candidates from the index (and venues whose itinerant
    offers stop near the place), weighed, the best first.

    :raises PlaceNotFound: the ``lieu`` names nothing known.
    """
    place = locate_request(orientation, locator)
    origin = (place.lat, place.lon) if place is not None and place.lat is not None and place.lon is not None else None
    services = sorted({s.code for n in orientation.needs for s in n.services})
    result = index.query(
        SearchQuery(
            lat=origin[0] if origin else None,
            lon=origin[1] if origin else None,
            radius_km=RADIUS_KM if origin else None,
            filters={"services": services} if services else {},
            sort="distance" if origin else None,
            per_page=CANDIDATES,
        )
    )
    measured = {h.venue_id: h.distance_m for h in result.hits}
    # An itinerant venue may be based far away and stop nearby: its stops bring it in.
    stopping = store.offers.nearest_places(*origin, radius_km=RADIUS_KM, limit=CANDIDATES) if origin else []
    ids = list(dict.fromkeys([*measured, *(p.venue_id for p in stopping)]))
    venues = store.venues(ids)
    matches: list[Match] = []
    closed = 0
    for venue_id in ids:
        venue = venues.get(venue_id)
        if venue is None:  # withdrawn since the index was synced
            continue
        match = best_fit(venue, orientation, now, origin, measured.get(venue_id))
        if match is None:
            closed += 1
            continue
        match.venue_id = venue_id
        matches.append(match)
    matches.sort(key=lambda m: (-m.score, m.distance_m if m.distance_m is not None else 0.0, m.venue.nom))
    return Referral(place, matches[:SHORT_LIST], weighed=len(matches) + closed, closed=closed)
