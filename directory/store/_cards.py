# SPDX-License-Identifier: Apache-2.0
"""Nearest venues as the cards a response shows, not as whole venues.

``Store.nearest`` builds a ``Venue`` per result: 39 columns read, 14 JSON
columns decoded, validation types built, then a second query by primary key.
``/api/lieux/proches`` shows eight fields; reading only those, in the same
statement that finds the venues (compiled once, run on a connection kept for
such reads: ``_prepared``, ``_read_connections``), keeps the API within 3× of
the bare query (bench/nearest.py). Both backends return the same cards in the
same order (ties by id), so the parity of ``nearest`` holds for them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from .tables import venue_t

__all__ = ["CARD_COLUMNS", "NearbyCard", "card_of"]

_loads = orjson.loads

#: What a card reads after the (pk, id, latitude, longitude) every nearest-venue query starts with.
CARD_COLUMNS: tuple[sa.ColumnElement[Any], ...] = (
    venue_t.c.nom,
    venue_t.c.adresse,
    venue_t.c.code_postal,
    venue_t.c.commune,
    sa.cast(venue_t.c.services, sa.Text).label("services_json"),
)


@dataclass(frozen=True, slots=True)
class NearbyCard:
    """One nearby venue as a list of results shows it, with its distance in metres."""

    id: str
    nom: str
    adresse: str
    code_postal: str
    commune: str
    latitude: float
    longitude: float
    services: tuple[str, ...]
    distance_m: float


def card_of(row: Sequence[Any], distance_m: float) -> NearbyCard:
    """A card from a row (pk, id, latitude, longitude, *``CARD_COLUMNS``, …); services decoded by orjson."""
    _pk, venue_id, latitude, longitude, nom, adresse, code_postal, commune, services_json = row[:9]
    services = _loads(services_json) if services_json else None
    return NearbyCard(
        venue_id, nom, adresse, code_postal, commune, latitude, longitude, tuple(services or ()), distance_m
    )
