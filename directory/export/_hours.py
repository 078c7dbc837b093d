# SPDX-License-Identifier: Apache-2.0
"""The regular week of an OSM ``opening_hours`` value, when it has a simple one.

schema.org's ``openingHoursSpecification`` says "on this day, from this time
to that time" (standards.md §4.3). Only a subset of OSM opening_hours reads
that way: weekday selectors (``Mo-Fr``, ``Tu,Th``, ``Sa-Mo``), time spans
(``09:00-12:00,14:00-18:30``), ``off``/``closed``, ``24/7``, rules joined by
``;`` (a later rule replaces the days it names) or by ``,`` after a time (it
adds to them).

Public- and school-holiday rules (``PH off``, ``SH 10:00-12:00``) are left
out: they say nothing of the regular week. Anything else (``week 1-53/2``,
months, dates, ``Mo[1]``, comments, ``sunset``, open ends ``+``, ``||``,
spans past midnight) makes the whole value inexpressible, and ``None`` is
returned: since later rules override earlier ones, dropping just one rule
could announce a venue open on a day it is closed.
"""

from __future__ import annotations

import re

__all__ = ["DAYS", "weekly_ranges"]

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
                selector = _days(words[0]) if words else None
                if selector is None:
                    selector = list(DAYS)  # a rule without days applies to all
                else:
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
