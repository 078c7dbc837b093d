# SPDX-License-Identifier: Apache-2.0
"""Plain-language needs (``search.needs``): each maps to the standard's services, and free text is understood."""

from __future__ import annotations

import pytest

from directory.schema import DispositifProgramme, Service
from directory.search import synonyms
from directory.search.needs import NEEDS, need, understand


def test_every_need_names_services_and_has_its_own_slug() -> None:
    assert len({n.slug for n in NEEDS}) == len(NEEDS)
    assert all(n.services and n.label and n.reason for n in NEEDS)
    assert need("demarches") is NEEDS[0] and need("inconnu") is None


def test_every_service_of_the_standard_is_reachable_from_a_need() -> None:
    assert {s for n in NEEDS for s in n.services} == set(Service)


@pytest.mark.parametrize(
    ("text", "slugs", "topics"),
    [
        ("aide pour faire ses démarches CAF", ["demarches"], ("CAF",)),
        ("Démarche impôts", ["demarches"], ("impôts",)),
        ("refaire sa carte grise", ["demarches"], ("carte grise",)),
        ("envoyer un mail à sa fille", ["courriel"], ()),
        ("apprendre le smartphone", ["appareils"], ("smartphone",)),
        ("faire un CV", ["emploi"], ("CV",)),
        ("Pronote de mon fils", ["parentalite"], ()),
        ("bonjour", [], ()),
    ],
)
def test_free_text_is_understood(text: str, slugs: list[str], topics: tuple[str, ...]) -> None:
    understood = understand(text)
    assert [n.slug for n in understood.needs] == slugs
    assert understood.topics == topics


def test_what_the_search_understands_the_orientation_understands() -> None:
    """Each word of the search's synonym groups names a need answering its services."""
    for group in synonyms.GROUPS:
        for word in group.words:
            services = {s for n in understand(word).needs for s in n.services}
            assert services & set(group.services), word


def test_caf_paperwork_prefers_a_caf_point() -> None:
    assert DispositifProgramme.CAF in need("demarches").programmes  # type: ignore[union-attr]
