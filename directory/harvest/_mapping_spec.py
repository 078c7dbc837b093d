# SPDX-License-Identifier: Apache-2.0
"""A ``[mapping]`` table compiled (``mapping`` applies it): each national field's expression checked
once, every mistake a :class:`MappingError` in French naming the field and the key; and how a value
is read from a raw record (``resolve``: a column or a dotted path)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from directory.schema import LIST_FIELDS, LIST_VOCABULARIES, VENUE_FIELDS, Vocabulary, fold_key

from ._hours import day_key

__all__ = [
    "TARGETS",
    "UNSET",
    "Expr",
    "Hours",
    "MappingError",
    "Rule",
    "as_text",
    "compile_expr",
    "flat",
    "is_blank",
    "lookup",
    "resolve",
    "vocabulary_of",
]

TARGETS = frozenset(VENUE_FIELDS)
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
UNSET: Any = object()


class MappingError(ValueError):
    """A ``[mapping]`` table that cannot work; the message is French and names the key."""


def resolve(record: Any, path: str) -> Any:
    """The value at ``path`` in a record: a key, or a dotted path (``a.b``, ``list.0``).

    A key that itself contains dots (``"properties.nom"`` written flat) wins
    over the nested reading. Missing → None.
    """
    value = lookup(record, path)
    return None if value is UNSET else value


def lookup(record: Any, path: str) -> Any:
    if isinstance(record, Mapping) and path in record:
        return record[path]
    if isinstance(record, list) and re.fullmatch(r"-?\d+", path):
        index = int(path)
        return record[index] if -len(record) <= index < len(record) else UNSET
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head, rest = ".".join(parts[:cut]), ".".join(parts[cut:])
        if isinstance(record, Mapping) and head in record:
            return lookup(record[head], rest)
        if isinstance(record, list) and cut == 1 and re.fullmatch(r"-?\d+", head):
            index = int(head)
            return lookup(record[index], rest) if -len(record) <= index < len(record) else UNSET
    return UNSET


def is_blank(value: Any) -> bool:
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        return all(is_blank(v) for v in (value.values() if isinstance(value, dict) else value))
    return False


def flat(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [item for v in value for item in flat(v)]
    return [] if is_blank(value) else [value]


def as_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "\n".join(as_text(v) for v in value)
    return "" if value is None else str(value)


# ---------------------------------------------------------------- compiling


@dataclass(frozen=True, slots=True)
class Rule:
    columns: tuple[str, ...]
    equals: tuple[Any, ...] | None
    contains: tuple[str, ...] | None
    matches: re.Pattern[str] | None
    unless: tuple[str, ...]
    present: bool | None
    value: Any
    then: Expr | None
    replace: bool

    def applies(self, raw: Mapping[str, Any]) -> bool:
        cells = [resolve(raw, c) for c in self.columns]
        if self.present is not None and self.present == all(is_blank(c) for c in cells):
            return False
        texts = [as_text(c) for c in cells]
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
class Expr:
    target: str
    alternatives: tuple[Expr, ...] = ()
    columns: tuple[str, ...] = ()
    join: str | None = None
    constant: Any = UNSET
    today: bool = False
    hours: Hours | None = None
    split: re.Pattern[str] | None = None
    index: int | None = None
    replace: tuple[tuple[re.Pattern[str], str], ...] = ()
    values: dict[str, tuple[Any, ...]] | None = None
    number: bool = False
    date_formats: tuple[str, ...] = ()
    truncate: int | None = None
    slug: bool = False
    rules: tuple[Rule, ...] = ()
    default: Any = UNSET

    @property
    def is_list(self) -> bool:
        return self.target in LIST_FIELDS


@dataclass(frozen=True, slots=True)
class Hours:
    days: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (Mo, (column, …))
    json_week: str | None = None


def compile_expr(target: str, spec: Any, where: str) -> Expr:
    if isinstance(spec, str):
        if not spec.strip():
            raise MappingError(f"{where} : le nom de colonne est vide")
        return Expr(target, columns=(spec,))
    if isinstance(spec, list):
        if not spec:
            raise MappingError(f"{where} : la liste d'expressions est vide")
        return Expr(
            target, alternatives=tuple(compile_expr(target, s, f"{where}[{i + 1}]") for i, s in enumerate(spec))
        )
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
    return Expr(
        target,
        columns=tuple(columns),
        join=join,
        constant=spec.get("value", UNSET),
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
        default=spec.get("default", UNSET),
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
    vocabulary = vocabulary_of(name)
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


def vocabulary_of(name: str) -> type[Vocabulary] | None:
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


def _compile_hours(spec: Any, where: str) -> Hours:
    if not isinstance(spec, Mapping) or not spec:
        raise MappingError(
            f'{where} : attendu une table des jours {{ Mo = ["lundi_am", "lundi_pm"], … }} ou {{ json_week = "colonne" }}'
        )
    if "json_week" in spec:
        if len(spec) > 1 or not isinstance(spec["json_week"], str):
            raise MappingError(
                f"{where} : « json_week » s'écrit seul, avec le nom de la colonne qui contient la semaine"
            )
        return Hours(json_week=spec["json_week"])
    days = []
    for name, columns in spec.items():
        code = day_key(name)
        if code is None:
            raise MappingError(f"{where} : jour inconnu « {name} » (Mo Tu We Th Fr Sa Su, ou lundi … dimanche)")
        days.append((code, tuple(_strings(columns, f"{where}.{name}"))))
    return Hours(days=tuple(days))


def _compile_rules(target: str, rules: Any, columns: list[str], where: str) -> tuple[Rule, ...]:
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
            Rule(
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
                then=compile_expr(target, rule["then"], f"{here}.then") if "then" in rule else None,
                replace=bool(rule.get("replace", target not in LIST_FIELDS)),
            )
        )
    return tuple(out)
