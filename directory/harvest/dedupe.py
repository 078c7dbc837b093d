# SPDX-License-Identifier: Apache-2.0
"""Which incoming records are venues the directory already has, or each other.

Identifiers first (a record seen before keeps its venue: links are handled
by the store); for new records, a scored comparison (``matching.score``)
against the venues that share a blocking key with them, and against the
other new records of the batch. The directory's venues are looked up in the
store's ``match_key`` table, a batch at a time (:class:`StoredIndex`): memory
holds the candidates of one batch, and the venues the run met packed (a bounded
number), whatever the size of the directory; a
record with a precise point reads the venues of its cells, street, name and
contacts, not its whole commune (``schema.blocking``), so that the work per
record does not grow with the directory. Sure matches join the venue; doubtful ones go
to the review queue with the score, its parts and the signs that weighed (a
record matching several venues joins none: the set goes to review); people's decisions are
sticky and win over any score. Only new records are matched: a decision on
records already stored is applied when it is made (``Writer.decide`` merges
or splits their venues), and their links keep it from then on.
"""

from __future__ import annotations

import marshal
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from directory.schema import BlockKeys, Precision, Venue, precision
from directory.store import Writer

from ._features import Features, features
from ._features import block_keys as features_block_keys
from .matching import Score, compare, surely_distinct

__all__ = ["SEVERAL", "MatchIndex", "Resolution", "StoredIndex", "resolve"]

#: A block holding more venues than this says nothing about which two are alike.
MAX_BLOCK = 200


#: How many of the directory's venues a run keeps between its batches (``StoredIndex``), the last met:
#: about 500 bytes each, kept packed (50 MB at most).
KEPT = 100_000


@dataclass(slots=True)
class _Entry:
    features: Features  # what matching compares of the venue, read once
    record_keys: list[str]
    precision: Precision | None = None  # how precise its point is (``schema.placement``); None: exact


class MatchIndex:
    """Blocking keys of the directory's venues, in memory for one run."""

    def __init__(self) -> None:
        self.entries: dict[str, _Entry] = {}
        self.blocks: dict[str, list[str]] = {}

    def add(
        self,
        venue_id: str,
        venue: Venue,
        record_keys: Iterable[str],
        keys: BlockKeys | None = None,
        precision: Precision | None = None,
        feats: Features | None = None,
    ) -> None:
        """Index a venue in the blocks it is found in; ``keys``: its blocking keys and ``feats`` its
        features when already computed (they cost)."""
        entry = self.entries.get(venue_id)
        if entry is not None:
            entry.record_keys.extend(k for k in record_keys if k not in entry.record_keys)
            return
        f = feats if feats is not None else features(venue)
        self.entries[venue_id] = _Entry(f, list(record_keys), precision)
        for key in (keys if keys is not None else features_block_keys(f, precision)).held:
            self.blocks.setdefault(key, []).append(venue_id)

    def prepare(self, keys: Iterable[BlockKeys]) -> None:
        """Nothing to read: everything is in memory."""

    def candidates(self, sought: Iterable[str]) -> list[str]:
        """Venue ids found in the blocks ``sought`` (a venue's ``BlockKeys.sought``, in order), each once."""
        found: dict[str, None] = {}
        blocks = self.blocks
        for key in sought:
            if (block := blocks.get(key)) and len(block) <= MAX_BLOCK:
                found.update(dict.fromkeys(block))
        return list(found)


