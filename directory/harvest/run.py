# SPDX-License-Identifier: Apache-2.0
"""One harvest run of one source: fetch, keep, read, validate, geocode, match, apply.

Everything a run writes (raw records, venues, withdrawals, the source's state)
is written in one transaction: readers of the directory see the whole run or
nothing of it. A run that fails, or brings far fewer records than the last
complete one, withdraws nothing. Runs are pure functions of their inputs and
of the ``now`` they are given.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

import orjson

from directory.errors import SourceUnavailable
from directory.schema import (
    CUT_SHORT,
    CommuneLookup,
    OpeningHours,
    ParseResult,
    Problem,
    Severity,
    Venue,
    fold_key,
    parse_venue,
    precision,
)
from directory.store import Incoming, RawRecord, SourceState, Store, Writer, utcnow

from ._collector import collector_tuned
from ._hours import text_to_osm
from ._identity import FIRST, REPEAT, FileIds, earlier_payload, loads
from ._parallel import InProcesses
from ._quarantine import quarantine_place, storable
from .dedupe import Resolution, StoredIndex, resolve
from .encoding import decode, encoding_note
from .fetch import Fetcher, FetchResult
from .geocode import NO_GEOCODER, UNAVAILABLE, CommuneGeocoder, Geocoder, GeocodeRequest, needs_geocoding
from .offer_rows import group_offer_rows
from .readers import READERS, ReadItem
from .readers.base import ReadError
from .report import HarvestReport
from .sources import SourceConfig
from .withdrawals import withdraw_or_hold

__all__ = ["HarvestReport", "Geocoder", "harvest_source"]

_BATCH = 1000
#: A failed run is tried again this soon (or at the source's interval, if shorter).
RETRY_AFTER = timedelta(hours=1)
log = logging.getLogger(__name__)
_MAX_PAGES = 10_000  # a loop of "next" links must end
#: Part of each record's raw hash: bump it when validation or normalisation changes what a
#: record gives, so that the next run parses every record again instead of skipping it.
_PARSING_VERSION = 2


def harvest_source(
    store: Store,
    source: SourceConfig,
    *,
    fetcher: Fetcher,
    places: CommuneLookup | None = None,
    geocoder: Geocoder | None = None,
    now: datetime | None = None,
    direct_origins: frozenset[str] = frozenset(),
    instance_name: str | None = None,
    progress: Callable[[int], None] | None = None,
    confirm_withdrawals: bool = False,
    imported: bool = False,
    processes: int = 1,
) -> HarvestReport:
    """Harvest one source now.

    :param direct_origins: publishers harvested directly by another source:
        their records reaching us through an aggregator are not taken twice.
    :param instance_name: this instance's name in lineages; records it
        published itself are never taken back (no echo between instances).
    :param confirm_withdrawals: a person says the source really shrank: what it
        no longer has is withdrawn even if the run looks suspicious.
    :param imported: a person handed the file (``directory import``): it is read whole, whatever
        the validators of the last run say, and the run is recorded as an import.
    :param processes: how many processes validate records (1: this one; ``directory harvest``: one per core,
        ``default_processes``).
    """
    direct = frozenset(fold_key(origin) for origin in direct_origins)
    run = _Run(
        store,
        source,
        places,
        geocoder,
        direct,
        instance_name,
        progress,
        confirm_withdrawals,
        imported,
        processes,
    )
    with collector_tuned():
        return _harvest(run, fetcher, now)


@dataclass(frozen=True, slots=True)
class _Run:
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


def _harvest(run: _Run, fetcher: Fetcher, now: datetime | None) -> HarvestReport:
    store, source, geocoder = run.store, run.source, run.geocoder
    started = time.perf_counter()
    at = now or utcnow()
    info = source.source_info()
    state = store.sources.state(source.id)
    before = replace(state)  # a failed run leaves validators and cursor as they were: the next one reads it all again
    report = HarvestReport(source.id, store.start_run(info, at, kind="import" if run.imported else "harvest"))
    edited = state.config_hash is not None and state.config_hash != source.fingerprint
    if run.imported:
        state.read_again()
    if edited:  # the answer « not modified » would be about the data, not about how to read it
        state.read_again()
        report.notes.append("le fichier de la source a changé depuis la dernière moisson : toute la source est relue")
    elif geocoder is not None and (waiting := store.sources.awaiting_geocoding(source.id)):
        state.read_again()
        report.notes.append(f"{waiting} lieux sont au centre de leur commune : la source est relue pour les géocoder")
    state.config_hash = source.fingerprint
    try:
        following = READERS[source.format].following  # a change feed is fetched from its cursor
        bodies = (following.fetch if following is not None else _fetch)(fetcher, source, state, report)
        if bodies is None:
            report.status = "unchanged"
            report.notes.append("rien n'a changé depuis la dernière moisson : la source répond « non modifié »")
            _save_state(store, source, state, report, at)
        else:
            _apply(run, state, bodies, report, at, recompute=edited)
    except SourceUnavailable as err:
        _failed(store, source, before, report, at, err.detail)
    except ReadError as err:  # the transaction is rolled back: nothing of the run was written
        _failed(store, source, before, report, at, f"source illisible : {err}")
    except Exception as err:  # one broken source must not stop the others, nor stay « en cours »
        log.exception("moisson de %s", source.id)
        _failed(
            store, source, before, report, at, f"erreur inattendue en lisant la source ({type(err).__name__} : {err})"
        )
    finally:
        report.seconds = time.perf_counter() - started
        error = "; ".join(report.notes) if report.status == "failed" else None
        store.finish_run(
            report.run_id, report.status, report.counts(), error, {"notes": report.notes, **report.quality()}
        )
    return report


def _fetch(
    fetcher: Fetcher, source: SourceConfig, state: SourceState, report: HarvestReport
) -> list[FetchResult] | None:
    """Every page of the source, or None when the source says nothing changed.

    One file asks whether it changed (validators, content hash). The pages of an API
    are all read: an unchanged first page says nothing of the others; the run is
    "unchanged" only when every page is. Every page and redirect stays within the source's
    bounds (its host, or its folder), and all of them end by its deadline."""
    pagination, bounds = source.pagination, source.bounds()
    if pagination is None or not (pagination.next or pagination.page_param):
        first = fetcher.fetch(
            source.location(),
            etag=state.etag,
            last_modified=state.last_modified,
            previous_hash=state.content_hash,
            max_bytes=source.max_size,
            bounds=bounds,
        )
        report.requests += first.requests
        if first.status == "not_modified":
            return None
        state.etag, state.last_modified, state.content_hash = first.etag, first.last_modified, first.content_hash
        return [first]
    pages: list[FetchResult] = []
    url: str | None = pagination.first_url(source.location())
    while url is not None and len(pages) <= _MAX_PAGES:
        page = fetcher.fetch(url, max_bytes=source.max_size, bounds=bounds)
        report.requests += page.requests
        pages.append(page)
        if pagination.next:
            document = _json_page(page)
            url = pagination.next_url(document, page.url, 0, 0)
            if url is not None and (why := bounds.refusal(url)):
                raise SourceUnavailable(detail=f"page suivante refusée : {url.split('?', 1)[0]} : {why}")
        else:  # numbered pages end with an empty (or short) one
            count = sum(1 for _ in _read_page(source, page))
            url = pagination.next_url(None, page.url, pagination.first_page + len(pages) - 1, count)
    combined = hashlib.sha256("".join(p.content_hash for p in pages).encode()).hexdigest()
    if combined == state.content_hash:
        return None
    state.etag, state.last_modified, state.content_hash = None, None, combined
    return pages


def _json_page(page: FetchResult) -> Any:
    try:
        return json.loads(decode(page.body, page.declared_encoding).text)
    except json.JSONDecodeError as err:
        raise ReadError(
            f"page {page.url} : JSON illisible ligne {err.lineno}, colonne {err.colno} : {err.msg}"
        ) from err


def _read_page(source: SourceConfig, page: FetchResult, notes: list[str] | None = None) -> Iterator[ReadItem]:
    """The page's records; ``notes`` gets a sentence when the page was not in its declared charset,
    and the reader's sentences about the file (the first ten, then how many more)."""
    reader = source.make_reader()
    encoding = page.declared_encoding if source.encoding == "auto" else source.encoding
    with page.content.open() as stream:
        yield from reader.read_stream(stream, encoding)
    if notes is None:
        return
    found = reader.file_problems
    more = [f"… et {len(found) - 10} autres remarques sur le fichier"] if len(found) > 10 else []
    for note in (encoding_note(encoding, reader.encoding), *reader.file_notes, *found[:10], *more):
        if note and note not in notes:
            notes.append(note)


