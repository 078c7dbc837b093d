# SPDX-License-Identifier: Apache-2.0
"""The search index contract: documents in, queries out, one shape for every backend.

``SearchIndex`` states every operation; ``IndexDocument`` is what a backend
stores for one venue; ``SearchQuery`` is a validated query (building one with
bad values raises ``InvalidQuery`` with one French ``FieldError`` per fault);
``SearchResult`` is what comes back. Backends: ``embedded.Fts5Index`` (SQLite
FTS5 + R*Tree) and ``meili.MeiliIndex`` (Meilisearch).
"""

from __future__ import annotations

import abc
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, NamedTuple

from directory.errors import FieldError, InvalidQuery
from directory.places import fold
from directory.schema import (
    DEPARTEMENT_CODE,
    FILTER_VOCABULARIES,
    INSEE_CODE,
    LIST_VOCABULARIES,
    POSTCODE,
    Venue,
    departement_of_insee,
    derived_terms,
)

__all__ = [
    "CANDIDATE_CAP",
    "DOCUMENT_FORMAT",
    "FILTER_FIELDS",
    "MAP_CAP",
    "MAX_PER_PAGE",
    "Hit",
    "IndexDocument",
    "SearchIndex",
    "SearchQuery",
    "SearchResult",
    "departement_of",
]

#: Fields a query can filter and count facets on: the national standard's list fields, then
#: those derived from its fields (``schema.derived``: weekend, evening, wheelchair).
FILTER_FIELDS: tuple[str, ...] = tuple(FILTER_VOCABULARIES)
_STANDARD_FIELDS = tuple(name for name in FILTER_FIELDS if name in LIST_VOCABULARIES)

#: At most this many candidates are ranked, counted and paged through: beyond
#: it, totals and facet counts say they are capped (reference/performance.md §2.3).
CANDIDATE_CAP = 2_000
#: A map asks for every result at once (``SearchIndex.map_hits``), up to this many.
MAP_CAP = 20_000
MAX_PER_PAGE = 100
MAX_RADIUS_KM = 1_000.0
MAX_TEXT = 200
#: An intercommunality holds at most a few hundred communes (with their former ones).
MAX_COMMUNES = 2_000

SORTS = ("distance", "relevance")

#: The shape of the documents backends store (``IndexDocument`` and what they derive from it):
#: 2 added the derived filters (``schema.derived``) and Meilisearch's ``forms_text``. An index
#: stamped with another (or none: 1) answers ``last_change() is None``, so the next ``sync``
#: rebuilds it: an upgrade needs no manual ``directory reindex``.
DOCUMENT_FORMAT = 2


def departement_of(code_insee: str | None, code_postal: str | None) -> str | None:
    """The département code of a venue: from its INSEE code, else its postcode.

    Corsican postcodes start with 20 for both départements: 200xx–201xx are
    Corse-du-Sud (2A), the others Haute-Corse (2B).
    """
    if code_insee:
        return departement_of_insee(code_insee)
    if not code_postal or len(code_postal) != 5 or not code_postal.isdigit():
        return None
    if code_postal.startswith(("97", "98")):
        return code_postal[:3]
    if code_postal.startswith("20"):
        return "2A" if code_postal < "20200" else "2B"
    return code_postal[:2]


def _padded(text: str) -> str:
    return f" {text} " if text else " "


@dataclass(frozen=True, slots=True)
class IndexDocument:
    """What the index keeps of one venue.

    ``name_text`` and ``body_text`` are folded (``directory.places.fold``:
    lower case, no accents, œ→oe, æ→ae, words separated by single spaces),
    so that every backend sees the same words whatever its own folding does.
    ``terms`` maps each filter field to the venue's codes.
    """

    id: str
    name: str
    name_text: str
    body_text: str
    lat: float | None = None
    lon: float | None = None
    terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    horaires: str | None = None
    departement: str | None = None
    code_insee: str | None = None
    code_postal: str | None = None
    commune: str = ""

    @classmethod
    def from_venue(cls, venue_id: str, venue: Venue, today: date | None = None) -> IndexDocument:
        """The document of a venue: folded text of its name, then of its typology
        and service labels, national programmes, presentation, commune and offers (names and
        descriptions); its
        filter codes, derived ones included (hours read over the weeks from ``today``,
        by default the current date)."""
        body = [term.label for term in venue.typologie]
        body += [term.label for term in venue.services]
        body += [term.label for term in venue.dispositif_programmes_nationaux]
        body += [venue.presentation_resume or "", venue.presentation_detail or "", venue.commune or ""]
        body += [text for offer in venue.offres for text in (offer.nom, offer.description or "")]  # its offers
        point = venue.point
        return cls(
            id=venue_id,
            name=venue.nom,
            name_text=fold(venue.nom),
            body_text=" ".join(fold(part) for part in body if part and fold(part)),
            lat=point[0] if point else None,
            lon=point[1] if point else None,
            terms={
                **{
                    name: tuple(t.code for t in getattr(venue, name))
                    for name in _STANDARD_FIELDS
                    if getattr(venue, name)
                },
                **derived_terms(venue, today or date.today()),
            },
            horaires=venue.horaires or None,
            departement=departement_of(venue.code_insee, venue.code_postal),
            code_insee=venue.code_insee or None,
            code_postal=venue.code_postal or None,
            commune=venue.commune or "",
        )

    @property
    def padded_name(self) -> str:
        """``name_text`` between spaces, so `` word `` finds whole words."""
        return _padded(self.name_text)

    @property
    def padded_body(self) -> str:
        return _padded(self.body_text)

    def words(self) -> set[str]:
        """The distinct words of the document (what full-text indexes count)."""
        return set(self.name_text.split()) | set(self.body_text.split())


