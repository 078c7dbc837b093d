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

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from directory.schema import (
    LIST_FIELDS,
    LIST_VOCABULARIES,
    VENUE_FIELDS,
    Problem,
    Severity,
    Vocabulary,
    fold,
    fold_key,
    split_items,
)

from ._hours import DAY_NAMES_FR, DAYS, DayHours, day_key, format_week, parse_cell, parse_json_day
from ._points import disagreeing_points

__all__ = ["ColumnCheck", "MappingError", "RecordMapping", "columns_missing", "resolve"]

_TARGETS = frozenset(VENUE_FIELDS)
_EXPR_KEYS = frozenset(
    {
        "column",
        "columns",
        "join",
        "value",
        "today",
        "hours",
        "split",
        "index",
        "replace",
        "values",
        "number",
        "date_format",
        "truncate",
        "slug",
        "when",
        "default",
    }
)
_RULE_KEYS = frozenset(
    {"column", "columns", "equals", "contains", "matches", "unless", "present", "value", "then", "replace"}
)
_UNSET: Any = object()


class MappingError(ValueError):
    """A ``[mapping]`` table that cannot work; the message is French and names the key."""


def resolve(record: Any, path: str) -> Any:
    """The value at ``path`` in a record: a key, or a dotted path (``a.b``, ``list.0``).

    A key that itself contains dots (``"properties.nom"`` written flat) wins
    over the nested reading. Missing → None.
    """
    value = _lookup(record, path)
    return None if value is _UNSET else value


def _lookup(record: Any, path: str) -> Any:
    if isinstance(record, Mapping) and path in record:
        return record[path]
    if isinstance(record, list) and re.fullmatch(r"-?\d+", path):
        index = int(path)
        return record[index] if -len(record) <= index < len(record) else _UNSET
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head, rest = ".".join(parts[:cut]), ".".join(parts[cut:])
        if isinstance(record, Mapping) and head in record:
            return _lookup(record[head], rest)
        if isinstance(record, list) and cut == 1 and re.fullmatch(r"-?\d+", head):
            index = int(head)
            return _lookup(record[index], rest) if -len(record) <= index < len(record) else _UNSET
    return _UNSET


def _empty(value: Any) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        return all(_empty(v) for v in (value.values() if isinstance(value, dict) else value))
    return False


