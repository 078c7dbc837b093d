# SPDX-License-Identifier: Apache-2.0
""" "Open now" and "open on a given day", evaluated on candidates only.

Opening hours are free OSM ``opening_hours`` expressions: no index can filter
on them, so a query applies every other filter first and evaluates hours on
what is left. Parsed expressions are cached across queries; within one query
the answer is memoised per expression (many venues share theirs).
A venue without hours, with unparsable ones or "unknown" at that time is not
counted as open.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

from directory.schema import HoursError, OpeningHours

from .base import SearchQuery

__all__ = ["HoursCheck"]


@lru_cache(maxsize=8192)
def _parsed(text: str) -> OpeningHours | None:
    try:
        return OpeningHours(text)
    except HoursError:
        return None


class HoursCheck:
    """Tells whether an opening-hours text satisfies the query's hours filter."""

    def __init__(self, q: SearchQuery) -> None:
        self.at = q.open_at
        self.day_start: datetime | None = None
        if q.open_day is not None:
            today = q.today or date.today()
            day = today + timedelta(days=(q.open_day - today.weekday()) % 7)
            self.day_start = datetime(day.year, day.month, day.day)
        self._memo: dict[str, bool] = {}

    def __call__(self, text: str | None) -> bool:
        if not text:
            return False
        known = self._memo.get(text)
        if known is None:
            known = self._memo[text] = self._evaluate(text)
        return known

    def _evaluate(self, text: str) -> bool:
        hours = _parsed(text)
        if hours is None:
            return False
        if self.at is not None:
            return hours.state(self.at).is_open
        assert self.day_start is not None
        return bool(hours.intervals(self.day_start, self.day_start + timedelta(days=1)))