def _problem(errors: list[FieldError], name: str, message: str, value: Any) -> None:
    errors.append(FieldError(name, message, value))


@dataclass(frozen=True)
class SearchQuery:
    """A validated search query; building an invalid one raises ``InvalidQuery``.

    :param text: words typed by a person (folded, prefix on the last word,
        typo tolerant, synonyms of common needs expanded).
    :param lat, lon: a point; with ``radius_km``, venues further away are left out.
    :param filters: field (``services``, ``frais_a_charge``… see
        ``FILTER_FIELDS``) → codes (labels and known aliases are accepted and
        normalised to codes). A venue matches a field when it has any of the
        codes, and must match every field given.
    :param departement, code_insee, code_postal: exact territory codes.
    :param communes: the venue's INSEE code is one of these (a commune with its
        arrondissements, an intercommunality's communes: ``export.territory``).
    :param bbox: the venue's point lies in this box (south, west, north, east, degrees).
    :param open_at: only venues open at this local wall-clock time (a naive
        datetime; an aware one is read as its wall-clock time).
    :param open_day: only venues open at some time on this weekday (0 = Monday),
        on the first such day from ``today`` (default: the current date).
    :param sort: ``"distance"`` (the default with a point) or ``"relevance"``.
    :param page, per_page: 1-based page of at most ``MAX_PER_PAGE`` hits, within
        the first ``cap`` results; ``per_page == cap`` asks for them all at once.
    :param facets: fields whose codes are counted over the matching venues.
    :param cap: how many results are ranked at most (``CANDIDATE_CAP`` up to
        ``MAP_CAP``); totals and facets beyond it say they are capped.
    """

    text: str = ""
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    departement: str | None = None
    code_insee: str | None = None
    code_postal: str | None = None
    communes: Sequence[str] = ()
    bbox: tuple[float, float, float, float] | None = None
    open_at: datetime | None = None
    open_day: int | None = None
    today: date | None = None
    sort: str | None = None
    page: int = 1
    per_page: int = 20
    facets: Sequence[str] = ()
    cap: int = CANDIDATE_CAP

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        text = " ".join((self.text or "").split())
        if len(text) > MAX_TEXT:
            _problem(errors, "text", f"Texte trop long (au plus {MAX_TEXT} caractères).", len(text))
        self._set("text", text)
        self._check_point(errors)
        self._set("filters", self._clean_filters(errors))
        self._check_territory(errors)
        self._check_hours(errors)
        self._check_paging(errors)
        if errors:
            raise InvalidQuery(detail="Paramètres de recherche invalides.", errors=errors)

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    def _check_point(self, errors: list[FieldError]) -> None:
        lat, lon = self.lat, self.lon
        if (lat is None) != (lon is None):
            _problem(
                errors,
                "lat" if lat is None else "lon",
                "La latitude et la longitude vont ensemble.",
                lat if lon is None else lon,
            )
        if lat is not None and not (isinstance(lat, (int, float)) and math.isfinite(lat) and -90 <= lat <= 90):
            _problem(errors, "lat", "Latitude hors limites (entre -90 et 90).", lat)
        if lon is not None and not (isinstance(lon, (int, float)) and math.isfinite(lon) and -180 <= lon <= 180):
            _problem(errors, "lon", "Longitude hors limites (entre -180 et 180).", lon)
        if self.radius_km is not None:
            if lat is None:
                _problem(errors, "radius_km", "Un rayon demande un point (latitude et longitude).", self.radius_km)
            elif not (isinstance(self.radius_km, (int, float)) and 0 < self.radius_km <= MAX_RADIUS_KM):
                _problem(
                    errors,
                    "radius_km",
                    f"Rayon hors limites (plus de 0 et au plus {MAX_RADIUS_KM:g} km).",
                    self.radius_km,
                )
        if self.sort is not None and self.sort not in SORTS:
            _problem(errors, "sort", "Tri inconnu : « distance » ou « relevance ».", self.sort)
        elif self.sort == "distance" and lat is None:
            _problem(errors, "sort", "Le tri par distance demande un point (latitude et longitude).", self.sort)

    def _clean_filters(self, errors: list[FieldError]) -> dict[str, tuple[str, ...]]:
        clean: dict[str, tuple[str, ...]] = {}
        for name, values in (self.filters or {}).items():
            if name not in FILTER_VOCABULARIES:
                _problem(errors, name, "Filtre inconnu.", name)
                continue
            vocabulary = FILTER_VOCABULARIES[name]
            values = [values] if isinstance(values, str) else list(values or ())
            codes: set[str] = set()
            for value in values:
                member = vocabulary.parse(value) if isinstance(value, str) else None
                if member is None:
                    _problem(errors, name, f"Valeur inconnue pour « {vocabulary.title()} » : « {value} ».", value)
                else:
                    codes.add(member.code)
            if codes:
                clean[name] = tuple(sorted(codes))
        facets = [self.facets] if isinstance(self.facets, str) else list(self.facets or ())
        for name in facets:
            if name not in FILTER_VOCABULARIES:
                _problem(errors, "facets", f"Facette inconnue : « {name} ».", name)
        self._set("facets", tuple(dict.fromkeys(facets)))
        return clean

    def _check_territory(self, errors: list[FieldError]) -> None:
        if self.departement is not None:
            self._set("departement", self.departement.strip().upper())
            if not DEPARTEMENT_CODE.fullmatch(self.departement):
                _problem(errors, "departement", "Code de département invalide (ex. 69, 2A, 974).", self.departement)
        if self.code_insee is not None:
            self._set("code_insee", self.code_insee.strip().upper())
            if not INSEE_CODE.fullmatch(self.code_insee):
                _problem(errors, "code_insee", "Code INSEE invalide (5 caractères, ex. 69383).", self.code_insee)
        if self.code_postal is not None:
            self._set("code_postal", self.code_postal.strip())
            if not POSTCODE.fullmatch(self.code_postal):
                _problem(errors, "code_postal", "Code postal invalide (5 chiffres).", self.code_postal)
        communes = [self.communes] if isinstance(self.communes, str) else list(self.communes or ())
        self._set("communes", tuple(sorted({str(c).strip().upper() for c in communes})))
        if len(self.communes) > MAX_COMMUNES:
            _problem(errors, "communes", f"Au plus {MAX_COMMUNES} communes.", len(self.communes))
        for code in self.communes:
            if not INSEE_CODE.fullmatch(code):
                _problem(errors, "communes", "Code INSEE invalide (5 caractères, ex. 69383).", code)
        if self.bbox is not None:
            box = tuple(self.bbox)
            numbers = len(box) == 4 and all(isinstance(v, (int, float)) and math.isfinite(v) for v in box)
            if not (numbers and -90 <= box[0] <= box[2] <= 90 and -180 <= box[1] <= box[3] <= 180):
                _problem(errors, "bbox", "Rectangle invalide : sud, ouest, nord, est, le sud sous le nord.", box)
            else:
                self._set("bbox", tuple(float(v) for v in box))

    def _check_hours(self, errors: list[FieldError]) -> None:
        if self.open_at is not None and self.open_day is not None:
            _problem(errors, "open_day", "« Ouvert à » et « ouvert le » s'excluent.", self.open_day)
        if self.open_at is not None:
            if not isinstance(self.open_at, datetime):
                _problem(errors, "open_at", "Date et heure attendues.", self.open_at)
            elif self.open_at.tzinfo is not None:
                self._set("open_at", self.open_at.replace(tzinfo=None))
        if self.open_day is not None and (not isinstance(self.open_day, int) or not 0 <= self.open_day <= 6):
            _problem(errors, "open_day", "Jour de la semaine attendu : de 0 (lundi) à 6 (dimanche).", self.open_day)

    def _check_paging(self, errors: list[FieldError]) -> None:
        if not isinstance(self.cap, int) or not CANDIDATE_CAP <= self.cap <= MAP_CAP:
            _problem(errors, "cap", f"Plafond de résultats entre {CANDIDATE_CAP} et {MAP_CAP}.", self.cap)
        elif not isinstance(self.per_page, int) or not (
            1 <= self.per_page <= MAX_PER_PAGE or self.per_page == self.cap
        ):
            _problem(errors, "per_page", f"Nombre de résultats par page entre 1 et {MAX_PER_PAGE}.", self.per_page)
        elif not isinstance(self.page, int) or self.page < 1:
            _problem(errors, "page", "Numéro de page à partir de 1.", self.page)
        elif self.page * self.per_page > self.cap:
            _problem(
                errors,
                "page",
                f"Page au-delà des {self.cap} premiers résultats : précisez la recherche.",
                self.page,
            )

    # -- derived ---------------------------------------------------------------

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def effective_sort(self) -> str:
        """``distance`` with a point unless asked otherwise, else ``relevance``."""
        return self.sort or ("distance" if self.has_point else "relevance")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def wanted(self) -> int:
        """How many ordered results the page needs."""
        return self.page * self.per_page

    @property
    def has_hours_filter(self) -> bool:
        return self.open_at is not None or self.open_day is not None


