# SPDX-License-Identifier: Apache-2.0
"""Weekly timetables as producers write them → OSM ``opening_hours``.

Two shapes are met in real sources:

- one cell per day (or per half-day): ``"08h30-12h00"``, ``"8:30 - 12:00"``,
  ``"07:30-11:30, 12:15-16:00"``, ``"9: à 18:"``, ``"fermé"`` or empty
  (Grand Lyon, Nouvelle-Calédonie);
- a JSON week, ``{"monday": {"open": true, "time": [{"opening": "9:00",
  "closing": "12:00"}]}, …}`` (Rés'IN).

Days with the same hours are grouped (``Mo-Fr 08:30-12:00,13:30-17:00``).
Text that is not a time range is never thrown away: it becomes an OSM comment
on its day (``Sa 08:00-11:30 "les premiers samedis de chaque mois"``), and a
cell with no readable range at all becomes an *unknown* day with its text
(``Su unknown "réservé aux scolaires"``: a bare comment would mean « open all
day » in OSM) and is reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from directory.schema import DAYS, day_selector, fold_key, hhmm, merged_ranges, unaccent

__all__ = ["DAYS", "DayHours", "day_key", "format_week", "parse_cell", "parse_json_day", "text_to_osm"]

#: The names producers use for the OSM day codes.
DAY_NAMES_FR: dict[str, str] = {
    "Mo": "lundi",
    "Tu": "mardi",
    "We": "mercredi",
    "Th": "jeudi",
    "Fr": "vendredi",
    "Sa": "samedi",
    "Su": "dimanche",
}
_DAY_ALIASES: dict[str, str] = {
    **{code.lower(): code for code in DAYS},
    **{name: code for code, name in DAY_NAMES_FR.items()},
    "monday": "Mo",
    "tuesday": "Tu",
    "wednesday": "We",
    "thursday": "Th",
    "friday": "Fr",
    "saturday": "Sa",
    "sunday": "Su",
}

_CLOSED = {"ferme", "fermee", "closed", "non", "aucun", "aucune", "x", "no", "false", "off"}
_TIME = re.compile(r"(?<![\d:])(\d{1,2})\s*[:hH]\s*(\d{2})?(?![\d])")
# « 10:00-11-00 » : a dash typed for the colon of the closing time.
_DASHED_END = re.compile(r"(\d{1,2}\s*[:hH]\s*\d{2}\s*-\s*)(\d{1,2})-(\d{2})\b")
_NOON = re.compile(r"(?i)(\b(?:à|a)\s+|-\s*)midi\b")
_FILLER = re.compile(r"(?i)\b(?:de|du|a|à|et|puis)\b|[-–—/;,.()\[\]\s]+")
_EDGES = " \t-–—/;,.:()[]"


def day_key(name: str) -> str | None:
    """The OSM code (``Mo``…) of a day written ``Mo``, ``lundi`` or ``monday``."""
    return _DAY_ALIASES.get(fold_key(name))


@dataclass(slots=True)
class DayHours:
    """What one day says: open ranges in minutes, a comment, whether it was read."""

    ranges: list[tuple[int, int]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # texts with no readable range

    def add(self, other: DayHours) -> None:
        self.ranges.extend(other.ranges)
        self.comments.extend(c for c in other.comments if c not in self.comments)
        self.unreadable.extend(other.unreadable)

    @property
    def is_open(self) -> bool:
        return bool(self.ranges or self.comments)

    def key(self) -> tuple[tuple[tuple[int, int], ...], tuple[str, ...]]:
        return tuple(merged_ranges(self.ranges)), tuple(self.comments)


def parse_cell(value: Any) -> DayHours:
    """Read one cell: empty or « fermé » is a closed day (no ranges, no comment)."""
    day = DayHours()
    if value is None or value is False:
        return day
    text = " ".join(str(value).split())
    if not text or fold_key(text) in _CLOSED or not fold_key(text):
        return day
    text = _NOON.sub(r"\g<1>12:00", _DASHED_END.sub(r"\1\2:\3", text))
    times: list[int] = []
    pieces: list[str] = []  # the text around and between the times
    last = 0
    for match in _TIME.finditer(text):
        hours, minutes = int(match.group(1)), int(match.group(2) or 0)
        if hours > 24 or minutes > 59 or (hours == 24 and minutes):
            times = []
            break
        times.append(hours * 60 + minutes)
        pieces.append(text[last : match.start()])
        last = match.end()
    pieces.append(text[last:])
    words = [_words(piece) for piece in pieces]
    comment = " ; ".join(w for w in words if w).replace('"', "'")
    if not times or len(times) % 2 or any(a == b for a, b in zip(times[::2], times[1::2])):
        # Nothing we can trust: keep the whole text as the day's comment.
        day.comments.append(text.replace('"', "'"))
        day.unreadable.append(text)
        return day
    day.ranges.extend(zip(times[::2], times[1::2]))
    if comment:
        day.comments.append(comment)
    return day


def _words(piece: str) -> str:
    """What a piece of a cell says besides separators (« et », « à », dashes…)."""
    if not re.search(r"[^\W\d_]", _FILLER.sub(" ", piece)):
        return ""
    text = piece.strip(_EDGES)
    return re.sub(r"(?i)^(?:et|puis)\s+", "", text).strip(_EDGES)


def parse_json_day(value: Any) -> DayHours:
    """One day of a JSON week: ``{"open": bool, "time": [{"opening", "closing"}]}``.

    Also accepted: a bare list of ranges, ranges keyed ``start``/``end`` or
    ``debut``/``fin``, or a text cell.
    """
    if value is None or isinstance(value, str):
        return parse_cell(value)
    if isinstance(value, Mapping):
        if value.get("open") is False or value.get("ouvert") is False:
            return DayHours()
        spans = value.get("time", value.get("times", value.get("horaires", [])))
    else:
        spans = value
    day = DayHours()
    if not isinstance(spans, list):
        return parse_cell(str(spans))
    for span in spans:
        if isinstance(span, Mapping):
            start = _first(span, "opening", "start", "debut", "ouverture", "from")
            end = _first(span, "closing", "end", "fin", "fermeture", "to")
            day.add(parse_cell(f"{start}-{end}" if start and end else None))
            if not (start and end):
                day.unreadable.append(str(dict(span)))
        else:
            day.add(parse_cell(span))
    return day


def format_week(days: Mapping[str, DayHours]) -> str | None:
    """``Mo-Fr 08:30-12:00,13:30-17:00; Sa 09:00-12:00`` — None when never open."""
    groups: dict[Any, list[int]] = {}
    for index, code in enumerate(DAYS):
        day = days.get(code)
        if day is not None and day.is_open:
            groups.setdefault(day.key(), []).append(index)
    rules = []
    for (ranges, comments), indexes in sorted(groups.items(), key=lambda item: item[1][0]):
        parts = [day_selector(indexes)]
        if ranges:
            parts.append(",".join(f"{hhmm(a)}-{hhmm(b)}" for a, b in ranges))
        else:
            # A day with only a comment would read « open all day » in OSM.
            parts.append("unknown")
        if comments:
            parts.append('"' + " ; ".join(comments) + '"')
        rules.append(" ".join(parts))
    return "; ".join(rules) or None


def _first(mapping: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if mapping.get(key) not in (None, ""):
            return mapping[key]
    return None


_DAY_WORDS = {
    "lundi": "Mo",
    "lun": "Mo",
    "mardi": "Tu",
    "mar": "Tu",
    "mercredi": "We",
    "mer": "We",
    "jeudi": "Th",
    "jeu": "Th",
    "vendredi": "Fr",
    "ven": "Fr",
    "samedi": "Sa",
    "sam": "Sa",
    "dimanche": "Su",
    "dim": "Su",
}
_ORDER = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_RANGE = re.compile(r"^(?:du |de )?(\w+)\.? (?:au|a|-) (\w+)\.?$")


def text_to_osm(text: str) -> str | None:
    """French free text (« du lundi au vendredi de 9h à 12h et de 14h à 17h ;
    samedi 9h-12h ») as OSM opening hours, or None when it is not unambiguous.

    Every clause must name its days and give readable times; anything else
    (« sur rendez-vous », « selon saison ») leaves the text as it is.
    """
    week: dict[str, DayHours] = {}
    plain = unaccent(text)
    plain = re.sub(r"\b(lun|mar|mer|jeu|ven|sam|dim)\.", r"\1", plain)
    clauses = [c for c in re.split(r"\s*(?:[;\n]|\. |/(?=\s*[a-z]))\s*", plain) if c.strip()]
    if not clauses:
        return None
    for clause in clauses:
        match = re.match(r"^(.*?)\s*(?:de |:|,)?\s*(\d.*)$", clause)
        if match is None:
            return None
        days = _days(match.group(1).strip(" ,:"))
        hours = parse_cell(match.group(2))
        if not days or not hours.ranges or hours.comments or hours.unreadable:
            return None
        for day in days:
            week.setdefault(day, DayHours()).add(hours)
    return format_week(week)


def _days(text: str) -> list[str] | None:
    if text in ("tous les jours", "7j/7", "7 jours sur 7"):
        return list(_ORDER)
    text = re.sub(r"^(?:le |les |tous les )", "", text).replace(" et ", ", ")
    if (span := _DAY_RANGE.match(text)) is not None:
        first, last = _DAY_WORDS.get(span.group(1)), _DAY_WORDS.get(span.group(2))
        if first is None or last is None:
            return None
        i, j = _ORDER.index(first), _ORDER.index(last)
        return list(_ORDER[i : j + 1]) if i <= j else None
    named = [_DAY_WORDS.get(word.strip(" .").removesuffix("s")) for word in text.split(",") if word.strip()]
    days = [day for day in named if day is not None]
    return days if days and len(days) == len(named) else None
