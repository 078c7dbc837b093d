# SPDX-License-Identifier: Apache-2.0
"""How a venue's point was obtained (``geo_method``), and how precise it is.

A point is only as good as its method, and people act on it: they walk to
it, they ask a route planner for it. Each point therefore keeps its method, in
the store's ``geo_method`` column (venue and source link):

================  =====================================================  ==========
``geo_method``    the point is                                           precision
================  =====================================================  ==========
``producteur``    the producer's own (``None``: imported, or a person's)  address
``ban-housenumber``  the BAN geocoder's, at the house number              address
``ban-street``    the BAN geocoder's, somewhere on the street             street
``ban-locality``  the BAN geocoder's, a named place (« lieu-dit »)        street
``ban``           the BAN geocoder's, type not recorded (before this      street
                  refinement: house number or street)
``ban-municipality``  the BAN geocoder's, the commune as a whole           commune
``commune``       the commune's centre (no acceptable address found)      commune
================  =====================================================  ==========

The precision decides which point a venue keeps when several records place it
(a precise point never loses to a coarser one: ``directory.store._merge``),
whether pages say « position approximative » and offer route planners, and what
the exports say of the point (``PRECISION_CODES``).
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "COMMUNE_CENTRE",
    "PRECISION_CODES",
    "PRODUCER",
    "Precision",
    "ban_method",
    "is_approximate",
    "is_geocoded",
    "precision",
]

PRODUCER = "producteur"
COMMUNE_CENTRE = "commune"
_BAN = "ban"


class Precision(IntEnum):
    """Coarse to fine: a greater precision wins."""

    COMMUNE = 1
    STREET = 2
    ADDRESS = 3


#: How exports name each precision (the GeoJSON and JSON-LD extension ``precision_position``).
PRECISION_CODES: dict[Precision, str] = {
    Precision.ADDRESS: "adresse",
    Precision.STREET: "rue",
    Precision.COMMUNE: "commune",
}

#: The BAN's ``result_type`` values and what they locate.
_BAN_TYPES: dict[str, Precision] = {
    "housenumber": Precision.ADDRESS,
    "street": Precision.STREET,
    "locality": Precision.STREET,
    "municipality": Precision.COMMUNE,
}


def ban_method(result_type: str | None) -> str:
    """The ``geo_method`` of a point the BAN gave: ``ban-{result_type}``, or ``ban`` for a type it does not name."""
    return f"{_BAN}-{result_type}" if result_type in _BAN_TYPES else _BAN


def precision(method: str | None) -> Precision:
    """How precise a point placed by ``method`` is.

    ``None`` and ``producteur`` are the producer's (or a person's) own point:
    the address itself. The old ``ban`` and a method this version does not know
    count as a street: never above a point known to be exact, never as coarse as
    a commune's centre.
    """
    if method is None or method == PRODUCER:
        return Precision.ADDRESS
    if method == COMMUNE_CENTRE:
        return Precision.COMMUNE
    if method.startswith(_BAN + "-"):
        return _BAN_TYPES.get(method[len(_BAN) + 1 :], Precision.STREET)
    return Precision.STREET


def is_approximate(method: str | None) -> bool:
    """True when the point only says which commune: pages say « position approximative » and offer no route."""
    return precision(method) is Precision.COMMUNE


def is_geocoded(method: str | None) -> bool:
    """True when the point came from a geocoder or the commune's centre, not from the producer."""
    return method is not None and (method in (COMMUNE_CENTRE, _BAN) or method.startswith(_BAN + "-"))
