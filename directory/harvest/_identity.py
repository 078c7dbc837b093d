# SPDX-License-Identifier: Apache-2.0
"""Identity inside one file: the ids a harvest or an import has read so far, and what to do with one
read again.

A row pasted twice, a page of an API repeated, is the same record twice: it is stored once, and said
once (the repeat's raw row is kept, « skipped », with a warning). Two *different* records sharing an
id (a numbering restarted, two lists glued together) are two venues, or two versions of one that the
producer has to settle: the first keeps the id, the second goes to quarantine with both values of
what differs, so that a person sees the other venue instead of losing it. Without this, the second
overwrote the first (last write wins), and two identical rows in one batch crashed the run.

« The same » is judged on what the directory reads of a record: the national record the mapping gives
(the raw record for a file already in the standard), keys in any order. Memory: an id per record, with
its position and a 16-byte digest as one int; the first record of a conflict is read back, when needed,
from the raw rows the run has written (or is about to write), not held for every record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa

from directory.schema import Problem, Severity
from directory.store import raw_payload

__all__ = ["FIRST", "REPEAT", "CONFLICT", "FileIds", "Sighting", "earlier_payload", "loads"]

FIRST, REPEAT, CONFLICT = "first", "repeat", "conflict"
#: Differences a conflict names one by one; ids (and rows of each) a run's note names.
_SHOWN_FIELDS, _NAMED_IDS, _NAMED_ROWS = 3, 20, 5
#: First records of conflicts read back from the store in one run (a constant id column conflicts on
#: every row: its one first record is read once, the cache holds it).
_LOOKUPS = 200
_VALUE = 60  # characters of a value quoted in a message
#: A record's digest: 128 bits, below its position in ``FileIds``' int.
_DIGEST_BITS = 128
_DIGEST_MASK = (1 << _DIGEST_BITS) - 1


class Sighting(NamedTuple):
    kind: str  # FIRST, REPEAT or CONFLICT
    first: int  # position of the record that first gave this id


class FileIds:
    """The ids of one file (or run), in reading order."""

    def __init__(self) -> None:
        # id → its first record's position and digest as one int (``see``): ~90 bytes a record fewer than a
        # tuple of the two, for the whole run (9 MB at 100k records)
        self._first: dict[str, int] = {}
        self._repeats: dict[str, list[int]] = {}  # id → rows (the first _NAMED_ROWS + 1)
        self._repeat_counts: dict[str, int] = {}
        self._records: dict[str, Mapping[str, Any] | None] = {}  # first records read back for conflicts

    def see(
        self, record_id: str, position: int, record: Mapping[str, Any] | None, raw_hash: str | None = None
    ) -> Sighting:
        """Whether ``record`` is the first with its id, a repeat of the first, or another record.

        :param raw_hash: the run's raw hash of ``record`` (``run._raw_hash``), when it has one: its other
            parts are the same for every record of a run, so it tells records apart as ``record`` would,
            and saves digesting the record a second time (its first 128 bits are kept)."""
        digest = int.from_bytes(_digest(record)) if raw_hash is None else int(raw_hash[:32], 16)
        known = self._first.get(record_id)
        if known is None:
            self._first[record_id] = position << _DIGEST_BITS | digest
            return Sighting(FIRST, position)
        first = known >> _DIGEST_BITS
        if known & _DIGEST_MASK != digest:
            return Sighting(CONFLICT, first)
        rows = self._repeats.setdefault(record_id, [first])
        if len(rows) <= _NAMED_ROWS:
            rows.append(position)
        self._repeat_counts[record_id] = self._repeat_counts.get(record_id, 1) + 1
        return Sighting(REPEAT, first)

    def repeat_problem(self, record_id: str, sighting: Sighting) -> Problem:
        """The warning a repeat's raw row keeps."""
        return Problem("id", "repeated_row", record_id, Severity.WARNING, (("first", sighting.first),))

    def conflict_problem(
        self,
        record_id: str,
        sighting: Sighting,
        record: Mapping[str, Any] | None,
        first_record: Callable[[], Mapping[str, Any] | None],
    ) -> Problem:
        """The error that quarantines a second record with a known id, naming what differs from the first.

        :param first_record: reads the first record back (called once per id, at most :data:`_LOOKUPS`
            times a run; its answer may be None when it cannot be found)."""
        if record_id not in self._records and len(self._records) < _LOOKUPS:
            self._records[record_id] = first_record()
        first = self._records.get(record_id)
        differences = _differences(first, record, sighting.first) if first is not None else None
        return Problem(
            "id",
            "duplicate_id",
            record_id,
            Severity.ERROR,
            (("first", sighting.first), ("differences", differences or "des valeurs différentes")),
        )

    def note(self) -> str | None:
        """One French sentence for a run's report naming the repeated ids and their rows, or None."""
        if not self._repeats:
            return None
        named = [
            f"« {record_id} » ({_rows(rows, self._repeat_counts[record_id])})"
            for record_id, rows in list(self._repeats.items())[:_NAMED_IDS]
        ]
        more = len(self._repeats) - _NAMED_IDS
        tail = f" ; et {more} autre{'s' if more > 1 else ''} identifiant{'s' if more > 1 else ''}" if more > 0 else ""
        many = len(self._repeats) > 1
        return (
            f"ligne{'s' if many else ''} répétée{'s' if many else ''} à l'identique, gardée{'s' if many else ''} "
            f"une fois : l'identifiant {', '.join(named)}{tail}"
        )


