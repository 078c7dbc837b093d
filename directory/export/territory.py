# SPDX-License-Identifier: Apache-2.0
"""Which venues an export holds: a département, a commune, a postcode, an
intercommunality, a bounding box, or all of them.

``read_territory`` checks the parameters (the ``/export`` routes' query string,
the ``directory export`` options) and turns them into a store filter; every
parameter at fault is named in French. A commune includes its municipal
arrondissements; an intercommunality (EPCI, by SIREN) its member communes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Protocol

from directory.errors import FieldError, InvalidQuery
from directory.places import Gazetteer
from directory.schema import DEPARTEMENT_CODE as DEPARTEMENT
from directory.schema import INSEE_CODE as INSEE
from directory.schema import POSTCODE, SIREN
from directory.store import VenueFilter

__all__ = [
    "DEPARTEMENT",
    "INSEE",
    "MESSAGES",
    "POSTCODE",
    "SIREN",
    "TERRITORY_PARAMETERS",
    "Territory",
    "read_territory",
    "territory_from_query",
]

TERRITORY_PARAMETERS = ("departement", "commune", "code_postal", "epci", "bbox")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)
_ECHO_MAX = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Territory:
    """Which venues an export holds. Nothing set: all of them; several filters combine."""

    departement: str | None = None
    commune: str | None = None  # INSEE code
    code_postal: str | None = None
    epci: str | None = None  # SIREN
    bbox: tuple[float, float, float, float] | None = None  # south, west, north, east

    @property
    def everything(self) -> bool:
        return not self.query()

    def query(self) -> dict[str, str]:
        """The query parameters that ask for this territory, in a fixed order."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = ",".join(_number(v) for v in value) if f.name == "bbox" else value
        return out

    def slug(self) -> str:
        """For file names: ``-departement-69``, ``-commune-69383``, ``-emprise``…"""
        parts = [f"{name.replace('_', '-')}-{value}" for name, value in self.query().items() if name != "bbox"]
        if self.bbox is not None:
            parts.append("emprise")
        return "".join(f"-{p}" for p in parts)


def _number(value: float) -> str:
    """``45.7``, ``4``: six decimals at most (a decimetre), no trailing zeros."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


#: What is wrong with a territory parameter, in French (``{name}``: the parameter).
MESSAGES: dict[str, str] = {
    "departement": "« departement » doit être un code de département : 69, 2A, 974…",
    "commune": "« commune » doit être le code INSEE d'une commune (5 caractères, par exemple 69383).",
    "code_postal": "« code_postal » doit compter 5 chiffres (par exemple 69003).",
    "epci": "« epci » doit être le numéro SIREN (9 chiffres) d'une intercommunalité connue, par exemple 200046977.",
    "commune+epci": "Donnez soit « commune », soit « epci », pas les deux.",
    "bbox": "« bbox » attend quatre nombres décimaux séparés par des virgules : "
    "sud,ouest,nord,est (par exemple 45.70,4.78,45.80,4.90).",
    "bbox-range": "« bbox » : les latitudes vont de -90 à 90, les longitudes de -180 à 180.",
    "bbox-order": "« bbox » : donnez sud,ouest,nord,est, avec le sud sous le nord et l'ouest avant l'est.",
    "unknown": "Paramètre inconnu « {name} » : les paramètres possibles sont " + ", ".join(TERRITORY_PARAMETERS) + ".",
    "repeated": "Le paramètre « {name} » est donné plusieurs fois ; donnez-le une seule fois.",
    "not-found": "Nous n'avons trouvé aucun territoire pour « {name} ». "
    "Vérifiez l'orthographe, ou essayez un code postal ou un numéro de département.",
}


def _echo(value: str) -> str:
    """A value to name in a message: no control character, at most ``_ECHO_MAX`` long."""
    value = _CONTROL.sub(" ", value)
    return value if len(value) <= _ECHO_MAX else value[:_ECHO_MAX] + "…"


def _invalid(errors: list[FieldError]) -> InvalidQuery:
    names = ", ".join(dict.fromkeys(e.field for e in errors))
    return InvalidQuery(detail=f"Paramètre(s) invalide(s) : {names}.", errors=errors)


def _bbox(text: str) -> tuple[float, float, float, float] | str:
    """Four decimals, or the key of the reason they are not a bounding box."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 4 or not all(_DECIMAL.fullmatch(p) for p in parts):
        return "bbox"
    south, west, north, east = (float(p) for p in parts)
    if not (-90 <= south <= 90 and -90 <= north <= 90 and -180 <= west <= 180 and -180 <= east <= 180):
        return "bbox-range"
    if south > north or west > east:
        return "bbox-order"
    return (south, west, north, east)


