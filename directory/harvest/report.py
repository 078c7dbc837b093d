# SPDX-License-Identifier: Apache-2.0
"""What a run did, for people (the CLI, the back office) and machines (JSON): counts, notes in
French, and the problems of its records, one by one up to a bound and all of them by reason."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from directory.schema import Problem, Severity

__all__ = ["HarvestReport", "RowProblem", "KEPT_PROBLEMS"]


@dataclass(frozen=True, slots=True)
class RowProblem:
    position: int  # record number, 1 = first
    record_id: str | None
    problem: Problem


#: Problems a run's report keeps one by one: every problem is counted by reason, and stays with its
#: record's raw row in the store, so a file full of warnings does not grow a run's memory with each.
KEPT_PROBLEMS = 10_000


_RECORD_COUNTS = (
    "fetched",
    "new",
    "updated",
    "unchanged",
    "quarantined",
    "geocoded",
    "placed_at_commune",
    "merged",
    "to_review",
    "withdrawn",
    "skipped",
)


@dataclass(slots=True)
class HarvestReport:
    """What a run did: counts, duration, errors, and what a producer should fix."""

    source_id: str
    run_id: int
    status: str = "running"  # complete | unchanged | partial | failed
    fetched: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    geocoded: int = 0  # placed by the geocoder
    placed_at_commune: int = 0  # placed at their commune's point: no geocoder, or no acceptable answer
    merged: int = 0
    to_review: int = 0
    withdrawn: int = 0
    skipped: int = 0  # records already harvested from their origin, or published by this instance
    requests: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # French sentences for people
    #: The first :data:`KEPT_PROBLEMS` problems, in reading order (every one is counted by reason).
    problems: list[RowProblem] = field(default_factory=list)
    rejected_reasons: Counter[str] = field(default_factory=Counter)
    warning_reasons: Counter[str] = field(default_factory=Counter)
    _rejected: list[RowProblem] = field(default_factory=list)  # the first 500 errors

    def note_problems(self, position: int, record_id: str | None, problems: Iterable[Problem]) -> None:
        for problem in problems:
            row = RowProblem(position, record_id, problem)
            if problem.severity is Severity.ERROR:
                self.rejected_reasons[f"{problem.field} : {problem.message}"] += 1
                if len(self._rejected) < 500:
                    self._rejected.append(row)
            else:
                self.warning_reasons[f"{problem.field} : {problem.code}"] += 1
            if len(self.problems) < KEPT_PROBLEMS:
                self.problems.append(row)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON values (what ``--json`` prints): the problems kept one by one included."""
        return {
            "source": self.source_id,
            "run": self.run_id,
            "status": self.status,
            "counts": self.counts(),
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
            "problems": [
                {"position": p.position, "record_id": p.record_id, **p.problem.as_dict()} for p in self.problems
            ],
        }

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in (*_RECORD_COUNTS, "requests")}

    def rolled_back(self) -> None:
        """The run failed and its transaction was rolled back: what it had counted did not happen."""
        for name in _RECORD_COUNTS:
            setattr(self, name, 0)
        self.problems, self._rejected = [], []
        self.rejected_reasons, self.warning_reasons = Counter(), Counter()

    def quality(self) -> dict[str, Any]:
        """The report a producer can be sent: what was rejected or doubtful, and why."""
        return {
            "rejected_reasons": self.rejected_reasons.most_common(20),
            "warning_reasons": self.warning_reasons.most_common(20),
            "rejected": [
                {"position": p.position, "record_id": p.record_id, **p.problem.as_dict()} for p in self._rejected
            ],
        }
