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
from dataclasses import dataclass
from typing import TypeVar

from starlette.datastructures import QueryParams

from directory.errors import FieldError, InvalidQuery

__all__ = ["NearbyQuery", "read_nearby_query", "read_place_text", "printable", "MAX_LIMIT", "DEFAULT_LIMIT"]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_TEXT = 200
_ECHO_MAX = 80  # longest value echoed back in an error
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")  # tab is tolerated, then folded
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class NearbyQuery:
    """A "venues near…" request: a place to resolve, or a point."""

    lieu: str | None
    lat: float | None
    lon: float | None
    limit: int


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
        if not low <= number <= high:  # type: ignore[operator]
            self.fail(name, f"« {name} » doit être compris entre {low:g} et {high:g}.", value)
            return None
        return number

    def done(self) -> None:
        if self.errors:
            fields = ", ".join(dict.fromkeys(e.field for e in self.errors))
            raise InvalidQuery(detail=f"Paramètre(s) invalide(s) : {fields}.", errors=self.errors)


def printable(text: str) -> str:
    """``text`` without control characters, cut to the longest accepted length (to echo it back)."""
    return _CONTROL.sub(" ", text)[:MAX_TEXT]


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


def read_place_text(params: QueryParams) -> str | None:
    """The ``lieu`` text of the search page, cleaned; ``None`` when empty."""
    c = _Collector(params)
    lieu = c.text("lieu")
    c.done()
    return lieu


def read_nearby_query(params: QueryParams) -> NearbyQuery:
    """``lieu`` or ``lat`` + ``lon``, and ``limite`` (1 to 100, default 20)."""
    c = _Collector(params)
    lieu = c.text("lieu")
    lat = c.number("lat", _decimal, -90.0, 90.0, "un nombre décimal (latitude en degrés)")
    lon = c.number("lon", _decimal, -180.0, 180.0, "un nombre décimal (longitude en degrés)")
    limit = c.number("limite", _integer, 1, MAX_LIMIT, "un nombre entier")
    has_point = "lat" in params or "lon" in params
    if not c.errors:
        if lieu is not None and has_point:
            c.fail("lieu", "Donnez soit « lieu », soit « lat » et « lon », pas les deux.", lieu)
        elif has_point and (lat is None or lon is None):
            c.fail("lon" if lon is None else "lat", "« lat » et « lon » vont ensemble : donnez les deux.")
        elif lieu is None and not has_point:
            c.fail("lieu", "Indiquez un code postal ou une commune (« lieu »), ou un point (« lat » et « lon »).")
    c.done()
    return NearbyQuery(lieu=lieu, lat=lat, lon=lon, limit=limit if limit is not None else DEFAULT_LIMIT)
