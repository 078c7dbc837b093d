# SPDX-License-Identifier: Apache-2.0
"""Where France is, and what validation needs to know about communes.

``CommuneLookup`` is the shape of the gazetteer that ``directory.places``
provides; the schema only states what it needs, so it stays free of I/O.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Protocol

__all__ = [
    "DEPARTEMENT_CODE",
    "INSEE_CODE",
    "POSTCODE",
    "SIREN",
    "CommuneLookup",
    "CommuneLike",
    "in_france",
    "far_threshold_km",
    "departement_of_insee",
]

# Codes as people and filters give them (use ``fullmatch``). re.ASCII: ``\d`` would
# take any script's digits ("٦٩٠٠٣"), which no code has.
#: A département: 01–19, 2A, 2B, 21–95, 971–978, 984–989 (no "20" since 1976).
DEPARTEMENT_CODE = re.compile(r"0[1-9]|1\d|2[1-9AB]|[3-8]\d|9[0-5]|97[1-8]|98[4-9]", re.ASCII)
#: A commune's INSEE code (Corsica's with 2A/2B).
INSEE_CODE = re.compile(r"(\d{2}|2[AB])\d{3}", re.ASCII)
POSTCODE = re.compile(r"\d{5}", re.ASCII)
#: An intercommunality's (or any organisation's) SIREN.
SIREN = re.compile(r"\d{9}", re.ASCII)

# (south, north, west, east) boxes: mainland + Corsica, then overseas.
_FRANCE_BOXES: tuple[tuple[float, float, float, float], ...] = (
    (41.2, 51.2, -5.3, 9.7),  # métropole et Corse
    (15.8, 16.6, -61.9, -60.9),  # Guadeloupe
    (14.3, 14.95, -61.3, -60.7),  # Martinique
    (2.0, 5.9, -54.7, -51.5),  # Guyane
    (-21.5, -20.8, 55.1, 55.9),  # La Réunion
    (-13.1, -12.5, 44.9, 45.4),  # Mayotte
    (46.7, 47.2, -56.5, -56.1),  # Saint-Pierre-et-Miquelon
    (17.8, 18.2, -63.2, -62.7),  # Saint-Barthélemy, Saint-Martin
    (-23.0, -19.0, 163.0, 169.0),  # Nouvelle-Calédonie
    (-28.0, -7.0, -155.0, -134.0),  # Polynésie française
    (-14.4, -13.1, -178.3, -176.1),  # Wallis-et-Futuna
)


#: Around each box (~11 km): a point a little off a coast, as an island's producer may place it,
#: is then checked against its commune (flagged when far) instead of rejecting the venue.
_MARGIN_DEG = 0.1


def in_france(lat: float, lon: float) -> bool:
    """True when the point lies in mainland France, Corsica or an overseas territory (or just off them)."""
    m = _MARGIN_DEG
    return any(s - m <= lat <= n + m and w - m <= lon <= e + m for s, n, w, e in _FRANCE_BOXES)


def departement_of_insee(insee: str) -> str:
    """Département part of an INSEE code: 3 characters overseas (97x, 98x)."""
    return insee[:3] if insee.startswith(("97", "98")) else insee[:2]


def far_threshold_km(departement: str) -> float:
    """How far from its commune's point a venue may lie before it is flagged.

    Mainland communes are at most ~20 km across; Guyane's and the Pacific's
    span islands or forests the size of départements.
    """
    return {"973": 150.0, "987": 1500.0, "988": 150.0, "986": 150.0}.get(departement, 20.0)


class CommuneLike(Protocol):
    """A commune as validation reads it (read-only: the gazetteer's are frozen)."""

    @property
    def insee(self) -> str: ...
    @property
    def nom(self) -> str: ...
    @property
    def kind(
        self,
    ) -> str: ...  # commune, arrondissement (parent: the city), deleguee or associee (parent: the commune nouvelle)
    @property
    def parent(self) -> str | None: ...
    @property
    def departement(self) -> str: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...


class CommuneLookup(Protocol):
    """What validation asks of a gazetteer."""

    def commune(self, insee: str) -> CommuneLike | None: ...
    def communes_for_postcode(self, postcode: str) -> Sequence[CommuneLike]: ...
    def communes_named(self, name: str, departements: Collection[str] | None = None) -> Sequence[CommuneLike]: ...
    def is_known_postcode(self, postcode: str) -> bool: ...
    def postcode_matches_insee(self, postcode: str, insee: str) -> bool: ...
    def distance_to_commune_km(self, insee: str, lat: float, lon: float) -> float | None: ...
