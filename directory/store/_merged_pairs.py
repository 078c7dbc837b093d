# SPDX-License-Identifier: Apache-2.0
"""The pairs matching merged without a person, kept with their evidence: the score, its parts and
the signs that weighed (``harvest.matching.Score.signs``), for the back office and ``directory
review fusions``. They live beside the review queue's pairs (``review_item``, status ``merged``):
one home for a pair of records and what was decided of it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ._models import RowValues
from ._review_pairs import Link, _pair_item, feeds, record_links
from ._scope import Scope
from .tables import link_t, review_t, run_t, venue_t

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


def read_merged_page(c: sa.Connection, scope: Scope, limit: int, offset: int) -> tuple[list[dict[str, Any]], bool]:
    """A page of the merged pairs whose two records still feed one active venue of ``scope`` (a
    pair split since is left out), newest first, and whether more follow; each item also names
    ``joined``, the record that joined the venue later (the one a split takes out).

    Pairs are checked newest first without reading what their records say, until the page is full
    and one more is found: a page costs what precedes it, not every merged pair of the directory;
    only the page's pairs are read whole."""
    pairs: sa.FromClause = review_t
    if not scope.everything:  # from the scope's venues to their records' pairs: a territory reads its own
        key = link_t.c.source_id + ":" + link_t.c.record_id
        pairs = venue_t.join(link_t, link_t.c.venue_pk == venue_t.c.pk).join(review_t, review_t.c.left_key == key)
    query = (
        sa.select(review_t.c.pk, review_t.c.left_key, review_t.c.right_key, run_t.c.source_id.label("run_source"))
        .select_from(pairs.outerjoin(run_t, run_t.c.id == review_t.c.run_id))
        .where(review_t.c.status == MERGED)
        .order_by(review_t.c.created_at.desc(), review_t.c.pk.desc())
    )
    if not scope.everything:
        query = query.where(scope.clause(venue_t), venue_t.c.status == "active")
    found, page = 0, list[tuple[int, str]]()
    for batch in c.execute(query).mappings().partitions(_BATCH):
        links = record_links(c, [r[side] for r in batch for side in ("left_key", "right_key")], values=False)
        for r in batch:
            left, right = links.get(r["left_key"]), links.get(r["right_key"])
            if not (feeds(left) and feeds(right)) or left.venue_pk != right.venue_pk:
                continue
            if scope.contains(left.venue_id, left.code_insee):
                found += 1
                if found > offset + limit:
                    return _whole(c, page), True
                if found > offset:
                    page.append((r["pk"], _joined(r, left, right)))
    return _whole(c, page), False


def _whole(c: sa.Connection, page: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """The pairs ``pk`` (with the record that joined) as ``review_items`` gives them."""
    if not page:
        return []
    rows = {
        r["pk"]: r for r in c.execute(sa.select(review_t).where(review_t.c.pk.in_([pk for pk, _ in page]))).mappings()
    }
    links = record_links(c, [rows[pk][side] for pk, _ in page for side in ("left_key", "right_key")])
    return [
        {**_pair_item(rows[pk], links[rows[pk]["left_key"]], links[rows[pk]["right_key"]]), "joined": joined}
        for pk, joined in page
    ]


def _joined(row: RowValues, left: Link, right: Link) -> str:
    """Which record of a merged pair joined the other's venue: the one of the source whose run merged
    them; else (both of it) the one seen later, the second named at a tie, as ``Writer.decide`` splits."""
    mine = [side for side, link in (("left", left), ("right", right)) if link.source_id == row["run_source"]]
    if len(mine) == 1:
        return str(row[f"{mine[0]}_key"])
    return str(row["left_key"] if left.first_seen > right.first_seen else row["right_key"])
