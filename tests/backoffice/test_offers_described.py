# SPDX-License-Identifier: Apache-2.0
"""A venue's offers in the back office's words (« Historique », the queue): by name and hours, not as
the stored JSON."""

from __future__ import annotations

from directory.web.backoffice.fields import LABELS, described


def test_offers_are_named_with_their_hours_in_the_history() -> None:
    offers = [{"id": "a", "nom": "Atelier tablette", "horaires": "Tu 10:00-12:00"}, {"id": "b", "nom": "Permanence"}]
    assert described(offers, "offres") == "Atelier tablette (Tu 10:00-12:00) | Permanence"
    assert described([], "offres") == "(vide)"
    assert LABELS["offres"] == "Offres"
