# SPDX-License-Identifier: Apache-2.0
"""The mapping engine: a source's own columns → national-standard fields.

A ``[mapping]`` table in a source file (see ``docs/sources.md``) maps each
national field to an *expression* over the raw record:

- a string: a column, or a dotted path into nested JSON (``geolocalisation.lat``,
  ``address.numero``, ``coord.1`` for the second item of a list);
- a list of expressions: the first that gives something wins;
- a table, whose keys are applied in this order:

  1. where the value comes from: ``column`` / ``columns`` (+ ``join``), a
     constant ``value``, the harvest date (``today = true``), or ``hours``;
  2. ``split`` (one separator or several) and ``index`` (one part), then
     ``replace`` (regular expression → replacement, in order);
  3. ``values``: a correspondence table, raw value → national value(s)
     (case, accents and punctuation ignored; unknown values are reported
     and dropped, a value that already is a national term is kept);
  4. conversions: ``number``, ``date_format``, ``truncate``, ``slug``;
  5. ``when`` rules (``equals`` / ``contains`` / ``matches`` / ``present``,
     ``unless``; giving ``value`` or ``then``): for a list field every
     matching rule adds its values, unless it says ``replace = true``; for a
     single-valued field the first matching rule replaces the value;
  6. ``default``, when nothing came out.

:class:`RecordMapping` is compiled once from the TOML table (every mistake is a
:class:`MappingError` in French naming the field and the key) and then applied
to each record: ``apply(raw) -> (record, problems)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from directory.schema import Problem, Severity, fold, fold_key, split_items

from ._hours import DAY_NAMES_FR, DAYS, DayHours, day_key, format_week, parse_cell, parse_json_day
from ._mapping_spec import (
    TARGETS,
    UNSET,
    Expr,
    Hours,
    MappingError,
    as_text,
    compile_expr,
    flat,
    is_blank,
    lookup,
    resolve,
    vocabulary_of,
)
from ._points import disagreeing_points

__all__ = ["ColumnCheck", "MappingError", "RecordMapping", "columns_missing", "resolve"]


class _Run:
    """One record being mapped: its problems, the harvest date."""

    def __init__(self, raw: Mapping[str, Any], today: date | None) -> None:
        self.raw = raw
        self.today = today or date.today()
        self.problems: list[Problem] = []

    def warn(self, field: str, code: str, value: Any, **params: Any) -> None:
        self.problems.append(Problem(field, code, value, Severity.WARNING, tuple(params.items())))


def _evaluate(expr: Expr, run: _Run) -> Any:
    if expr.alternatives:
        kept: list[Problem] = []
        for alternative in expr.alternatives:
            before = len(run.problems)
            value = _evaluate(alternative, run)
            if not is_blank(value):
                return value  # what earlier alternatives could not read does not matter
            kept.extend(run.problems[before:])
            del run.problems[before:]
        run.problems.extend(kept)
        return None
    value = _base(expr, run)
    if expr.split is not None:
        value = [p.strip() for item in flat(value) for p in expr.split.split(str(item)) if p.strip()]
    elif expr.is_list:  # a cell « A|B » holds two items, as in the national standard's files
        value = [p for item in flat(value) for p in (split_items(item) if isinstance(item, str) else (item,))]
    if expr.index is not None:
        items = value if isinstance(value, list) else [value]
        value = items[expr.index] if -len(items) <= expr.index < len(items) else None
    if expr.replace:
        value = [_replace(expr, v) for v in value] if isinstance(value, list) else _replace(expr, value)
    if expr.values is not None:
        value = _translate(expr, value, run)
    value = _convert(expr, value, run)
    matched = [rule for rule in expr.rules if rule.applies(run.raw)]
    replacing = next((rule for rule in matched if rule.replace), None)
    if replacing is not None:
        value = replacing.value if replacing.then is None else _evaluate(replacing.then, run)
    elif matched:
        value = flat(value)
        for rule in matched:
            value.extend(flat(rule.value if rule.then is None else _evaluate(rule.then, run)))
    if is_blank(value) and expr.default is not UNSET:
        value = expr.default
    return _shape(expr, value)


def _base(expr: Expr, run: _Run) -> Any:
    if expr.hours is not None:
        return _hours(expr.hours, run)
    if expr.constant is not UNSET:
        return expr.constant
    if expr.today:
        return run.today.isoformat()
    if not expr.columns:
        return None
    cells = [resolve(run.raw, column) for column in expr.columns]
    if expr.join is not None:
        parts = [" ".join(as_text(v).split()) for cell in cells for v in flat(cell)]
        return expr.join.join(p for p in parts if p) or None
    if len(cells) == 1:
        return cells[0]
    return [v for cell in cells for v in flat(cell)]


def _replace(expr: Expr, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    for pattern, replacement in expr.replace:
        value = pattern.sub(replacement, value)
    return value.strip()


def _translate(expr: Expr, value: Any, run: _Run) -> Any:
    assert expr.values is not None
    vocabulary = vocabulary_of(expr.target)
    out: list[Any] = []
    for item in flat(value):
        key = fold_key(str(item))
        if key in expr.values:
            out.extend(expr.values[key])
        elif vocabulary is not None and vocabulary.parse(str(item)) is not None:
            out.append(item)  # already a term of the standard
        else:
            title = vocabulary.title() if vocabulary is not None else f"correspondances de « {expr.target} »"
            run.warn(expr.target, "unknown_term_dropped", item, vocabulary=title)
    return out if (expr.is_list or len(out) != 1) else out[0]


def _convert(expr: Expr, value: Any, run: _Run) -> Any:
    if not (expr.number or expr.date_formats or expr.truncate or expr.slug):
        return value
    if isinstance(value, list):
        return [c for c in (_convert_one(expr, v, run) for v in value) if not is_blank(c)]
    return None if is_blank(value) else _convert_one(expr, value, run)


def _convert_one(expr: Expr, value: Any, run: _Run) -> Any:
    if expr.number:
        value = _number(value)
    if expr.date_formats:
        value = _date(expr, value)
    if expr.slug and value is not None:
        value = _slugify(str(value))
    if expr.truncate and isinstance(value, str) and len(value) > expr.truncate:
        run.warn(expr.target, "too_long", value, length=len(value), max=expr.truncate)
        cut = value[: expr.truncate - 1]
        value = (cut.rsplit(" ", 1)[0] if " " in cut[expr.truncate // 2 :] else cut).rstrip(" ,;:.") + "…"
    return value


def _number(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return value  # left for parse_venue to judge (and report)


def _date(expr: Expr, value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    for fmt in expr.date_formats:
        if fmt in ("epoch_ms", "epoch"):
            try:
                seconds = float(value) / (1000 if fmt == "epoch_ms" else 1)
                return datetime.fromtimestamp(seconds, tz=UTC).date().isoformat()
            except (TypeError, ValueError, OverflowError, OSError):
                continue
        words = str(value).split()
        # The start of the text is enough: « Thu Jan 20 2022 10:06:20 GMT+0100 (…) ».
        for count in range(len(words), 0, -1):
            try:
                return datetime.strptime(" ".join(words[:count]), fmt).date().isoformat()
            except ValueError:
                continue
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return value  # left for parse_venue to judge (and report)


def _slugify(text: str) -> str:
    return fold(text).replace(" ", "-")[:200]


def _hours(spec: Hours, run: _Run) -> str | None:
    week: dict[str, DayHours] = {}
    if spec.json_week is not None:
        data = resolve(run.raw, spec.json_week)
        if isinstance(data, Mapping):
            for name, day in data.items():
                code = day_key(str(name))
                if code is not None:
                    week.setdefault(code, DayHours()).add(parse_json_day(day))
        elif not is_blank(data):
            run.warn("horaires", "hours", as_text(data)[:200], reason="semaine JSON attendue (lundi → dimanche)")
    else:
        for code, columns in spec.days:
            for column in columns:
                week.setdefault(code, DayHours()).add(parse_cell(resolve(run.raw, column)))
    for code in DAYS:
        for text in week.get(code, DayHours()).unreadable:
            run.warn(
                "horaires",
                "hours",
                f"{DAY_NAMES_FR[code]} : {text}",
                reason="plage horaire non reconnue, gardée en commentaire",
            )
    return format_week(week)


def _shape(expr: Expr, value: Any) -> Any:
    """Lists for list fields; one clean value for the others."""
    if expr.is_list:
        out: list[Any] = []
        for item in flat(value):
            text = " ".join(str(item).split())
            if text and text not in out:
                out.append(text)
        return out
    if isinstance(value, list):
        items = flat(value)
        return items[0] if items else None
    if isinstance(value, dict):
        return None
    return value


@dataclass(frozen=True)
class RecordMapping:
    """A compiled ``[mapping]`` table: national field → expression."""

    fields: dict[str, Expr] = field(default_factory=dict)

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> RecordMapping:
        """Compile a ``[mapping]`` table.

        :raises MappingError: an unknown national field, key or day, a bad
            regular expression… (French message naming ``mapping.<field>``).
        """
        if not isinstance(table, Mapping):
            raise MappingError("mapping : attendu une table [mapping] « champ national » = expression")
        fields = {}
        for target, spec in table.items():
            if target not in TARGETS:
                raise MappingError(f"mapping.{target} : « {target} » n'est pas un champ du standard national")
            fields[target] = compile_expr(target, spec, f"mapping.{target}")
        return cls(fields)

    def apply(self, raw: Mapping[str, Any], *, today: date | None = None) -> tuple[dict[str, Any], list[Problem]]:
        """The national-standard record for ``raw``, and what could not be mapped.

        Problems are warnings (an unknown value dropped, a day's hours kept as
        a comment…); ``parse_venue`` then judges the record itself.
        :param today: the harvest date, for ``today = true`` (default: today).
        """
        run = _Run(raw if isinstance(raw, Mapping) else {}, today)
        record = {}
        for target, expr in self.fields.items():
            value = _evaluate(expr, run)
            if not is_blank(value):
                record[target] = value
        lat, lon = self.fields.get("latitude"), self.fields.get("longitude")
        if lat is not None and lon is not None and len(lat.alternatives) > 1:  # a point read twice must agree
            run.problems += disagreeing_points(
                lat.alternatives, lon.alternatives, lambda e: _evaluate(e, _Run(run.raw, run.today))
            )
        return record, run.problems

    @property
    def columns(self) -> set[str]:
        """Every column the mapping reads (to spot a typo against a real file)."""
        found: set[str] = set()

        def walk(expr: Expr) -> None:
            found.update(expr.columns)
            for alternative in expr.alternatives:
                walk(alternative)
            for rule in expr.rules:
                found.update(rule.columns)
                if rule.then is not None:
                    walk(rule.then)
            if expr.hours is not None:
                found.update(c for _, cols in expr.hours.days for c in cols)
                if expr.hours.json_week:
                    found.add(expr.hours.json_week)

        for expr in self.fields.values():
            walk(expr)
        return found


class ColumnCheck:
    """The columns a mapping reads that none of the records seen has (typos, renamed or shifted
    columns), followed record by record: a large file is never held whole.

    :param header_row: the reader takes ``[reader] header_row`` (said when no column is found)."""

    def __init__(self, mapping: RecordMapping, *, header_row: bool = False) -> None:
        self.missing = set(mapping.columns)
        self.wanted = len(self.missing)
        self.header_row = header_row
        self.file_columns: list[str] | None = None  # the first record's

    def see(self, record: Mapping[str, Any]) -> None:
        if self.file_columns is None:
            self.file_columns = [str(key) for key in record]
        if self.missing:
            self.missing = {c for c in self.missing if lookup(record, c) is UNSET}

    def note(self) -> str | None:
        """A French sentence for a run's report naming the missing columns, or None."""
        if not self.missing or self.file_columns is None:
            return None
        shown = ", ".join(f"« {c} »" for c in self.file_columns[:15]) + (" …" if len(self.file_columns) > 15 else "")
        note = (
            f"colonnes de la correspondance absentes du fichier : {', '.join(f'« {c} »' for c in sorted(self.missing))} "
            f"(colonnes du fichier : {shown or 'aucune'})"
        )
        if self.header_row and len(self.missing) == self.wanted:
            note += " ; si l'en-tête n'est pas sur la première ligne (un titre au-dessus), indiquer la sienne : [reader] header_row = …"
        return note


def columns_missing(mapping: RecordMapping, records: Iterable[Mapping[str, Any]]) -> list[str]:
    """Columns the mapping reads that no record has (typos, renamed columns)."""
    check = ColumnCheck(mapping)
    for record in records:
        check.see(record)
    return sorted(check.missing)