def earlier_payload(
    connection: sa.Connection,
    run_id: int,
    source_id: str,
    record_id: str,
    position: int,
    pending: Iterable[tuple[int, str]],
) -> str | None:
    """The raw text of the record read at ``position`` by this run: among the rows not yet written
    (``pending``: position, payload), else among those the run wrote through ``connection``."""
    for at, payload in pending:
        if at == position:
            return payload
    return raw_payload(connection, run_id, source_id, record_id, position)


def loads(payload: str | None) -> dict[str, Any] | None:
    """A raw payload back as the record it was (None when it is not an object)."""
    if payload is None:
        return None
    try:
        record = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    return record if isinstance(record, dict) else None


def _digest(record: Mapping[str, Any] | None) -> bytes:
    try:
        text = orjson.dumps(record, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str)
    except (orjson.JSONEncodeError, TypeError):  # lone surrogates, integers beyond 64 bits
        text = json.dumps(record, sort_keys=True, default=str).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=16).digest()


def _differences(first: Mapping[str, Any], record: Mapping[str, Any] | None, row: int) -> str | None:
    """« nom « A » ligne 2, « B » ici ; … (et 2 autres champs) »: the fields the two records disagree on."""
    record = record or {}
    fields = [name for name in dict.fromkeys([*record, *first]) if _shown(record.get(name)) != _shown(first.get(name))]
    if not fields:
        return None
    said = " ; ".join(
        f"{name} « {_shown(first.get(name))} » ligne {row}, « {_shown(record.get(name))} » ici"
        for name in fields[:_SHOWN_FIELDS]
    )
    more = len(fields) - _SHOWN_FIELDS
    return said + (f" (et {more} autre{'s' if more > 1 else ''} champ{'s' if more > 1 else ''})" if more > 0 else "")


def _shown(value: Any) -> str:
    if value is None:
        return ""
    text = " | ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    text = " ".join(text.split())
    return text if len(text) <= _VALUE else text[: _VALUE - 1] + "…"


def _rows(rows: list[int], count: int) -> str:
    shown = rows[:_NAMED_ROWS]
    more = count - len(shown)
    if more > 0:
        return f"lignes {', '.join(map(str, shown))} et {more} autre{'s' if more > 1 else ''}"
    return f"lignes {', '.join(map(str, shown[:-1]))} et {shown[-1]}"
