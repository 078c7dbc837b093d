# SPDX-License-Identifier: Apache-2.0
"""Filters people ask for that the national standard does not list, derived from the fields it has.

- ``creneaux`` (« Horaires élargis »): open at the weekend, open in the evening
  (after ``hours.EVENING_FROM``), read from the OSM ``horaires`` of the venue:
  its regular week when it has one (``week.read_week``, 98 % of the demo
  venues' hours), else the ``hours.TRAIT_WEEKS`` weeks from a given day (the
  day the search index is built or synced). Unparsable hours give neither.
- ``accessibilite`` (« Accessibilité »): « accessible en fauteuil roulant ».
  The standard has no field for the building's access: ``fiche_acces_libre``
  is only a link to an acceslibre page whose content we do not have, and the
  one field that says it is ``prise_en_charge_specifique`` = « Handicaps
  moteurs » (the venue can welcome and support people with a motor
  disability). So that is what this filter reads, and what the page says.

The search index stores them as filter codes like the standard's lists, so
both backends filter and count them the same way (``search.IndexDocument``).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from ._vocabulary import Vocabulary
from .hours import HoursError, OpeningHours
from .venue import Venue
from .vocabularies import LIST_VOCABULARIES, PriseEnCharge

__all__ = ["DERIVED_VOCABULARIES", "FILTER_VOCABULARIES", "Accessibilite", "Creneau", "derived_terms"]


class Creneau(Vocabulary):
    """Horaires élargis"""

    WEEK_END = "week-end", "Ouvert le week-end", "weekend", "ouvert le week-end", "samedi ou dimanche"
    SOIREE = "soiree", "Ouvert en soirée (après 18 h)", "soir", "en soirée", "ouvert en soirée"


class Accessibilite(Vocabulary):
    """Accessibilité"""

    FAUTEUIL_ROULANT = "fauteuil-roulant", "Accessible en fauteuil roulant", "accessible en fauteuil roulant", "pmr"


#: Derived filter fields → their vocabulary (after the standard's in ``FILTER_VOCABULARIES``).
DERIVED_VOCABULARIES: dict[str, type[Vocabulary]] = {"creneaux": Creneau, "accessibilite": Accessibilite}

#: Every field a search can filter and count on: the standard's lists, then the derived ones.
FILTER_VOCABULARIES: dict[str, type[Vocabulary]] = {
    **{name: vocabulary for name, (vocabulary, _multiple) in LIST_VOCABULARIES.items()},
    **DERIVED_VOCABULARIES,
}


def derived_terms(venue: Venue, start: date) -> dict[str, tuple[str, ...]]:
    """The derived filter codes of ``venue``, hours read over the weeks from ``start``;
    fields without a code are left out."""
    terms: dict[str, tuple[str, ...]] = {}
    creneaux = _creneaux(venue.horaires, start)
    if creneaux:
        terms["creneaux"] = creneaux
    if PriseEnCharge.HANDICAPS_MOTEURS in venue.prise_en_charge_specifique:
        terms["accessibilite"] = (Accessibilite.FAUTEUIL_ROULANT.code,)
    return terms


@lru_cache(maxsize=8192)  # many venues share their hours
def _creneaux(horaires: str | None, start: date) -> tuple[str, ...]:
    if not horaires:
        return ()
    try:
        hours = OpeningHours(horaires)
    except HoursError:
        return ()
    found = []
    if hours.opens_at_weekend(start):
        found.append(Creneau.WEEK_END.code)
    if hours.opens_in_evening(start):
        found.append(Creneau.SOIREE.code)
    return tuple(found)
