# SPDX-License-Identifier: Apache-2.0
"""The venue form of the back office: each field's label and kind, and the translation between a
stored venue, the form's values and the raw values ``Writer.correct_many`` validates.

Raw values are written as a harvested record would give them (lists joined by « | », codes of the
vocabularies), so that validation treats a person's value exactly like a source's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from starlette.datastructures import FormData

from directory.schema import DAYS, LIST_VOCABULARIES, Vocabulary, editable_week, hhmm, write_week

__all__ = [
    "DAY_LABELS",
    "FIELDS",
    "FORM_SECTIONS",
    "FormField",
    "LABELS",
    "SLOTS",
    "WeekGrid",
    "current_raw",
    "described",
    "submitted_raw",
    "form_values",
    "typed_grid",
    "venue_value",
    "form_context",
    "week_grid",
    "week_from_form",
]


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    kind: str = "text"  # text | textarea | lines (one item per line) | choices (vocabulary checkboxes) | number
    hint: str = ""
    autocomplete: str = ""

    @property
    def vocabulary(self) -> list[Vocabulary]:
        return list(LIST_VOCABULARIES[self.name][0]) if self.kind == "choices" else []


#: The form, section by section, in the order a person reads a venue.
FORM_SECTIONS: tuple[tuple[str, tuple[FormField, ...]], ...] = (
    (
        "Le lieu",
        (
            FormField("nom", "Nom du lieu"),
            FormField("pivot", "SIRET de la structure", hint="14 chiffres ; laissez 00000000000000 s'il est inconnu."),
            FormField("structure_parente", "Structure parente"),
            FormField("typologie", "Type de structure", "choices"),
            FormField("presentation_resume", "Présentation courte", "textarea", hint="280 caractères au plus."),
            FormField("presentation_detail", "Présentation détaillée", "textarea"),
        ),
    ),
    (
        "Adresse et position",
        (
            FormField("adresse", "Adresse (numéro et voie)", autocomplete="address-line1"),
            FormField("complement_adresse", "Complément d'adresse", autocomplete="address-line2"),
            FormField("code_postal", "Code postal", autocomplete="postal-code"),
            FormField("commune", "Commune", autocomplete="address-level2"),
            FormField(
                "code_insee",
                "Code INSEE de la commune",
                hint="Laissez vide : il est déduit du code postal et de la commune.",
            ),
            FormField("latitude", "Latitude", "number", hint="En degrés décimaux, par exemple 45.7597."),
            FormField("longitude", "Longitude", "number", hint="En degrés décimaux, par exemple 4.8422."),
        ),
    ),
    (
        "Contact et horaires",
        (
            FormField("telephone", "Téléphone", autocomplete="tel"),
            FormField("courriels", "Courriels", "lines", hint="Un par ligne."),
            FormField("site_web", "Sites web", "lines", hint="Un par ligne, avec https://."),
            FormField(
                "horaires",
                "Horaires (format OpenStreetMap)",
                hint="Par exemple : Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00",
            ),
            FormField("prise_rdv", "Lien de prise de rendez-vous"),
            FormField("fiche_acces_libre", "Fiche Acceslibre (accessibilité)"),
        ),
    ),
    (
        "Ce que propose le lieu",
        (
            FormField("services", "Services", "choices"),
            FormField("publics_specifiquement_adresses", "Publics accueillis en particulier", "choices"),
            FormField("prise_en_charge_specifique", "Prise en charge spécifique", "choices"),
            FormField("modalites_acces", "Modalités d'accès", "choices"),
            FormField("modalites_accompagnement", "Modalités d'accompagnement", "choices"),
            FormField("frais_a_charge", "Frais à charge", "choices"),
            FormField("conditions_frais", "Conditions de frais", "choices"),
            FormField("itinerance", "Itinérance", "choices"),
            FormField("dispositif_programmes_nationaux", "Dispositifs et programmes nationaux", "choices"),
            FormField("formations_labels", "Formations et labels", "choices"),
            FormField("autres_formations_labels", "Autres formations et labels"),
        ),
    ),
)

#: Field → its label, for histories, errors and proposals.
LABELS: dict[str, str] = {f.name: f.label for _, section in FORM_SECTIONS for f in section} | {
    "date_maj": "Date de mise à jour",
    "offres": "Offres",
    "source": "Source",
    "geo_method": "Méthode de placement",
    "merged_into": "Fusionné dans le lieu",
    "reason": "Raison",
}

#: Each field of the form by name, in the form's order.
FIELDS = {f.name: f for _, section in FORM_SECTIONS for f in section}


def _raw(value: Any) -> str:
    """A stored value as the form shows it and validation reads it."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(getattr(item, "code", str(item)) for item in value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def current_raw(venue: Any) -> dict[str, str]:
    """Each form field of a stored venue (a ``Venue``), as raw text."""
    return {name: _raw(getattr(venue, name)) for name in FIELDS}


def submitted_raw(form: FormData | Mapping[str, Any]) -> dict[str, str]:
    """Each form field as the person submitted it, as raw text (lists joined by « | »)."""
    values: dict[str, str] = {}
    for name, f in FIELDS.items():
        if f.kind == "choices":
            if isinstance(form, FormData):
                items: list[Any] = form.getlist(name)
            else:  # a mapping holds the list, or one value
                given = form.get(name)
                items = list(given) if isinstance(given, (list, tuple)) else [] if given in (None, "") else [given]
            values[name] = "|".join(str(item) for item in items)
        elif f.kind == "lines":
            text = str(form.get(name) or "")
            values[name] = "|".join(line.strip() for line in text.splitlines() if line.strip())
        else:
            values[name] = str(form.get(name) or "").strip()
    return values


