# SPDX-License-Identifier: Apache-2.0
"""The tabs « Nouveaux lieux à publier » and « Fiches en quarantaine » in a real Chromium: no axe
violation of any impact on the tabs, the form that fixes a record (with its errors) and a waiting
venue's page, at phone and desktop sizes; publishing and fixing work with the keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from directory.places import Gazetteer
from directory.store import Scope

from ..web.browsing import VIEWPORTS, all_violations
from .conftest import harvest
from .scenery import Scene, animator, build_scene, choose_password, served
from .test_review_tabs import low_trust_source

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(tmp_path: Path, places: Gazetteer) -> Scene:
    scene = build_scene(tmp_path / "directory", places)
    harvest(scene.store, low_trust_source(scene.folder / "sources"), places)  # two new venues and a record in Lyon 8e
    return scene


@pytest.fixture
def base_url(scene: Scene) -> Iterator[str]:
    with served(scene) as url:
        yield url


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_review_tabs_have_no_accessibility_violation_and_work_with_the_keyboard(browser, scene, base_url, size):
    link = animator(scene, base_url)
    context = browser.new_context(viewport=VIEWPORTS[size], locale="fr-FR", bypass_csp=True)
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        if problems := all_violations(page):
            found[name] = problems

    try:
        page = context.new_page()
        choose_password(page, link)
        check("accueil")
        page.goto(base_url + "/gestion/a-verifier?onglet=nouveaux")
        assert page.locator("section.pending").count() == 2
        check("nouveaux lieux")
        pending = scene.store.pending_venues(Scope(communes=frozenset({"69388"})))  # as Alice sees them
        page.goto(base_url + f"/gestion/lieux/{pending[0].venue_id}")
        check("lieu en attente")
        page.goto(base_url + "/gestion/a-verifier?onglet=nouveaux")
        page.get_by_label("Raison du refus").first.fill("fermé depuis 2024")
        with page.expect_navigation():
            page.get_by_label("Raison du refus").first.press("Enter")  # Enter refuses, never publishes
        assert "Lieu refusé" in page.locator("[role=status]").inner_text()
        with page.expect_navigation():
            page.get_by_role("button", name="Publier").first.click()
        check("nouveaux lieux, décidés")
        page.goto(base_url + "/gestion/a-verifier?onglet=quarantaine")
        assert page.locator("section.quarantined").count() == 1
        check("quarantaine")
        with page.expect_navigation():
            page.get_by_role("link", name="Corriger et publier").click()
        check("corriger une fiche")
        page.get_by_role("button", name="Corriger et publier").click()
        page.wait_for_selector("#erreurs")
        check("corriger une fiche, erreurs")
        page.get_by_label("Adresse (numéro et voie)").fill("3 rue Antoine Lumière")
        with page.expect_navigation():
            page.get_by_label("Adresse (numéro et voie)").press("Enter")
        assert "Fiche corrigée" in page.locator("[role=status]").inner_text()
        check("quarantaine, corrigée")
    finally:
        context.close()
    assert found == {}
    assert [s.status for s in map(scene.store.get_venue, (p.venue_id for p in pending))] == ["refused", "active"]
