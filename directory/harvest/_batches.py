# SPDX-License-Identifier: Apache-2.0
"""A harvest run's records by batches of a thousand: validated (in worker processes), geocoded, matched
and written together (``run.harvest_source`` reads them and hands them over, ``RunBatch``).

While worker processes validate a batch, the run's process matches and writes the batch read before
it: two batches are held at most, and the report, the raw rows and the stored rows are those of one
batch written after another.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from directory.schema import (
    BlockKeys,
    CommuneLookup,
    OpeningHours,
    ParseResult,
    Problem,
    Severity,
    Venue,
    parse_venue,
    precision,
)
from directory.store import ApplyOutcome, Incoming, RawRecord, Store, Writer, venue_record

from ._collector import batch_written
from ._features import Features, block_keys, features
from ._hours import text_to_osm
from ._identity import earlier_payload, loads
from ._parallel import InProcesses
from ._quarantine import quarantine_place, storable
from .dedupe import Resolution, StoredIndex, resolve
from .geocode import NO_GEOCODER, UNAVAILABLE, CommuneGeocoder, Geocoder, GeocodeRequest, needs_geocoding
from .readers import ReadItem
from .report import HarvestReport
from .sources import SourceConfig

__all__ = ["BATCH", "Read", "Run", "RunBatch", "first_mapped", "validate"]

#: Records in a batch.
BATCH = 1000


@dataclass(frozen=True, slots=True)
class Run:
    """What a run of one source works with (``harvest_source``'s arguments)."""

    store: Store
    source: SourceConfig
    places: CommuneLookup | None
    geocoder: Geocoder | None
    direct_origins: frozenset[str]  # folded (fold_key)
    instance_name: str | None
    progress: Callable[[int], None] | None
    confirm_withdrawals: bool
    imported: bool
    processes: int


#: A valid venue's forms that the run's process would otherwise compute, one record after another: what
#: matching compares of it (``features``), its blocking keys for its own point (``block_keys`` without a
#: precision: a point the geocoder gives changes them) and its stored form (``store.venue_record``).
_Ready = tuple[Features, BlockKeys, dict[str, Any]]
#: What validating a mapped record gives: the problems of its hours converted, the hours as converted
#: (None when they were not), the record parsed, and, for a valid venue, its ``_Ready`` forms.
_Validated = tuple[list[Problem], str | None, ParseResult, _Ready | None]


def validate(mapped: dict[str, Any], places: CommuneLookup | None, today: date) -> _Validated:
    """One mapped record validated (in a worker process, or this one): the problems of its hours
    converted, the hours as converted (None when they were not), the record parsed, and its valid venue's
    forms for matching and for the store (``_Ready``), computed here, where the machine has cores to spare:
    the run's process, which matches and writes every record, is the harvest's bottleneck. (Sending the
    keys and the stored form back costs it ~9 µs a record; computing them, ~30.)"""
    converted = _osm_hours(mapped)
    result = parse_venue(mapped, places=places, today=today)
    ready = None
    if result.venue is not None:
        feats = features(result.venue)
        ready = (feats, block_keys(feats), venue_record(result.venue))
    return (converted, mapped["horaires"] if converted else None, result, ready)


def _parse(run: RunBatch, batch: _Batch, read: Read, validated: _Validated | None) -> None:
    """One record validated (``validate``): it waits in the batch, or is quarantined with its reasons."""
    report, item, problems = run.report, read.item, read.problems
    venue, ready = None, None
    if read.mapped is not None and validated is not None:
        converted, hours, result, ready = validated
        if hours is not None:
            read.mapped["horaires"] = hours
        problems.extend(converted)
        problems.extend(result.problems)
        venue = result.venue
    report.note_problems(item.position, read.record_id, problems)
    found = [p.as_dict() for p in problems]
    if venue is None or read.record_id is None or any(p.severity is Severity.ERROR for p in problems):
        report.quarantined += 1
        if read.record_id is not None:  # a bad version of a known record withdraws nothing
            run.unstored.add(read.record_id)
        place = quarantine_place(read.mapped, run.places)  # who answers for it, in the back office
        batch.raw.append(
            RawRecord(item.position, read.record_id, item.payload, "quarantined", found, place, storable(read.mapped))
        )
    else:
        assert ready is not None
        feats, keys, record = ready
        batch.items.append(_Valid(item, read.record_id, venue, feats, keys, record, found, read.lineage, read.raw_hash))


def first_mapped(run: RunBatch, record_id: str, position: int) -> dict[str, Any] | None:
    """The mapped record this run read first with ``record_id``, read back from its raw row (written, or
    in a batch not yet written)."""
    unwritten = [run.reading] if run.sent is None else [run.sent, run.reading]
    pending = [
        *((r.item.position, r.item.payload) for batch in unwritten for r in batch.read),
        *((r.position, r.payload) for batch in unwritten for r in batch.raw),
    ]
    raw = loads(earlier_payload(run.writer.c, run.report.run_id, run.source.id, record_id, position, pending))
    return None if raw is None else run.source.map(raw, today=run.at.date())[0]


def _osm_hours(record: dict[str, Any]) -> list[Problem]:
    """Free-text hours become OSM syntax when the text is unambiguous (the text is kept in the raw record)."""
    text = record.get("horaires")
    if not isinstance(text, str) or not text.strip() or OpeningHours.check(text) is None:
        return []
    converted = text_to_osm(text)
    if converted is None:
        return []  # validation keeps the text and flags it
    record["horaires"] = converted
    return [Problem("horaires", "hours_converted", text, Severity.WARNING, (("converted", converted),))]


@dataclass(slots=True)
class Read:
    """A record as read and mapped, waiting for its batch to know whether it changed."""

    item: ReadItem
    record_id: str | None
    mapped: dict[str, Any] | None
    problems: list[Problem]
    lineage: list[str]
    raw_hash: str | None


@dataclass(slots=True)
class _Valid:
    """A record that passed validation, waiting for its batch."""

    item: ReadItem
    record_id: str
    venue: Venue
    features: Features  # what matching compares of the venue (``validate``)
    keys: BlockKeys  # its blocking keys for its own point (``validate``)
    record: dict[str, Any]  # its stored form (``validate``)
    flags: list[dict[str, Any]]
    lineage: list[str]
    raw_hash: str | None


@dataclass(slots=True)
class _Batch:
    """Up to a thousand records of a run, from their reading to their writing."""

    read: list[Read] = field(default_factory=list)
    raw: list[RawRecord] = field(default_factory=list)  # rows set aside while reading, then those of every record
    counted: bool = False  # read whole (not the end of the source): the progress callback hears of it once written
    # Once sent to validation:
    links: dict[str, str | None] = field(default_factory=dict)  # Writer.link_hashes of its ids
    unsure: set[str] = field(default_factory=set)  # ids whose links the batch before may still change
    validated: Callable[[], list[_Validated]] | None = None
    # While it is applied:
    items: list[_Valid] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # ids of records read exactly as last time
    geocode_later: set[str] = field(default_factory=set)  # placed at their commune for want of an answer


class _Held(list[str]):
    """The notes (this list) and the problems of repeated rows that reading a batch gives the report, held
    until the batch read before it is written: the report says them in the order it would if each batch were
    written as soon as it was read. A note the report has already is not held again."""

    def __init__(self, report: HarvestReport) -> None:
        super().__init__()
        self.report = report
        self.problems: list[tuple[int, str | None, list[Problem]]] = []

    def __contains__(self, note: object) -> bool:
        return note in self.report.notes or super().__contains__(note)

    def note_problems(self, position: int, record_id: str | None, problems: list[Problem]) -> None:
        self.problems.append((position, record_id, problems))

    def release(self) -> None:
        self.report.notes.extend(self)
        self.clear()
        for position, record_id, problems in self.problems:
            self.report.note_problems(position, record_id, problems)
        self.problems.clear()


class RunBatch:
    """Records of a run go by batches of a thousand: what the store says of their ids is read once for
    all of them (memory follows the batch, not the source); they are then validated, geocoded, matched
    and written together. While worker processes validate a batch, this process matches and writes the
    batch read before it: two batches are held at most."""

    def __init__(
        self,
        run: Run,
        report: HarvestReport,
        at: datetime,
        unstored: set[str],
        validators: InProcesses,
        writer: Writer,
    ) -> None:
        self.store, self.source, self.report, self.at = run.store, run.source, report, at
        self.places, self.unstored, self.validators, self.writer = run.places, unstored, validators, writer
        self.progress = run.progress
        # without a geocoder, venues without a trustworthy point still get their commune's (flagged)
        self.geocoder: Geocoder | None = run.geocoder or (
            CommuneGeocoder(run.places)  # type: ignore[arg-type]  # the gazetteer, the one CommuneLookup with parents
            if run.places is not None
            else None
        )
        self.index = StoredIndex(writer)  # the directory's venues for matching, kept from batch to batch
        self.reading = _Batch()  # the records being read
        self.sent: _Batch | None = None  # the batch read before, in validation, not yet written
        self.held = _Held(report)

    def __enter__(self) -> RunBatch:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:  # the run failed: what reading said is said all the same
            self.held.release()

    def full(self) -> bool:
        return len(self.reading.read) + len(self.reading.raw) >= BATCH

    def flush(self, *, counted: bool = True) -> None:
        """The batch read goes to validation; meanwhile the batch read before it is written."""
        batch, self.reading = self.reading, _Batch()
        batch.counted = counted
        self._send(batch, self.sent)
        before, self.sent = self.sent, batch
        if before is not None:
            self._write(before)
        self.held.release()

    def finish(self) -> None:
        """The source is read: its last records (perhaps none) are validated and written, after the batch before."""
        self.flush(counted=False)
        batch, self.sent = self.sent, None
        assert batch is not None
        self._write(batch)

    def _send(self, batch: _Batch, before: _Batch | None) -> None:
        """The records of ``batch`` that changed since the last run start their validation."""
        ids = [r.record_id for r in batch.read if r.record_id is not None]
        # Every link of these ids, withdrawn ones included: hash of the record as last read (None once withdrawn).
        # They are read before the batch before is written, which changes the links of its own ids only. Those
        # ids are not in this batch (a repeat is set aside while reading: FileIds), but for another record with
        # the same id: quarantined, unless it reads exactly as at the last run (then kept). Such ids are
        # ``unsure``: their records are validated in case, and their links read again once the batch before is
        # written (``_write``), so that a record is kept exactly when it was with each batch written before the
        # next was read.
        batch.links = self.writer.link_hashes(self.source.id, ids)
        if before is not None and (earlier := {r.record_id for r in before.read}).intersection(ids):
            batch.unsure = {record_id for record_id in ids if record_id in earlier}
        wanted = [read.mapped for read in batch.read if read.mapped is not None and _validated_in(batch, read)]
        batch.validated = self.validators.submit(wanted)

    def _write(self, batch: _Batch) -> None:
        """The validated records of ``batch`` are geocoded, matched and written, with the raw rows of all."""
        if batch.unsure:
            batch.links.update(self.writer.link_hashes(self.source.id, sorted(batch.unsure)))
        assert batch.validated is not None
        # The records validated are taken in file order, as they were sent.
        validated = iter(batch.validated())
        links = batch.links
        for read in batch.read:
            result = next(validated) if read.mapped is not None and _validated_in(batch, read) else None
            if _unchanged(read, links):
                assert read.record_id is not None
                self._keep(batch, read.item, read.record_id)
            else:
                _parse(self, batch, read, result)
        self.writer.keep_unchanged(self.source.id, batch.kept, self.at)
        geo = self._geocode(batch)
        new = [(v.record_id, v.venue) for v in batch.items if v.record_id not in links]
        keys = [f"{self.source.id}:{record_id}" for record_id, _ in new]
        # The directory's venues are read per batch, only those sharing a blocking key with a new record, and
        # kept packed for the next batches (a bounded number, ``StoredIndex``); a run that only updates known
        # records reads none.
        # A point the geocoder (or the commune's centre) gave is only as precise as its method: no distance
        # is counted from a commune's centre.
        precisions = {record_id: precision(geo[record_id][0]) for record_id, _ in new if record_id in geo}
        computed = {v.record_id: v.features for v in batch.items}
        resolution = (
            resolve(
                self.index,
                self.source.id,
                new,
                self.store.match_decisions(keys),
                precisions,
                computed,
                {v.record_id: v.keys for v in batch.items},
            )
            if new
            else Resolution()
        )
        leaders: list[tuple[ReadItem, Incoming]] = []
        followers: list[tuple[ReadItem, Incoming]] = []
        for v in batch.items:
            method, point, score = geo.get(v.record_id, ("producteur" if v.venue.point else None, None, None))
            # Placed at its commune for want of an answer: no raw hash, so that a run with a geocoder at hand reads
            # the source again and tries again (Store.sources.awaiting_geocoding); a refused address waits for
            # its record to change.
            raw_hash = None if v.record_id in batch.geocode_later else v.raw_hash
            blocked = resolution.keys.get(v.record_id)  # a new record's
            incoming = Incoming(
                v.record_id,
                v.venue,
                v.flags,
                record=v.record,
                attach_to=resolution.attach_to.get(v.record_id),
                origin=v.lineage[0],
                lineage=v.lineage,
                geo_method=method,
                geo_point=point,
                geo_score=score,
                raw_hash=raw_hash,
                block_keys=None if blocked is None else blocked.held,
            )
            (followers if v.record_id in resolution.follows else leaders).append((v.item, incoming))
        # A source whose new venues a person reviews (``review_new``): those it creates wait, unpublished.
        pending = self.source.reviews_new
        outcomes = dict(
            zip(
                (i.record_id for _, i in leaders),
                self.writer.apply_many(self.source.id, [i for _, i in leaders], at=self.at, pending=pending),
            )
        )
        if not pending:
            self._remember_created(leaders, outcomes, computed)
        if followers:
            attached = [replace(i, attach_to=outcomes[resolution.follows[i.record_id]].venue_id) for _, i in followers]
            outcomes.update(
                zip(
                    (i.record_id for i in attached),
                    self.writer.apply_many(self.source.id, attached, at=self.at, pending=pending),
                )
            )
        for item, incoming in leaders + followers:
            outcome = outcomes[incoming.record_id]
            action = {"created": "new", "restored": "updated", "attached": "merged"}.get(outcome.action, outcome.action)
            setattr(self.report, action, getattr(self.report, action) + 1)
            status = "unchanged" if outcome.action == "unchanged" else "stored"
            batch.raw.append(RawRecord(item.position, incoming.record_id, item.payload, status, list(incoming.flags)))
        self.report.to_review += self.writer.add_review_items(resolution.review, self.report.run_id, self.at)
        batch.raw.sort(key=lambda r: r.position)
        self.writer.add_raw_records(self.report.run_id, self.source.id, batch.raw, self.at)
        self.writer.refresh_statistics()  # PostgreSQL: the planner learns of the rows the run wrote
        batch_written()  # the run's few cycles are collected between batches (``_collector``)
        if batch.counted and self.progress:
            self.progress(BATCH)

    def _remember_created(
        self,
        leaders: list[tuple[ReadItem, Incoming]],
        outcomes: Mapping[str, ApplyOutcome],
        computed: Mapping[str, Features],
    ) -> None:
        """The venues the batch created, for the next batches' matching (``StoredIndex.remember``):
        their features are their records', unless the geocoder moved their point (then read again)."""
        self.index.remember(
            (
                outcome.venue_pk,
                outcome.venue_id,
                computed[i.record_id],
                f"{self.source.id}:{i.record_id}",
                precision(i.geo_method),
            )
            for _, i in leaders
            if (outcome := outcomes[i.record_id]).venue_pk is not None and i.point_from_geocoder is None
        )

    def _keep(self, batch: _Batch, item: ReadItem, record_id: str) -> None:
        """A record read exactly as at the last run: kept as received, nothing else to do.
        (Its warnings were reported by the run that first read it.)"""
        self.report.unchanged += 1
        batch.kept.append(record_id)
        batch.raw.append(RawRecord(item.position, record_id, item.payload, "unchanged"))

    def _geocode(self, batch: _Batch) -> dict[str, tuple[str, tuple[float, float] | None, float | None]]:
        """Records without a trustworthy point get one from the geocoder, or their commune's (flagged)."""
        if self.geocoder is None:
            return {}
        wanted = {
            v.record_id: GeocodeRequest(
                v.record_id, v.venue.adresse, v.venue.code_postal, v.venue.commune, v.venue.code_insee
            )
            for v in batch.items
            if needs_geocoding(v.venue, v.flags)
        }
        if not wanted:
            return {}
        answers = self.geocoder.geocode(list(wanted.values()), connection=self.writer.c)  # the run holds the write lock
        outage = False
        for v in batch.items:
            if (answer := answers.get(v.record_id)) is None:
                continue
            if answer.method == "ban":
                self.report.geocoded += 1
            else:
                if answer.reason in (UNAVAILABLE, NO_GEOCODER):
                    batch.geocode_later.add(v.record_id)
                outage = outage or answer.reason == UNAVAILABLE
                self.report.placed_at_commune += 1
                problem = Problem("latitude", "placed_at_commune", answer.reason, Severity.WARNING)
                v.flags.append(problem.as_dict())
                self.report.note_problems(v.item.position, v.record_id, [problem])
        note = "géocodeur indisponible : des lieux sont placés au centre de leur commune, la prochaine moisson les géocodera"
        if outage and note not in self.report.notes:
            self.report.notes.append(note)
        return {key: (a.placement, (a.latitude, a.longitude), a.score) for key, a in answers.items()}


def _unchanged(read: Read, links: dict[str, str | None]) -> bool:
    """Whether ``read`` is the record its link was last read from (``links``: Writer.link_hashes)."""
    return read.record_id is not None and read.raw_hash is not None and links.get(read.record_id) == read.raw_hash


def _validated_in(batch: _Batch, read: Read) -> bool:
    """Whether the record of ``read`` (mapped) was sent to validation with its batch: it changed, or may have."""
    return read.record_id in batch.unsure or not _unchanged(read, batch.links)
