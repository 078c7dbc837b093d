# SPDX-License-Identifier: Apache-2.0
"""``parse_venue`` gives, for a few hundred real and tricky records, exactly what it gave when
``golden/parse_venue.json.gz`` was written: the venue (every field, with its type) and every problem
(field, code, value, severity, params), in order, with the gazetteer and without.

The records are real ones (the fixtures' sources as the harvest maps them, the bench's synthetic
file) and variants of them that exercise the paths validation takes shortcuts on: CEDEX and padded
postcodes, codes copied from the postcode, Corsica's 2A/2B swapped, communes déléguées and
arrondissements, postcodes shared by many communes, points far away, swapped or with a lost
minus sign, phone numbers in every form and region, hostile text (invisible and control
characters, decomposed accents, markup, formulas). Speeding validation up must leave every
answer as it was; a change meant to alter answers rewrites the file, once reviewed:

    .venv/bin/python -m tests.schema.test_validation_golden --write
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import sys
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

from directory.places import load_gazetteer
from directory.schema import ParseResult, parse_venue

GOLDEN = Path(__file__).parent / "golden" / "parse_venue.json.gz"  # 1.8 MB of JSON
TODAY = date(2026, 1, 1)


def plain(value: Any) -> Any:
    """``value`` as JSON that tells apart what a result may hold: a dataclass as its fields that
    differ from their defaults, anything not native to JSON (dates, vocabulary members, tuples)
    by its ``repr``."""
    if isinstance(value, (Enum, tuple)):
        return {"repr": repr(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if not _default(value, f)}
    return {"repr": repr(value)}


def _default(instance: Any, field: dataclasses.Field[Any]) -> bool:
    value = getattr(instance, field.name)
    if field.default is not dataclasses.MISSING:
        default = field.default
    elif field.default_factory is not dataclasses.MISSING:
        default = field.default_factory()
    else:
        return False
    return type(value) is type(default) and value == default


def outcome(result: ParseResult) -> dict[str, Any]:
    return {
        "venue": None if result.venue is None else plain(result.venue),
        "problems": [
            [p.field, p.code, plain(p.value), p.severity.value, {k: plain(v) for k, v in p.params}]
            for p in result.problems
        ],
    }


def outcomes(record: dict[str, Any]) -> dict[str, Any]:
    # parse_venue may rewrite nothing of its record, but each call gets its own copy all the same
    return {
        "gazetteer": outcome(parse_venue(json.loads(json.dumps(record)), places=load_gazetteer(), today=TODAY)),
        "alone": outcome(parse_venue(json.loads(json.dumps(record)), today=TODAY)),
    }


def _cases() -> list[dict[str, Any]]:
    return json.loads(gzip.decompress(GOLDEN.read_bytes()))["cases"]


def test_every_record_is_read_as_the_golden_file_says():
    cases = _cases()
    assert len(cases) > 500
    wrong = [(i, case) for i, case in enumerate(cases) if outcomes(case["record"]) != case["expected"]]
    if wrong:
        i, case = wrong[0]
        got = outcomes(case["record"])
        pytest.fail(
            f"{len(wrong)} of {len(cases)} records read differently; the first, case {i}:\n"
            f"record   {json.dumps(case['record'], ensure_ascii=False)}\n"
            f"expected {json.dumps(case['expected'], ensure_ascii=False)}\n"
            f"got      {json.dumps(got, ensure_ascii=False)}"
        )


def _write(records: list[dict[str, Any]]) -> None:
    cases = [{"record": r, "expected": outcomes(r)} for r in records]
    text = json.dumps({"today": TODAY.isoformat(), "cases": cases}, ensure_ascii=False)
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_bytes(gzip.compress(text.replace('{"record"', '\n{"record"').encode() + b"\n", mtime=0))


if __name__ == "__main__":
    # --write: the golden file's records read again by the code as it is; --write FILE.json: other records
    if sys.argv[1:2] != ["--write"]:
        sys.exit(__doc__)
    source = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    _write(json.loads(source.read_text(encoding="utf-8")) if source else [c["record"] for c in _cases()])
