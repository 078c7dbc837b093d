# SPDX-License-Identifier: Apache-2.0
"""Strict reading of query parameters: every problem is reported, by field.

Handlers never parse ``request.query_params`` themselves: they call one of the
readers here, which either return clean values or raise ``InvalidQuery``
listing each field at fault with a French message.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from starlette.datastructures import QueryParams

from directory.errors import FieldError, InvalidQuery
from directory.schema import FILTER_VOCABULARIES

__all__ = [
    "DEFAULT_LIMIT",
    "FILTER_PARAMS",
    "MAX_LIMIT",
    "MAX_PAGE",
    "MAX_RADIUS_KM",
    "MAX_TEXT",
    "NearbyQuery",
    "SEARCH_PARAMS",
    "SORT_PARAMS",
    "SearchRequest",
    "VIEWS",
    "WEEKDAY_PARAMS",
    "printable",
    "read_nearby_query",
    "read_place_text",
    "read_search",
]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
#: The last page a search may ask for (``page=``).
MAX_PAGE = 1000
MAX_TEXT = 200
_ECHO_MAX = 80  # longest value echoed back in an error
MAX_RADIUS_KM = 200
#: Filters of the search, named as the national standard's fields, then the derived ones
#: (``creneaux``: weekend, evening; ``accessibilite``: wheelchair; ``schema.derived``).
FILTER_PARAMS: tuple[str, ...] = tuple(FILTER_VOCABULARIES)
#: ``ouvert=``: now, or a day of the week (0 = Monday).
WEEKDAY_PARAMS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
SORT_PARAMS = {"distance": "distance", "pertinence": "relevance"}
VIEWS = ("liste", "carte")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")  # tab is tolerated, then folded
#: A number a parameter is read as: an integer or a decimal.
T = TypeVar("T", int, float)


@dataclass(frozen=True, slots=True)
class NearbyQuery:
    """A "venues near…" request: a place to resolve, or a point."""

    lieu: str | None
    lat: float | None
    lon: float | None
    limit: int


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """A search as the page and the API take it (``?q=…&lieu=…&services=…``).

    Parameter names are French where people see them in the address bar, and
    the national standard's field names for filters.
    """

    besoin: str | None = None  # q: what the person needs, in their words
    lieu: str | None = None  # a postcode, a commune or an address
    lat: float | None = None
    lon: float | None = None
    rayon_km: float | None = None
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    departement: str | None = None
    code_insee: str | None = None
    code_postal: str | None = None
    commune: str | None = None  # an INSEE code, its arrondissements included (as the exports take it)
    epci: str | None = None  # an intercommunality's SIREN: all its communes
    bbox: str | None = None  # "south,west,north,east" in degrees, as the exports take it
    ouvert: str | None = None  # "maintenant" or a weekday of WEEKDAY_PARAMS
    tri: str | None = None  # a key of SORT_PARAMS
    page: int = 1
    par_page: int = DEFAULT_LIMIT
    vue: str = "liste"

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def is_search(self) -> bool:
        """Whether anything was asked (the bare home page asks nothing)."""
        return bool(
            self.besoin
            or self.lieu
            or self.has_point
            or self.filters
            or self.departement
            or self.code_insee
            or self.code_postal
            or self.commune
            or self.epci
            or self.bbox
            or self.ouvert
        )

    def params(self, **changes: object) -> list[tuple[str, str]]:
        """The query string of this search (with ``changes``), for links: pages,
        filters to add or remove, the map view. Defaults are left out."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values.update(changes)
        out: list[tuple[str, str]] = []
        simple = (
            ("q", "besoin"),
            ("lieu", "lieu"),
            ("lat", "lat"),
            ("lon", "lon"),
            ("rayon", "rayon_km"),
            ("departement", "departement"),
            ("code_insee", "code_insee"),
            ("code_postal", "code_postal"),
            ("commune", "commune"),
            ("epci", "epci"),
            ("bbox", "bbox"),
            ("ouvert", "ouvert"),
            ("tri", "tri"),
        )
        for param, name in simple:
            value = values[name]
            if value is not None:
                out.append((param, _decimal_text(value) if isinstance(value, float) else str(value)))
        filters: dict[str, tuple[str, ...]] = values["filters"]
        out.extend((name, code) for name in FILTER_PARAMS for code in filters.get(name, ()))
        if values["par_page"] != DEFAULT_LIMIT:
            out.append(("par_page", str(values["par_page"])))
        if values["page"] != 1:
            out.append(("page", str(values["page"])))
        if values["vue"] != "liste":
            out.append(("vue", str(values["vue"])))
        return out