def _items(source: SourceConfig, pages: list[FetchResult], notes: list[str]) -> Iterator[ReadItem]:
    """Every record of every page; ``notes`` gets, once, the mapped columns the file lacks."""
    position = 0
    columns = source.column_check()
    for page in pages:
        for item in _read_page(source, page, notes):
            position += 1
            item.position = position
            if columns is not None and item.record is not None:
                columns.see(item.record)
            yield item
    if columns is not None and (note := columns.note()):
        notes.append(note)


def _apply(
    run: _Run, state: SourceState, pages: list[FetchResult], report: HarvestReport, at: datetime, recompute: bool
) -> None:
    """Read, keep and apply every record; ``recompute``: the source file changed (its trust…), so
    every venue it feeds is merged again, even from records read as last time."""
    source = run.source
    unstored: set[str] = (
        set()
    )  # ids of the records read but not stored (skipped, quarantined): the others get last_seen
    ids = FileIds()  # a record read twice is stored once; another record with a known id is quarantined
    validators = InProcesses(_validate, (run.places, at.date()), run.processes)
    with (
        validators,
        run.store.writer() as writer,
        _RunBatch(run, report, at, unstored, validators, writer) as batch,
    ):
        cut = False  # the body's last record was cut short: a broken transfer, whatever HTTP said
        for item in group_offer_rows(source.offers, _items(source, pages, batch.held)):
            report.fetched += 1
            problems = list(item.problems)
            cut = cut or any(p.code in CUT_SHORT for p in problems)
            mapped: dict[str, Any] | None = None
            if item.record is not None:
                mapped, mapping_problems = source.map(item.record, today=at.date())
                problems.extend(mapping_problems)
            record_id = str(mapped.get("id") or "").strip()[:200] or None if mapped else None
            lineage = _lineage(source, mapped or {})
            if _already_had(lineage, source, run.direct_origins, run.instance_name):
                report.skipped += 1
                if record_id is not None:
                    unstored.add(record_id)
                batch.reading.raw.append(RawRecord(item.position, record_id, item.payload, "skipped"))
                continue
            if record_id is not None and (seen := ids.see(record_id, item.position, mapped)).kind != FIRST:
                if seen.kind == REPEAT:
                    repeat = ids.repeat_problem(record_id, seen)
                    batch.held.note_problems(item.position, record_id, [repeat])
                    batch.reading.raw.append(
                        RawRecord(item.position, record_id, item.payload, "skipped", [repeat.as_dict()])
                    )
                    continue
                problems.append(
                    ids.conflict_problem(record_id, seen, mapped, partial(_first_mapped, batch, record_id, seen.first))
                )
            raw_hash = _raw_hash(mapped, lineage, run.geocoder) if mapped is not None else None
            batch.reading.read.append(_Read(item, record_id, mapped, problems, lineage, raw_hash))
            if batch.full():
                batch.flush()
        batch.finish()
        if said := ids.note():
            report.notes.append(said)
        if source.reviews_new and report.new:
            report.notes.append(
                f"{report.new} nouveaux lieux attendent qu'une personne les publie (« À vérifier », onglet « Nouveaux "
                "lieux à publier ») : la source est peu sûre, ou son fichier le demande (review_new)"
            )
        if recompute and (changed := writer.remerge_source(source.id, at)):
            report.notes.append(f"{changed} lieux recalculés avec le nouveau fichier de la source")
        if (following := READERS[source.format].following) is not None:  # a feed says what to withdraw
            following.finish(writer, source, state, pages, report, at)
        elif cut:
            report.status = "partial"
            report.notes.append(
                "fichier coupé en cours de transfert (son dernier enregistrement est incomplet) : "
                "rien n'a été retiré de l'annuaire ; la prochaine moisson relira la source"
            )
        else:
            withdraw_or_hold(writer, source, state, report, unstored, at, run.confirm_withdrawals)
        report.status = report.status if report.status == "partial" else "complete"
        if report.status == "partial":  # the next run reads the source again, and says so again
            state.read_again()
        if report.status == "complete":
            state.last_complete_run_id, state.last_complete_count = report.run_id, report.fetched
        _schedule(state, source, report, at)
        writer.save_state(state)


