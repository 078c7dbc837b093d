# SPDX-License-Identifier: Apache-2.0
"""Writes inside one transaction: sources, runs, raw records, venues.

Records are applied in batches: one query finds the links of a whole batch,
new venues and their terms, offers, links, provenance and history are
inserted with one statement per table (``_bulk.insert_rows``); venues that
change are merged again one by one in Python (their change log is per
field) and written together, a statement per kind of write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from directory.schema import LIST_VOCABULARIES, VENUE_FIELDS, Venue
from directory.schema.blocking import stored_block_keys
from directory.schema.placement import is_geocoded

from ._base import ApplyOutcome, RawRecord, SourceInfo, _reader, fingerprint, jsonable, record_links, utcnow
from ._bulk import insert_rows
from ._curation import HELD
from ._edits import EditsMixin
from ._merge import Contribution, merge_records
from ._pending import PendingMixin
from ._proposals import Candidate, ProposalsMixin, proposed, settle_proposals
from ._quarantine import QuarantineMixin
from ._reshape import Decided, ReshapeMixin  # Decided: re-exported, ``decide`` lives in _reshape
from ._revert import RevertMixin
from ._sources import SourceState
from .codec import venue_to_values
from .ids import new_venue_id
from .tables import (
    change_t,
    link_t,
    match_key_t,
    offer_t,
    prov_t,
    raw_t,
    review_t,
    run_t,
    source_t,
    state_t,
    term_t,
    venue_t,
)

__all__ = ["Decided", "Incoming", "Writer"]

#: The venue's own fields (what provenance and the change log are about).
_CONTENT = tuple(name for name in VENUE_FIELDS if name != "id") + ("geo_method",)


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _filled(column: sa.Column) -> sa.ColumnElement[bool]:
    """SQL for ``not _empty(value)``: JSON lists hold ``null`` or ``[]`` when empty."""
    if isinstance(column.type, sa.JSON):
        return column.is_not(None) & sa.cast(column, sa.Text).not_in(["null", "[]"])
    if isinstance(column.type, sa.String):
        return column.is_not(None) & (column != "")
    return column.is_not(None)


def _first_provenance_statement() -> sa.Insert:
    """One ``INSERT … SELECT`` of a provenance row per filled field of the venues ``:pks``."""
    batch = sa.select(venue_t).where(venue_t.c.pk.in_(sa.bindparam("pks", expanding=True))).cte("batch")
    source_id, at = sa.bindparam("source_id", type_=prov_t.c.source_id.type), sa.bindparam("at", type_=prov_t.c.at.type)
    rows = [
        sa.select(batch.c.pk, sa.literal(name, sa.String), source_id, sa.false(), at).where(_filled(batch.c[name]))
        for name in _CONTENT
    ]
    return prov_t.insert().from_select(["venue_pk", "field", "source_id", "locked", "at"], sa.union_all(*rows))


def _venue_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """Column values for the venue table from a stored record (dates as dates)."""
    values = {name: record.get(name) for name in (*_CONTENT, "flags")}
    if isinstance(values["date_maj"], str):
        values["date_maj"] = date.fromisoformat(values["date_maj"])
    return values


_FIRST_PROVENANCE = _first_provenance_statement()


@dataclass(frozen=True, slots=True)
class Incoming:
    """One valid record to apply: the venue it describes and what comes with it."""

    record_id: str
    venue: Venue
    flags: Sequence[dict[str, Any]] = ()
    #: Attach the record to this existing venue (matching said: the same place).
    attach_to: str | None = None
    origin: str | None = None  # first publisher
    lineage: Sequence[str] = ()  # aggregators it came through, origin first
    geo_method: str | None = None  # producteur | ban-housenumber | ban-street | commune (schema.placement)
    geo_score: float | None = None
    geo_point: tuple[float, float] | None = None  # the geocoder's, when it answered
    #: The record as read, before parsing: the next run skips it when it reads the same.
    raw_hash: str | None = None


@dataclass(slots=True)
class _Prepared:
    incoming: Incoming
    record: dict[str, Any]  # stored forms, JSON-ready
    fingerprint: str

    @property
    def record_id(self) -> str:
        return self.incoming.record_id


@dataclass(slots=True)
class _MergeWrites:
    """The writes of re-merged venues, gathered to be made together (``Writer._apply_merge_writes``)."""

    updates: dict[tuple[str, ...], list[dict[str, Any]]] = field(default_factory=dict)  # columns set → rows
    terms: dict[int, Mapping[str, Any]] = field(default_factory=dict)  # venues whose terms changed
    keys: dict[int, Mapping[str, Any]] = field(default_factory=dict)  # venues whose blocking keys may have changed
    cleared: list[dict[str, Any]] = field(default_factory=list)  # provenance rows to replace
    provenance: list[dict[str, Any]] = field(default_factory=list)
    proposals: dict[int, dict[str, Candidate]] = field(default_factory=dict)  # venue → what its sources propose


#: The columns a venue's blocking keys come from (``schema.blocking.stored_block_keys``).
_KEY_COLUMNS = ("pivot", "code_insee", "code_postal", "telephone", "courriels", "site_web", "latitude", "longitude")
#: What matching compares (``harvest.matching.score``), besides those.
_MATCH_COLUMNS = (*_KEY_COLUMNS, "nom", "commune", "adresse", "date_maj")

#: Change-log rows kept in memory before they are written: see ``Writer.flush_changes``.
CHANGE_BUFFER = 5_000
#: The PostgreSQL advisory lock that orders change-log writers (any constant key of ours).
CHANGE_LOG_LOCK = 0x6C69_6575
_CHANGE_KEYS = ("venue_pk", "venue_id", "at", "action", "field", "old", "new", "source_id", "actor")


class Writer(EditsMixin, ProposalsMixin, ReshapeMixin, RevertMixin, PendingMixin, QuarantineMixin):
    """Returned by ``Store.writer()``; everything it writes commits together.

    A person's edits live in the mixins (``_edits``, ``_proposals``, ``_reshape``, ``_revert``,
    ``_pending``, ``_quarantine``);
    ``Writer`` stays the one façade.

    Change-log rows are buffered and written last (``flush_changes``, called
    by ``Store.writer()`` before it commits), so that their sequence numbers
    follow commit order on every backend; readers of the log (the change feed,
    the search index) may then take everything up to the highest visible
    number without skipping a change still being committed.
    """

    def __init__(self, connection: sa.Connection) -> None:
        self.c = connection
        self._changes: list[dict[str, Any]] = []
        self._ordered = False

    def _log(self, *rows: Mapping[str, Any]) -> None:
        self._changes.extend({key: row.get(key) for key in _CHANGE_KEYS} for row in rows)
        if len(self._changes) >= CHANGE_BUFFER:
            self.flush_changes()

    def flush_changes(self) -> None:
        """Write the buffered change-log rows.

        SQLite has one writer at a time: numbers drawn in a transaction all
        precede those of the next one. PostgreSQL draws sequence numbers when
        asked, not at commit, so writers first take ``CHANGE_LOG_LOCK``, held
        until their transaction ends: a transaction's numbers are then drawn
        after every earlier writer has committed. Small transactions hold it
        for their last moment only; one writing more than ``CHANGE_BUFFER``
        changes (a large harvest) holds it from its first flush, as SQLite's
        single writer would.
        """
        if not self._changes:
            return
        if self.c.dialect.name == "postgresql" and not self._ordered:
            self.c.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK})
            self._ordered = True
        insert_rows(self.c, change_t, self._changes)
        self._changes = []

    def ensure_source(self, source: SourceInfo, at: datetime | None = None) -> None:
        values = {
            "name": source.name,
            "kind": source.kind,
            "publisher": source.publisher,
            "url": source.url,
            "format": source.format,
            "licence": source.licence,
            "trust": source.trust,
        }
        exists = self.c.execute(sa.select(source_t.c.id).where(source_t.c.id == source.id)).first()
        if exists:
            self.c.execute(source_t.update().where(source_t.c.id == source.id).values(**values))
        else:
            self.c.execute(source_t.insert().values(id=source.id, created_at=at or utcnow(), **values))

    def start_run(self, source_id: str, at: datetime | None = None, *, kind: str = "import") -> int:
        result = self.c.execute(
            run_t.insert().values(source_id=source_id, started_at=at or utcnow(), status="running", kind=kind)
        )
        return result.inserted_primary_key[0]

    def save_state(self, state: SourceState) -> None:
        """Remember validators, cursor and run ids of a source for its next run."""
        self.c.execute(state_t.delete().where(state_t.c.source_id == state.source_id))
        self.c.execute(state_t.insert().values(**state.values()))

    def unknown_records(self, keys: Sequence[str]) -> tuple[str, ...]:
        """The ``source:record`` keys naming no record of the directory (withdrawn ones are known)."""
        links = record_links(self.c, keys)
        return tuple(key for key in keys if key not in links)

    def venue_names(self, venue_ids: Sequence[str]) -> dict[str, str]:
        """Venue id → name, for reports."""
        rows = self.c.execute(sa.select(venue_t.c.id, venue_t.c.nom).where(venue_t.c.id.in_(list(venue_ids))))
        return dict(rows.all())

    def venue_communes(self, venue_ids: Sequence[str]) -> dict[str, str | None]:
        """Venue id → its commune's INSEE code, read through this transaction (a venue just made)."""
        rows = self.c.execute(sa.select(venue_t.c.id, venue_t.c.code_insee).where(venue_t.c.id.in_(list(venue_ids))))
        return dict(rows.all())

    def _venue_id(self, pk: int) -> str:
        return self.c.execute(sa.select(venue_t.c.id).where(venue_t.c.pk == pk)).scalar_one()

    def add_review_items(self, items: Sequence[Mapping[str, Any]], run_id: int | None, at: datetime) -> int:
        """Queue doubtful pairs (``left_key``, ``right_key``, ``score``, ``parts``); known pairs are skipped."""
        added = 0
        for item in items:
            left, right = sorted((item["left_key"], item["right_key"]))
            known = self.c.execute(
                sa.select(review_t.c.pk).where(review_t.c.left_key == left, review_t.c.right_key == right)
            ).first()
            if known is None:
                self.c.execute(
                    review_t.insert().values(
                        left_key=left,
                        right_key=right,
                        score=item["score"],
                        parts=dict(item["parts"]),
                        status="open",
                        run_id=run_id,
                        created_at=at,
                    )
                )
                added += 1
        return added

    def shrinkage(self, source_id: str, seen: set[str], *, seen_since: datetime) -> tuple[int, int]:
        """(records of ``source_id`` feeding the directory, how many of them ``withdraw_missing`` with
        the same arguments would withdraw): what a run is about to take away, before it does."""
        live = self.c.execute(
            sa.select(sa.func.count())
            .select_from(link_t)
            .where(link_t.c.source_id == source_id, link_t.c.withdrawn_at.is_(None))
        ).scalar_one()
        unseen = self.c.execute(
            sa.select(link_t.c.record_id).where(
                link_t.c.source_id == source_id, link_t.c.withdrawn_at.is_(None), link_t.c.last_seen < seen_since
            )
        ).scalars()
        return live, sum(1 for record_id in unseen if record_id not in seen)

    def withdraw_missing(
        self,
        source_id: str,
        seen: set[str],
        at: datetime,
        merged_into: Mapping[str, str] | None = None,
        *,
        seen_since: datetime | None = None,
        only: set[str] | None = None,
    ) -> list[str]:
        """Records of ``source_id`` absent from ``seen`` are withdrawn; so are venues left with none.

        Call only after a complete, successful run: a failed or truncated one
        must withdraw nothing. Returns the ids of the venues withdrawn.

        :param seen_since: records whose link was seen at or after this time
            count as seen too (a harvest stamps ``last_seen`` on every record
            it stores or keeps, and only names in ``seen`` those it could not
            store: memory then follows the bad records, not the source).
        :param only: withdraw these records only (another instance's feed
            names what it withdrew; every other record stays).

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
        if only is not None:
            current = [
                row
                for chunk in _chunks(sorted(only), 500)
                for row in self.c.execute(query.where(link_t.c.record_id.in_(chunk)))
            ]
        else:
            current = self.c.execute(query).all()
        missing = [(r.record_id, r.venue_pk) for r in current if r.record_id not in seen]
        if not missing:
            return []
        for chunk in _chunks([record_id for record_id, _ in missing], 500):
            self.c.execute(
                link_t.update()
                .where(link_t.c.source_id == source_id, link_t.c.record_id.in_(chunk))
                .values(withdrawn_at=at)
            )
        results = self._remerge({pk for _, pk in missing}, source_id, at)
        successors = self._successors(source_id, missing, merged_into or {})
        withdrawn = []
        for pk, result in sorted(results.items()):
            if result.action == "emptied" and successors.get(pk) not in (None, pk):
                self._redirect(pk, successors[pk], source_id, at)
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

    def add_raw_records(self, run_id: int, source_id: str, records: Sequence[RawRecord], at: datetime) -> None:
        if not records:
            return
        insert_rows(
            self.c,
            raw_t,
            [
                {
                    "run_id": run_id,
                    "source_id": source_id,
                    "record_id": r.record_id,
                    "position": r.position,
                    "payload": r.payload,
                    "content_hash": r.content_hash,
                    "fetched_at": at,
                    "status": r.status,
                    "problems": r.problems or None,
                    "code_insee": r.code_insee,
                    "mapped": r.mapped,
                }
                for r in records
            ],
        )

    def apply(
        self, source_id: str, record_id: str, venue: Venue, *, flags: Sequence[dict[str, Any]] = (), at: datetime
    ) -> ApplyOutcome:
        """Create or update the venue fed by (source, record id); see ``apply_many``."""
        return self.apply_many(source_id, [Incoming(record_id, venue, flags)], at=at)[0]

    def apply_many(
        self, source_id: str, incoming: Sequence[Incoming], *, at: datetime, pending: bool = False
    ) -> list[ApplyOutcome]:
        """Store what these records of one source say, and the venues they feed.

        A record seen before updates its link; a new one creates a venue, or
        joins the venue named by ``attach_to``. Each venue touched is then
        recomputed from all its records (``merge_records``): curator locks
        first, then source trust, then recency. Unchanged input costs its
        lookup only. Outcomes come back in the order of ``incoming``.

        :param pending: the venues these records create wait for a person (``_pending``): status
            ``pending``, published nowhere, without matching keys, until « Publier ».
        """
        outcomes: list[ApplyOutcome] = []
        batch: list[_Prepared] = []
        ids_in_batch: set[str] = set()
        for item in incoming:
            if item.record_id in ids_in_batch:  # the same record twice: the second sees the first
                outcomes += self._apply_batch(source_id, batch, at, pending)
                batch, ids_in_batch = [], set()
            record = {k: jsonable(v) for k, v in venue_to_values(item.venue).items()}
            record["flags"] = list(item.flags) or None
            record["geo_method"] = item.geo_method
            if item.geo_point is not None and is_geocoded(item.geo_method):
                # The producer's point stays beside the one that replaces it.
                record["producer_latitude"], record["producer_longitude"] = record["latitude"], record["longitude"]
                record["latitude"], record["longitude"] = item.geo_point
            print_ = fingerprint({**record, "attach_to": item.attach_to, "lineage": list(item.lineage)})
            batch.append(_Prepared(item, record, print_))
            ids_in_batch.add(item.record_id)
        return outcomes + self._apply_batch(source_id, batch, at, pending)

    def _apply_batch(
        self, source_id: str, batch: list[_Prepared], at: datetime, pending: bool = False
    ) -> list[ApplyOutcome]:
        if not batch:
            return []
        links = {
            r.record_id: r
            for r in self.c.execute(
                sa.select(link_t.c.record_id, link_t.c.venue_pk, link_t.c.fingerprint, link_t.c.withdrawn_at).where(
                    link_t.c.source_id == source_id, link_t.c.record_id.in_([p.record_id for p in batch])
                )
            )
        }
        targets = self._venue_pks([p.incoming.attach_to for p in batch if p.incoming.attach_to])
        fresh = [p for p in batch if p.record_id not in links and targets.get(p.incoming.attach_to or "") is None]
        outcomes: dict[str, ApplyOutcome] = dict(
            zip((p.record_id for p in fresh), self._create_many(source_id, fresh, at, pending))
        )
        touched: dict[int, list[str]] = {}  # venue pk → record ids of this batch that touched it
        left: dict[int, int] = {}  # venue a record moved away from → where it went
        for p in batch:
            if p.record_id in outcomes:
                continue
            link = links.get(p.record_id)
            target = targets.get(p.incoming.attach_to or "")
            if link is not None and link.fingerprint == p.fingerprint and link.withdrawn_at is None:
                outcomes[p.record_id] = ApplyOutcome("", "unchanged")  # its venue id is filled below
                continue
            pk = target if target is not None else link.venue_pk
            values = self._link_values(p, pk, at)
            if link is None:
                self.c.execute(
                    link_t.insert().values(source_id=source_id, record_id=p.record_id, first_seen=at, **values)
                )
            else:
                self.c.execute(
                    link_t.update()
                    .where(link_t.c.source_id == source_id, link_t.c.record_id == p.record_id)
                    .values(withdrawn_at=None, **values)
                )
                if link.venue_pk != pk:
                    left[link.venue_pk] = pk
            touched.setdefault(pk, []).append(p.record_id)
        unchanged = [p for p in batch if outcomes.get(p.record_id, ApplyOutcome("", "")).action == "unchanged"]
        self._seen_again(source_id, unchanged, at)
        results = self._remerge(set(touched) | set(left), source_id, at)
        for old, new in left.items():
            if results[old].action == "emptied":
                self._redirect(old, new, source_id, at)
        for pk, record_ids in touched.items():
            result = results[pk]
            for record_id in record_ids:
                attached = links.get(record_id) is None or links[record_id].venue_pk != pk
                outcomes[record_id] = ApplyOutcome(
                    result.venue_id, "attached" if attached else result.action, result.changed_fields
                )
        quiet = {links[p.record_id].venue_pk for p in batch if outcomes[p.record_id].venue_id == ""}
        ids = (
            dict(self.c.execute(sa.select(venue_t.c.pk, venue_t.c.id).where(venue_t.c.pk.in_(list(quiet)))).all())
            if quiet
            else {}
        )
        for p in batch:  # unchanged records: their venue is not merged again, only named
            if outcomes[p.record_id].venue_id == "":
                outcomes[p.record_id] = ApplyOutcome(ids[links[p.record_id].venue_pk], "unchanged")
        return [outcomes[p.record_id] for p in batch]

    def remerge_source(self, source_id: str, at: datetime) -> int:
        """Merge again every active venue this source feeds (its trust changed…); how many changed."""
        pks = sorted(
            self.c.execute(
                sa.select(link_t.c.venue_pk)
                .distinct()
                .where(link_t.c.source_id == source_id, link_t.c.withdrawn_at.is_(None), link_t.c.venue_pk.is_not(None))
            ).scalars()
        )
        changed = 0
        for chunk in _chunks(pks, 1000):
            results = self._remerge(set(chunk), source_id, at)
            changed += sum(1 for r in results.values() if r.action in ("updated", "restored"))
        return changed

    def link_hashes(self, source_id: str, record_ids: Sequence[str]) -> dict[str, str | None]:
        """Which of these records of ``source_id`` feed a venue or did (withdrawn ones included): record
        id → hash of the record as last read, None once withdrawn. Read through this transaction."""
        found: dict[str, str | None] = {}
        for chunk in _chunks(sorted(set(record_ids)), 2000):
            for record_id, raw_hash, withdrawn_at in self.c.execute(
                sa.select(link_t.c.record_id, link_t.c.raw_hash, link_t.c.withdrawn_at).where(
                    link_t.c.source_id == source_id, link_t.c.record_id.in_(chunk)
                )
            ):
                found[record_id] = None if withdrawn_at is not None else raw_hash
        return found

    def keep_unchanged(self, source_id: str, record_ids: Sequence[str], at: datetime) -> None:
        """These records were read again exactly as last time: only say when they were seen."""
        for chunk in _chunks(record_ids, 500):
            self.c.execute(
                link_t.update()
                .where(link_t.c.source_id == source_id, link_t.c.record_id.in_(chunk))
                .values(last_seen=at)
            )

    def _seen_again(self, source_id: str, unchanged: list[_Prepared], at: datetime) -> None:
        """Records read differently but meaning the same: remember how they were read this time."""
        if not unchanged:
            return
        self.c.execute(
            link_t.update()
            .where(link_t.c.source_id == source_id, link_t.c.record_id == sa.bindparam("b_record_id"))
            .values(last_seen=at, raw_hash=sa.bindparam("b_raw_hash")),
            [{"b_record_id": p.record_id, "b_raw_hash": p.incoming.raw_hash} for p in unchanged],
        )

    def _link_values(self, p: _Prepared, venue_pk: int, at: datetime) -> dict[str, Any]:
        point = p.incoming.geo_point
        return {
            "venue_pk": venue_pk,
            "fingerprint": p.fingerprint,
            "raw_hash": p.incoming.raw_hash,
            "record": p.record,
            "last_seen": at,
            "origin": p.incoming.origin,
            "lineage": list(p.incoming.lineage) or None,
            "geo_method": p.incoming.geo_method,
            "geo_score": p.incoming.geo_score,
            "geo_latitude": point[0] if point else None,
            "geo_longitude": point[1] if point else None,
        }

    def _venue_pks(self, venue_ids: Sequence[str]) -> dict[str, int]:
        if not venue_ids:
            return {}
        rows = self.c.execute(sa.select(venue_t.c.id, venue_t.c.pk).where(venue_t.c.id.in_(list(set(venue_ids)))))
        return dict(rows.all())

    def _create_many(
        self, source_id: str, batch: list[_Prepared], at: datetime, pending: bool = False
    ) -> list[ApplyOutcome]:
        if not batch:
            return []
        created = self._new_venues(source_id, [p.record for p in batch], at, status="pending" if pending else "active")
        insert_rows(
            self.c,
            link_t,
            [
                {"source_id": source_id, "record_id": p.record_id, "first_seen": at, **self._link_values(p, pk, at)}
                for p, (_, pk, _) in zip(batch, created)
            ],
        )
        return [ApplyOutcome(venue_id, "created", filled) for venue_id, _, filled in created]

    def _new_venues(
        self,
        source_id: str | None,
        records: Sequence[Mapping[str, Any]],
        at: datetime,
        actor: str | None = None,
        *,
        status: str = "active",
    ) -> list[tuple[str, int, tuple[str, ...]]]:
        """A new venue per record (stored form), with its terms, blocking keys, provenance and
        creation in the change log: (id, pk, fields filled) of each, in order. Links are the caller's.
        A ``pending`` venue gets no blocking keys: matching never attaches records to it (``_pending``)."""
        ids = [new_venue_id() for _ in records]
        rows = [
            {"id": i, "status": status, "created_at": at, "updated_at": at, **_venue_values(r)}
            for i, r in zip(ids, records)
        ]
        insert_rows(self.c, venue_t, rows)
        pks = dict(self.c.execute(sa.select(venue_t.c.id, venue_t.c.pk).where(venue_t.c.id.in_(ids))).all())
        created, changes = [], []
        for venue_id, record, row in zip(ids, records, rows):
            pk = pks[venue_id]
            filled = tuple(name for name in _CONTENT if not _empty(row.get(name)))
            changes.append(
                {
                    "venue_pk": pk,
                    "venue_id": venue_id,
                    "at": at,
                    "action": "create",
                    "source_id": source_id,
                    "actor": actor,
                    "new": {k: record[k] for k in filled},
                }
            )
            created.append((venue_id, pk, filled))
        self._write_terms({pks[i]: r for i, r in zip(ids, records)}, replace=False)
        if status == "active":
            self._set_match_keys({pks[i]: row for i, row in zip(ids, rows)}, replace=False)
        self._first_provenance(list(pks.values()), source_id, at)
        self._log(*changes)
        return created

    def _first_provenance(self, pks: list[int], source_id: str, at: datetime) -> None:
        """Every filled field of these new venues comes from ``source_id``: the database writes
        the ~20 rows of each venue (:data:`_FIRST_PROVENANCE`), with no work per row here."""
        self.c.execute(_FIRST_PROVENANCE, {"pks": pks, "source_id": source_id, "at": at})

    def _remerge(
        self,
        pks: set[int],
        source_id: str | None,
        at: datetime,
        actor: str | None = None,
        fixed: Mapping[int, Mapping[str, Any]] | None = None,
        settled: str | None = None,
    ) -> dict[int, ApplyOutcome]:
        """Recompute these venues from their active records; log what changed (by ``actor``, if a person).
        What the sources would change in locked fields becomes proposals (``_proposals``).

        :param fixed: venue pk → the values a person just gave its locked fields (``correct``).
        :param settled: with ``fixed``, why what the sources say of those fields is rejected by ``actor``.
        """
        if not pks:
            return {}
        rows = {r["pk"]: r for r in self.c.execute(sa.select(venue_t).where(venue_t.c.pk.in_(list(pks)))).mappings()}
        contributions: dict[int, list[Contribution]] = {pk: [] for pk in pks}
        query = (
            sa.select(link_t.c.venue_pk, link_t.c.source_id, link_t.c.record_id, link_t.c.record, source_t.c.trust)
            .join(source_t, source_t.c.id == link_t.c.source_id)
            .where(link_t.c.venue_pk.in_(list(pks)), link_t.c.withdrawn_at.is_(None), link_t.c.record.is_not(None))
        )
        for r in self.c.execute(query):
            contributions[r.venue_pk].append(Contribution(r.source_id, r.record_id, r.trust, r.record))
        locks: dict[int, set[str]] = {}
        given: dict[int, dict[str, str | None]] = {}  # venue → field → the source its provenance names
        for pk, name, from_source, locked in self.c.execute(
            sa.select(prov_t.c.venue_pk, prov_t.c.field, prov_t.c.source_id, prov_t.c.locked).where(
                prov_t.c.venue_pk.in_(list(pks))
            )
        ):
            if locked:
                locks.setdefault(pk, set()).add(name)
            else:
                given.setdefault(pk, {})[name] = from_source
        writes = _MergeWrites()
        results = {
            pk: self._write_merged(
                rows[pk],
                contributions[pk],
                locks.get(pk, set()),
                given.get(pk, {}),
                source_id,
                at,
                writes,
                actor,
                (fixed or {}).get(pk),
            )
            for pk in sorted(pks)
        }
        self._apply_merge_writes(writes)
        decided = {pk: set(values) for pk, values in (fixed or {}).items()} if settled else {}
        settle_proposals(self.c, writes.proposals, decided, actor, settled, at)
        return results

    def _apply_merge_writes(self, writes: _MergeWrites) -> None:
        """What :meth:`_write_merged` decided for a batch of venues, a statement per kind of write."""
        for columns, rows in writes.updates.items():
            self.c.execute(
                venue_t.update()
                .where(venue_t.c.pk == sa.bindparam("b_pk"))
                .values({name: sa.bindparam(f"b_{name}") for name in columns}),
                rows,
            )
        if writes.terms:
            self._write_terms(writes.terms, replace=True)
        if writes.cleared:
            self.c.execute(
                prov_t.delete().where(
                    prov_t.c.venue_pk == sa.bindparam("b_pk"),
                    prov_t.c.field == sa.bindparam("b_field"),
                    prov_t.c.locked.is_(False),
                ),
                writes.cleared,
            )
        insert_rows(self.c, prov_t, writes.provenance)
        self._set_match_keys(writes.keys)

    def _write_merged(
        self,
        row: Mapping[str, Any],
        contributions: list[Contribution],
        locked: set[str],
        given: Mapping[str, str | None],
        source_id: str | None,
        at: datetime,
        writes: _MergeWrites,
        actor: str | None = None,
        fixed: Mapping[str, Any] | None = None,
    ) -> ApplyOutcome:
        pk, venue_id = row["pk"], row["id"]
        held = HELD in locked  # a person decided the venue's presence (``_edits``): merges never change it
        if held and row["status"] != "active":
            return ApplyOutcome(venue_id, "unchanged")  # withdrawn or refused by a person: left alone until restored
        # Waiting for a person (``_pending``): its values follow its record, its status never moves by itself;
        # while the source has dropped the record it waits unseen (the queue shows venues with a live record).
        pending = row["status"] == "pending"
        if pending and not contributions:
            return ApplyOutcome(venue_id, "unchanged")
        if not contributions and not held:  # every record moved to another venue or was withdrawn
            return ApplyOutcome(venue_id, "emptied")
        current = {**row, **(fixed or {})}
        if not contributions:  # a person's venue without records: it keeps its values
            locked = set(_CONTENT)
        merged = merge_records(contributions, current=current, locked=locked)
        if not contributions:
            merged.values["flags"] = row["flags"]
        writes.proposals[pk] = proposed(contributions, current, locked)
        new = _venue_values(merged.values)
        changes = {
            name: (jsonable(row[name]), jsonable(value))
            for name, value in new.items()
            if jsonable(row[name]) != jsonable(value)
        }
        update: dict[str, Any] = {name: new[name] for name in changes}
        restored = row["status"] != "active" and not pending
        if restored:
            update.update(status="active", merged_into=None)
        if update:
            update["updated_at"] = at
            writes.updates.setdefault(tuple(sorted(update)), []).append(
                {"b_pk": pk, **{f"b_{name}": value for name, value in update.items()}}
            )
            if any(name in LIST_VOCABULARIES for name in changes):
                writes.terms[pk] = {**row, **update}
            if not pending and (restored or any(name in _KEY_COLUMNS for name in changes)):
                writes.keys[pk] = {**row, **update}
        content = [name for name in changes if name in _CONTENT]
        # Provenance follows the winners, not only the values: a more trusted source giving the same
        # value, or a whole address taken from another record, changes where the field comes from.
        moved = [
            name
            for name in _CONTENT
            if name not in locked and (name in changes or given.get(name) != merged.winners.get(name))
        ]
        writes.cleared += ({"b_pk": pk, "b_field": name} for name in moved)
        writes.provenance += (
            {"venue_pk": pk, "field": name, "source_id": merged.winners[name], "locked": False, "at": at}
            for name in moved
            if merged.winners.get(name) is not None
        )
        if content:
            self._log(
                *(
                    {
                        "venue_pk": pk,
                        "venue_id": venue_id,
                        "at": at,
                        "action": "update",
                        "field": name,
                        "old": changes[name][0],
                        "new": changes[name][1],
                        "source_id": source_id,
                        "actor": actor,
                    }
                    for name in content
                )
            )
        if restored:
            self._log(
                {
                    "venue_pk": pk,
                    "venue_id": venue_id,
                    "at": at,
                    "action": "restore",
                    "source_id": source_id,
                    "actor": actor,
                }
            )
            return ApplyOutcome(venue_id, "restored", tuple(content))
        return ApplyOutcome(venue_id, "updated" if content else "unchanged", tuple(content))

    def _redirect(self, pk: int, into_pk: int, source_id: str | None, at: datetime, actor: str | None = None) -> None:
        """``pk`` became part of ``into_pk``: it stays, as a pointer (its URL keeps working)."""
        into = self.c.execute(sa.select(venue_t.c.id).where(venue_t.c.pk == into_pk)).scalar_one()
        venue_id = self.c.execute(
            venue_t.update()
            .where(venue_t.c.pk == pk)
            .values(status="merged", merged_into=into, updated_at=at)
            .returning(venue_t.c.id)
        ).scalar_one()
        self._set_match_keys({pk: None})
        self.c.execute(
            venue_t.update().where(venue_t.c.merged_into == venue_id).values(merged_into=into)
        )  # pointers to the old venue now point on
        self._log(
            {
                "venue_pk": pk,
                "venue_id": venue_id,
                "at": at,
                "action": "merge",
                "new": {"merged_into": into},
                "source_id": source_id,
                "actor": actor,
            }
        )

    def _write_terms(self, venues: Mapping[int, Mapping[str, Any]], *, replace: bool) -> None:
        """The filterable terms and the offers (one per service) of these venues (pk → stored values)."""
        if replace:
            self.c.execute(term_t.delete().where(term_t.c.venue_pk.in_(list(venues))))
            self.c.execute(offer_t.delete().where(offer_t.c.venue_pk.in_(list(venues))))
        terms = [
            {"venue_pk": pk, "field": name, "code": code}
            for pk, values in venues.items()
            for name in LIST_VOCABULARIES
            for code in values[name] or ()
        ]
        offers = [
            {"venue_pk": pk, "service": code} for pk, values in venues.items() for code in values["services"] or ()
        ]
        insert_rows(self.c, term_t, terms)
        insert_rows(self.c, offer_t, offers)

    # -- matching: blocking keys in the store ------------------------------

    def _set_match_keys(self, venues: Mapping[int, Mapping[str, Any] | None], *, replace: bool = True) -> None:
        """The blocking keys of these venues (pk → stored values; None: no longer active, no keys)."""
        if not venues:
            return
        if replace:
            for chunk in _chunks(list(venues), 500):
                self.c.execute(match_key_t.delete().where(match_key_t.c.venue_pk.in_(chunk)))
        rows = [
            {"kind": kind, "key": value, "venue_pk": pk}
            for pk, values in venues.items()
            if values is not None
            for kind, _, value in (key.partition(":") for key in stored_block_keys(values))
        ]
        if rows:
            insert_rows(self.c, match_key_t, rows)

    def match_blocks(self, keys: Iterable[str], max_block: int) -> dict[str, list[int]]:
        """The active venues (pks, ascending) holding each of these blocking keys (``kind:value``).

        A key held by more than ``max_block`` venues says nothing about which two are alike: it is
        left out, and so is a key no venue holds. Reads through this transaction, so the venues a
        run created in its earlier batches are there.
        """
        by_kind: dict[str, list[str]] = {}
        for key in sorted(set(keys)):
            kind, _, value = key.partition(":")
            by_kind.setdefault(kind, []).append(value)
        mk = match_key_t.c
        blocks: dict[str, list[int]] = {}
        for kind, values in by_kind.items():
            for chunk in _chunks(values, 2000):
                for value, pk in self.c.execute(
                    sa.select(mk.key, mk.venue_pk).where(mk.kind == kind, mk.key.in_(chunk)).order_by(mk.venue_pk)
                ):
                    blocks.setdefault(f"{kind}:{value}", []).append(pk)
        return {key: pks for key, pks in blocks.items() if len(pks) <= max_block}

    def match_venues(self, pks: Iterable[int]) -> dict[int, tuple[str, Venue, list[str]]]:
        """For matching: each of these active venues by pk, as (id, the fields compared, the keys
        ``source:record`` of its records in source and record order). JSON columns are read as text
        and decoded by ``orjson``, ``date_maj`` decoded once per distinct value (as ``iter_venue_rows``)."""
        found: dict[int, tuple[str, Venue, list[str]]] = {}
        selected, decoders = _reader(self.c.dialect, _MATCH_COLUMNS)
        # date_maj comes raw where the dialect decodes dates in Python (SQLite), decoded by the driver elsewhere
        decode_date, dates = (decoders[0][1], decoders[0][2]) if decoders else (lambda raw: raw, {})
        loads = orjson.loads
        for chunk in _chunks(sorted(set(pks)), 2000):
            record_keys: dict[int, list[str]] = {}
            for venue_pk, source_id, record_id in self.c.execute(
                sa.select(link_t.c.venue_pk, link_t.c.source_id, link_t.c.record_id)
                .where(link_t.c.venue_pk.in_(chunk), link_t.c.withdrawn_at.is_(None))
                .order_by(link_t.c.source_id, link_t.c.record_id)
            ):
                record_keys.setdefault(venue_pk, []).append(f"{source_id}:{record_id}")
            rows = self.c.execute(
                sa.select(venue_t.c.pk, venue_t.c.id, *selected).where(
                    venue_t.c.pk.in_(chunk), venue_t.c.status == "active"
                )
            )
            for (
                pk,
                venue_id,
                pivot,
                insee,
                postcode,
                phone,
                mails,
                sites,
                lat,
                lon,
                nom,
                commune,
                adresse,
                raw_date,
            ) in rows:
                date_maj = dates.get(raw_date)
                if date_maj is None:
                    date_maj = dates[raw_date] = decode_date(raw_date)
                venue = Venue(
                    id=venue_id,
                    pivot=pivot,
                    nom=nom,
                    commune=commune,
                    code_postal=postcode,
                    adresse=adresse,
                    date_maj=date_maj,
                    code_insee=insee,
                    latitude=lat,
                    longitude=lon,
                    telephone=phone,
                    courriels=list(loads(mails) or ()) if mails else [],
                    site_web=list(loads(sites) or ()) if sites else [],
                )
                found[pk] = (venue_id, venue, record_keys.get(pk, []))
        return found
