# SPDX-License-Identifier: Apache-2.0
"""The state of an orientation (``/orienter``), all of it in the address.

A professional goes through short steps — the need, the person's situation,
where, when and how — and every answer is a query parameter, so that the
page can be bookmarked, sent, or opened again on another computer. Nothing
about the person is asked beyond what choosing a place needs, and nothing is
stored: the address is the only memory. ``read_orientation`` reads what it
understands and drops the rest with a French message per field (a page never
fails on a stale or hand-edited link).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from directory.errors import InvalidQuery
from directory.schema import PriseEnCharge, Public
from directory.search import NEEDS, Need, need, understand

from .params import WEEKDAY_PARAMS, SearchRequest, read_search

__all__ = [
    "ADAPTED",
    "DAYS",
    "LANGUAGES",
    "MOMENTS",
    "Orientation",
    "STEPS",
    "Step",
    "read_orientation",
]

#: ``jour=``: a day of the week, or the week-end.
DAYS: tuple[str, ...] = (*WEEKDAY_PARAMS, "week-end")
#: ``moment=``: part of the day → (label, after a day's name, start, end in minutes since midnight).
MOMENTS: dict[str, tuple[str, str, int, int]] = {
    "matin": ("le matin", "matin", 8 * 60, 12 * 60),
    "apres-midi": ("l'après-midi", "après-midi", 13 * 60 + 30, 17 * 60),
    "soir": ("le soir (après 18 h)", "soir", 18 * 60, 22 * 60),
}
#: ``adapte=`` values offered as languages; the other ``PriseEnCharge`` codes are disabilities.
LANGUAGES = (PriseEnCharge.ANGLAIS, PriseEnCharge.AUTRES_LANGUES)
ADAPTED = tuple(p for p in PriseEnCharge if p not in LANGUAGES)


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the path: its route, its title, what it asks in a few words."""

    route: str
    title: str
    params: tuple[str, ...]


#: The steps, in order; the last one lists the places.
STEPS: tuple[Step, ...] = (
    Step("orient", "Le besoin", ("besoin", "q")),
    Step("orient_situation", "La situation", ("public", "adapte", "sans_equipement", "pass_numerique")),
    Step("orient_where", "Où", ("lieu", "lat", "lon")),
    Step("orient_when", "Quand et comment", ("jour", "moment", "sans_rdv", "telephone")),
    Step("orient_results", "Les lieux", ()),
)


@dataclass(frozen=True, slots=True)
class Orientation:
    """Every answer of the path (all optional: each step can be skipped)."""

    besoins: tuple[str, ...] = ()  # slugs of ``search.needs.NEEDS``
    texte: str | None = None  # the need in the professional's words (``q=``)
    publics: tuple[str, ...] = ()  # ``Public`` codes
    adapte: tuple[str, ...] = ()  # ``PriseEnCharge`` codes (languages and disabilities)
    sans_equipement: bool = False
    pass_numerique: bool = False
    lieu: str | None = None
    lat: float | None = None
    lon: float | None = None
    jour: str | None = None  # one of ``DAYS``
    moment: str | None = None  # a key of ``MOMENTS``
    sans_rdv: bool = False
    telephone: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def needs(self) -> tuple[Need, ...]:
        """The needs chosen, then those the free text names (each once)."""
        chosen = [n for slug in self.besoins if (n := need(slug)) is not None]
        typed = understand(self.texte).needs if self.texte else ()
        return tuple(dict.fromkeys([*chosen, *typed]))

    @property
    def topics(self) -> tuple[str, ...]:
        """The precise words of the free text (« CAF »), repeated in the reasons."""
        return understand(self.texte).topics if self.texte else ()

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """The query string of this state (with ``changes``); empty answers left out."""
        state = replace(self, **changes)
        out: list[tuple[str, str]] = [("besoin", b) for b in state.besoins]
        out += [("q", state.texte)] if state.texte else []
        out += [("public", p) for p in state.publics]
        out += [("adapte", a) for a in state.adapte]
        out += [("sans_equipement", "1")] if state.sans_equipement else []
        out += [("pass_numerique", "1")] if state.pass_numerique else []
        out += [("lieu", state.lieu)] if state.lieu else []
        if state.has_point:
            out += [("lat", f"{state.lat:.5f}"), ("lon", f"{state.lon:.5f}")]
        out += [("jour", state.jour)] if state.jour else []
        out += [("moment", state.moment)] if state.moment else []
        out += [("sans_rdv", "1")] if state.sans_rdv else []
        out += [("telephone", "1")] if state.telephone else []
        return out

    def query(self, **changes: object) -> str:
        """``?…`` of this state, or "" when nothing is answered."""
        text = urlencode(self.params(**changes))
        return f"?{text}" if text else ""

    def hidden(self, step: Step) -> list[tuple[str, str]]:
        """The answers of the other steps, carried as hidden fields by ``step``'s form."""
        return [(k, v) for k, v in self.params() if k not in step.params]

    def summary(self) -> list[tuple[Step, list[str]]]:
        """Each answered step with its answers in words (for the recap and the slip)."""
        labels_public = {p.code: p.label for p in Public}
        labels_adapted = {p.code: p.label for p in PriseEnCharge}
        need_words = [n.label for n in self.needs]
        if self.texte:
            need_words.insert(0, f"« {self.texte} »")
        situation = [labels_public[p] for p in self.publics] + [labels_adapted[a] for a in self.adapte]
        situation += ["Sans équipement (ni ordinateur ni smartphone)"] if self.sans_equipement else []
        situation += ["A un Pass numérique"] if self.pass_numerique else []
        where = [self.lieu] if self.lieu else ["Autour de la position donnée"] if self.has_point else []
        when = [self.when_label()] if self.jour or self.moment else []
        when += ["Sans rendez-vous"] if self.sans_rdv else []
        when += ["Par téléphone"] if self.telephone else []
        answers = [need_words, situation, where, when]
        return [(step, words) for step, words in zip(STEPS, answers, strict=False) if words]

    def when_label(self) -> str:
        """« mardi matin », « le week-end », « le soir (après 18 h) », « le week-end, le matin »."""
        if self.jour == "week-end":
            return "le week-end" + (f", {MOMENTS[self.moment][0]}" if self.moment else "")
        if self.jour and self.moment:
            return f"{self.jour} {MOMENTS[self.moment][1]}"
        return self.jour or (MOMENTS[self.moment][0] if self.moment else "")