def _flat(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [item for v in value for item in _flat(v)]
    return [] if _empty(value) else [value]


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "\n".join(_text(v) for v in value)
    return "" if value is None else str(value)


# ---------------------------------------------------------------- compiling


@dataclass(frozen=True, slots=True)
class _Rule:
    columns: tuple[str, ...]
    equals: tuple[Any, ...] | None
    contains: tuple[str, ...] | None
    matches: re.Pattern[str] | None
    unless: tuple[str, ...]
    present: bool | None
    value: Any
    then: _Expr | None
    replace: bool

    def applies(self, raw: Mapping[str, Any]) -> bool:
        cells = [resolve(raw, c) for c in self.columns]
        if self.present is not None and self.present == all(_empty(c) for c in cells):
            return False
        texts = [_text(c) for c in cells]
        folded = [fold_key(t) for t in texts]
        if self.equals is not None and not any(_equals(cell, wanted) for cell in cells for wanted in self.equals):
            return False
        if self.contains is not None and not any(w in f for f in folded for w in self.contains):
            return False
        if self.matches is not None and not any(self.matches.search(t) for t in texts):
            return False
        return not any(w in f for f in folded for w in self.unless)


def _equals(cell: Any, wanted: Any) -> bool:
    items = cell if isinstance(cell, (list, tuple)) else [cell]
    for item in items:
        if isinstance(wanted, str):
            if item is not None and not isinstance(item, bool) and fold_key(str(item)) == fold_key(wanted):
                return True
        elif item == wanted and type(item) is type(wanted):
            return True
    return False


@dataclass(frozen=True, slots=True)
class _Expr:
    target: str
    alternatives: tuple[_Expr, ...] = ()
    columns: tuple[str, ...] = ()
    join: str | None = None
    constant: Any = _UNSET
    today: bool = False
    hours: _Hours | None = None
    split: re.Pattern[str] | None = None
    index: int | None = None
    replace: tuple[tuple[re.Pattern[str], str], ...] = ()
    values: dict[str, tuple[Any, ...]] | None = None
    number: bool = False
    date_formats: tuple[str, ...] = ()
    truncate: int | None = None
    slug: bool = False
    rules: tuple[_Rule, ...] = ()
    default: Any = _UNSET

    @property
    def is_list(self) -> bool:
        return self.target in LIST_FIELDS


@dataclass(frozen=True, slots=True)
class _Hours:
    days: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (Mo, (column, …))
    json_week: str | None = None


def _compile(target: str, spec: Any, where: str) -> _Expr:
    if isinstance(spec, str):
        if not spec.strip():
            raise MappingError(f"{where} : le nom de colonne est vide")
        return _Expr(target, columns=(spec,))
    if isinstance(spec, list):
        if not spec:
            raise MappingError(f"{where} : la liste d'expressions est vide")
        return _Expr(target, alternatives=tuple(_compile(target, s, f"{where}[{i + 1}]") for i, s in enumerate(spec)))
    if not isinstance(spec, Mapping):
        raise MappingError(
            f"{where} : attendu un nom de colonne, une liste ou une table {{ column = … }}, "
            f"pas {type(spec).__name__} (pour une constante, écrire {{ value = … }})"
        )
    unknown = sorted(set(spec) - _EXPR_KEYS)
    if unknown:
        raise MappingError(
            f"{where} : clé inconnue « {unknown[0]} » (clés possibles : {', '.join(sorted(_EXPR_KEYS))})"
        )
    if "column" in spec and "columns" in spec:
        raise MappingError(f"{where} : « column » et « columns » s'excluent, n'en garder qu'une")
    columns = _strings(spec.get("columns", [spec["column"]] if "column" in spec else []), f"{where}.columns")
    sources = [bool(columns), "value" in spec, bool(spec.get("today")), "hours" in spec]
    if sum(sources) > 1:
        raise MappingError(f"{where} : une seule origine possible parmi column(s), value, today et hours")
    if not any(sources) and not spec.get("when") and "default" not in spec:
        raise MappingError(f"{where} : rien à lire (indiquer column, columns, value, today, hours ou when)")
    join = spec.get("join")
    if join is not None and not isinstance(join, str):
        raise MappingError(f"{where}.join : le séparateur doit être un texte")
    index = spec.get("index")
    if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
        raise MappingError(f"{where}.index : attendu un nombre entier (0 = premier élément, -1 = dernier)")
    if index is not None and "split" not in spec and not columns:
        raise MappingError(f"{where}.index : « index » va avec « split » ou une colonne qui contient une liste")
    truncate = spec.get("truncate")
    if truncate is not None and (not isinstance(truncate, int) or isinstance(truncate, bool) or truncate < 2):
        raise MappingError(f"{where}.truncate : attendu une longueur maximale (nombre entier)")
    formats = _strings(spec["date_format"], f"{where}.date_format") if "date_format" in spec else []
    for flag in ("number", "slug", "today"):
        if flag in spec and not isinstance(spec[flag], bool):
            raise MappingError(f"{where}.{flag} : attendu true ou false")
    return _Expr(
        target,
        columns=tuple(columns),
        join=join,
        constant=spec.get("value", _UNSET),
        today=bool(spec.get("today")),
        hours=_compile_hours(spec["hours"], f"{where}.hours") if "hours" in spec else None,
        split=_compile_split(spec["split"], f"{where}.split") if "split" in spec else None,
        index=index,
        replace=_compile_replace(spec["replace"], f"{where}.replace") if "replace" in spec else (),
        values=_compile_values(target, spec["values"], f"{where}.values") if "values" in spec else None,
        number=bool(spec.get("number")),
        date_formats=tuple(formats),
        truncate=truncate,
        slug=bool(spec.get("slug")),
        rules=_compile_rules(target, spec.get("when", []), columns, f"{where}.when"),
        default=spec.get("default", _UNSET),
    )


def _strings(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise MappingError(f"{where} : attendu un texte ou une liste de textes non vides")
    return list(value)


def _compile_split(value: Any, where: str) -> re.Pattern[str]:
    separators = [value] if isinstance(value, str) else value
    if not isinstance(separators, list) or not separators or not all(isinstance(s, str) and s for s in separators):
        raise MappingError(f'{where} : indiquer un séparateur ou une liste de séparateurs (ex. [",", "\\n"])')
    return re.compile("|".join(re.escape(s) for s in sorted(separators, key=len, reverse=True)))


def _compile_replace(table: Any, where: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    if not isinstance(table, Mapping) or not table:
        raise MappingError(f"{where} : attendu une table « expression régulière » = « remplacement »")
    out = []
    for pattern, replacement in table.items():
        if not isinstance(replacement, str):
            raise MappingError(f"{where}.« {pattern} » : le remplacement doit être un texte")
        try:
            out.append((re.compile(pattern), replacement))
        except re.error as err:
            raise MappingError(f"{where} : expression régulière invalide « {pattern} » ({err})") from err
    return tuple(out)


def _compile_values(name: str, table: Any, where: str) -> dict[str, tuple[Any, ...]]:
    if not isinstance(table, Mapping) or not table:
        raise MappingError(f"{where} : attendu une table « valeur de la source » = « valeur nationale »")
    vocabulary = _vocabulary(name)
    out: dict[str, tuple[Any, ...]] = {}
    for raw, target in table.items():
        targets = tuple(target) if isinstance(target, list) else (target,)
        if not all(isinstance(t, (str, int, float)) and not isinstance(t, bool) for t in targets):
            raise MappingError(f"{where}.« {raw} » : attendu un texte, un nombre ou une liste de textes")
        key = fold_key(str(raw))
        if key in out and out[key] != targets:
            raise MappingError(f"{where} : « {raw} » figure deux fois (la casse et les accents ne comptent pas)")
        out[key] = tuple(t for t in targets if t != "")
        for term in out[key]:
            if vocabulary is not None and vocabulary.parse(str(term)) is None:
                raise MappingError(
                    f"{where}.« {raw} » : « {term} » n'est pas un terme du vocabulaire "
                    f"« {vocabulary.title()} »{_close_terms(vocabulary, str(term))}"
                )
    return out


def _vocabulary(name: str) -> type[Vocabulary] | None:
    """The vocabulary a national field's values come from (None for a free field)."""
    return LIST_VOCABULARIES.get(name, (None, False))[0]


def _close_terms(vocabulary: type[Vocabulary], text: str) -> str:
    """The labels closest to ``text`` (all of them for a short vocabulary), to say what to write instead."""
    labels = {fold_key(name): member.label for member in vocabulary for name in (member.label, *member.aliases)}
    close = list(dict.fromkeys(labels[k] for k in difflib.get_close_matches(fold_key(text), labels, n=5, cutoff=0.5)))
    if close:
        return f" (termes proches : {', '.join(f'« {t} »' for t in close)})"
    if len(vocabulary) <= 12:
        return f" (termes possibles : {', '.join(f'« {member.label} »' for member in vocabulary)})"
    return ""


def _compile_hours(spec: Any, where: str) -> _Hours:
    if not isinstance(spec, Mapping) or not spec:
        raise MappingError(
            f'{where} : attendu une table des jours {{ Mo = ["lundi_am", "lundi_pm"], … }} ou {{ json_week = "colonne" }}'
        )
    if "json_week" in spec:
        if len(spec) > 1 or not isinstance(spec["json_week"], str):
            raise MappingError(
                f"{where} : « json_week » s'écrit seul, avec le nom de la colonne qui contient la semaine"
            )
        return _Hours(json_week=spec["json_week"])
    days = []
    for name, columns in spec.items():
        code = day_key(name)
        if code is None:
            raise MappingError(f"{where} : jour inconnu « {name} » (Mo Tu We Th Fr Sa Su, ou lundi … dimanche)")
        days.append((code, tuple(_strings(columns, f"{where}.{name}"))))
    return _Hours(days=tuple(days))


def _compile_rules(target: str, rules: Any, columns: list[str], where: str) -> tuple[_Rule, ...]:
    if isinstance(rules, Mapping):
        rules = [rules]
    if not isinstance(rules, list):
        raise MappingError(f"{where} : attendu une liste de règles [[…when]]")
    out = []
    for number, rule in enumerate(rules, start=1):
        here = f"{where}[{number}]"
        if not isinstance(rule, Mapping):
            raise MappingError(f"{here} : une règle est une table {{ column = …, equals = …, value = … }}")
        unknown = sorted(set(rule) - _RULE_KEYS)
        if unknown:
            raise MappingError(
                f"{here} : clé inconnue « {unknown[0]} » (clés possibles : {', '.join(sorted(_RULE_KEYS))})"
            )
        if "column" in rule and "columns" in rule:
            raise MappingError(f"{here} : « column » et « columns » s'excluent, n'en garder qu'une")
        tested = rule.get("columns", [rule["column"]] if "column" in rule else columns)
        if not tested:
            raise MappingError(f"{here} : indiquer la colonne à tester (column = …)")
        rule_columns = _strings(tested, f"{here}.columns")
        if not any(k in rule for k in ("equals", "contains", "matches", "present")):
            raise MappingError(f"{here} : indiquer une condition (equals, contains, matches ou present)")
        if ("value" in rule) == ("then" in rule):
            raise MappingError(
                f"{here} : indiquer ce que donne la règle, soit « value » (une constante), soit « then » (une colonne)"
            )
        equals = rule.get("equals")
        if equals is not None:
            equals = tuple(equals) if isinstance(equals, list) else (equals,)
        pattern = None
        if "matches" in rule:
            try:
                pattern = re.compile(rule["matches"])
            except (re.error, TypeError) as err:
                raise MappingError(f"{here}.matches : expression régulière invalide ({err})") from err
        for flag in ("present", "replace"):
            if flag in rule and not isinstance(rule[flag], bool):
                raise MappingError(f"{here}.{flag} : attendu true ou false")
        present = rule.get("present")
        out.append(
            _Rule(
                columns=tuple(rule_columns),
                equals=equals,
                contains=tuple(fold_key(c) for c in _strings(rule["contains"], f"{here}.contains"))
                if "contains" in rule
                else None,
                matches=pattern,
                unless=tuple(fold_key(c) for c in _strings(rule["unless"], f"{here}.unless"))
                if "unless" in rule
                else (),
                present=present,
                value=rule.get("value"),
                then=_compile(target, rule["then"], f"{here}.then") if "then" in rule else None,
                replace=bool(rule.get("replace", target not in LIST_FIELDS)),
            )
        )
    return tuple(out)


# ---------------------------------------------------------------- applying


class _Run:
    """One record being mapped: its problems, the harvest date."""

    def __init__(self, raw: Mapping[str, Any], today: date | None) -> None:
        self.raw = raw
        self.today = today or date.today()
        self.problems: list[Problem] = []

    def warn(self, field: str, code: str, value: Any, **params: Any) -> None:
        self.problems.append(Problem(field, code, value, Severity.WARNING, tuple(params.items())))


def _evaluate(expr: _Expr, run: _Run) -> Any:
    if expr.alternatives:
        kept: list[Problem] = []
        for alternative in expr.alternatives:
            before = len(run.problems)
            value = _evaluate(alternative, run)
            if not _empty(value):
                return value  # what earlier alternatives could not read does not matter
            kept.extend(run.problems[before:])
            del run.problems[before:]
        run.problems.extend(kept)
        return None
    value = _base(expr, run)
    if expr.split is not None:
        value = [p.strip() for item in _flat(value) for p in expr.split.split(str(item)) if p.strip()]
    elif expr.is_list:  # a cell « A|B » holds two items, as in the national standard's files
        value = [p for item in _flat(value) for p in (split_items(item) if isinstance(item, str) else (item,))]
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
        value = _flat(value)
        for rule in matched:
            value.extend(_flat(rule.value if rule.then is None else _evaluate(rule.then, run)))
    if _empty(value) and expr.default is not _UNSET:
        value = expr.default
    return _shape(expr, value)


def _base(expr: _Expr, run: _Run) -> Any:
    if expr.hours is not None:
        return _hours(expr.hours, run)
    if expr.constant is not _UNSET:
        return expr.constant
    if expr.today:
        return run.today.isoformat()
    if not expr.columns:
        return None
    cells = [resolve(run.raw, column) for column in expr.columns]
    if expr.join is not None:
        parts = [" ".join(_text(v).split()) for cell in cells for v in _flat(cell)]
        return expr.join.join(p for p in parts if p) or None
    if len(cells) == 1:
        return cells[0]
    return [v for cell in cells for v in _flat(cell)]


def _replace(expr: _Expr, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    for pattern, replacement in expr.replace:
        value = pattern.sub(replacement, value)
    return value.strip()


def _translate(expr: _Expr, value: Any, run: _Run) -> Any:
    assert expr.values is not None
    vocabulary = _vocabulary(expr.target)
    out: list[Any] = []
    for item in _flat(value):
        key = fold_key(str(item))
        if key in expr.values:
            out.extend(expr.values[key])
        elif vocabulary is not None and vocabulary.parse(str(item)) is not None:
            out.append(item)  # already a term of the standard
        else:
            title = vocabulary.title() if vocabulary is not None else f"correspondances de « {expr.target} »"
            run.warn(expr.target, "unknown_term_dropped", item, vocabulary=title)
    return out if (expr.is_list or len(out) != 1) else out[0]


def _convert(expr: _Expr, value: Any, run: _Run) -> Any:
    if not (expr.number or expr.date_formats or expr.truncate or expr.slug):
        return value
    if isinstance(value, list):
        return [c for c in (_convert_one(expr, v, run) for v in value) if not _empty(c)]
    return None if _empty(value) else _convert_one(expr, value, run)


def _convert_one(expr: _Expr, value: Any, run: _Run) -> Any:
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


def _date(expr: _Expr, value: Any) -> Any:
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


def _hours(spec: _Hours, run: _Run) -> str | None:
    week: dict[str, DayHours] = {}
    if spec.json_week is not None:
        data = resolve(run.raw, spec.json_week)
        if isinstance(data, Mapping):
            for name, day in data.items():
                code = day_key(str(name))
                if code is not None:
                    week.setdefault(code, DayHours()).add(parse_json_day(day))
        elif not _empty(data):
            run.warn("horaires", "hours", _text(data)[:200], reason="semaine JSON attendue (lundi → dimanche)")
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


def _shape(expr: _Expr, value: Any) -> Any:
    """Lists for list fields; one clean value for the others."""
    if expr.is_list:
        out: list[Any] = []
        for item in _flat(value):
            text = " ".join(str(item).split())
            if text and text not in out:
                out.append(text)
        return out
    if isinstance(value, list):
        items = _flat(value)
        return items[0] if items else None
    if isinstance(value, dict):
        return None
    return value


@dataclass(frozen=True)
class RecordMapping:
    """A compiled ``[mapping]`` table: national field → expression."""

    fields: dict[str, _Expr] = field(default_factory=dict)

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
            if target not in _TARGETS:
                raise MappingError(f"mapping.{target} : « {target} » n'est pas un champ du standard national")
            fields[target] = _compile(target, spec, f"mapping.{target}")
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
            if not _empty(value):
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

        def walk(expr: _Expr) -> None:
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
            self.missing = {c for c in self.missing if _lookup(record, c) is _UNSET}

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
