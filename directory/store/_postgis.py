# SPDX-License-Identifier: Apache-2.0
"""PostgreSQL + PostGIS backend: KNN on a GiST-indexed geography point.

``venue.geog`` is a stored generated column (see the migrations) so the
application writes only latitude/longitude, as on SQLite. ``<->`` uses the
index only in ORDER BY against a constant (``reference/performance.md`` §2.8);
distances are then computed on the sphere, as the SQLite backend does.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from geoalchemy2 import Geography
from geoalchemy2 import functions as gf

from ._base import Store
from ._cards import CARD_COLUMNS, NearbyCard, card_of
from ._models import Nearby, VenueFilter
from .tables import venue_t

__all__ = ["PostgisStore"]

POINT = Geography(geometry_type="POINT", srid=4326)
geog = sa.column("geog", POINT)


class PostgisStore(Store):
    dialect = "postgresql"

    def nearest(
        self,
        lat: float,
        lon: float,
        *,
        limit: int = 10,
        radius_km: float | None = None,
        filter: VenueFilter | None = None,
    ) -> list[Nearby]:
        query = self.nearest_query(lat, lon, limit=limit, radius_km=radius_km, filter=filter)
        with self.engine.connect() as c:
            rows = c.execute(query).all()
            # The index orders by sphere distance too; re-sort to break ties by id.
            scored = sorted((float(r.distance), r.id, r.pk) for r in rows)
            return self._load(c, [(d, pk) for d, _id, pk in scored][:limit])

    def nearest_cards(
        self,
        lat: float,
        lon: float,
        *,
        limit: int = 10,
        radius_km: float | None = None,
        filter: VenueFilter | None = None,
    ) -> list[NearbyCard]:
        """``nearest`` as cards (``_cards``): one statement, the KNN subquery reads the card's columns."""
        query = self.nearest_query(lat, lon, limit=limit, radius_km=radius_km, filter=filter, columns=CARD_COLUMNS)
        with self.engine.connect() as c:
            rows = c.execute(query).all()
        scored = sorted((float(r.distance), r.id, i) for i, r in enumerate(rows))
        return [card_of(rows[i], d) for d, _id, i in scored[:limit]]

    def nearest_query(
        self,
        lat: float,
        lon: float,
        *,
        limit: int,
        radius_km: float | None,
        filter: VenueFilter | None,
        columns: tuple[sa.ColumnElement[Any], ...] = (),
    ) -> sa.Select[Any]:
        """The SQL ``nearest`` runs, for inspection and benchmarks.

        The radius is applied outside a KNN subquery, never as ``ST_DWithin``
        beside ``<->``: the planner then underestimates the rows in the circle
        and sorts every one of them (130 ms around Paris at 100k venues,
        against 2 ms walking the index nearest-first; see bench/README.md).
        """
        point = sa.cast(gf.ST_SetSRID(gf.ST_MakePoint(lon, lat), 4326), POINT)
        nearest_first = (
            sa.select(
                venue_t.c.pk,
                *dict.fromkeys((venue_t.c.id, *columns)),
                gf.ST_Distance(geog, point, False).label("distance"),
            )
            .select_from(venue_t)
            .where(geog.is_not(None), *self._filter_clauses(filter))
            # Only the bare `<->` lets the GiST index answer; spare rows let
            # ties at the edge be broken by id in Python.
            .order_by(geog.distance_centroid(point))
            .limit(limit + 5)
            .subquery()
        )
        query = sa.select(*nearest_first.c)
        if radius_km is not None:
            query = query.where(nearest_first.c.distance <= radius_km * 1000)
        return query
