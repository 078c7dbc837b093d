# SPDX-License-Identifier: Apache-2.0
"""A file with one row per offer (issue 15, item 2): ``[offers]`` in a source file.

A commune's or a network's spreadsheet often lists what is offered, one row per workshop or
permanence, each row naming its venue (by the venue's id in the file, or its name) and repeating
the venue's own columns. ``[offers]`` says so:

.. code-block:: toml

    [offers]
    venue = ["id_lieu", "nom_lieu"]    # the column(s) naming the venue: the first cell given wins
    [offers.mapping]                   # offer field → expression, as in [mapping]
    id = "id_atelier"
    nom = "atelier"
    services = { column = "thematique", values = { "démarches" = "Aide aux démarches administratives" } }
    horaires = "creneau"
    "lieu.adresse" = "adresse_atelier"

A source whose records carry their offers inside (Rés'IN: the training modules a venue offers, by
group) says instead, as a list ``[[offers]]``, the offers a record may have: each with ``when`` (the
column whose value means the venue offers it) and its ``mapping`` over the record
(:class:`OfferTemplates`). In both forms a ``description`` given several texts joins them with « ; ».

The rows of one venue (same id, or the same name whatever its case and accents) become one record
(:meth:`OfferRows.group`, every row read first: such files are small), whose venue fields the
source's ``[mapping]`` reads from its first row and whose ``offres`` are the rows mapped by
``[offers.mapping]`` (:meth:`OfferRows.offers`). Offer fields: ``id``, ``nom``, ``description``,
the vocabulary lists of ``schema.offer.OFFER_TERMS``, ``horaires`` (OSM), ``dates`` (ISO, ``début/fin``,
``|`` between sessions), ``prise_rdv``, and the offer's own place as ``lieu.<field>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from directory.schema import OFFER_TERMS, Problem, fold_key

from ._mapping_spec import MappingError, compile_expr, is_blank, resolve
from .mapping import RecordMapping
from .readers.base import ReadItem, payload_of

__all__ = [
    "OFFERS_KEY",
    "OFFER_TARGETS",
    "OfferRows",
    "OfferTemplates",
    "compile_offers",
    "group_offer_rows",
    "with_offers",
]

#: Where a grouped record keeps the raw rows of its offers (never a column of a real file).
OFFERS_KEY = "__offres__"
_PLACE = ("nom", "adresse", "complement_adresse", "code_postal", "commune", "code_insee", "latitude", "longitude")
#: What ``[offers.mapping]`` may name.
OFFER_TARGETS: frozenset[str] = frozenset(
    {"id", "nom", "description", *OFFER_TERMS, "horaires", "dates", "prise_rdv", *(f"lieu.{name}" for name in _PLACE)}
)


@dataclass(frozen=True)
class OfferRows:
    """A compiled ``[offers]`` table."""

    venue: tuple[str, ...]
    mapping: RecordMapping

    @classmethod
    def from_table(cls, table: Any) -> OfferRows:
        """Compile ``[offers]``.

        :raises MappingError: French, naming ``offers.<key>``.
        """
        if not isinstance(table, Mapping):
            raise MappingError("offers : attendu une table [offers] avec venue = … et [offers.mapping]")
        unknown = sorted(set(table) - {"venue", "mapping"})
        if unknown:
            raise MappingError(f"offers : clé inconnue « {unknown[0]} » (attendu venue et mapping)")
        venue = table.get("venue")
        columns = (venue,) if isinstance(venue, str) else tuple(venue) if isinstance(venue, list) else ()
        if not columns or not all(isinstance(c, str) and c.strip() for c in columns):
            raise MappingError(
                "offers.venue : attendu la colonne (ou la liste de colonnes) qui nomme le lieu de l'offre"
            )
        spec = table.get("mapping")
        if not isinstance(spec, Mapping) or not spec:
            raise MappingError("offers.mapping : attendu une table « champ de l'offre » = expression")
        return cls(columns, _compile_mapping(spec, "offers.mapping"))

    def _keys(self, raw: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """(the venue's id, its name), folded: the first column of ``venue`` holds the id when there
        are several, the others the name."""
        found = [None if is_blank(cell) else fold_key(str(cell)) for cell in (resolve(raw, c) for c in self.venue)]
        if len(found) == 1:
            return found[0], None
        return found[0], next((name for name in found[1:] if name), None)

    def group(self, items: Iterable[ReadItem]) -> Iterator[ReadItem]:
        """One item per venue: its first row, with every row of its offers under ``OFFERS_KEY``; rows
        naming no venue, and records that could not be read, pass as they are. A row naming its venue
        by name only joins the rows giving that name with an id."""
        read: list[tuple[ReadItem, tuple[str | None, str | None]]] = []
        for item in items:
            keys = self._keys(item.record) if item.record is not None else (None, None)
            if keys == (None, None):
                yield item
            else:
                read.append((item, keys))
        ids_of_names = {name: venue_id for _, (venue_id, name) in read if venue_id and name}
        groups: dict[str, list[tuple[ReadItem, str | None]]] = {}
        for item, (venue_id, name) in read:
            key = venue_id or ids_of_names.get(name or "") or f"nom:{name}"
            groups.setdefault(key, []).append((item, venue_id))
        for rows in groups.values():
            first = next((row for row, venue_id in rows if venue_id), rows[0][0])  # a row giving the id
            raws = [row.record for row, _ in rows]
            yield ReadItem(
                first.position,
                {**(first.record or {}), OFFERS_KEY: raws},
                payload_of(raws),
                [problem for row, _ in rows for problem in row.problems],
            )

    def offers(
        self, raw: Mapping[str, Any], *, today: date | None = None
    ) -> tuple[list[dict[str, Any]], list[Problem]]:
        """The offers of a grouped record (``schema.offer_reading`` reads them), and what could not be mapped."""
        offers: list[dict[str, Any]] = []
        problems: list[Problem] = []
        for row in raw.get(OFFERS_KEY) or ():
            _add_offer(self.mapping, row, today, offers, problems)
        return offers, problems


@dataclass(frozen=True)
class OfferTemplates:
    """A compiled ``[[offers]]`` list: the offers a record may carry, each there when its column has a value."""

    templates: tuple[tuple[str, RecordMapping], ...]  # (the ``when`` column, the offer's mapping)

    @classmethod
    def from_list(cls, items: list[Any]) -> OfferTemplates:
        templates = []
        for index, item in enumerate(items, start=1):
            where = f"offers[{index}]"
            if not isinstance(item, Mapping) or set(item) - {"when", "mapping"}:
                raise MappingError(f"{where} : attendu when = « colonne » et [offers.mapping]")
            when = item.get("when")
            if not isinstance(when, str) or not when.strip():
                raise MappingError(f"{where}.when : attendu la colonne dont la valeur dit que le lieu propose l'offre")
            templates.append((when, _compile_mapping(item.get("mapping"), f"{where}.mapping")))
        return cls(tuple(templates))

    def group(self, items: Iterable[ReadItem]) -> Iterable[ReadItem]:
        return items  # each record is a venue with its offers inside

    def offers(
        self, raw: Mapping[str, Any], *, today: date | None = None
    ) -> tuple[list[dict[str, Any]], list[Problem]]:
        """The offers this record has (a template whose ``when`` column is empty gives none)."""
        offers: list[dict[str, Any]] = []
        problems: list[Problem] = []
        for when, mapping in self.templates:
            if not is_blank(resolve(raw, when)):
                _add_offer(mapping, raw, today, offers, problems)
        return offers, problems


def _compile_mapping(spec: Any, where: str) -> RecordMapping:
    if not isinstance(spec, Mapping) or not spec:
        raise MappingError(f"{where} : attendu une table « champ de l'offre » = expression")
    fields = {}
    for target, expr in spec.items():
        if target not in OFFER_TARGETS:
            raise MappingError(
                f"{where}.{target} : « {target} » n'est pas un champ d'une offre "
                f"(possibles : {', '.join(sorted(OFFER_TARGETS))})"
            )
        # A description may gather several texts (the modules of a group): read as a list, joined below.
        fields[target] = compile_expr("site_web" if target == "description" else target, expr, f"{where}.{target}")
    return RecordMapping(fields)


def _add_offer(
    mapping: RecordMapping,
    raw: Mapping[str, Any],
    today: date | None,
    offers: list[dict[str, Any]],
    problems: list[Problem],
) -> None:
    mapped, found = mapping.apply(raw, today=today)
    problems += [Problem(f"offres.{p.field}", p.code, p.value, p.severity, p.params) for p in found]
    if isinstance(mapped.get("description"), list):
        mapped["description"] = " ; ".join(str(text) for text in mapped["description"])
    place = {name.removeprefix("lieu."): mapped.pop(name) for name in list(mapped) if name.startswith("lieu.")}
    if place:
        mapped["lieu"] = place
    if mapped:
        offers.append(mapped)


def group_offer_rows(offer_rows: OfferRows | OfferTemplates | None, items: Iterable[ReadItem]) -> Iterable[ReadItem]:
    """``items`` grouped by venue when the source has ``[offers]``, else as they are."""
    return items if offer_rows is None else offer_rows.group(items)


def compile_offers(value: Any) -> OfferRows | OfferTemplates | None:
    """``SourceConfig``'s ``[offers]`` (a table) or ``[[offers]]`` (a list), compiled; ``ValueError``
    (French) when it cannot be."""
    if value is None or isinstance(value, (OfferRows, OfferTemplates)):
        return value
    try:
        return OfferTemplates.from_list(value) if isinstance(value, list) else OfferRows.from_table(value)
    except MappingError as err:
        raise ValueError(str(err).removeprefix("offers.").removeprefix("offers : ")) from err


def with_offers(
    offer_rows: OfferRows | OfferTemplates | None,
    raw: Mapping[str, Any],
    mapped: dict[str, Any],
    problems: list[Problem],
    *,
    today: date | None = None,
) -> tuple[dict[str, Any], list[Problem]]:
    """A mapped record with the offers of its rows (``offres``) when the source has ``[offers]``."""
    mapped.pop(OFFERS_KEY, None)
    if offer_rows is not None:
        offers, found = offer_rows.offers(raw, today=today)
        if offers:
            mapped["offres"] = offers
        problems = [*problems, *found]
    return mapped, problems
