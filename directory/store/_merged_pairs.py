# SPDX-License-Identifier: Apache-2.0
"""The pairs matching merged without a person, kept with their evidence: the score, its parts and
the signs that weighed (``harvest.matching.Score.signs``), for the back office and ``directory
review fusions``. They live beside the review queue's pairs (``review_item``, status ``merged``):
one home for a pair of records and what was decided of it."""

from __future__ import annotations

import itertools
from typing import Any

import sqlalchemy as sa

from ._models import RowValues
from ._review_pairs import Link, _pair_item, feeds, record_links
from ._scope import Scope
from .tables import review_t, run_t

__all__ = ["MERGED", "read_merged_page", "read_merged_pairs"]

_BATCH = 500  # merged pairs read at a time

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


def read_merged_page(c: sa.Connection, scope: Scope, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """(how many, a page of) the merged pairs whose two records still feed one active venue of
    ``scope`` (a pair split since is left out), newest first; each item also names ``joined``, the
    record that joined the venue later (the one a split takes out, as ``Writer.decide`` does)."""
    query = (
        sa.select(review_t, run_t.c.source_id.label("run_source"))
        .outerjoin(run_t, run_t.c.id == review_t.c.run_id)
        .where(review_t.c.status == MERGED)
        .order_by(review_t.c.created_at.desc(), review_t.c.pk.desc())
    )
    total, items = 0, []
    for start in itertools.count(step=_BATCH):
        batch = c.execute(query.offset(start).limit(_BATCH)).mappings().all()
        links = record_links(c, [r[side] for r in batch for side in ("left_key", "right_key")])
        for r in batch:
            left, right = links.get(r["left_key"]), links.get(r["right_key"])
            if not (feeds(left) and feeds(right)) or left.venue_pk != right.venue_pk:
                continue
            if not scope.contains(left.venue_id, left.code_insee):
                continue
            total += 1
            if offset < total <= offset + limit:
                item = _pair_item(r, left, right)
                del item["run_source"]
                items.append({**item, "joined": _joined(r, left, right)})
        if len(batch) < _BATCH:
            return total, items
    return total, items


def _joined(row: RowValues, left: Link, right: Link) -> str:
    """Which record of a merged pair joined the other's venue: the one of the source whose run merged
    them; else (both of it) the one seen later, the second named at a tie, as ``Writer.decide`` splits."""
    mine = [side for side, link in (("left", left), ("right", right)) if link.source_id == row["run_source"]]
    if len(mine) == 1:
        return str(row[f"{mine[0]}_key"])
    return str(row["left_key"] if left.first_seen > right.first_seen else row["right_key"])
