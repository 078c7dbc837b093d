# SPDX-License-Identifier: Apache-2.0
"""SQLite backend: nearest venues through an R*Tree, with a box that grows.

A fixed search box is either too small (few results) or, in a city, holds
thousands of venues; so start small around the point and double the box until
the ``limit`` nearest are certain: every result lies within the circle the
box contains (``reference/performance.md`` §2).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from math import cos, radians
from typing import Any

import sqlalchemy as sa

from ._base import EARTH_RADIUS_M, Store, closest_first, haversine_m
from ._models import VenueFilter
from ._prepared import PreparedRead, value_key
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


#: SQLite's page cache for a write transaction, in KiB.
_WRITE_CACHE_KIB = 64 * 1024


class SqliteStore(Store):
    dialect = "sqlite"

    @contextmanager
    def _writing(self, connection: sa.Connection) -> Iterator[None]:
        """A larger page cache while the transaction lasts: a harvest writes the whole run in one
        transaction, and the pages it changed (in the WAL, not yet in the database) are then read
        back from memory instead of looked up in a growing WAL (SQLite's default cache is 2 MB).
        Put back as it was after (the connection returns to the pool, for readers); not after a failed
        write, whose error must not be hidden by another statement: the connection then keeps the
        larger cache, which only costs the memory it fills."""
        before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        connection.exec_driver_sql(f"PRAGMA cache_size = -{_WRITE_CACHE_KIB}")
        yield
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")

    def _active(self) -> sa.ColumnElement[bool]:
        # Unary plus keeps SQLite from driving the box query from the status
        # index (a walk over every venue, ~200 ms at 100k without ANALYZE):
        # the R*Tree must come first. See bench/README.md.
        return sa.literal_column("+venue.status") == "active"

    def _nearest_rows(
        self,
        cursor: Any,
        lat: float,
        lon: float,
        limit: int,
        radius_km: float | None,
        filter: VenueFilter | None,
        columns: tuple[sa.ColumnElement[Any], ...],
    ) -> list[tuple[float, tuple[Any, ...]]]:
        """(distance, row) of the nearest venues; a row is (pk, id, latitude, longitude, *columns)."""
        radius_m = radius_km * 1000 if radius_km is not None else None
        half = _first_half(radius_km)
        while True:
            scored = self._scan_box(cursor, lat, lon, half, filter, columns)
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

    def _first_read(
        self, lat: float, lon: float, limit: int, radius_km: float | None, filter: VenueFilter | None
    ) -> tuple[PreparedRead, dict[str, Any]]:
        """The first box (it does not depend on ``limit``)."""
        return self._box(lat, lon, _first_half(radius_km), filter, ())

    def _scan_box(
        self,
        cursor: Any,
        lat: float,
        lon: float,
        half: float,
        filter: VenueFilter | None,
        columns: tuple[sa.ColumnElement[Any], ...],
    ) -> list[tuple[float, tuple[Any, ...]]]:
        box, values = self._box(lat, lon, half, filter, columns)
        rows = box.rows(cursor, values)
        return closest_first([haversine_m(lat, lon, r[2], r[3]) for r in rows], rows)

    def _box(
        self,
        lat: float,
        lon: float,
        half: float,
        filter: VenueFilter | None,
        columns: tuple[sa.ColumnElement[Any], ...],
    ) -> tuple[PreparedRead, dict[str, Any]]:
        """The box query holding the circle of radius ``half`` around the point, and its bounds."""
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
        key = (len(lon_ranges), value_key(filter), columns)
        box = self._statements.get(key, lambda: self._box_query(len(lon_ranges), filter, columns))
        values = {"south": south, "north": north}
        for i, (w, e) in enumerate(lon_ranges):
            values[f"west{i}"], values[f"east{i}"] = w, e
        return box, values

    def _box_query(
        self, ranges: int, filter: VenueFilter | None, columns: tuple[sa.ColumnElement[Any], ...]
    ) -> sa.Select[Any]:
        """The venues in a box of ``ranges`` longitude ranges (two across the antimeridian);
        its bounds are the parameters ``south``, ``north``, ``west0``, ``east0``…"""
        lon_clause = sa.or_(
            *(
                sa.and_(rtree_t.c.min_lon >= _bound(f"west{i}"), rtree_t.c.max_lon <= _bound(f"east{i}"))
                for i in range(ranges)
            )
        )
        return (
            sa.select(venue_t.c.pk, venue_t.c.id, venue_t.c.latitude, venue_t.c.longitude, *columns)
            .select_from(rtree_t.join(venue_t, venue_t.c.pk == rtree_t.c.pk))
            .where(
                rtree_t.c.min_lat >= _bound("south"),
                rtree_t.c.max_lat <= _bound("north"),
                lon_clause,
                *self._filter_clauses(filter),
            )
        )


def _first_half(radius_km: float | None) -> float:
    """Half side of the first box: small, and never wider than the radius."""
    return _FIRST_HALF_SIDE_M if radius_km is None else min(_FIRST_HALF_SIDE_M, radius_km * 1000)


def _bound(name: str) -> sa.BindParameter[float]:
    return sa.bindparam(name, 0.0, type_=sa.Float)


def _split_antimeridian(west: float, east: float) -> list[tuple[float, float]]:
    if west < -180.0:
        return [(west + 360.0, 180.0), (-180.0, east)]
    if east > 180.0:
        return [(west, 180.0), (-180.0, east - 360.0)]
    return [(west, east)]
