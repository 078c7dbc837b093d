# SPDX-License-Identifier: Apache-2.0
"""Comparing what a source file's ``[[samples]]`` expect with what the mapping
and ``parse_venue`` actually give, field by field, in French."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from directory.schema import LIST_VOCABULARIES, TEXT_LIST_FIELDS, ParseResult, Problem, Severity

__all__ = ["SampleFailure", "compare_sample"]


@dataclass(frozen=True, slots=True)
class SampleFailure:
    """One sample that does not give what it expects."""

    source_id: str
    sample: int  # 1 = first [[samples]]
    field: str  # "*" when the record as a whole is rejected
    expected: Any
    got: Any
    message: str  # French

    def __str__(self) -> str:
        return f"{self.source_id}, exemple n° {self.sample} : {self.message}"


def compare_sample(
    source_id: str, number: int, expected: dict[str, Any], result: ParseResult, mapping_problems: list[Problem]
) -> list[SampleFailure]:
    if result.venue is None:
        reasons = "; ".join(str(p) for p in result.problems if p.severity is Severity.ERROR)
        return [SampleFailure(source_id, number, "*", expected, None, f"le lieu est rejeté ({reasons})")]
    failures = []
    for name, wanted in expected.items():
        got = getattr(result.venue, name)
        want_norm, got_norm = _normal(name, wanted), _normal(name, got)
        if want_norm == got_norm:
            continue
        message = f"champ « {name} » : attendu « {_show(wanted)} », obtenu « {_show(_national(name, got))} »"
        notes = [p.message for p in mapping_problems if p.field == name]
        notes += [p.message for p in result.problems if p.field == name]
        if notes:
            message += f" ({' ; '.join(notes)})"
        failures.append(SampleFailure(source_id, number, name, wanted, _national(name, got), message))
    return failures


def _items(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [part for part in str(value).split("|") if part.strip()]


def _normal(name: str, value: Any) -> Any:
    if name in LIST_VOCABULARIES:
        vocabulary = LIST_VOCABULARIES[name][0]
        codes = set()
        for item in _items(value):
            term = vocabulary.parse(str(item))
            codes.add(term.code if term is not None else f"?{item}")
        return codes
    if name in TEXT_LIST_FIELDS:
        return [str(v).strip() for v in _items(value)]
    if name in ("latitude", "longitude"):
        return None if value in (None, "") else round(float(value), 6)
    if isinstance(value, date):
        return value.isoformat()
    return None if value in (None, "") else str(value)


def _national(name: str, value: Any) -> Any:
    if name in LIST_VOCABULARIES:
        return "|".join(term.national for term in value)
    if name in TEXT_LIST_FIELDS:
        return "|".join(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "|".join(str(v) for v in value)
    return "" if value is None else str(value)
