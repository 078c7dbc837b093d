# SPDX-License-Identifier: Apache-2.0
"""The pairs matching merged without a person, kept with their evidence: the score, its parts and
the signs that weighed (``harvest.matching.Score.signs``), for the back office and ``directory
review fusions``. They live beside the review queue's pairs (``review_item``, status ``merged``):
one home for a pair of records and what was decided of it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ._review_pairs import _pair_item, feeds, record_links
from .tables import review_t

__all__ = ["MERGED", "read_merged_pairs"]

#: The status of a pair merged by matching (``Writer.add_review_items`` with this status).
MERGED = "merged"


def read_merged_pairs(c: sa.Connection, limit: int) -> list[dict[str, Any]]:
    """The merged pairs whose two records still feed an active venue, best score first."""
    rows = (
        c.execute(
            sa.select(review_t)
            .where(review_t.c.status == MERGED)
            .order_by(review_t.c.score.desc(), review_t.c.pk)
            .limit(limit * 2)
        )
        .mappings()
        .all()
    )
    links = record_links(c, [r[side] for r in rows for side in ("left_key", "right_key")])
    items = []
    for r in rows:
        left, right = links.get(r["left_key"]), links.get(r["right_key"])
        if feeds(left) and feeds(right):
            items.append(_pair_item(r, left, right))
    return items[:limit]