class StoredIndex(MatchIndex):
    """The directory's venues for matching, read from the store a batch at a time.

    :meth:`prepare` reads, through the run's writer (its transaction sees the
    venues the run created in earlier batches), the venues sharing a blocking
    key with the batch's records (``match_key``; a key held by more than
    :data:`MAX_BLOCK` venues is skipped, as in memory), with the fields
    compared and the keys of their records. Venues come in pk order within a
    block, the order in which a whole-directory index would hold them.

    One index serves a run's batches one after another, and keeps the :data:`KEPT` venues it
    last met (by pk) for the next ones: blocks fill as the directory grows, and the later
    records of a run meet, again and again, the venues its earlier ones created. A venue the
    writer changes (``Writer.changed_venues``) is read again; one the run creates is known
    without reading it (:meth:`remember`).
    """

    def __init__(self, writer: Writer, kept: int = KEPT) -> None:
        super().__init__()
        self.writer = writer
        self.kept = kept
        self.known: OrderedDict[int, bytes] = OrderedDict()  # pk → its venue packed (``_pack``), last met last

    def prepare(self, keys: Iterable[BlockKeys]) -> None:
        self.forget_changed()
        blocks = self.writer.match_blocks({k for ks in keys for k in ks.sought}, MAX_BLOCK)
        wanted = sorted({pk for pks in blocks.values() for pk in pks})
        known = self.known
        if missing := [pk for pk in wanted if pk not in known]:
            for pk, (venue_id, venue, record_keys, method) in self.writer.match_venues(missing).items():
                known[pk] = _pack(venue_id, features(venue), record_keys, precision(method))
        ids: dict[int, str] = {}
        self.entries = {}
        for pk in wanted:
            if (packed := known.get(pk)) is not None:  # else no longer active
                known.move_to_end(pk)
                venue_id, self.entries[venue_id] = _unpack(packed)
                ids[pk] = venue_id
        self.blocks = {key: [ids[pk] for pk in pks if pk in ids] for key, pks in blocks.items()}
        while len(known) > self.kept:
            known.popitem(last=False)

    def forget_changed(self) -> None:
        """Venues the writer changed since are read again when next met."""
        for pk in self.writer.changed_venues:
            self.known.pop(pk, None)
        self.writer.changed_venues.clear()

    def remember(self, created: Iterable[tuple[int, str, Features, str, Precision | None]]) -> None:
        """Venues just created, as (pk, venue id, features of what was stored, its one record's key,
        precision of its point): later batches meet them without reading them. The writer's changes
        up to now are forgotten first (``forget_changed``): those since will be, when next prepared."""
        self.forget_changed()
        for pk, venue_id, feats, record_key, point_precision in created:
            self.known[pk] = _pack(venue_id, feats, [record_key], point_precision)

    def add(
        self,
        venue_id: str,
        venue: Venue,
        record_keys: Iterable[str],
        keys: BlockKeys | None = None,
        precision: Precision | None = None,
        feats: Features | None = None,
    ) -> None:
        """A record of the batch joined a stored venue: later records of the batch see its key.
        (Venues the batch creates reach the next one by :meth:`remember`; the venue joined is merged
        again when the batch is written, and so read again when next met.)"""
        entry = self.entries.get(venue_id)
        if entry is not None:
            entry.record_keys.extend(k for k in record_keys if k not in entry.record_keys)


def _pack(venue_id: str, feats: Features, record_keys: Sequence[str], point_precision: Precision | None) -> bytes:
    """A venue as ``StoredIndex`` keeps it: its values in ``marshal``'s format, a fifth of the objects'
    memory, unpacked in a few microseconds."""
    return marshal.dumps((venue_id, tuple(feats), tuple(record_keys), point_precision and point_precision.value))


def _unpack(packed: bytes) -> tuple[str, _Entry]:
    venue_id, values, record_keys, point_precision = marshal.loads(packed)
    return venue_id, _Entry(Features._make(values), list(record_keys), point_precision and Precision(point_precision))


@dataclass(slots=True)
class Resolution:
    """What matching decided for the new records of a run."""

    attach_to: dict[str, str] = field(default_factory=dict)  # record id → existing venue id
    follows: dict[str, str] = field(default_factory=dict)  # record id → record id of the same run it joins
    # The pairs for the store's review table (``Writer.add_review_items``): doubtful ones for people,
    # and those merged without a person (``status`` ``merged``), kept with their evidence.
    review: list[dict[str, Any]] = field(default_factory=list)
    keys: dict[str, BlockKeys] = field(default_factory=dict)  # record id → its blocking keys, computed once

    @property
    def doubtful(self) -> list[dict[str, Any]]:
        """The pairs waiting for a person."""
        return [p for p in self.review if p.get("status", "open") == "open"]

    @property
    def merges(self) -> list[dict[str, Any]]:
        """The pairs merged without a person, with their evidence."""
        return [p for p in self.review if p.get("status") == MERGED]


