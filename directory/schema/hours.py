# SPDX-License-Identifier: Apache-2.0
"""Opening hours in OSM ``opening_hours`` syntax, evaluated by opening-hours-py.

Times are local wall-clock times of the venue (naive datetimes); French public
holidays (``PH``) come from the parser's calendar for country ``FR``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import opening_hours

from .week import read_week

__all__ = ["EVENING_FROM", "OpeningHours", "HoursError", "OpenState", "TRAIT_WEEKS"]

# A change further away than this counts as "never" (keeps evaluation cheap).
_HORIZON_DAYS = 366
#: « En soirée »: open at some time after this, on some day.
EVENING_FROM = time(18, 0)
#: Weeks looked at to say a venue opens at the weekend or in the evening: two, so that one
#: public holiday (``PH off``) on a Saturday does not hide a venue that opens every other one.
TRAIT_WEEKS = 2


class HoursError(ValueError):
    """The text is not valid OSM opening_hours syntax."""


@dataclass(frozen=True, slots=True)
class OpenState:
    """Whether a venue is open at a given time, and when that changes."""

    is_open: bool
    unknown: bool
    until: datetime | None  # next change: closing time if open, opening time if closed
    comment: str


class OpeningHours:
    """A parsed, validated opening-hours expression."""

    __slots__ = ("_parsed", "text")

    def __init__(self, text: str) -> None:
        self.text = text.strip()
        self._parsed = _parse(self.text)

    @staticmethod
    def check(text: str) -> str | None:
        """None when ``text`` parses, else the parser's reason (one line)."""
        return _reason(text.strip())

    def state(self, at: datetime) -> OpenState:
        """Open or closed at ``at``, and until when / from when."""
        state, comment = self._parsed.state(at)
        until = self._parsed.next_change(at)
        if until is not None and until - at > timedelta(days=_HORIZON_DAYS - 1):
            until = None
        return OpenState(
            is_open=state == opening_hours.State.OPEN,
            unknown=state == opening_hours.State.UNKNOWN,
            until=until,
            comment=comment or "",
        )

    def next_opening(self, at: datetime) -> datetime | None:
        """The next time the venue opens at or after ``at`` (``at`` if open)."""
        for start, _end, state, _comment in self._parsed.intervals(at, at + timedelta(days=_HORIZON_DAYS)):
            if state == opening_hours.State.OPEN:
                return max(start, at)
        return None

    def intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The open intervals between ``start`` and ``end``."""
        return [
            (a, b) for a, b, state, _comment in self._parsed.intervals(start, end) if state == opening_hours.State.OPEN
        ]

    def opens_at_weekend(self, start: date) -> bool:
        """Open some time on a Saturday or Sunday: of the regular week when the hours have one
        (``week.read_week``, holidays aside), else of the ``TRAIT_WEEKS`` weeks from ``start``."""
        week = read_week(self.text)
        if week is not None:
            return bool(week["Sa"] or week["Su"])
        return any(day.weekday() >= 5 for a, b in self._trait_intervals(start) for day in _days(a, b))

    def opens_in_evening(self, start: date) -> bool:
        """Open some time after ``EVENING_FROM`` (and before midnight) on some day, read as
        ``opens_at_weekend`` reads days: a venue closing at 18:00 sharp does not."""
        week = read_week(self.text)
        if week is not None:
            evening = EVENING_FROM.hour * 60 + EVENING_FROM.minute
            return any(end > evening for ranges in week.values() for _start, end in ranges)
        return any(
            b > datetime.combine(day, EVENING_FROM) for a, b in self._trait_intervals(start) for day in _days(a, b)
        )

    def _trait_intervals(self, start: date) -> list[tuple[datetime, datetime]]:
        begin = _midnight(start)
        return self.intervals(begin, begin + timedelta(weeks=TRAIT_WEEKS))

    def __repr__(self) -> str:
        return f"OpeningHours({self.text!r})"


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def _days(start: datetime, end: datetime) -> Iterator[date]:
    """The days the interval from ``start`` to ``end`` (excluded) has a moment in."""
    day = start.date()
    while _midnight(day) < end:
        yield day
        day += timedelta(days=1)


@lru_cache(maxsize=4096)  # files repeat their hours, free text too, and a harvest checks them twice
def _reason(text: str) -> str | None:
    try:
        _parse(text)
    except HoursError as err:  # _parse's cache keeps no failure
        return str(err)
    return None


@lru_cache(maxsize=4096)
def _parse(text: str) -> opening_hours.OpeningHours:
    if not text:
        raise HoursError("expression vide")
    try:
        return opening_hours.OpeningHours(text, country="FR", max_interval_days=_HORIZON_DAYS)
    # ParserError is raised by opening-hours-py 2.1.4 but missing from the stub it ships.
    except (opening_hours.ParserError, SyntaxError, ValueError) as err:  # type: ignore[attr-defined]
        # The parser's message is an English caret diagram; keep where it stopped.
        where = re.search(r"--> \d+:(\d+)", str(err))
        if where is None:
            raise HoursError("syntaxe non reconnue") from err
        column = int(where.group(1))
        raise HoursError(
            f"syntaxe non reconnue à partir de « {text[column - 1 : column + 11]} » (caractère {column})"
        ) from err
