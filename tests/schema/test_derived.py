# SPDX-License-Identifier: Apache-2.0
"""Filters derived from the standard's fields: open at the weekend or in the evening (read from the
OSM hours), accessible in a wheelchair (read from « Handicaps moteurs »)."""

from __future__ import annotations

from datetime import date

import pytest

from directory.schema import OpeningHours, PriseEnCharge, Venue
from directory.schema.derived import FILTER_VOCABULARIES, Accessibilite, Creneau, derived_terms

MONDAY = date(2026, 3, 2)  # no public holiday in the two weeks that follow


@pytest.mark.parametrize(
    ("text", "weekend", "evening"),
    [
        ("Mo-Fr 09:00-12:00,14:00-18:00", False, False),  # closes at 18:00 sharp: not the evening
        ("Mo-Fr 09:00-18:30", False, True),
        ("Sa 10:00-12:00", True, False),
        ("Mo-Fr 09:00-17:00; Sa 09:00-12:00", True, False),
        ("Su 10:00-12:00; PH off", True, False),
        ("Tu 20:00-02:00", False, True),  # past midnight into Wednesday, not the weekend
        ("Fr 22:00-24:00", False, True),  # ends at Saturday's first second: not the weekend
        ("24/7", True, True),
        ("Mo-Fr 09:00-12:00; week 1-53/2 Sa 10:00-12:00", True, False),  # every other Saturday
    ],
)
def test_weekend_and_evening_read_from_the_hours(text: str, weekend: bool, evening: bool) -> None:
    hours = OpeningHours(text)
    assert (hours.opens_at_weekend(MONDAY), hours.opens_in_evening(MONDAY)) == (weekend, evening)


def venue(**values: object) -> Venue:
    base: dict[str, object] = dict(
        id="l1", nom="Espace", pivot="0" * 14, commune="Lyon", code_postal="69008", adresse="1 rue", date_maj=MONDAY
    )
    return Venue(**{**base, **values})  # type: ignore[arg-type]


def test_derived_terms_of_a_venue() -> None:
    assert derived_terms(venue(horaires="Mo-Sa 09:00-19:00"), MONDAY) == {"creneaux": ("week-end", "soiree")}
    assert derived_terms(venue(horaires="pas d'horaires"), MONDAY) == {}  # unparsable: neither
    assert derived_terms(venue(), MONDAY) == {}
    wheelchair = venue(prise_en_charge_specifique=[PriseEnCharge.HANDICAPS_MOTEURS, PriseEnCharge.SURDITE])
    assert derived_terms(wheelchair, MONDAY) == {"accessibilite": ("fauteuil-roulant",)}
    assert derived_terms(venue(prise_en_charge_specifique=[PriseEnCharge.SURDITE]), MONDAY) == {}


def test_derived_filters_come_after_the_standard_lists_and_read_their_words() -> None:
    assert list(FILTER_VOCABULARIES)[-2:] == ["creneaux", "accessibilite"]
    assert FILTER_VOCABULARIES["services"] is not None
    assert Creneau.parse("Ouvert le week-end") is Creneau.parse("weekend") is Creneau.WEEK_END
    assert Creneau.parse("en soirée") is Creneau.SOIREE
    assert Accessibilite.parse("Accessible en fauteuil roulant") is Accessibilite.FAUTEUIL_ROULANT