def resolve(
    index: MatchIndex,
    source_id: str,
    new: Sequence[tuple[str, Venue]],
    decisions: dict[tuple[str, str], str],
    precisions: Mapping[str, Precision] | None = None,
    computed: Mapping[str, Features] | None = None,
    computed_keys: Mapping[str, BlockKeys] | None = None,
) -> Resolution:
    """Decide, for each new record (id, venue), whether it is a venue already known.

    Records are taken in the order given; a record matching an earlier new
    record of the same run follows it, so the second of two twins joins the
    venue the first creates. A record matching several venues joins none: the
    pairs go to review. ``precisions``: record id → how precise its point is
    (``schema.placement.precision`` of its ``geo_method``), when known. ``computed``: record id →
    the features of its venue, where they were computed already (validation's workers); ``computed_keys``:
    its blocking keys, likewise, for a point of its own (they stand for a record without a precision given).
    """
    precisions = precisions or {}
    computed = computed or {}
    computed_keys = computed_keys or {}
    result = Resolution()
    pending = MatchIndex()  # new records of this batch, keyed by a provisional id
    feats = {record_id: computed.get(record_id) or features(venue) for record_id, venue in new}
    for record_id, _ in new:
        given = None if record_id in precisions else computed_keys.get(record_id)
        result.keys[record_id] = given or features_block_keys(feats[record_id], precisions.get(record_id))
    index.prepare(result.keys.values())
    for record_id, venue in new:
        key = f"{source_id}:{record_id}"
        keys = result.keys[record_id]
        sought = sorted(keys.sought)  # candidates in the order of their keys: the same pairs in the same order
        precision = precisions.get(record_id)
        f = feats[record_id]
        best = _best_match(index, key, f, sought, decisions, result, precision) or _best_match(
            pending, key, f, sought, decisions, result, precision
        )
        if best is None:
            pending.add(f"run:{record_id}", venue, [key], keys, precision=precision, feats=f)
        elif best.startswith("run:"):
            leader = best[4:]
            result.follows[record_id] = result.follows.get(leader, leader)
            pending.add(best, venue, [key])
        else:
            result.attach_to[record_id] = best
            index.add(best, venue, [key])
    for record_id, leader in list(result.follows.items()):
        if leader in result.attach_to:  # the leader joined a stored venue: so do its followers
            result.attach_to[record_id] = result.attach_to[leader]
            del result.follows[record_id]
    return result


def _best_match(
    index: MatchIndex,
    key: str,
    f: Features,
    sought: list[str],
    decisions: dict[tuple[str, str], str],
    result: Resolution,
    precision: Precision | None = None,
) -> str | None:
    """The venue the record of features ``f`` joins, or None. A record matching several venues joins none of them: each
    pair goes to a person (« correspond à plusieurs lieux »), who knows which one it is, or that
    they are one."""
    matches: list[tuple[float, str, Score]] = []
    for venue_id in index.candidates(sought):
        entry = index.entries[venue_id]
        said = {decisions.get((key, other) if key <= other else (other, key)) for other in entry.record_keys}
        if "distinct" in said:
            continue
        if "match" in said:
            return venue_id
        if surely_distinct(f, entry.features):  # no ratio to compute: the rules already say distinct
            continue
        s = compare(f, entry.features, (precision, entry.precision))
        if s.decision == "match":
            matches.append((s.total, venue_id, s))
        elif s.decision == "review" and entry.record_keys:
            result.review.append(_pair(key, entry.record_keys[0], s))
    if len(matches) > 1:
        for _, venue_id, s in matches:
            if index.entries[venue_id].record_keys:
                result.review.append(_pair(key, index.entries[venue_id].record_keys[0], s, SEVERAL))
        return None
    if not matches:
        return None
    _, venue_id, s = matches[0]
    if index.entries[venue_id].record_keys:
        result.review.append({**_pair(key, index.entries[venue_id].record_keys[0], s), "status": MERGED})
    return venue_id


#: The sign a pair carries when its record matched several venues.
SEVERAL = "several_venues"
#: The status of a pair merged without a person (``Store.merged_pairs``).
MERGED = "merged"


def _pair(left: str, right: str, s: Score, *extra: str) -> dict[str, Any]:
    """A pair as the store queues it: its score, and its parts with the signs that weighed (for the
    evidence in words, ``directory.curation.evidence``)."""
    return {
        "left_key": left,
        "right_key": right,
        "score": round(s.total, 3),
        "parts": {**s.parts, "signs": [*s.signs, *extra]},
    }
