# SPDX-License-Identifier: Apache-2.0
"""New venues waiting for a person: « Publier » or « Refuser » (the « À vérifier » tab « Nouveaux lieux »).

A source trusted less than a threshold (``harvest.sources.REVIEW_TRUST``, or its file's
``review_new``) creates its new venues with status ``pending`` instead of ``active``. Nothing needed
a new table: a pending venue is a venue like any other, with its record linked, its fields and their
provenance, its history (its ``create`` row names the source), so that publishing it is one status
change and refusing it keeps everything. Every reader that publishes (search index, API, pages,
exports, maps, the change feed) already reads ``active`` venues only; the feed also leaves out the
rows of venues never published (``UNPUBLISHED``), instead of sending a tombstone for them.

While pending, a venue follows its record (a changed record changes its values, logged as usual) but
its status never moves by itself: a later harvest neither publishes it nor withdraws it (a record
the source drops leaves it waiting, out of the queue until the record comes back). It has no
matching keys, like a withdrawn venue: records of other sources never attach to a venue nobody has
looked at; one of them describing the same place makes its own venue, and the person reviewing the
pending one refuses it as a duplicate (or publishes it and merges them). A doubtful pair matching
queued between a pending venue's record and a known venue waits unseen (the queue shows pairs of
active venues) and comes up once the venue is published.

« Publier » (``publish_venue``) makes it active and gives it matching keys; the change log gets a
``publish`` row in the person's name, which the search index and the change feed take as the
venue's arrival (the feed sends the whole venue, as for a creation). After that it is a harvested
venue like the others: withdrawn when its source drops it, back when the record returns.

« Refuser » (``refuse_venue``) gives it status ``refused`` and holds it there (the ``HELD``
provenance row of ``_edits``, in the person's name): its record stays linked, so later harvests of
the same record, changed or not, update the link and never create it again nor publish it. A
refused venue is refused for good from the back office; the decision is about the place, not about
a version of the record (a changed record is most often the same wrong place).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ._code_points import by_code_point
from ._curation import HELD, UnknownVenue
from ._scope import Scope
from ._writer_base import WriterBase
from .tables import link_t, source_t, venue_t

__all__ = ["NotPending", "PendingMixin", "PendingVenue", "UNPUBLISHED", "read_pending"]

#: Statuses of venues that were never published: the change feed says nothing of them.
UNPUBLISHED = frozenset({"pending", "refused"})


class NotPending(ValueError):
    """The venue is not waiting for a decision (published, refused, withdrawn…); the message says so, in French."""


@dataclass(frozen=True, slots=True)
class PendingVenue:
    """A new venue waiting for « Publier » or « Refuser », with what a person needs to decide."""

    venue_id: str
    values: dict[str, Any]  # the venue's stored fields (nom, adresse, code_postal, commune, telephone…)
    code_insee: str | None
    sources: list[tuple[str, str, str]]  # (source id, source name, record id) of its live records
    created_at: datetime


_SHOWN = (
    "nom",
    "adresse",
    "complement_adresse",
    "code_postal",
    "commune",
    "code_insee",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "services",
    "typologie",
    "pivot",
    "presentation_resume",
    "latitude",
    "longitude",
)


def read_pending(
    c: sa.Connection, scope: Scope, *, venue_ids: Sequence[str] | None = None, limit: int = 500
) -> list[PendingVenue]:
    """The pending venues in ``scope`` that a live record still feeds, oldest first."""
    live = sa.exists().where(link_t.c.venue_pk == venue_t.c.pk, link_t.c.withdrawn_at.is_(None))
    query = sa.select(venue_t.c.pk, venue_t.c.id, venue_t.c.created_at, *(venue_t.c[n] for n in _SHOWN)).where(
        venue_t.c.status == "pending", live, scope.clause()
    )
    if venue_ids is not None:
        query = query.where(venue_t.c.id.in_(list(venue_ids)))
    rows = c.execute(query.order_by(venue_t.c.created_at, venue_t.c.pk).limit(limit)).mappings().all()
    if not rows:
        return []
    records: dict[int, list[tuple[str, str, str]]] = {}
    for r in c.execute(
        sa.select(link_t.c.venue_pk, link_t.c.source_id, source_t.c.name, link_t.c.record_id)
        .join(source_t, source_t.c.id == link_t.c.source_id)
        .where(link_t.c.venue_pk.in_([r["pk"] for r in rows]), link_t.c.withdrawn_at.is_(None))
        .order_by(by_code_point(link_t.c.source_id), by_code_point(link_t.c.record_id))
    ):
        records.setdefault(r.venue_pk, []).append((r.source_id, r.name, r.record_id))
    return [
        PendingVenue(r["id"], {n: r[n] for n in _SHOWN}, r["code_insee"], records.get(r["pk"], []), r["created_at"])
        for r in rows
    ]


class PendingMixin(WriterBase):
    """``Writer``'s part for new venues waiting for a person."""

    def publish_venue(self, venue_id: str, actor: str, at: datetime) -> None:
        """« Publier »: the pending venue becomes active, with its matching keys; the change log's
        ``publish`` row names ``actor`` (the search index and the change feed publish it from there).

        :raises UnknownVenue: no venue has this id.
        :raises NotPending: the venue is not waiting (already published, refused…).
        """
        row = self._pending_row(venue_id)
        self.c.execute(venue_t.update().where(venue_t.c.pk == row["pk"]).values(status="active", updated_at=at))
        self._set_match_keys({row["pk"]: {**row, "status": "active"}})
        self._log({"venue_pk": row["pk"], "venue_id": venue_id, "at": at, "action": "publish", "actor": actor})

    def refuse_venue(self, venue_id: str, actor: str, at: datetime, reason: str | None = None) -> None:
        """« Refuser »: the pending venue is refused for good (``refused``, held in ``actor``'s name);
        its records stay linked so that harvests never make it again. The change log keeps ``reason``.

        :raises UnknownVenue: no venue has this id.
        :raises NotPending: the venue is not waiting (already published, refused…).
        """
        row = self._pending_row(venue_id)
        self.c.execute(venue_t.update().where(venue_t.c.pk == row["pk"]).values(status="refused", updated_at=at))
        self._lock(row["pk"], [HELD], actor, at)
        self._log(
            {
                "venue_pk": row["pk"],
                "venue_id": venue_id,
                "at": at,
                "action": "refuse",
                "actor": actor,
                "new": {"reason": reason} if reason else None,
            }
        )

    def _pending_row(self, venue_id: str) -> Any:
        row = self.c.execute(sa.select(venue_t).where(venue_t.c.id == venue_id)).mappings().first()
        if row is None:
            raise UnknownVenue(venue_id)
        if row["status"] != "pending":
            state = {
                "active": "déjà publié",
                "refused": "refusé",
                "withdrawn": "retiré de l'annuaire",
                "merged": "fusionné dans un autre lieu",
            }.get(row["status"], row["status"])
            raise NotPending(f"le lieu {venue_id} n'attend pas de décision : il est {state}")
        return row
