# SPDX-License-Identifier: Apache-2.0
"""The regular week of an OSM ``opening_hours`` value: read it when it has a simple one, write one.

schema.org's ``openingHoursSpecification`` and the back office's weekly editor say "on this day,
from this time to that time" (standards.md §4.3). Only a subset of OSM opening_hours reads that way:
weekday selectors (``Mo-Fr``, ``Tu,Th``, ``Sa-Mo``), time spans (``09:00-12:00,14:00-18:30``),
``off``/``closed``, ``24/7``, rules joined by ``;`` (a later rule replaces the days it names) or by
``,`` after a time (it adds to them).

Public- and school-holiday rules (``PH off``, ``SH 10:00-12:00``) are left out: they say nothing of
the regular week. Anything else (``week 1-53/2``, months, dates, ``Mo[1]``, comments, ``sunset``,
open ends ``+``, ``||``, spans past midnight) makes the whole value inexpressible, and ``None`` is
returned: since later rules override earlier ones, dropping just one rule could announce a venue
open on a day it is closed.

Written back, days with the same hours are grouped: ``Mo-Fr 08:30-12:00,13:30-17:00; Sa 09:00-12:00``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["DAYS", "day_selector", "editable_week", "hhmm", "merged_ranges", "read_week", "weekly_ranges", "write_week"]

DAYS: tuple[str, ...] = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")

_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_DAYSEL = re.compile(rf"^{_DAY}(?:-{_DAY})?(?:,{_DAY}(?:-{_DAY})?)*$")
_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_HOLIDAY = re.compile(r"^(?:PH|SH)(?:[\s,].*)?$")
# `,` followed by a new selector, after a time or a modifier: an additional rule.
_ADDITIONAL = re.compile(r"(?<=\d\d:\d\d|.\soff|losed),\s*(?=[A-Z])")


def _days(selector: str) -> list[str] | None:
    if not _DAYSEL.match(selector):
        return None
    found: list[str] = []
    for part in selector.split(","):
        first, _, last = part.partition("-")
        start, end = DAYS.index(first), DAYS.index(last or first)
        span = range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)]
        found += [DAYS[i] for i in span if DAYS[i] not in found]
    return found


def _spans(text: str) -> list[tuple[str, str]] | None:
    spans = []
    for part in text.split(","):
        match = _SPAN.match(part.strip())
        if match is None:
            return None
        h1, m1, h2, m2 = map(int, match.groups())
        if not (h1 < 24 and m1 < 60 and m2 < 60 and (h2 < 24 or (h2 == 24 and m2 == 0))):
            return None
        if (h2, m2) <= (h1, m1):  # past midnight: not a one-day range
            return None
        closes = "23:59:59" if h2 == 24 else f"{h2:02d}:{m2:02d}:00"
        spans.append((f"{h1:02d}:{m1:02d}:00", closes))
    return spans


def weekly_ranges(text: str | None) -> list[tuple[str, str, str]] | None:
    """``[(day, opens, closes), …]`` (days ``Mo``…``Su``, times ``HH:MM:SS``),
    sorted by day then time; ``None`` when the value has no simple weekly form."""
    if not text or not text.strip():
        return None
    week: dict[str, list[tuple[str, str]]] = {day: [] for day in DAYS}
    for rule_group in text.split(";"):
        for index, rule in enumerate(_ADDITIONAL.split(rule_group.strip())):
            rule = rule.strip()
            if not rule:
                continue
            if _HOLIDAY.match(rule):
                continue
            if rule == "24/7":
                selector, spans = list(DAYS), [("00:00:00", "23:59:59")]
            else:
                words = rule.split()
                named = _days(words[0]) if words else None
                if named is None:
                    selector = list(DAYS)  # a rule without days applies to all
                else:
                    selector = named
                    words = words[1:]
                if words in (["off"], ["closed"]):
                    spans = []
                elif len(words) == 1 and (parsed := _spans(words[0])) is not None:
                    spans = parsed
                else:
                    return None
            for day in selector:
                if index == 0:  # normal rule: replaces what earlier rules said of the day
                    week[day] = list(spans)
                elif spans:
                    week[day] += spans
                else:
                    week[day] = []
    return [(day, opens, closes) for day in DAYS for opens, closes in sorted(set(week[day]))]


def read_week(text: str | None) -> dict[str, list[tuple[int, int]]] | None:
    """Day → its open ranges in minutes since midnight (every day present, closed ones empty);
    ``None`` when the value has no simple weekly form, or is empty."""
    ranges = weekly_ranges(text)
    if ranges is None:
        return None
    week: dict[str, list[tuple[int, int]]] = {day: [] for day in DAYS}
    for day, opens, closes in ranges:
        end = 24 * 60 if closes == "23:59:59" else _minutes(closes)
        week[day].append((_minutes(opens), end))
    return week


def editable_week(text: str | None) -> dict[str, list[tuple[int, int]]] | None:
    """``read_week``, but only when writing the week back loses nothing: holiday rules (``PH off``)
    are part of the value even if not of the week, so a value holding them is not offered for editing
    day by day. An empty value is an empty week."""
    if not text or not text.strip():
        return {day: [] for day in DAYS}
    if _HOLIDAY_ANYWHERE.search(text):
        return None
    return read_week(text)


_HOLIDAY_ANYWHERE = re.compile(r"\b(?:PH|SH)\b")


def _minutes(hh_mm_ss: str) -> int:
    hours, minutes = hh_mm_ss.split(":")[:2]
    return int(hours) * 60 + int(minutes)


def write_week(week: Mapping[str, Sequence[tuple[int, int]]]) -> str | None:
    """``Mo-Fr 08:30-12:00,13:30-17:00; Sa 09:00-12:00`` from day → ranges in minutes; None when
    the venue is never open."""
    groups: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for index, day in enumerate(DAYS):
        ranges = tuple(merged_ranges(week.get(day) or ()))
        if ranges:
            groups.setdefault(ranges, []).append(index)
    rules = [
        f"{day_selector(indexes)} {','.join(f'{hhmm(a)}-{hhmm(b)}' for a, b in ranges)}"
        for ranges, indexes in sorted(groups.items(), key=lambda item: item[1][0])
    ]
    return "; ".join(rules) or None


def merged_ranges(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, with touching or overlapping ranges joined (08:00-12:00,12:00-17:00)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and end > start and out[-1][1] >= start and out[-1][1] > out[-1][0]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def day_selector(indexes: list[int]) -> str:
    """``Mo-Fr``, ``Mo,We``, ``Mo-We,Sa``: runs of three days or more as a range."""
    runs: list[list[int]] = []
    for index in indexes:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAYS[run[0]]}-{DAYS[run[-1]]}")
        else:
            parts.extend(DAYS[i] for i in run)
    return ",".join(parts)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
