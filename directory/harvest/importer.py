# SPDX-License-Identifier: Apache-2.0
"""``directory import FILE``: read, validate row by row, store what is valid.

Every record is kept as received (raw_record), whether it was stored or
quarantined; the valid ones are applied in one transaction, so a reader of
the directory sees the whole file or nothing of it. A point far from the
commune its other values agree on (a longitude in the Atlantic, another
town's point) is replaced by that commune's centre and flagged, as a harvest
without a geocoder does: the map never shows it where it is not.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from directory.schema import CommuneLookup, Problem, Severity, Venue, parse_venue
from directory.store import Incoming, RawRecord, SourceInfo, Store, Writer, utcnow

from ._collector import collector_tuned
from ._identity import FIRST, REPEAT, FileIds, earlier_payload, loads
from ._quarantine import quarantine_place, storable
from .geocode import NO_GEOCODER, CommuneGeocoder, GeocodeRequest
from .readers import ReadError, reader_for

__all__ = ["ImportReport", "RowProblem", "import_file", "source_for_file"]

_BATCH = 500
_COMMUNE_CENTRE = "commune"  # the store's geo_method of a point at its commune's centre, as a harvest writes it


@dataclass(frozen=True, slots=True)
class RowProblem:
    position: int  # record number, 1 = first
    record_id: str | None
    problem: Problem


@dataclass(slots=True)
class ImportReport:
    """What an import did, for people (CLI) and machines (JSON)."""

    path: str
    source_id: str
    run_id: int | None = None
    encoding: str | None = None
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    flagged: int = 0
    seconds: float = 0.0
    file_problems: list[str] = field(default_factory=list)
    file_notes: list[str] = field(default_factory=list)  # how the file was read (a title left out): no fault
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def ok(self) -> bool:
        return self.rejected == 0 and not self.file_problems

    def top_reasons(self, severity: Severity = Severity.ERROR, limit: int = 10) -> list[tuple[str, int]]:
        counts = Counter(
            f"{p.problem.field} : {p.problem.code}" for p in self.problems if p.problem.severity is severity
        )
        return counts.most_common(limit)

    def counts(self) -> dict[str, int]:
        return {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "flagged": self.flagged,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "source": self.source_id,
            "run": self.run_id,
            "encoding": self.encoding,
            "counts": self.counts(),
            "seconds": round(self.seconds, 3),
            "file_problems": self.file_problems,
            "file_notes": self.file_notes,
            "problems": [
                {"position": p.position, "record_id": p.record_id, **p.problem.as_dict()} for p in self.problems
            ],
        }


def source_for_file(path: Path) -> SourceInfo:
    """A file imported by hand is a source of its own, named after the file."""
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:60] or "fichier"
    return SourceInfo(id=f"fichier-{slug}", name=path.name, kind="file", url=path.resolve().as_uri())


def import_file(
    store: Store,
    path: Path,
    *,
    places: CommuneLookup | None = None,
    format: str | None = None,
    source: SourceInfo | None = None,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import one national-standard file (CSV, JSON or an Excel workbook; v1 or v0.1).

    :param progress: called with the number of records handled since the last call.
    :raises ReadError: the file cannot be read at all (message in French).
    """
    started = time.perf_counter()
    source = source or source_for_file(path)
    report = ImportReport(path=str(path), source_id=source.id)
    reader = reader_for(path, format)
    try:
        stream = path.open("rb")
    except OSError as err:
        raise ReadError(f"impossible de lire « {path} » : {err.strerror}") from err
    at = utcnow()
    report.run_id = store.start_run(source, at)
    status = "failed"
    try:
        with stream, collector_tuned(), store.writer() as writer:
            items = reader.read_stream(stream)
            batch = _Batch(writer, source.id, report, at, progress)
            ids = FileIds()  # a record read twice is stored once; another record with a known id is quarantined
            for item in items:
                report.read += 1
                problems = list(item.problems)
                record_id = _record_id(item.record)
                venue = None
                if item.record is not None:
                    if record_id is not None and (seen := ids.see(record_id, item.position, item.record)).kind != FIRST:
                        if seen.kind == REPEAT:
                            batch.repeated(item.position, record_id, item.payload, ids.repeat_problem(record_id, seen))
                            continue
                        problems.append(
                            ids.conflict_problem(
                                record_id, seen, item.record, lambda: batch.earlier(record_id, seen.first)
                            )
                        )
                    result = parse_venue(item.record, places=places, today=today or at.date())
                    problems.extend(result.problems)
                    venue = result.venue
                report.problems.extend(RowProblem(item.position, record_id, p) for p in problems)
                found = [p.as_dict() for p in problems]
                if venue is None or record_id is None or any(p.severity is Severity.ERROR for p in problems):
                    report.rejected += 1
                    place = quarantine_place(item.record, places)  # who answers for it, in the back office
                    batch.quarantine(
                        RawRecord(
                            item.position, record_id, item.payload, "quarantined", found, place, storable(item.record)
                        )
                    )
                else:
                    point = _far_point_replaced(venue, problems, places)
                    if point is not None:
                        moved = Problem("latitude", "placed_at_commune", NO_GEOCODER, Severity.WARNING)
                        report.problems.append(RowProblem(item.position, record_id, moved))
                        found.append(moved.as_dict())
                    report.flagged += bool(found)
                    geo = {"geo_method": _COMMUNE_CENTRE, "geo_point": point} if point is not None else {}
                    batch.add(item.position, item.payload, Incoming(record_id, venue, found, **geo))
            batch.flush()
        status = "complete"
    except ReadError as err:
        report.file_problems.append(str(err))
        raise
    finally:
        report.encoding = reader.encoding
        report.file_problems.extend(reader.file_problems)
        report.file_notes.extend(reader.file_notes)
        report.seconds = time.perf_counter() - started
        store.finish_run(report.run_id, status, report.counts(), "; ".join(report.file_problems) or None)
    return report