class _Collector:
    """Reads parameters one by one, keeping every problem for the end."""

    def __init__(self, params: QueryParams) -> None:
        self.params = params
        self.errors: list[FieldError] = []

    def fail(self, name: str, message: str, value: object = None) -> None:
        if isinstance(value, str) and len(value) > _ECHO_MAX:
            value = value[:_ECHO_MAX] + "…"
        self.errors.append(FieldError(name, message, value))

    def raw(self, name: str) -> str | None:
        values = self.params.getlist(name)
        if not values:
            return None
        if len(values) > 1:
            self.fail(name, f"Le paramètre « {name} » est donné {len(values)} fois ; donnez-le une seule fois.")
            return None
        return values[0]

    def text(self, name: str) -> str | None:
        value = self.raw(name)
        if value is None:
            return None
        if _CONTROL.search(value):
            self.fail(name, "Le texte contient des caractères de contrôle non autorisés.", value)
            return None
        value = " ".join(value.split())
        if len(value) > MAX_TEXT:
            self.fail(name, f"Le texte est trop long ({len(value)} caractères, {MAX_TEXT} au plus).", value)
            return None
        return value or None

    def number(self, name: str, cast: Callable[[str], T], low: T, high: T, kind: str) -> T | None:
        value = self.raw(name)
        if value is None or value.strip() == "":
            return None
        try:
            number = cast(value.strip())
        except ValueError:
            self.fail(name, f"« {name} » doit être {kind}.", value)
            return None
        if isinstance(number, float) and not math.isfinite(number):
            self.fail(name, f"« {name} » doit être un nombre fini.", value)
            return None
        if not low <= number <= high:
            self.fail(name, f"« {name} » doit être compris entre {low:g} et {high:g}.", value)
            return None
        return number

    def choice(self, name: str, allowed: tuple[str, ...] | dict[str, str]) -> str | None:
        value = self.text(name)
        if value is None:
            return None
        if value.lower() not in allowed:
            self.fail(name, f"« {name} » vaut {', '.join(f'« {a} »' for a in allowed)}.", value)
            return None
        return value.lower()

    def codes(self, name: str) -> tuple[str, ...]:
        """Codes of a vocabulary (repeated parameter or comma list; labels and aliases accepted)."""
        vocabulary = FILTER_VOCABULARIES[name]
        codes: list[str] = []
        for raw in self.params.getlist(name):
            for value in raw.split(","):
                if not value.strip():
                    continue
                member = vocabulary.parse(value.strip()) if not _CONTROL.search(value) else None
                if member is None:
                    self.fail(name, f"Valeur inconnue pour « {vocabulary.title()} ».", value)
                else:
                    codes.append(member.code)
        return tuple(sorted(set(codes)))

    def unknown(self, known: set[str]) -> None:
        for name in self.params:
            if name not in known:
                self.fail(name, f"Paramètre inconnu : « {name} ».", name)

    def done(self) -> None:
        if self.errors:
            fields = ", ".join(dict.fromkeys(e.field for e in self.errors))
            raise InvalidQuery(detail=f"Paramètre(s) invalide(s) : {fields}.", errors=self.errors)


def printable(text: str) -> str:
    """``text`` without control characters, cut to the longest accepted length (to echo it back)."""
    return _CONTROL.sub(" ", text)[:MAX_TEXT]


