# SPDX-License-Identifier: Apache-2.0
"""``Writer``'s part for merging venues again: a venue touched by a record is recomputed from all its
active records (``merge_records``: curator locks first, then source trust, then recency); what changed
is written a statement per kind of write for the whole batch, and logged field by field."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from directory.schema import LIST_VOCABULARIES, stored_block_keys

from ._bulk import chunks, insert_rows, update_rows
from ._content import CONTENT, venue_values
from ._curation import HELD
from ._match_keys import KEY_COLUMNS
from ._merge import Contribution, merge_records
from ._models import ApplyOutcome, RowValues, jsonable
from ._param_lists import in_values, list_param
from ._proposals import Candidate, proposed, settle_proposals
from ._rows import RowDecoder, as_text
from ._writer_base import WriterBase
from .tables import link_t, match_key_t, prov_t, source_t, venue_t

__all__ = ["RECORDS", "MergingMixin"]

#: The change-log action of a venue whose records changed without changing what it shows, while they
#: give it more than one name: the search index follows the log, and finds a venue by every name.
RECORDS = "records"
_loads = orjson.loads
#: The columns whose change rewrites a venue's terms (``_write_terms``), and its blocking keys (``_moved_keys``).
_TERM_COLUMNS = frozenset((*LIST_VOCABULARIES, "offres"))
_KEY_COLUMNS = frozenset(KEY_COLUMNS)


@dataclass(frozen=True, slots=True)
class _Reads:
    """What merging venues again reads, for the venues of pks ``values`` (one parameter: ``in_values``,
    ``MergingMixin._pk_list``): their rows (decoded by ``decoder``), their active records with their source's
    trust (each record as its text, decoded by orjson: 13 → 11 µs a record with its link on SQLite), their
    provenance, and the blocking keys they hold (``_moved_keys``)."""

    decoder: RowDecoder
    venues: sa.Select[Any]
    records: sa.Select[Any]
    provenance: sa.Select[Any]
    keys: sa.Select[Any]


#: The reads by dialect (``_reads``): built once, SQLAlchemy then finds each compiled in its cache.
_READS: dict[str, _Reads] = {}


def _reads(dialect: sa.Dialect) -> _Reads:
    reads = _READS.get(dialect.name)
    if reads is None:
        decoder = RowDecoder(dialect, [c.name for c in venue_t.c])
        link = link_t.c
        reads = _READS[dialect.name] = _Reads(
            decoder,
            sa.select(*decoder.columns).where(in_values(venue_t.c.pk, dialect, sa.Integer())),
            sa.select(link.venue_pk, link.source_id, link.record_id, as_text(link.record), source_t.c.trust)
            .join(source_t, source_t.c.id == link.source_id)
            .where(
                in_values(link.venue_pk, dialect, sa.Integer()), link.withdrawn_at.is_(None), link.record.is_not(None)
            ),
            _provenance(dialect),
            _held_keys(dialect),
        )
    return reads


def _provenance(dialect: sa.Dialect) -> sa.Select[Any]:
    """A row per venue: (pk, its unlocked fields' sources as a JSON object ``{field: source}``, its locked fields as
    a JSON array), both as text (SQLite: ``{}`` and ``[]`` for none, PostgreSQL: NULL). Aggregated by the database:
    a venue has ~20 provenance rows, each row a result row costs more in Python than the query (20 → 9 µs a venue)."""
    prov = prov_t.c
    sqlite = dialect.name == "sqlite"
    sources = (sa.func.json_group_object if sqlite else sa.func.json_object_agg)(prov.field, prov.source_id)
    locked = (sa.func.json_group_array if sqlite else sa.func.json_agg)(prov.field)
    return (
        sa.select(
            prov.venue_pk,
            sa.cast(sources.filter(prov.locked.is_(False)), sa.Text),
            sa.cast(locked.filter(prov.locked.is_(True)), sa.Text),
        )
        .where(in_values(prov.venue_pk, dialect, sa.Integer()))
        .group_by(prov.venue_pk)
    )


def _held_keys(dialect: sa.Dialect) -> sa.Select[Any]:
    """A row per venue holding blocking keys: (pk, its keys ``kind:key`` as a JSON array, as text)."""
    mk = match_key_t.c
    keys = (sa.func.json_group_array if dialect.name == "sqlite" else sa.func.json_agg)(mk.kind + ":" + mk.key)
    return (
        sa.select(mk.venue_pk, sa.cast(keys, sa.Text))
        .where(in_values(mk.venue_pk, dialect, sa.Integer()))
        .group_by(mk.venue_pk)
    )


@dataclass(slots=True)
class MergeWrites:
    """The writes of re-merged venues, gathered to be made together (``MergingMixin._apply_merge_writes``)."""

    updates: dict[tuple[str, ...], list[dict[str, Any]]] = field(default_factory=dict)  # columns set → pk and values
    terms: dict[int, Mapping[str, Any]] = field(default_factory=dict)  # venues whose terms changed
    keys: dict[int, Mapping[str, Any]] = field(default_factory=dict)  # venues whose blocking keys may have changed
    cleared: list[dict[str, Any]] = field(default_factory=list)  # provenance rows to delete
    sourced: list[dict[str, Any]] = field(default_factory=list)  # provenance rows naming another source
    added: list[dict[str, Any]] = field(default_factory=list)  # provenance rows to insert
    proposals: dict[int, dict[str, Candidate]] = field(default_factory=dict)  # venue → what its sources propose

    def provenance(self, pk: int, name: str, stored: bool, source_id: str | None, at: datetime) -> None:
        """The provenance of a field whose value or source changed, now ``source_id`` (None: no source gives
        it). ``stored``: the venue has an unlocked row for it, updated in place: what deleting it and inserting
        the new one would leave (the same columns: ``actor`` empty, ``locked`` false), in fewer statements."""
        if source_id is None:
            if stored:
                self.cleared.append({"b_pk": pk, "b_field": name})
        elif stored:
            self.sourced.append({"venue_pk": pk, "field": name, "source_id": source_id, "actor": None, "at": at})
        else:
            self.added.append({"venue_pk": pk, "field": name, "source_id": source_id, "locked": False, "at": at})


def _changes(row: RowValues, new: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Field → (old, new) JSON-ready, for the fields whose value changed. Equal values have equal
    JSON forms (``jsonable`` only writes dates as text): only unequal ones are compared as JSON."""
    changes = {}
    for name, value in new.items():
        old = row[name]
        if old != value and (old := jsonable(old)) != (value := jsonable(value)):
            changes[name] = (old, value)
    return changes


