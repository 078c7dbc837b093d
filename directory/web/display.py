# SPDX-License-Identifier: Apache-2.0
"""French text for people: distances, times, dates, opening state, phones.

Numbers and units are joined by a no-break space (French typography), so
"850 m" never wraps between the number and its unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers

from directory.schema import HoursError, OpeningHours

__all__ = [
    "PARIS",
    "OpenLabel",
    "format_date",
    "format_distance",
    "format_time",
    "local_now",
    "open_label",
    "phone_display",
    "week_hours",
]

PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def local_now() -> datetime:
    """Wall-clock time in metropolitan France, naive (what hours are written in)."""
    return datetime.now(PARIS).replace(tzinfo=None)


def format_distance(metres: float) -> str:
    """``"à 850 m"``, ``"à 2,4 km"``, ``"à 12 km"``."""
    rounded_m = max(10, round(metres / 10.0) * 10)
    if rounded_m < 1000:
        return f"à {rounded_m}{NBSP}m"
    km = metres / 1000.0
    if round(km, 1) < 10:
        text = f"{km:.1f}".removesuffix(".0").replace(".", ",")
        return f"à {text}{NBSP}km"
    return f"à {round(km):d}{NBSP}km"


def format_time(at: datetime) -> str:
    """``"9 h 30"``, ``"18 h"``."""
    return f"{at.hour}{NBSP}h" + (f"{NBSP}{at.minute:02d}" if at.minute else "")


def format_date(day: date) -> str:
    """``"16 juin 2022"`` (``"1er"`` for the first of the month; no break after the day)."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first}{NBSP}{MONTHS[day.month - 1]} {day.year}"


def _when(at: datetime, now: datetime) -> str:
    """A day relative to now: "" (today), "demain", "lundi", "le 3 mars"."""
    days = (at.date() - now.date()).days
    if days == 0:
        return ""
    if days == 1:
        return "demain"
    if days < 7:
        return WEEKDAYS[at.weekday()]
    first = "1er" if at.day == 1 else str(at.day)
    return f"le {first} {MONTHS[at.month - 1]}"


@dataclass(frozen=True, slots=True)
class OpenLabel:
    is_open: bool
    text: str


def open_label(horaires: str | None, now: datetime) -> OpenLabel | None:
    """ "Ouvert jusqu'à 18 h", "Fermé · ouvre lundi à 9 h 30"; None when unknown."""
    if not horaires:
        return None
    return _open_label(horaires, now.replace(second=0, microsecond=0))


@lru_cache(maxsize=4096)
def _open_label(horaires: str, now: datetime) -> OpenLabel | None:
    """Kept for the minute: hours change state on a minute, so every request of that minute gets the
    same label (venues share hours, and searches share venues: 20 labels a page cost ~0.5 ms)."""
    try:
        state = OpeningHours(horaires).state(now)
    except (HoursError, ValueError):
        return None
    if state.unknown:
        return None
    if state.is_open:
        if state.until is None:
            return OpenLabel(True, "Ouvert")
        day = _when(state.until, now)
        return OpenLabel(True, f"Ouvert jusqu'à {day + ' ' if day else ''}{format_time(state.until)}")
    if state.until is None:
        return OpenLabel(False, "Fermé")
    day = _when(state.until, now)
    return OpenLabel(False, f"Fermé · ouvre {day + ' ' if day else ''}à {format_time(state.until)}")


def week_hours(horaires: str | None, today: date) -> list[tuple[str, str]] | None:
    """The next seven days as ("Lundi 3 mars", "9 h – 12 h, 14 h – 18 h" or "fermé")."""
    if not horaires:
        return None
    try:
        hours = OpeningHours(horaires)
        start = datetime.combine(today, datetime.min.time())
        days: list[tuple[str, str]] = []
        for offset in range(7):
            day_start = start + timedelta(days=offset)
            day_end = day_start + timedelta(days=1)
            spans = [(a, b) for a, b in hours.intervals(day_start, day_end) if b > a]
            text = ", ".join(f"{format_time(a)} – {_end_time(b, day_end)}" for a, b in spans)
            if spans == [(day_start, day_end)]:
                text = "ouvert toute la journée"
            first = "1er" if day_start.day == 1 else str(day_start.day)
            label = f"{WEEKDAYS[day_start.weekday()].capitalize()} {first} {MONTHS[day_start.month - 1]}"
            days.append((label, text or "fermé"))
    except (HoursError, ValueError):
        return None
    return days


def _end_time(at: datetime, day_end: datetime) -> str:
    return "minuit" if at >= day_end else format_time(at)


def phone_display(number: str | None) -> str | None:
    """A phone number as people write it in its country ("04 78 62 67 49")."""
    if not number:
        return None
    try:
        parsed = phonenumbers.parse(number, "FR")
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