def _decimal_text(value: float) -> str:
    """``45.764041``, ``30``: six decimals at most (10 cm), so that links keep the searched point."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _decimal(text: str) -> float:
    # Accept the French decimal comma; refuse "1e400", "nan", "inf" spelled out.
    text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise ValueError(text)
    return float(text)


def _integer(text: str) -> int:
    if not re.fullmatch(r"\+?\d{1,6}", text):
        raise ValueError(text)
    return int(text)


def read_place_text(params: QueryParams, name: str = "lieu") -> str | None:
    """The place text of parameter ``name``, cleaned; ``None`` when empty."""
    c = _Collector(params)
    text = c.text(name)
    c.done()
    return text


def _place(c: _Collector) -> tuple[str | None, float | None, float | None]:
    """``lieu``, or a point (``lat`` and ``lon`` together), never both. Empty values count as absent."""
    lieu = c.text("lieu")
    lat = c.number("lat", _decimal, -90.0, 90.0, "un nombre décimal (latitude en degrés)")
    lon = c.number("lon", _decimal, -180.0, 180.0, "un nombre décimal (longitude en degrés)")
    has_point = lat is not None or lon is not None
    if lieu is not None and has_point:
        c.fail("lieu", "Donnez soit « lieu », soit « lat » et « lon », pas les deux.", lieu)
    elif has_point and (lat is None or lon is None) and not c.errors:
        c.fail("lon" if lon is None else "lat", "« lat » et « lon » vont ensemble : donnez les deux.")
    return lieu, lat, lon


def read_nearby_query(params: QueryParams) -> NearbyQuery:
    """``lieu`` or ``lat`` + ``lon``, and ``limite`` (1 to 100, default 20)."""
    c = _Collector(params)
    lieu, lat, lon = _place(c)
    limit = c.number("limite", _integer, 1, MAX_LIMIT, "un nombre entier")
    if not c.errors and lieu is None and lat is None:
        c.fail("lieu", "Indiquez un code postal ou une commune (« lieu »), ou un point (« lat » et « lon »).")
    c.done()
    return NearbyQuery(lieu=lieu, lat=lat, lon=lon, limit=limit if limit is not None else DEFAULT_LIMIT)


#: Every parameter ``read_search`` knows (the API refuses any other).
SEARCH_PARAMS = {
    "q",
    "lieu",
    "lat",
    "lon",
    "rayon",
    "departement",
    "code_insee",
    "code_postal",
    "commune",
    "epci",
    "bbox",
    "ouvert",
    "tri",
    "page",
    "par_page",
    "vue",
    *FILTER_PARAMS,
}


def read_search(params: QueryParams, *, strict: bool = True) -> SearchRequest:
    """A search from the query string; every fault named, by parameter.

    :param strict: refuse unknown parameters (the API); pages ignore them, so
        that a link shared with a tracking parameter still works.
    """
    c = _Collector(params)
    if strict:
        c.unknown(SEARCH_PARAMS)
    besoin = c.text("q")
    lieu, lat, lon = _place(c)
    rayon = c.number("rayon", _decimal, 0.1, float(MAX_RADIUS_KM), "un nombre de kilomètres")
    filters = {name: codes for name in FILTER_PARAMS if (codes := c.codes(name))}
    departement, code_insee, code_postal = c.text("departement"), c.text("code_insee"), c.text("code_postal")
    # Checked as the exports check them (and against the gazetteer) by finder.territory_filter.
    commune, epci, bbox = c.text("commune"), c.text("epci"), c.text("bbox")
    ouvert = c.choice("ouvert", ("maintenant", *WEEKDAY_PARAMS))
    tri = c.choice("tri", SORT_PARAMS)
    page = c.number("page", _integer, 1, MAX_PAGE, "un nombre entier")
    par_page = c.number("par_page", _integer, 1, MAX_LIMIT, "un nombre entier")
    vue = c.choice("vue", VIEWS)
    has_place = lieu is not None or lat is not None
    if not c.errors:
        if rayon is not None and not has_place:
            c.fail("rayon", "Un rayon demande un lieu ou un point.", rayon)
        elif tri == "distance" and not has_place:
            c.fail("tri", "Le tri par distance demande un lieu ou un point.", tri)
    c.done()
    return SearchRequest(
        besoin=besoin,
        lieu=lieu,
        lat=lat,
        lon=lon,
        rayon_km=rayon,
        filters=filters,
        departement=departement,
        code_insee=code_insee,
        code_postal=code_postal,
        commune=commune,
        epci=epci,
        bbox=bbox,
        ouvert=ouvert,
        tri=tri,
        page=page or 1,
        par_page=par_page or DEFAULT_LIMIT,
        vue=vue or "liste",
    )