def read_territory(values: Mapping[str, str | None], places: Gazetteer) -> tuple[Territory, VenueFilter]:
    """Check the territory parameters and turn them into a store filter.

    :param values: ``departement``, ``commune`` (INSEE), ``code_postal``,
        ``epci`` (SIREN) and ``bbox`` (``south,west,north,east``); empty or
        missing ones are left out.
    :param places: resolves a commune's arrondissements and an EPCI's communes.
    :raises InvalidQuery: listing every parameter at fault, in French.
    """
    raw = {name: (values.get(name) or "").strip() or None for name in TERRITORY_PARAMETERS}
    errors: list[FieldError] = []
    found: dict[str, Any] = {}
    communes: tuple[str, ...] = ()

    def fail(name: str, value: str, key: str | None = None) -> None:
        errors.append(FieldError(name, MESSAGES[key or name], _echo(value)))

    if (d := raw["departement"]) is not None:
        if DEPARTEMENT.fullmatch(d.upper()):
            found["departement"] = d.upper()
        else:
            fail("departement", d)
    if (c := raw["commune"]) is not None:
        commune = places.commune(c) if INSEE.fullmatch(c.upper()) else None
        if commune is None:
            fail("commune", c)
        else:
            found["commune"] = c.upper()
            communes = tuple(sorted({c.upper(), commune.insee, *places.arrondissements_of(commune.insee)}))
    if (p := raw["code_postal"]) is not None:
        if POSTCODE.fullmatch(p):
            found["code_postal"] = p
        else:
            fail("code_postal", p)
    if (e := raw["epci"]) is not None:
        members = places.communes_of_epci(e) if SIREN.fullmatch(e) else ()
        if not members:
            fail("epci", e)
        elif "commune" in found:
            fail("epci", e, "commune+epci")
        else:
            found["epci"], communes = e, members
    if (b := raw["bbox"]) is not None:
        box = _bbox(b)
        if isinstance(box, str):
            fail("bbox", b, box)
        else:
            found["bbox"] = box
    if errors:
        raise _invalid(errors)
    territory = Territory(**found)
    venue_filter = VenueFilter(
        departement=territory.departement, code_postal=territory.code_postal, communes=communes, bbox=territory.bbox
    )
    return territory, venue_filter


class MultiMapping(Protocol):
    """A query string's parameters (``starlette.datastructures.QueryParams``)."""

    def keys(self) -> Iterable[str]: ...
    def getlist(self, key: str) -> list[str]: ...
    def __getitem__(self, key: str) -> str: ...


def territory_from_query(params: MultiMapping, places: Gazetteer) -> tuple[Territory, VenueFilter]:
    """``read_territory`` over a query string: unknown or repeated parameters are errors too."""
    errors: list[FieldError] = []
    values: dict[str, str] = {}
    for name in dict.fromkeys(params.keys()):
        if name not in TERRITORY_PARAMETERS:
            errors.append(FieldError(_echo(name), MESSAGES["unknown"].format(name=_echo(name))))
        elif len(params.getlist(name)) > 1:
            errors.append(FieldError(name, MESSAGES["repeated"].format(name=name)))
        else:
            values[name] = params[name]
    try:
        result = read_territory(values, places)
    except InvalidQuery as err:
        errors += err.errors
    if errors:
        raise _invalid(errors)
    return result
