# SPDX-License-Identifier: Apache-2.0
"""SQLite backend: nearest venues through an R*Tree, with a box that grows.

A fixed search box is either too small (few results) or, in a city, holds
thousands of venues; so start small around the point and double the box until
the ``limit`` nearest are certain: every result lies within the circle the
box contains (``reference/performance.md`` §2).
"""

from __future__ import annotations

from math import cos, radians
from typing import Any

import sqlalchemy as sa

from ._base import EARTH_RADIUS_M, Store, haversine_m
from ._cards import CARD_COLUMNS, NearbyCard, card_of
from ._models import Nearby, VenueFilter
from .tables import venue_t

__all__ = ["SqliteStore"]

_M_PER_DEG = EARTH_RADIUS_M * 3.141592653589793 / 180
_FIRST_HALF_SIDE_M = 2_000.0
_WORLD_HALF_SIDE_M = 20_100_000.0

rtree_t = sa.table(
    "venue_rtree",
    sa.column("pk"),
    sa.column("min_lat"),
    sa.column("max_lat"),
    sa.column("min_lon"),
    sa.column("max_lon"),
)


class SqliteStore(Store):
    dialect = "sqlite"

    def _active(self) -> sa.ColumnElement[bool]:
        # Unary plus keeps SQLite from driving the box query from the status
        # index (a walk over every venue, ~200 ms at 100k without ANALYZE):
        # the R*Tree must come first. See bench/README.md.
        return sa.literal_column("+venue.status") == "active"

    def nearest(
        self,
        lat: float,
        lon: float,
        *,
        limit: int = 10,
        radius_km: float | None = None,
        filter: VenueFilter | None = None,
    ) -> list[Nearby]:
        with self.engine.connect() as c:
            found = self._nearest_rows(c, lat, lon, limit, radius_km, filter, ())
            return self._load(c, [(d, row.pk) for d, row in found])

    def nearest_cards(
        self,
        lat: float,
        lon: float,
        *,
        limit: int = 10,
        radius_km: float | None = None,
        filter: VenueFilter | None = None,
    ) -> list[NearbyCard]:
        """``nearest`` as cards (``_cards``): the box query reads the card's columns itself."""
        with self.engine.connect() as c:
            return [
                card_of(row, d) for d, row in self._nearest_rows(c, lat, lon, limit, radius_km, filter, CARD_COLUMNS)
            ]

    def _nearest_rows(
        self,
        c: sa.Connection,
        lat: float,
        lon: float,
        limit: int,
        radius_km: float | None,
        filter: VenueFilter | None,
        columns: tuple[sa.ColumnElement[Any], ...],
    ) -> list[tuple[float, sa.Row[Any]]]:
        radius_m = radius_km * 1000 if radius_km is not None else None
        clauses = self._filter_clauses(filter)
        half = _FIRST_HALF_SIDE_M if radius_m is None else min(_FIRST_HALF_SIDE_M, radius_m)
        while True:
            scored = self._scan_box(c, lat, lon, half, clauses, columns)
            if radius_m is not None:
                scored = [(d, row) for d, row in scored if d <= radius_m]
            # Inside the circle of radius `half`, nothing outside the box can be nearer.
            certain = [(d, row) for d, row in scored if d <= half]
            covers = half >= _WORLD_HALF_SIDE_M or (radius_m is not None and half >= radius_m)
            if len(certain) >= limit or covers:
                return (scored if covers else certain)[:limit]
            half = self._grow(half, len(certain), limit)
            if radius_m is not None:
                half = min(half, radius_m)

    @staticmethod
    def _grow(half: float, found: int, wanted: int) -> float:
        """Double, or jump further when the box was nearly empty."""
        factor = 2.0 if found else 4.0
        if found and found < wanted:
            factor = min(4.0, max(2.0, (wanted / found) ** 0.5 * 1.2))
        return min(half * factor, _WORLD_HALF_SIDE_M)

    def _scan_box(
        self,
        c: sa.Connection,
        lat: float,
        lon: float,
        half: float,
        clauses: list[sa.ColumnElement[bool]],
        columns: tuple[sa.ColumnElement[Any], ...] = (),
    ) -> list[tuple[float, sa.Row[Any]]]:
        dlat = half / _M_PER_DEG
        south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
        # The box must hold the whole circle: widen longitudes at its most polar edge.
        polar = max(abs(south), abs(north))
        if polar >= 89.0 or half >= _WORLD_HALF_SIDE_M / 2:
            west, east = -180.0, 180.0
        else:
            dlon = half / (_M_PER_DEG * cos(radians(polar)))
            west, east = lon - dlon, lon + dlon
        lon_ranges = _split_antimeridian(west, east)
        lon_clause = sa.or_(*(sa.and_(rtree_t.c.min_lon >= w, rtree_t.c.max_lon <= e) for w, e in lon_ranges))
        query = (
            sa.select(
                venue_t.c.pk,
                venue_t.c.id.label("venue_id"),
                venue_t.c.latitude.label("lat"),
                venue_t.c.longitude.label("lon"),
                *columns,
            )
            .select_from(rtree_t.join(venue_t, venue_t.c.pk == rtree_t.c.pk))
            .where(rtree_t.c.min_lat >= south, rtree_t.c.max_lat <= north, lon_clause, *clauses)
        )
        rows = c.execute(query).all()
        scored = sorted((haversine_m(lat, lon, r.lat, r.lon), r.venue_id, i) for i, r in enumerate(rows))
        return [(d, rows[i]) for d, _id, i in scored]


def _split_antimeridian(west: float, east: float) -> list[tuple[float, float]]:
    if west < -180.0:
        return [(west + 360.0, 180.0), (-180.0, east)]
    if east > 180.0:
        return [(west, 180.0), (-180.0, east - 360.0)]
    return [(west, east)]