#: What validating a mapped record gives: the problems of its hours converted, the hours as converted
#: (None when they were not), and the record parsed.
_Validated = tuple[list[Problem], str | None, ParseResult]


def _validate(mapped: dict[str, Any], places: CommuneLookup | None, today: date) -> _Validated:
    """One mapped record validated (in a worker process, or this one): the problems of its hours
    converted, the hours as converted (None when they were not), and the record parsed."""
    converted = _osm_hours(mapped)
    return converted, mapped["horaires"] if converted else None, parse_venue(mapped, places=places, today=today)


def _parse(run: _RunBatch, batch: _Batch, read: _Read, validated: _Validated | None) -> None:
    """One record validated (``_validate``): it waits in the batch, or is quarantined with its reasons."""
    report, item, problems = run.report, read.item, read.problems
    venue = None
    if read.mapped is not None and validated is not None:
        converted, hours, result = validated
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
        batch.items.append(_Valid(item, read.record_id, venue, found, read.lineage, read.raw_hash))


def _first_mapped(run: _RunBatch, record_id: str, position: int) -> dict[str, Any] | None:
    """The mapped record this run read first with ``record_id``, read back from its raw row (written, or
    in a batch not yet written)."""
    unwritten = [run.reading] if run.sent is None else [run.sent, run.reading]
    pending = [
        *((r.item.position, r.item.payload) for batch in unwritten for r in batch.read),
        *((r.position, r.payload) for batch in unwritten for r in batch.raw),
    ]
    raw = loads(earlier_payload(run.writer.c, run.report.run_id, run.source.id, record_id, position, pending))
    return None if raw is None else run.source.map(raw, today=run.at.date())[0]


