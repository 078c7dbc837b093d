# SPDX-License-Identifier: Apache-2.0
"""The names a venue's records give it: the venue shows one, search finds it by every one
(« Maison des initiatives et des services » and the « France Services » it hosts, merged)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from ._bulk import chunks
from ._code_points import by_code_point
from .tables import link_t, venue_t

__all__ = ["read_record_names"]


def read_record_names(c: sa.Connection, venue_ids: Sequence[str]) -> dict[str, list[str]]:
    """Venue id → the distinct names its current records give, in source and record order."""
    names: dict[str, list[str]] = {}
    for chunk in chunks(sorted(set(venue_ids)), 500):
        rows = c.execute(
            sa.select(venue_t.c.id, link_t.c.record)
            .join(link_t, link_t.c.venue_pk == venue_t.c.pk)
            .where(venue_t.c.id.in_(chunk), link_t.c.withdrawn_at.is_(None))
            .order_by(by_code_point(venue_t.c.id), by_code_point(link_t.c.source_id), by_code_point(link_t.c.record_id))
        )
        for venue_id, record in rows:
            nom = (record or {}).get("nom") if isinstance(record, dict) else None
            if nom and nom not in names.setdefault(venue_id, []):
                names[venue_id].append(nom)
    return names