class Hit(NamedTuple):
    """One result: the venue id, its distance to the query point, its score, its point."""

    venue_id: str
    distance_m: float | None
    score: float
    lat: float | None = None
    lon: float | None = None


@dataclass(slots=True)
class SearchResult:
    """What a query returns.

    ``total`` counts the matching venues; when ``total_exact`` is False it is a
    lower bound (the candidates were capped at ``CANDIDATE_CAP``, or the search
    box stopped growing once the page was certain), and ``facets`` count the
    same capped set. ``timings`` are milliseconds per step; ``strategy`` says how
    the backend answered (embedded: ``text``, ``filter``, ``area``, ``area>text``
    when a growing box gave way to the text index, ``none`` when a word or code
    matches nothing).
    """

    total: int
    total_exact: bool
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    strategy: str = ""

    @property
    def ids(self) -> list[str]:
        return [h.venue_id for h in self.hits]


class SearchIndex(abc.ABC):
    """A search index of venues, derived from the store and rebuildable from it.

    Backends are listed in ``directory.search.INDEXES``. Writes are idempotent:
    upserting the same document twice changes nothing; deleting an absent id
    is not an error.
    """

    name: str

    @abc.abstractmethod
    def upsert(self, docs: Iterable[IndexDocument]) -> int:
        """Add or replace documents (by ``id``), in batches; wait until searchable.

        :returns: how many documents were written.
        """

    @abc.abstractmethod
    def delete(self, ids: Iterable[str]) -> int:
        """Remove the documents with these venue ids (absent ones are ignored).

        :returns: how many ids were asked for.
        """

    @abc.abstractmethod
    def replace_all(self, docs: Iterable[IndexDocument]) -> int:
        """Replace the whole content with ``docs``; searches keep seeing the old
        content until the new one is complete where the backend allows it.

        :returns: how many documents the index now holds.
        """

    @abc.abstractmethod
    def clear(self) -> None:
        """Remove every document and forget the sync position."""

    @abc.abstractmethod
    def query(self, q: SearchQuery) -> SearchResult:
        """Run a query.

        :returns: the page of hits asked for (``q.page``, ``q.per_page``), the
            total, the facet counts of ``q.facets`` and timings. Example:
            ``index.query(SearchQuery(text="médiathèque", lat=45.76, lon=4.84, radius_km=5))``.
        :raises InvalidQuery: never for a built ``SearchQuery`` (it validated
            itself); backends raise it only for limits of their own.
        """

    def map_hits(self, q: SearchQuery, cap: int = MAP_CAP) -> list[Hit]:
        """Every result of ``q`` that has a point, up to ``cap`` (``CANDIDATE_CAP``
        to ``MAP_CAP``), in result order, without facets: what a map of the results shows."""
        whole = replace(q, page=1, per_page=cap, cap=cap, facets=())
        return [h for h in self.query(whole).hits if h.lat is not None and h.lon is not None]

    @abc.abstractmethod
    def explain(self, q: SearchQuery) -> str:
        """What ``query(q)`` would send to the engine (SQL and parameters, or the
        JSON search request), for people and tests; runs nothing that writes."""

    @abc.abstractmethod
    def count(self) -> int:
        """How many documents the index holds."""

    @abc.abstractmethod
    def last_change(self) -> int | None:
        """The store change-log sequence number the index reflects (None: never built, or built
        with documents of another ``DOCUMENT_FORMAT``)."""

    @abc.abstractmethod
    def set_last_change(self, seq: int) -> None:
        """Record that the index reflects the store up to change ``seq``, with documents of
        this ``DOCUMENT_FORMAT``."""

    def check(self) -> None:
        """Make sure the index can be used now (a server answers and takes the key).

        :raises SearchUnavailable: with a French message saying what to fix.
        """
        return None  # an index with nothing to reach (the embedded one) is always usable

    def close(self) -> None:
        """Release connections (the index stays on disk or on the server)."""
        return None  # an index that holds no connection has nothing to release
