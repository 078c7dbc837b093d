# SPDX-License-Identifier: Apache-2.0
"""``Writer``'s part for withdrawal: what a complete run no longer read is withdrawn, and so are the
venues left without records (or they point to the venue their record was merged into)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa

from ._bulk import chunks
from ._code_points import by_code_point
from ._writer_base import WriterBase
from .tables import link_t, venue_t

__all__ = ["WithdrawalMixin"]


class WithdrawalMixin(WriterBase):
    """Records a source stopped publishing, and the venues they leave empty."""

    def shrinkage(self, source_id: str, seen: set[str], *, seen_since: datetime) -> tuple[int, int]:
        """(records of ``source_id`` feeding the directory, how many of them ``withdraw_missing`` with
        the same arguments would withdraw): what a run is about to take away, before it does."""
        live = self.c.execute(
            sa.select(sa.func.count())
            .select_from(link_t)
            .where(link_t.c.source_id == source_id, link_t.c.withdrawn_at.is_(None))
        ).scalar_one()
        return live, len(self.missing_records(source_id, seen, seen_since=seen_since))

    def missing_records(self, source_id: str, seen: set[str], *, seen_since: datetime) -> list[str]:
        """The ids of the records ``withdraw_missing`` with the same arguments would withdraw, sorted."""
        unseen = self.c.execute(
            sa.select(link_t.c.record_id)
            .where(link_t.c.source_id == source_id, link_t.c.withdrawn_at.is_(None), link_t.c.last_seen < seen_since)
            .order_by(by_code_point(link_t.c.record_id))
        ).scalars()
        return [record_id for record_id in unseen if record_id not in seen]

    def withdraw_missing(
        self,
        source_id: str,
        seen: set[str],
        at: datetime,
        merged_into: Mapping[str, str] | None = None,
        *,
        seen_since: datetime | None = None,
        only: set[str] | None = None,
        actor: str | None = None,
    ) -> list[str]:
        """Records of ``source_id`` absent from ``seen`` are withdrawn; so are venues left with none.

        Call only after a complete, successful run: a failed or truncated one
        must withdraw nothing. Returns the ids of the venues withdrawn.

        :param seen_since: records whose link was seen at or after this time
            count as seen too (a harvest stamps ``last_seen`` on every record
            it stores or keeps, and only names in ``seen`` those it could not
            store: memory then follows the bad records, not the source).
        :param only: withdraw these records only (another instance's feed
            names what it withdrew, a person confirms what a run held back;
            every other record stays).
        :param actor: the person who confirmed it, named in the history.

        :param merged_into: record id → the record of the same source it was
            merged into there (another instance's feed says so): a venue left
            empty then points to that record's venue, as a merge, instead of
            being withdrawn, so its address keeps leading somewhere.
        """
        query = sa.select(link_t.c.record_id, link_t.c.venue_pk).where(
            link_t.c.source_id == source_id, link_t.c.withdrawn_at.is_(None)
        )
        if seen_since is not None:
            query = query.where(link_t.c.last_seen < seen_since)
        current: Sequence[sa.Row[str, int]]
        if only is not None:
            current = [
                row
                for chunk in chunks(sorted(only), 500)
                for row in self.c.execute(query.where(link_t.c.record_id.in_(chunk)))
            ]
        else:
            current = self.c.execute(query).all()
        missing = [(r.record_id, r.venue_pk) for r in current if r.record_id not in seen]
        if not missing:
            return []
        for chunk in chunks([record_id for record_id, _ in missing], 500):
            self.c.execute(
                link_t.update()
                .where(link_t.c.source_id == source_id, link_t.c.record_id.in_(chunk))
                .values(withdrawn_at=at)
            )
        results = self._remerge({pk for _, pk in missing}, source_id, at, actor)
        successors = self._successors(source_id, missing, merged_into or {})
        withdrawn = []
        for pk, result in sorted(results.items()):
            if result.action == "emptied" and successors.get(pk) not in (None, pk):
                self._redirect(pk, successors[pk], source_id, at, actor)
            elif result.action == "emptied":
                self.c.execute(venue_t.update().where(venue_t.c.pk == pk).values(status="withdrawn", updated_at=at))
                self._set_match_keys({pk: None})
                self._log(
                    {
                        "venue_pk": pk,
                        "venue_id": result.venue_id,
                        "at": at,
                        "action": "withdraw",
                        "source_id": source_id,
                        "actor": actor,
                    }
                )
                withdrawn.append(result.venue_id)
        return withdrawn

    def _successors(
        self, source_id: str, missing: list[tuple[str, int]], merged_into: Mapping[str, str]
    ) -> dict[int, int]:
        """Venue pk of each withdrawn record → the active venue of the record it was merged into."""
        wanted = {record_id: into for record_id, _pk in missing if (into := merged_into.get(record_id))}
        if not wanted:
            return {}
        rows = self.c.execute(
            sa.select(link_t.c.record_id, link_t.c.venue_pk)
            .join(venue_t, venue_t.c.pk == link_t.c.venue_pk)
            .where(
                link_t.c.source_id == source_id,
                link_t.c.record_id.in_(set(wanted.values())),
                link_t.c.withdrawn_at.is_(None),
                venue_t.c.status == "active",
            )
        ).all()
        live = {r.record_id: r.venue_pk for r in rows}
        return {pk: live[wanted[record_id]] for record_id, pk in missing if wanted.get(record_id) in live}
