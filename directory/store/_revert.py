# SPDX-License-Identifier: Apache-2.0
"""``Writer``'s part for undoing: one change of the change log, or every change since a date.

Undoing is correcting again: a field gets back its ``old`` value through ``correct_many``, so
provenance (locked, in the name of the person who undoes), the change log and the search index
follow as for any correction. A withdrawal is undone by restoring the venue, a person's
restoration by withdrawing it again; a creation or a merge is not undone here (a venue made by
mistake is withdrawn; a merge is undone by splitting a record out of the survivor).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from directory.schema import CommuneLookup

from ._curation import CORRECTABLE, HELD, Curated, NotRevertible, UnknownVenue
from ._writer_base import WriterBase
from .tables import change_t, venue_t

__all__ = ["RevertMixin"]

#: What a venue's status is after each kind of change-log row that sets it.
_STATUS_AFTER = {
    "create": "active",
    "restore": "active",
    "withdraw": "withdrawn",
    "merge": "merged",
    "publish": "active",
    "refuse": "refused",
}
#: Stored fields a person cannot type but that are put back with their group (the point's).
_CARRIED = frozenset({"geo_method"})


class RevertMixin(WriterBase):
    """Undo what the change log says was done to a venue."""

    def revert_change(self, seq: int, actor: str, at: datetime, *, places: CommuneLookup | None = None) -> Curated:
        """Undo the change-log row ``seq``: an ``update`` of a field puts back its ``old`` value (the
        other fields of its group keep theirs), locked in ``actor``'s name; a ``withdraw`` restores
        the venue; a ``restore`` withdraws it again.

        :raises NotRevertible: no such row, a creation or a merge, a field no person may set.
        :raises UnknownVenue: the venue is no longer active (an update to undo).
        :raises InvalidValue: the old value no longer passes validation; nothing is written.
        """
        row = self.c.execute(sa.select(change_t).where(change_t.c.seq == seq)).mappings().first()
        if row is None:
            raise NotRevertible(f"aucune modification n° {seq} dans l'historique")
        action, venue_id = row["action"], row["venue_id"]
        if action == "withdraw":
            return self.restore_venue(venue_id, actor, at)
        if action == "restore":
            self.withdraw_venue(venue_id, actor, at, reason=f"annulation de la modification n° {seq}")
            return Curated(venue_id, (HELD,), ())
        if action in ("publish", "refuse"):
            raise NotRevertible(
                "une publication ou un refus ne s'annule pas depuis l'historique : "
                "retirez le lieu publié s'il n'a pas lieu d'être"
            )
        if action == "create":
            raise NotRevertible("la création d'un lieu ne s'annule pas : retirez le lieu s'il n'a pas lieu d'être")
        if action == "merge":
            raise NotRevertible(
                "une fusion ne s'annule pas depuis l'historique : séparez la fiche du lieu qui l'a absorbée"
            )
        if row["field"] not in CORRECTABLE and row["field"] not in _CARRIED:
            raise NotRevertible(f"le champ {row['field']} ne se modifie pas à la main")
        return self._put_back(venue_id, {row["field"]: row["old"]}, actor, at, places)

    def revert_to(
        self, venue_id: str, when: datetime, actor: str, at: datetime, *, places: CommuneLookup | None = None
    ) -> Curated:
        """Every field changed after ``when`` gets back its value as of ``when`` (the ``old`` of its
        first change after it), in one correction by ``actor``; a venue withdrawn or restored since
        gets back its status too.

        :raises UnknownVenue: no venue has this id.
        :raises NotRevertible: the venue did not exist yet at ``when``, or was merged since.
        :raises InvalidValue: the old values no longer pass validation together; nothing is written.
        """
        rows = (
            self.c.execute(sa.select(change_t).where(change_t.c.venue_id == venue_id).order_by(change_t.c.seq))
            .mappings()
            .all()
        )
        status = self.c.execute(sa.select(venue_t.c.status).where(venue_t.c.id == venue_id)).scalar()
        if status is None:
            raise UnknownVenue(venue_id)
        before = [r for r in rows if r["at"] <= when]
        after = [r for r in rows if r["at"] > when]
        after_status = dict(_STATUS_AFTER)
        if any(r["action"] == "publish" for r in rows):  # created waiting for a person (``_pending``)
            after_status["create"] = "pending"
        then = next((after_status[r["action"]] for r in reversed(before) if r["action"] in after_status), None)
        if then is None:
            raise NotRevertible(f"le lieu {venue_id} n'existait pas encore à cette date")
        if status in ("pending", "refused") or then in ("pending", "refused"):
            raise NotRevertible(
                f"le lieu {venue_id} n'était pas publié à cette date : retirez-le s'il n'a pas lieu d'être"
            )
        if "merged" in (status, then):
            raise NotRevertible(f"le lieu {venue_id} a été fusionné depuis : séparez plutôt ses fiches")
        olds: dict[str, Any] = {}
        for r in after:
            if r["action"] == "update" and (r["field"] in CORRECTABLE or r["field"] in _CARRIED):
                olds.setdefault(r["field"], r["old"])
        if status == "withdrawn" and then == "active":
            self.restore_venue(venue_id, actor, at)
        done = self._put_back(venue_id, olds, actor, at, places) if olds else Curated(venue_id, (), ())
        if status == "active" and then == "withdrawn":
            self.withdraw_venue(venue_id, actor, at, reason=f"retour à l'état du {when:%d/%m/%Y %H:%M}")
        return done

    def _put_back(
        self, venue_id: str, olds: Mapping[str, Any], actor: str, at: datetime, places: CommuneLookup | None
    ) -> Curated:
        raw = {name: value for name, value in olds.items() if name in CORRECTABLE}
        extra = {name: value for name, value in olds.items() if name in _CARRIED}
        return self._correct(self._active_row(venue_id), raw, actor, at, places=places, keep=tuple(raw), extra=extra)