def _moved(
    changes: Mapping[str, Any], locked: set[str], given: Mapping[str, str | None], winners: Mapping[str, str]
) -> list[str]:
    """The unlocked fields whose provenance is written again: their value changed, or their source did."""
    if not changes and given == winners:  # the usual merge again that changes nothing
        return []
    return [
        name for name in CONTENT if name not in locked and (name in changes or given.get(name) != winners.get(name))
    ]


def _names(contributions: list[Contribution]) -> list[str]:
    """The names a venue's records give it, each once, in their order."""
    return list(dict.fromkeys(name for record in contributions if (name := record.values.get("nom"))))


class MergingMixin(WriterBase):
    """Venues merged again from their records, and a venue becoming a pointer to another."""

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
        for chunk in chunks(pks, 1000):
            results = self._remerge(set(chunk), source_id, at)
            changed += sum(1 for r in results.values() if r.action in ("updated", "restored"))
        return changed

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
        self.changed_venues.update(pks)
        rows = self._venue_rows(pks)
        reads = _reads(self.c.dialect)
        params = self._pk_list(pks)
        contributions: dict[int, list[Contribution]] = {pk: [] for pk in pks}
        for venue_pk, from_source, record_id, record, trust in self.c.execute(reads.records, params).all():
            contributions[venue_pk].append(Contribution(from_source, record_id, trust, _loads(record)))
        locks: dict[int, set[str]] = {}
        given: dict[int, dict[str, str | None]] = {}  # venue → field → the source its provenance names
        for pk, unlocked, locked in self.c.execute(reads.provenance, params).all():
            given[pk] = _loads(unlocked) if unlocked else {}
            if locked and (names := _loads(locked)):
                locks[pk] = set(names)
        writes = MergeWrites()
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

    def _venue_rows(self, pks: set[int]) -> dict[int, dict[str, Any]]:
        """These venues' rows by pk, as ``select(venue_t)`` would give them, decoded by :class:`RowDecoder`
        (JSON by ``orjson``, each distinct date once: 17 → 14 µs a venue on SQLite)."""
        reads = _reads(self.c.dialect)
        decoder = reads.decoder
        decoder.trim()
        rows = self.c.execute(reads.venues, self._pk_list(pks)).all()
        return {(values := decoder.values(row))["pk"]: values for row in rows}

    def _pk_list(self, pks: Iterable[int]) -> dict[str, Any]:
        """The parameter of ``_Reads``' queries: these pks (ascending), as one value."""
        return {"values": list_param(self.c.dialect, sorted(pks))}

    def _apply_merge_writes(self, writes: MergeWrites) -> None:
        """What :meth:`_write_merged` decided for a batch of venues, a statement per kind of write."""
        for rows in writes.updates.values():
            update_rows(self.c, venue_t, ("pk",), rows)
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
        update_rows(self.c, prov_t, ("venue_pk", "field"), writes.sourced)
        insert_rows(self.c, prov_t, writes.added)
        moved, keys = self._moved_keys(writes.keys)
        self._set_match_keys(moved, given=keys)

    def _moved_keys(self, venues: Mapping[int, RowValues]) -> tuple[dict[int, RowValues], dict[int, frozenset[str]]]:
        """Of these venues (pk → new values), whose key columns changed, those whose blocking keys changed with
        them, and their new keys (``_set_match_keys``' arguments). About half keep the same keys: a second record
        spelling the name or placing the point a little differently (20k file: 613 of 1,259 venues)."""
        if not venues:
            return {}, {}
        reads = _reads(self.c.dialect)
        held = {pk: frozenset(_loads(keys)) for pk, keys in self.c.execute(reads.keys, self._pk_list(venues)).all()}
        keys = {pk: stored_block_keys(values) for pk, values in venues.items()}
        moved = [pk for pk in venues if keys[pk] != held.get(pk, frozenset())]
        return {pk: venues[pk] for pk in moved}, {pk: keys[pk] for pk in moved}

    def _write_merged(
        self,
        row: RowValues,
        contributions: list[Contribution],
        locked: set[str],
        given: Mapping[str, str | None],
        source_id: str | None,
        at: datetime,
        writes: MergeWrites,
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
            locked = set(CONTENT)
        merged = merge_records(contributions, current=current, locked=locked)
        if not contributions:
            merged.values["flags"] = row["flags"]
        writes.proposals[pk] = proposed(contributions, current, locked)
        new = venue_values(merged.values)
        changes = _changes(row, new)
        update: dict[str, Any] = {name: new[name] for name in changes}
        restored = row["status"] != "active" and not pending
        if restored:
            update.update(status="active", merged_into=None)
        if update:
            update["updated_at"] = at
            writes.updates.setdefault(tuple(sorted(update)), []).append({"pk": pk, **update})
            terms = not _TERM_COLUMNS.isdisjoint(changes)
            keys = not pending and (restored or not _KEY_COLUMNS.isdisjoint(changes))
            if terms or keys:
                updated = {**row, **update}
                if terms:
                    writes.terms[pk] = updated
                if keys:
                    writes.keys[pk] = updated
        content = [name for name in changes if name in CONTENT]
        # Provenance follows the winners, not only the values: a more trusted source giving the same
        # value, or a whole address taken from another record, changes where the field comes from.
        for moved in _moved(changes, locked, given, merged.winners):
            writes.provenance(pk, moved, moved in given, merged.winners.get(moved), at)
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
        if not content and not restored and not pending and len(names := _names(contributions)) > 1:
            # Its records changed (that is why it is merged again) without changing what it shows; the
            # names search finds it by (``Store.record_names``) may have: a row for the index to follow.
            self._log(
                {
                    "venue_pk": pk,
                    "venue_id": venue_id,
                    "at": at,
                    "action": RECORDS,
                    "new": {"noms": names},
                    "source_id": source_id,
                    "actor": actor,
                }
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
