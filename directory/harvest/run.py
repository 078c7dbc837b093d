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
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import orjson

from directory.errors import SourceUnavailable
from directory.schema import (
    CUT_SHORT,
    CommuneLookup,
    fold_key,
)
from directory.store import RawRecord, SourceState, Store, utcnow

from ._batches import Read, Run, RunBatch, first_mapped, validate
from ._collector import collector_tuned
from ._identity import FIRST, REPEAT, FileIds
from ._parallel import InProcesses
from .encoding import decode, encoding_note
from .fetch import Fetcher, FetchResult
from .geocode import Geocoder
from .offer_rows import group_offer_rows
from .readers import READERS, ReadItem
from .readers.base import ReadError
from .report import HarvestReport
from .sources import SourceConfig
from .withdrawals import withdraw_or_hold

__all__ = ["HarvestReport", "Geocoder", "harvest_source"]

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
    run = Run(
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


def _harvest(run: Run, fetcher: Fetcher, now: datetime | None) -> HarvestReport:
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
    run: Run, state: SourceState, pages: list[FetchResult], report: HarvestReport, at: datetime, recompute: bool
) -> None:
    """Read, keep and apply every record; ``recompute``: the source file changed (its trust…), so
    every venue it feeds is merged again, even from records read as last time."""
    source = run.source
    unstored: set[str] = (
        set()
    )  # ids of the records read but not stored (skipped, quarantined): the others get last_seen
    ids = FileIds()  # a record read twice is stored once; another record with a known id is quarantined
    validators = InProcesses(validate, (run.places, at.date()), run.processes)
    with (
        validators,
        run.store.writer() as writer,
        RunBatch(run, report, at, unstored, validators, writer) as batch,
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
            raw_hash = _raw_hash(mapped, lineage, run.geocoder) if mapped is not None else None
            if record_id is not None and (seen := ids.see(record_id, item.position, mapped, raw_hash)).kind != FIRST:
                if seen.kind == REPEAT:
                    repeat = ids.repeat_problem(record_id, seen)
                    batch.held.note_problems(item.position, record_id, [repeat])
                    batch.reading.raw.append(
                        RawRecord(item.position, record_id, item.payload, "skipped", [repeat.as_dict()])
                    )
                    continue
                problems.append(
                    ids.conflict_problem(record_id, seen, mapped, partial(first_mapped, batch, record_id, seen.first))
                )
            batch.reading.read.append(Read(item, record_id, mapped, problems, lineage, raw_hash))
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
