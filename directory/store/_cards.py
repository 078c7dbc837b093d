# SPDX-License-Identifier: Apache-2.0
"""Nearest venues as the cards a response shows, not as whole venues.

``Store.nearest`` builds a ``Venue`` per result: 39 columns read, 14 JSON
columns decoded, validation types built, then a second query by primary key.
``/api/lieux/proches`` shows eight fields; reading only those, in the same
statement that finds the venues, took the API from 5–10× the bare query to
within 3× (bench/nearest.py). Both backends return the same cards in the
same order (ties by id), so the parity of ``nearest`` holds for them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import sqlalchemy as sa

from .tables import venue_t

__all__ = ["CARD_COLUMNS", "NearbyCard", "card_of"]

#: What a card reads, in this order, after the venue's pk.
CARD_COLUMNS: tuple[sa.ColumnElement[Any], ...] = (
    venue_t.c.id,
    venue_t.c.nom,
    venue_t.c.adresse,
    venue_t.c.code_postal,
    venue_t.c.commune,
    venue_t.c.latitude,
    venue_t.c.longitude,
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


def card_of(row: Any, distance_m: float) -> NearbyCard:
    """A card from a row holding ``CARD_COLUMNS`` (by name); services decoded by orjson."""
    services = orjson.loads(row.services_json) if row.services_json else []
    return NearbyCard(
        row.id,
        row.nom,
        row.adresse,
        row.code_postal,
        row.commune,
        row.latitude,
        row.longitude,
        tuple(services or ()),
        distance_m,
    )