def described(value: Any, field: str | None = None) -> str:
    """A stored value of ``field`` (or a dict of a group's fields) in words for the history and the
    queue: vocabulary codes by their label."""
    if value is None or value == "" or value == []:
        return "(vide)"
    if field == "offres" and isinstance(value, list):  # offers (``schema.offer``): by name, with their hours
        return " | ".join(
            f"{o.get('nom') or o.get('id')}" + (f" ({o['horaires']})" if o.get("horaires") else "")
            for o in value
            if isinstance(o, dict)
        )
    if isinstance(value, list):
        labels = _TERM_LABELS.get(field or "", {})
        return " | ".join(labels.get(str(v), str(v)) for v in value)
    if isinstance(value, dict):
        return ", ".join(
            f"{LABELS.get(str(k), str(k)).lower()} : {described(v, k)}" for k, v in value.items() if k != "geo_method"
        )
    return str(value)


#: List field → code → label, for ``described``.
_TERM_LABELS: dict[str, dict[str, str]] = {
    name: {term.code: term.label for term in vocabulary} for name, (vocabulary, _) in LIST_VOCABULARIES.items()
}


def venue_value(venue: Any, name: str) -> str:
    """A field of a ``Venue`` in words: vocabulary terms by their label."""
    value = getattr(venue, name)
    return described([getattr(item, "code", item) for item in value] if isinstance(value, list) else value, name)


# -- the weekly editor of « horaires » ------------------------------------------------

DAY_LABELS = {
    "Mo": "Lundi",
    "Tu": "Mardi",
    "We": "Mercredi",
    "Th": "Jeudi",
    "Fr": "Vendredi",
    "Sa": "Samedi",
    "Su": "Dimanche",
}
SLOTS = 2  # ranges a day in the grid: morning and afternoon
#: Day → its ranges as « HH:MM » pairs, SLOTS of them (empty strings where closed).
WeekGrid = dict[str, list[tuple[str, str]]]


def week_grid(horaires: str | None) -> WeekGrid | None:
    """The grid showing ``horaires``; None when the value cannot be edited day by day without loss
    (holiday rules, comments, more than ``SLOTS`` ranges a day…): then only the raw field is offered."""
    week = editable_week(horaires)
    if week is None or any(len(ranges) > SLOTS for ranges in week.values()):
        return None
    return {day: [(hhmm(a), hhmm(b)) for a, b in week[day]] + [("", "")] * (SLOTS - len(week[day])) for day in DAYS}


def _minutes(text: str) -> int | None:
    hours, sep, minutes = text.strip().partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        return None
    value = int(hours) * 60 + int(minutes)
    return value if int(minutes) < 60 and value <= 24 * 60 else None


def typed_grid(form: FormData | Mapping[str, Any]) -> WeekGrid:
    """The grid as the person left it."""
    return {
        day: [
            (str(form.get(f"h-{day}-{i}-de") or "").strip(), str(form.get(f"h-{day}-{i}-a") or "").strip())
            for i in range(SLOTS)
        ]
        for day in DAYS
    }


def week_from_form(form: FormData | Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(the OSM value the grid now says, an error in French) when the person changed the grid since it
    was shown (``semaine-origine`` holds the value it was built from); (None, None) when they did not,
    and the raw field decides."""
    if "semaine-origine" not in form:
        return None, None
    shown = week_grid(str(form.get("semaine-origine") or ""))
    typed = typed_grid(form)
    if shown is None or typed == shown:
        return None, None
    week: dict[str, list[tuple[int, int]]] = {}
    for day, ranges in typed.items():
        for start, end in ranges:
            if not start and not end:
                continue
            a, b = _minutes(start), _minutes(end)
            if a is None or b is None:
                return None, f"{DAY_LABELS[day]} : donnez l'ouverture et la fermeture, en heures et minutes (09:00)."
            if b <= a:
                return None, f"{DAY_LABELS[day]} : la fermeture ({end}) doit venir après l'ouverture ({start})."
            week.setdefault(day, []).append((a, b))
    return write_week(week) or "", None


def form_values(form: Any) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The raw values a venue form says (the weekly grid, when changed, gives « horaires »), and the
    grid's error if any."""
    values = submitted_raw(form)
    week, error = week_from_form(form)
    if week is not None:
        values["horaires"] = week
    return values, ({"horaires": [error]} if error else {})


def form_context(
    values: Mapping[str, str], errors: Mapping[str, list[str]] | None = None, form: Any = None
) -> dict[str, Any]:
    """What every venue form shows (editing, a new venue, a quarantined record to fix): the fields'
    values, sections, labels and errors, and the weekly editor's grid of ``values["horaires"]``
    (or as typed, after an error)."""
    grid = typed_grid(form) if form is not None else week_grid(values.get("horaires"))
    origin = str(form.get("semaine-origine", "")) if form is not None else values.get("horaires", "")
    return {
        "week": grid,
        "week_origin": origin,
        "day_labels": DAY_LABELS,
        "values": values,
        "errors": errors or {},
        "labels": LABELS,
        "sections": FORM_SECTIONS,
    }