class _Batch:
    """Valid records wait here and are applied a few hundred at a time."""

    def __init__(
        self, writer: Writer, source_id: str, report: ImportReport, at: datetime, progress: Callable[[int], None] | None
    ) -> None:
        self.writer, self.source_id, self.report, self.at, self.progress = writer, source_id, report, at, progress
        self.incoming: list[tuple[int, str, Incoming]] = []
        self.raw: list[RawRecord] = []

    def quarantine(self, raw: RawRecord) -> None:
        self.raw.append(raw)
        self._maybe_flush()

    def repeated(self, position: int, record_id: str, payload: str, problem: Problem) -> None:
        """A record read again as it was: its raw row is kept (« skipped »), with the warning."""
        self.report.problems.append(RowProblem(position, record_id, problem))
        self.raw.append(RawRecord(position, record_id, payload, "skipped", [problem.as_dict()]))
        self._maybe_flush()

    def earlier(self, record_id: str, position: int) -> dict[str, Any] | None:
        """The record this import read at ``position``, read back from its raw row."""
        pending = [*((p, payload) for p, payload, _ in self.incoming), *((r.position, r.payload) for r in self.raw)]
        return loads(
            earlier_payload(self.writer.c, self.report.run_id or 0, self.source_id, record_id, position, pending)
        )

    def add(self, position: int, payload: str, incoming: Incoming) -> None:
        self.incoming.append((position, payload, incoming))
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        if len(self.incoming) + len(self.raw) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        outcomes = self.writer.apply_many(self.source_id, [i for _, _, i in self.incoming], at=self.at)
        for (position, payload, incoming), outcome in zip(self.incoming, outcomes):
            action = "updated" if outcome.action == "restored" else outcome.action
            setattr(self.report, action, getattr(self.report, action) + 1)
            status = "unchanged" if action == "unchanged" else "stored"
            self.raw.append(RawRecord(position, incoming.record_id, payload, status, list(incoming.flags)))
        self.raw.sort(key=lambda r: r.position)
        self.writer.add_raw_records(self.report.run_id, self.source_id, self.raw, self.at)
        if self.progress and self.raw:
            self.progress(len(self.raw))
        self.incoming, self.raw = [], []


def _far_point_replaced(
    venue: Venue, problems: list[Problem], places: CommuneLookup | None
) -> tuple[float, float] | None:
    """The centre of the venue's commune when validation found its point far from it (the
    producer's point is kept beside it by the store); None when the point stays."""
    if places is None or venue.point is None or not any(p.code == "coordinates_far_from_commune" for p in problems):
        return None
    request = GeocodeRequest("lieu", venue.adresse, venue.code_postal, venue.commune, venue.code_insee)
    answer = CommuneGeocoder(places).geocode([request]).get("lieu")  # type: ignore[arg-type]
    return None if answer is None else (answer.latitude, answer.longitude)


def _record_id(record: dict[str, Any] | None) -> str | None:
    if record is None:
        return None
    value = record.get("id")
    if value is None:
        return None
    text = str(value).strip()
    return text[:200] or None