def _raw_hash(mapped: dict[str, Any], lineage: list[str], geocoder: Geocoder | None) -> str | None:
    """What a record says before parsing, whatever its column order or quoting: when it says the
    same as at the last run, parsing, matching and merging it again would change nothing.
    None when it cannot be hashed (an integer beyond 64 bits…): it is then parsed every time."""
    try:
        canonical = orjson.dumps(
            [_PARSING_VERSION, mapped, lineage, geocoder is not None], option=orjson.OPT_SORT_KEYS, default=str
        )
    except orjson.JSONEncodeError:
        return None
    return hashlib.sha256(canonical).hexdigest()


def _lineage(source: SourceConfig, record: dict[str, Any]) -> list[str]:
    """Origin first, then the aggregators the record came through, this source's publisher last.

    The origin is the record's own lineage, else the source file's ``origin``, else the
    standard's ``source`` field (« structure collectant la donnée »), else the publisher."""
    publisher = source.publisher
    carried = [part for part in str(record.get("lignee") or "").split("|") if part]
    collector = str(record.get("source") or "").strip()
    origin = (
        str(record.get("origine") or "") or (carried[0] if carried else None) or source.origin or collector or publisher
    )
    chain = carried or [origin]
    if chain[-1] != publisher:
        chain.append(publisher)
    return chain


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


