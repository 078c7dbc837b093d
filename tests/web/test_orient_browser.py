# SPDX-License-Identifier: Apache-2.0
"""``/orienter`` in headless Chromium, on the demo data: by keyboard and without JavaScript to a
one-page A4 slip, axe-core on every step at phone and desktop sizes, no sideways scroll at 320 px.

Set ``SCREENSHOTS_DIR`` (e.g. ``docs/screenshots``) to keep the screenshots of
every step (``orienter-*.png``), as ``docs/orienter.md`` shows them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from starlette.applications import Starlette

from directory.config import Settings
from directory.schema import Frais, ModaliteAcces, ModaliteAccompagnement, Public
from directory.store import SourceInfo, utcnow
from directory.web import create_app

from ..serving import ServerThread
from .browsing import VIEWPORTS, all_violations
from .seeding import make_store
from .test_orient import SCENARIO
from .test_venue import pdf_pages, worst_case_venue

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
#: Every page of the path, as the scenario reaches it.
PAGES = {
    "besoin": "/orienter",
    "situation": "/orienter/situation",
    "lieu": "/orienter/lieu",
    "quand": "/orienter/quand",
    "lieux": "/orienter/lieux",
    "fiche": "/orienter/fiche",
}
#: An A4 sheet at 96 CSS pixels per inch.
A4 = {"width": 794, "height": 1123}


@pytest.fixture(scope="module")
def demo_app(demo_store, places, tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    # A public address of its own, so that the slip's printed addresses do not change with the test's port.
    settings = Settings(data_dir=tmp_path_factory.mktemp("orient-browser"), public_url="https://annuaire.example")
    return create_app(settings, demo_store, places)


@pytest.fixture(scope="module")
def server(demo_app: Starlette) -> Iterator[str]:
    with ServerThread(demo_app, name="orient-pages") as base_url:
        yield base_url


def tab_to(page: Any, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element of that id has the focus (fails after ``limit`` presses)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} never got the focus by Tab")


def tab_to_button(page: Any, text: str, limit: int = 80) -> None:
    """Press Tab until a button whose text starts with ``text`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "document.activeElement && document.activeElement.tagName === 'BUTTON' ? document.activeElement.innerText : ''"
        )
        if focused.startswith(text):
            return
    raise AssertionError(f"no button « {text} » reached by Tab")


def press_and_wait(page: Any, key: str) -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def test_by_keyboard_without_javascript_to_a_one_page_slip(browser: Any, server: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORTS["desktop"], locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"{server}/orienter")
        # 1. The need, in the professional's words.
        tab_to(page, "q")
        page.keyboard.type(SCENARIO["q"])
        tab_to_button(page, "Continuer")
        press_and_wait(page, "Enter")
        assert urlsplit(page.url).path == "/orienter/situation"
        # 2. A senior, without computer, with Pass numérique cheques.
        for box in ("public-seniors", "sans_equipement", "pass_numerique"):
            tab_to(page, box)
            page.keyboard.press("Space")
        tab_to_button(page, "Continuer")
        press_and_wait(page, "Enter")
        # 3. Lyon 8e (Enter in the text field sends the form).
        tab_to(page, "lieu")
        page.keyboard.type(SCENARIO["lieu"])
        press_and_wait(page, "Enter")
        assert urlsplit(page.url).path == "/orienter/quand"
        # 4. Tuesday morning: arrow keys move within each group of radio buttons.
        tab_to(page, "jour-aucun")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        tab_to(page, "moment-aucun")
        page.keyboard.press("ArrowDown")
        tab_to_button(page, "Voir les lieux")
        press_and_wait(page, "Enter")
        # The list: the whole state in the address, each place says why.
        assert urlsplit(page.url).path == "/orienter/lieux"
        state = {k: v for k, v in parse_qsl(urlsplit(page.url).query) if v}
        assert state == SCENARIO
        cards = page.locator(".orient-card")
        assert 3 <= cards.count() <= 8
        for i in range(cards.count()):
            assert "Ouvert mardi matin" in cards.nth(i).locator(".orient-reasons").inner_text()
        # Choose by keyboard: not the first place, but the fourth.
        boxes = page.locator('input[name="choix"]')
        first, fourth = boxes.nth(0).get_attribute("id"), boxes.nth(3).get_attribute("id")
        names = page.locator(".orient-card h2 a")
        wanted = [names.nth(i).inner_text() for i in (1, 2, 3)]
        tab_to(page, first)
        page.keyboard.press("Space")
        tab_to(page, fourth)
        page.keyboard.press("Space")
        tab_to_button(page, "Préparer la fiche")
        press_and_wait(page, "Enter")
        # The slip: the three places chosen, one A4 page.
        assert urlsplit(page.url).path == "/orienter/fiche"
        printed = page.locator(".oslip-place h2")
        assert [printed.nth(i).inner_text().split(" (à ")[0] for i in range(printed.count())] == wanted
        assert pdf_pages(page.pdf(format="A4", print_background=True)) == 1
        page.emulate_media(media="print")
        for chrome in (".site-header", ".site-footer", ".slip-tools", ".orient-steps"):
            assert not page.locator(chrome).first.is_visible(), chrome
    finally:
        context.close()


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
@pytest.mark.parametrize("name", list(PAGES))
def test_no_accessibility_violation_on_any_step(browser: Any, server: str, name: str, viewport: str) -> None:
    context = browser.new_context(viewport=VIEWPORTS[viewport], locale="fr-FR", bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{server}{PAGES[name]}?{urlencode(SCENARIO)}")
        assert page.locator("h1").count() == 1
        assert all_violations(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_no_step_scrolls_sideways_at_320_css_pixels(browser: Any, server: str, name: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"{server}{PAGES[name]}?{urlencode(SCENARIO)}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        context.close()


def test_the_bare_path_and_a_slip_without_place_still_fit(browser: Any, server: str) -> None:
    """Every step skipped: the list is the directory's best fits anywhere, and the slip still one page."""
    context = browser.new_context(locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"{server}/orienter/lieux")
        assert page.locator(".orient-card").count() >= 1
        page.goto(f"{server}/orienter/fiche")
        assert pdf_pages(page.pdf(format="A4")) == 1
    finally:
        context.close()


def test_orienter_screenshots(browser: Any, server: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    if not folder.is_absolute():
        folder = ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    for viewport, size in VIEWPORTS.items():
        context = browser.new_context(viewport=size, locale="fr-FR", device_scale_factor=1)
        try:
            page = context.new_page()
            for name, path in PAGES.items():
                page.goto(f"{server}{path}?{urlencode(SCENARIO)}")
                page.screenshot(path=str(folder / f"orienter-{name}-{viewport}.png"), full_page=True)
        finally:
            context.close()
    context = browser.new_context(viewport=A4, locale="fr-FR", device_scale_factor=1)
    try:
        page = context.new_page()
        page.goto(f"{server}/orienter/fiche?{urlencode(SCENARIO)}")
        page.emulate_media(media="print")
        page.screenshot(path=str(folder / "orienter-fiche-print-a4.png"), full_page=True)
    finally:
        context.close()


def test_around_me_with_javascript_keeps_the_point_in_the_address(browser: Any, server: str) -> None:
    context = browser.new_context(
        locale="fr-FR", geolocation={"latitude": 45.7347, "longitude": 4.8694}, permissions=["geolocation"]
    )
    try:
        page = context.new_page()
        page.goto(f"{server}/orienter/lieu?besoin=demarches")
        with page.expect_navigation():
            page.get_by_role("button", name="Autour de moi").click()
        assert urlsplit(page.url).path == "/orienter/quand"
        state = dict(parse_qsl(urlsplit(page.url).query))
        assert state == {"besoin": "demarches", "lat": "45.73470", "lon": "4.86940"}
        # Back to the step, with JavaScript on: « Continuer » keeps the point.
        page.goto(f"{server}/orienter/lieu?{urlsplit(page.url).query}")
        with page.expect_navigation():
            page.get_by_role("button", name="Continuer").click()
        assert dict(parse_qsl(urlsplit(page.url).query)) == state
        page.goto(f"{server}/orienter/lieux?{urlsplit(page.url).query}")
        assert "Lieux autour de votre position (Lyon" in page.locator("h1").inner_text()
    finally:
        context.close()


@pytest.fixture(scope="module")
def longest_server(places, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Three of the longest venues we expect (every service, long name, address and hours), side by side."""
    folder = tmp_path_factory.mktemp("orient-longest")
    store = make_store(folder)
    with store.writer() as w:
        w.ensure_source(SourceInfo("reseau-test", "Réseau test"))
        for n in range(3):
            venue = worst_case_venue()
            venue = replace(
                venue,
                id=f"long-{n}",
                nom=f"{venue.nom} {n}",
                latitude=46.2566 + n / 1000,
                modalites_acces=list(ModaliteAcces),
                modalites_accompagnement=list(ModaliteAccompagnement),
                publics_specifiquement_adresses=[Public.JEUNES],
                frais_a_charge=[Frais.PAYANT],
                conditions_frais=[],
            )
            w.apply("reseau-test", venue.id, venue, at=utcnow())
    app = create_app(Settings(data_dir=folder), store, places)
    with ServerThread(app, name="orient-longest") as base_url:
        yield base_url


def test_the_longest_slip_still_prints_on_one_page(browser: Any, longest_server: str) -> None:
    """Every reason and every check on three long venues: still one A4 page."""
    asked = {
        **SCENARIO,
        "lieu": "01100",
        "adapte": ["surdite", "handicaps-moteurs", "langues-etrangeres-autres"],
        "sans_rdv": "1",
        "telephone": "1",
    }
    context = browser.new_context(locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"{longest_server}/orienter/fiche?{urlencode(asked, doseq=True)}")
        assert page.locator(".oslip-place").count() == 3
        assert page.locator(".oslip-check").count() == 3
        assert pdf_pages(page.pdf(format="A4", print_background=True)) == 1
    finally:
        context.close()