def _flag(params: QueryParams, name: str) -> bool:
    return params.get(name, "") not in ("", "0", "non")


def _codes(params: QueryParams, name: str, allowed: set[str], errors: dict[str, str], what: str) -> tuple[str, ...]:
    values = [v for raw in params.getlist(name) for v in raw.split(",") if v.strip()]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        errors[name] = f"{what} inconnu, ignoré : « {unknown[0][:40]} »."
    return tuple(dict.fromkeys(v for v in values if v in allowed))


def _choice(params: QueryParams, name: str, allowed: tuple[str, ...], errors: dict[str, str]) -> str | None:
    value = params.get(name, "").strip()
    if value and value not in allowed:
        errors[name] = f"Valeur inconnue, ignorée : « {value[:40]} »."
        return None
    return value or None


def read_orientation(params: QueryParams) -> Orientation:
    """The orientation the address describes; what is not understood is dropped and said in ``errors``."""
    errors: dict[str, str] = {}
    besoins = _codes(params, "besoin", {n.slug for n in NEEDS}, errors, "Besoin")
    publics = _codes(params, "public", {p.code for p in Public}, errors, "Public")
    adapte = _codes(params, "adapte", {p.code for p in PriseEnCharge}, errors, "Accompagnement")
    # Text and place are read as the search reads them: the same limits, the same French messages.
    texte = _read_search_part(params, ("q",), errors)
    where = _read_search_part(params, _place_keys(params), errors)
    return Orientation(
        besoins=besoins,
        texte=texte.besoin if texte else None,
        publics=publics,
        adapte=adapte,
        sans_equipement=_flag(params, "sans_equipement"),
        pass_numerique=_flag(params, "pass_numerique"),
        lieu=where.lieu if where else None,
        lat=where.lat if where else None,
        lon=where.lon if where else None,
        jour=_choice(params, "jour", DAYS, errors),
        moment=_choice(params, "moment", tuple(MOMENTS), errors),
        sans_rdv=_flag(params, "sans_rdv"),
        telephone=_flag(params, "telephone"),
        errors=errors,
    )


def _place_keys(params: QueryParams) -> tuple[str, ...]:
    """A place typed wins over a point carried from before (step 3 keeps the point while nothing is typed)."""
    return ("lieu",) if params.get("lieu", "").strip() else ("lat", "lon")


def _read_search_part(params: QueryParams, keys: tuple[str, ...], errors: dict[str, str]) -> SearchRequest | None:
    """Some parameters read by ``read_search``; of a parameter given several times, the last non-empty value
    (« Autour de moi » sends a new point after the one carried)."""
    last = {k: v for k, v in params.multi_items() if k in keys and v.strip()}
    try:
        return read_search(QueryParams(list(last.items())), strict=False)
    except InvalidQuery as err:
        errors.update({e.field: e.message for e in err.errors})
        return None
