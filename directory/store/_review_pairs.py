# SPDX-License-Identifier: Apache-2.0
"""The review queue's pairs as people see them: a pair counts while both its records feed an active
venue; and people's decisions on pairs of records (match / distinct)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, TypeGuard

import sqlalchemy as sa

from ._bulk import chunks
from ._models import RowValues
from ._param_lists import in_values, list_param
from ._scope import Scope
from .tables import decision_t, link_t, review_t, venue_t

__all__ = ["feeds", "read_match_decisions", "read_review_item", "read_review_items", "record_links"]

_REVIEW_BATCH = 200  # review pairs read at a time, the stale ones left out

#: A row of ``record_links``: a record's link, with its venue's id, status and commune.
Link = sa.Row[*tuple[Any, ...]]


def record_links(c: sa.Connection, keys: Sequence[str], *, values: bool = True) -> dict[str, Link]:
    """The link of each of these ``source:record`` keys the directory has (withdrawn ones too),
    with the status of its venue.

    :param values: read what each record says (``record``); without, ``record`` is 1 or None, which
        is all ``feeds`` needs (decoding the records is most of the work for thousands of keys)."""
    pairs = {tuple(key.split(":", 1)) for key in keys if ":" in key}
    if not pairs:
        return {}
    record = link_t.c.record if values else sa.case((link_t.c.record.is_not(None), 1)).label("record")
    rows = c.execute(
        sa.select(
            link_t.c.source_id,
            link_t.c.record_id,
            link_t.c.venue_pk,
            record,
            link_t.c.first_seen,
            link_t.c.withdrawn_at,
            venue_t.c.status,
            venue_t.c.id.label("venue_id"),
            venue_t.c.code_insee,
        )
        .join(venue_t, venue_t.c.pk == link_t.c.venue_pk)
        .where(sa.tuple_(link_t.c.source_id, link_t.c.record_id).in_(sorted(pairs)))
    )
    return {f"{r.source_id}:{r.record_id}": r for r in rows}


def _pair_item(row: RowValues, left: Link, right: Link) -> dict[str, Any]:
    """A review pair as ``Store.review_items`` gives it: its row, what each record says, their venues."""
    return {
        **row,
        "left": left.record,
        "right": right.record,
        "left_venue": left.venue_id,
        "right_venue": right.venue_id,
    }


def feeds(link: Link | None) -> TypeGuard[Link]:
    """The record (a ``record_links`` row) currently feeds an active venue."""
    return link is not None and link.withdrawn_at is None and link.record is not None and link.status == "active"


def read_match_decisions(c: sa.Connection, keys: Sequence[str]) -> dict[tuple[str, str], str]:
    """People's decisions (match / distinct) on pairs involving these record keys."""
    dialect = c.dialect
    found: dict[tuple[str, str], str] = {}
    query = sa.select(decision_t.c.left_key, decision_t.c.right_key, decision_t.c.decision).where(
        sa.or_(
            in_values(decision_t.c.left_key, dialect, sa.String()),
            in_values(decision_t.c.right_key, dialect, sa.String()),
        )
    )
    for chunk in chunks(list(keys), 2000):  # a harvest asks for a batch's thousand new records at a time
        found.update(
            ((left, right), decision)
            for left, right, decision in c.execute(query, {"values": list_param(dialect, chunk)})
        )
    return found


def read_review_item(c: sa.Connection, pk: int) -> dict[str, Any] | None:
    """The open pair ``pk`` (``Store.review_item``)."""
    row = c.execute(sa.select(review_t).where(review_t.c.pk == pk, review_t.c.status == "open")).mappings().first()
    if row is None:
        return None
    links = record_links(c, [row["left_key"], row["right_key"]])
    left, right = links.get(row["left_key"]), links.get(row["right_key"])
    if not (feeds(left) and feeds(right)):
        return None
    return _pair_item(row, left, right)


def read_review_items(c: sa.Connection, limit: int, scope: Scope | None) -> list[dict[str, Any]]:
    """The open pairs whose two records still feed an active venue (``Store.review_items``)."""
    query = sa.select(review_t).where(review_t.c.status == "open").order_by(review_t.c.score.desc(), review_t.c.pk)
    items: list[dict[str, Any]] = []
    for offset in itertools.count(step=_REVIEW_BATCH):
        batch = c.execute(query.offset(offset).limit(_REVIEW_BATCH)).mappings().all()
        links = record_links(c, [r[side] for r in batch for side in ("left_key", "right_key")])
        for r in batch:
            left, right = links.get(r["left_key"]), links.get(r["right_key"])
            if not (feeds(left) and feeds(right)):
                continue
            if scope is None or any(scope.contains(x.venue_id, x.code_insee) for x in (left, right)):
                items.append(_pair_item(r, left, right))
                if len(items) == limit:
                    return items
        if len(batch) < _REVIEW_BATCH:
            return items
    return items