def _already_had(
    lineage: list[str], source: SourceConfig, direct_origins: frozenset[str], instance: str | None
) -> bool:
    """Echoes and detours: what this instance published itself, or what
    another source of this directory brings straight from its origin
    (names compared without case or accents)."""
    if instance and fold_key(instance) in {fold_key(name) for name in lineage}:
        return True
    origin = fold_key(lineage[0])
    return origin != fold_key(source.publisher) and origin in direct_origins


def _failed(
    store: Store, source: SourceConfig, state: SourceState, report: HarvestReport, at: datetime, why: str
) -> None:
    report.status = "failed"
    report.rolled_back()
    retry = min(source.interval, RETRY_AFTER)
    report.notes.insert(0, f"{why} — rien n'a été retiré de l'annuaire ; nouvel essai dans {_duration(retry)}")
    _save_state(store, source, state, report, at, retry)


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def _schedule(
    state: SourceState, source: SourceConfig, report: HarvestReport, at: datetime, due_in: timedelta | None = None
) -> None:
    """This run is the source's last; the next is due after its interval (or ``due_in``)."""
    state.last_run_id = report.run_id
    state.next_due_at = at + (due_in or source.interval)


def _save_state(
    store: Store,
    source: SourceConfig,
    state: SourceState,
    report: HarvestReport,
    at: datetime,
    due_in: timedelta | None = None,
) -> None:
    _schedule(state, source, report, at, due_in)
    with store.writer() as writer:
        writer.save_state(state)


@dataclass(slots=True)
class _Read:
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
    flags: list[dict[str, Any]]
    lineage: list[str]
    raw_hash: str | None


@dataclass(slots=True)
class _Batch:
    """Up to a thousand records of a run, from their reading to their writing."""

    read: list[_Read] = field(default_factory=list)
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


class _RunBatch:
    """Records of a run go by batches of a thousand: what the store says of their ids is read once for
    all of them (memory follows the batch, not the source); they are then validated, geocoded, matched
    and written together. While worker processes validate a batch, this process matches and writes the
    batch read before it: two batches are held at most."""

    def __init__(
        self,
        run: _Run,
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
        self.reading = _Batch()  # the records being read
        self.sent: _Batch | None = None  # the batch read before, in validation, not yet written
        self.held = _Held(report)

    def __enter__(self) -> _RunBatch:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:  # the run failed: what reading said is said all the same
            self.held.release()

    def full(self) -> bool:
        return len(self.reading.read) + len(self.reading.raw) >= _BATCH

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
        # The directory's venues are read per batch, only those sharing a blocking key with a new record:
        # memory follows the batch, not the directory; a run that only updates known records reads none.
        # A point the geocoder (or the commune's centre) gave is only as precise as its method: no distance
        # is counted from a commune's centre.
        precisions = {record_id: precision(geo[record_id][0]) for record_id, _ in new if record_id in geo}
        resolution = (
            resolve(StoredIndex(self.writer), self.source.id, new, self.store.match_decisions(keys), precisions)
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
            incoming = Incoming(
                v.record_id,
                v.venue,
                v.flags,
                attach_to=resolution.attach_to.get(v.record_id),
                origin=v.lineage[0],
                lineage=v.lineage,
                geo_method=method,
                geo_point=point,
                geo_score=score,
                raw_hash=raw_hash,
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
        if followers:
            attached = [
                Incoming(**{**_fields(i), "attach_to": outcomes[resolution.follows[i.record_id]].venue_id})
                for _, i in followers
            ]
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
        if batch.counted and self.progress:
            self.progress(_BATCH)

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


def _unchanged(read: _Read, links: dict[str, str | None]) -> bool:
    """Whether ``read`` is the record its link was last read from (``links``: Writer.link_hashes)."""
    return read.record_id is not None and read.raw_hash is not None and links.get(read.record_id) == read.raw_hash


def _validated_in(batch: _Batch, read: _Read) -> bool:
    """Whether the record of ``read`` (mapped) was sent to validation with its batch: it changed, or may have."""
    return read.record_id in batch.unsure or not _unchanged(read, batch.links)


def _fields(incoming: Incoming) -> dict[str, Any]:
    return {name: getattr(incoming, name) for name in incoming.__dataclass_fields__}
