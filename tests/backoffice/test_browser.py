# SPDX-License-Identifier: Apache-2.0
"""The back office in Debian's Chromium: the real app under uvicorn on loopback, over a directory
harvested from two real sources with work waiting (``scenery.py``); accounts made with
``directory users add`` as an administrator would, their one-time link opened in the browser.

An animator does a day's work with the keyboard only (Tab, Shift+Tab, Enter, Space, arrows; each
step checks where the focus is): chooses her password, signs out and in, decides a pair, accepts
one proposed change and refuses another with a reason, edits a field and keeps another, gives one
back to the sources, merges two venues, cancels a change from the history; the store says each was
done in her name, and the history pages show it. A structure's manager is refused another venue.

Every back-office page has no axe-core violation of any impact, on a phone and on a desktop, and none
scrolls sideways at 320 CSS pixels. Screenshots go to the test's temporary folder: the committed
ones (docs/screenshots/gestion-*.png) are made by ``scripts/screenshots_backoffice.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from directory.places import Gazetteer

from ..web.browsing import VIEWPORTS, all_violations
from .conftest import PASSWORD
from .scenery import (
    SCREENSHOTS,
    Scene,
    animator,
    build_scene,
    choose_password,
    cli,
    one_time_link,
    served,
    sign_in,
    take_screenshots,
)

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}  # 400 % zoom of a 1280 px window (WCAG 1.4.10)


@pytest.fixture
def scene(tmp_path: Path, places: Gazetteer) -> Scene:
    return build_scene(tmp_path / "directory", places)


@pytest.fixture
def base_url(scene: Scene) -> Iterator[str]:
    with served(scene) as url:
        yield url


# --- the keyboard ---------------------------------------------------------------------------------


def is_focused(target: Any) -> bool:
    return target.evaluate("element => element === document.activeElement")


def tab_to(page: Any, target: Any, *, back: bool = False, limit: int = 400) -> None:
    """Press Tab (Shift+Tab with ``back``) until ``target`` (a locator or a CSS selector) has the focus."""
    target = page.locator(target) if isinstance(target, str) else target
    assert target.count() == 1, f"{target} matches {target.count()} elements"
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if is_focused(target):
            return
    raise AssertionError(f"{target} never got the focus in {limit} presses of Tab")


def press(page: Any, key: str) -> None:
    """A key that leads to another page (Enter on a link or in a form, Space on a button)."""
    with page.expect_navigation():
        page.keyboard.press(key)


def type_into(page: Any, target: Any, text: str) -> None:
    """Tab to a text field, select what it holds, type ``text`` over it."""
    tab_to(page, target)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def notice(page: Any) -> str:
    return " ".join(page.locator(".notice").all_inner_texts())


def choose_password_by_keyboard(page: Any, link: str) -> None:
    page.goto(link)
    type_into(page, "#password", PASSWORD)
    page.keyboard.press("Tab")
    assert is_focused(page.get_by_label("Le même mot de passe, une seconde fois"))
    page.keyboard.type(PASSWORD)
    press(page, "Enter")


def sign_in_by_keyboard(page: Any, base_url: str, login: str) -> None:
    page.goto(base_url + "/gestion/connexion")
    type_into(page, page.get_by_label("Identifiant"), login)
    page.keyboard.press("Tab")
    assert is_focused(page.get_by_label("Mot de passe"))
    page.keyboard.type(PASSWORD)
    press(page, "Enter")
    assert page.url == base_url + "/gestion/"


def history_rows(page: Any) -> list[list[str]]:
    return [row.locator("td").all_inner_texts()[:6] for row in page.locator(".history-table tbody tr").all()]


# --- an animator's day ----------------------------------------------------------------------------


def test_an_animator_does_her_work_with_the_keyboard(page: Any, scene: Scene, base_url: str) -> None:
    store, venues = scene.store, scene.venues
    before = {name: store.get_venue(venue_id).venue for name, venue_id in venues.items()}
    link = animator(scene, base_url)  # directory users add alice --role animateur --territoire 69388 …

    choose_password_by_keyboard(page, link)
    assert page.url == base_url + "/gestion/" and page.get_by_role("heading", name="Bonjour Alice Martin").is_visible()
    assert store.accounts.get("alice").password_hash is not None
    tab_to(page, page.get_by_role("button", name="Se déconnecter"))
    press(page, "Enter")
    assert "Vous êtes déconnecté." in notice(page)
    sign_in_by_keyboard(page, base_url, "alice")
    tiles = page.locator(".tiles").first.inner_text()
    assert "2 doublons possibles à vérifier" in " ".join(tiles.split())
    assert "2 changements proposés par les sources" in " ".join(tiles.split())

    # « À vérifier », doublons: Bachut and Jean XXIII are two venues.
    tab_to(page, page.get_by_role("link", name=re.compile("doublons possibles à vérifier")))
    press(page, "Enter")
    pair = page.locator(f'section[aria-labelledby="paire-{scene.pairs[1]}"]')
    assert "Ressemblance 58 %" in pair.inner_text()
    tab_to(page, pair.get_by_role("button", name="Lieux différents"))
    press(page, "Space")
    assert "Décision enregistrée (lieux différents)" in notice(page)
    keys = [scene.record("bachut"), scene.record("jean23")]
    assert store.match_decisions(keys) == {tuple(sorted(keys)): "distinct"}
    assert page.locator("section.pair").count() == 1  # Latarjet ⟷ Emploi waits

    # « Changements proposés »: Bachut's new telephone accepted, Jean XXIII's Monday refused with a reason.
    tab_to(page, page.get_by_role("link", name=re.compile(r"^Changements proposés")))
    press(page, "Enter")
    telephone, hours = store.proposals()
    assert (telephone.venue_id, telephone.field, hours.venue_id, hours.field) == (
        venues["bachut"],
        "telephone",
        venues["jean23"],
        "horaires",
    )
    tab_to(page, page.get_by_role("button", name=re.compile(r"^Accepter la valeur proposée pour .* Bachut, Téléphone")))
    press(page, "Enter")
    assert "Changement accepté" in notice(page)
    bachut = store.get_venue(venues["bachut"])
    assert bachut.venue.telephone == "+33428671821"
    assert bachut.provenance["telephone"].locked and bachut.provenance["telephone"].actor == "alice"
    type_into(page, page.get_by_label("Raison du refus"), "Le lundi matin ouvre à 8 h 30 : vu sur place")
    press(page, "Enter")  # in the reason's field, Enter refuses (it used to accept)
    assert "Changement refusé" in notice(page)
    (refused,) = store.proposals(status="rejected")
    assert (refused.pk, refused.actor, refused.reason) == (
        hours.pk,
        "alice",
        "Le lundi matin ouvre à 8 h 30 : vu sur place",
    )
    assert store.get_venue(venues["jean23"]).venue.horaires == before["jean23"].horaires
    assert store.proposals() == [] and "Rien à vérifier ici" in page.locator("main").inner_text()

    # Jean XXIII's form: a new telephone, « Garder ma valeur » on the e-mail, saved with Enter.
    tab_to(page, page.get_by_role("link", name="Lieux", exact=True))
    press(page, "Enter")
    tab_to(page, page.get_by_role("link", name=before["jean23"].nom))
    press(page, "Enter")
    type_into(page, page.get_by_label("Téléphone", exact=True), "04 72 00 00 01")
    tab_to(page, page.get_by_label("Garder ma valeur : Courriels"))
    page.keyboard.press("Space")
    assert page.get_by_label("Garder ma valeur : Courriels").is_checked()
    tab_to(
        page, page.get_by_label("Lien de prise de rendez-vous", exact=True)
    )  # past the kept hours' « Rendre aux sources »
    press(page, "Enter")
    assert "Enregistré : 1 champ corrigé et gardé contre les prochaines moissons." in notice(page)
    jean23 = store.get_venue(venues["jean23"])
    assert jean23.venue.telephone == "+33472000001"
    assert {
        name: (p.locked, p.actor)
        for name, p in jean23.provenance.items()
        if name in ("telephone", "courriels", "horaires")
    } == {"telephone": (True, "alice"), "courriels": (True, "alice"), "horaires": (True, "dominique")}
    assert jean23.venue.courriels == before["jean23"].courriels
    assert page.get_by_text("valeur gardée par Alice Martin le").count() == 2

    # « Rendre aux sources » on the hours: the source's current hours come back.
    tab_to(page, page.get_by_role("button", name="Rendre aux sources : Horaires (format OpenStreetMap)"))
    press(page, "Enter")
    assert "Le champ est rendu aux sources" in notice(page)
    jean23 = store.get_venue(venues["jean23"])
    assert not jean23.provenance["horaires"].locked and jean23.venue.horaires == hours.value

    # Latarjet absorbs Rés'IN's « Maison Lyon pour l'Emploi », taking its services.
    page.goto(base_url + "/gestion/lieux")
    tab_to(page, page.get_by_role("link", name=before["latarjet"].nom))
    press(page, "Enter")
    tab_to(page, page.get_by_role("link", name="Fusionner avec un autre lieu"))
    press(page, "Enter")
    type_into(page, page.get_by_label("Nom de l'autre lieu"), "Emploi")
    press(page, "Enter")
    tab_to(page, page.get_by_role("link", name=before["emploi"].nom))
    press(page, "Enter")
    tab_to(page, page.locator("#ici-services"))  # the group's checked radio takes the focus
    page.keyboard.press("ArrowDown")
    assert page.locator("#autre-services").is_checked() and not page.locator("#ici-services").is_checked()
    assert page.locator("#ici-nom").is_checked()  # the name stays Latarjet's
    tab_to(page, page.get_by_role("button", name="Fusionner les deux lieux"))
    press(page, "Enter")
    assert page.url == base_url + f"/gestion/lieux/{venues['latarjet']}?message=fusionne"
    assert "Les deux lieux n'en font plus qu'un" in notice(page)
    merged = store.get_venue(venues["latarjet"])
    assert store.get_venue(venues["emploi"]).merged_into == venues["latarjet"]
    assert merged.venue.nom == before["latarjet"].nom and merged.venue.services == before["emploi"].services
    assert sorted(source for source, _ in merged.sources) == ["grand-lyon", "res-in"]
    assert merged.provenance["services"].actor == "alice"

    # Jean XXIII's history: « Annuler » on the telephone puts the harvested number back.
    page.goto(base_url + f"/gestion/lieux/{venues['jean23']}")
    tab_to(page, page.get_by_role("link", name="Historique des modifications"))
    press(page, "Enter")
    tab_to(page, page.get_by_role("button", name=re.compile("^Annuler la modification de Téléphone")))
    press(page, "Enter")
    assert "La modification est annulée" in notice(page)
    jean23 = store.get_venue(venues["jean23"])
    assert jean23.venue.telephone == before["jean23"].telephone and jean23.provenance["telephone"].actor == "alice"

    # Each history names her.
    rows = history_rows(page)
    alice = [row[2:6] for row in rows if row[1] == "Alice Martin (alice)"]
    assert [row for row in alice if row[1] == "Téléphone"] == [  # the most recent first
        ["modification", "Téléphone", "+33472000001", before["jean23"].telephone],
        ["modification", "Téléphone", before["jean23"].telephone, "+33472000001"],
    ], rows
    assert ["modification", "Horaires (format OpenStreetMap)", before["jean23"].horaires, hours.value] in alice, rows
    page.goto(base_url + f"/gestion/lieux/{venues['bachut']}/historique")
    assert ["modification", "Téléphone", "+33428671820", "+33428671821"] in [
        row[2:6] for row in history_rows(page) if row[1] == "Alice Martin (alice)"
    ]
    page.goto(base_url + f"/gestion/lieux/{venues['latarjet']}/historique")
    latarjet = [row[2:4] for row in history_rows(page) if row[1] == "Alice Martin (alice)"]
    assert ["modification", "Services"] in latarjet, latarjet  # the merge wrote her choice into the survivor
    page.goto(base_url + f"/gestion/lieux/{venues['emploi']}/historique")  # the absorbed venue says where it went
    assert history_rows(page)[0][1:4] == ["Alice Martin (alice)", "fusion", ""]
    assert venues["latarjet"] in history_rows(page)[0][5]
    for row in store.history(venues["jean23"]) + store.history(venues["latarjet"]):
        assert row["actor"] in (None, "alice"), row  # nobody else touched them (Dominique only kept values)


def test_a_structure_manager_is_refused_another_venue(page: Any, scene: Scene, base_url: str) -> None:
    bachut, latarjet = scene.venues["bachut"], scene.venues["latarjet"]
    output = cli(
        scene,
        "users",
        "add",
        "sam",
        "--role",
        "structure",
        "--nom",
        "Sam Benali",
        "--lieu",
        bachut,
        public_url=base_url,
    )
    assert f"lieu : {bachut}" in output
    choose_password_by_keyboard(page, one_time_link(output))
    page.goto(base_url + "/gestion/lieux")
    assert "1 lieu." in page.locator(".results-count").inner_text()
    assert page.locator(".data-table tbody tr").count() == 1
    assert page.get_by_role("link", name=re.compile("Ajouter un lieu")).count() == 0  # animators and admins only
    for path in (
        f"/gestion/lieux/{latarjet}",
        f"/gestion/lieux/{latarjet}/historique",
        f"/gestion/lieux/{bachut}/fusionner?avec={latarjet}",
    ):
        response = page.goto(base_url + path)
        assert response.status == 403, path
        assert page.get_by_role("heading", name="Accès refusé").is_visible(), path
        assert all_violations(page) == [], path
    assert page.goto(base_url + f"/gestion/lieux/{bachut}").status == 200
    assert store_unchanged_by(scene, "sam")


def store_unchanged_by(scene: Scene, login: str) -> bool:
    return all(row["actor"] != login for venue_id in scene.venues.values() for row in scene.store.history(venue_id))


# --- every page: axe-core, and no sideways scrolling at 320 px --------------------------------------


def back_office_pages(page: Any, scene: Scene, base_url: str, check: Any, links: dict[str, str]) -> None:
    """Visit each page of the back office, calling ``check(name)`` on each."""
    v = scene.venues
    page.goto(base_url + "/gestion/connexion")
    check("connexion")
    page.get_by_label("Identifiant").fill("alice")
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_selector(".notice-error")
    check("connexion refusée")
    page.goto(links["alice"])
    check("choisir un mot de passe")
    page.get_by_label("Nouveau mot de passe").fill(PASSWORD)
    page.get_by_label("Le même mot de passe, une seconde fois").fill(PASSWORD + " mais pas pareil")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    page.wait_for_selector(".notice-error")
    check("mot de passe refusé")
    sign_in(page, base_url, "dominique")
    check("accueil (administrateur)")
    page.goto(base_url + "/gestion/comptes")
    check("comptes")
    page.locator("#nouveau-login").fill("camille")
    page.locator("#nouveau-nom").fill("Camille Petit")
    page.locator("#nouveau-territoires").fill("69388")
    page.get_by_role("button", name="Ouvrir le compte").click()
    page.wait_for_selector(".one-time-link")
    check("comptes, un lien à transmettre")
    page.goto(base_url + "/gestion/lieux?filtre=sans-horaires")
    assert "(sans horaires)" in page.locator(".results-count").inner_text()
    check("lieux filtrés")
    page.goto(base_url + "/gestion/lieux?q=Lyon")
    check("lieux cherchés")
    for tab in ("doublons", "changements"):
        page.goto(base_url + f"/gestion/a-verifier?onglet={tab}")
        assert page.locator("section.pair").count() == 2, tab
        check(f"à vérifier, {tab}")
    page.goto(base_url + f"/gestion/lieux/{v['jean23']}")  # with kept hours: « Rendre aux sources »
    check("fiche d'un lieu")
    page.get_by_label("Téléphone", exact=True).fill("pas un numéro")
    page.get_by_label("Code postal", exact=True).fill("69OO8")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_selector("#erreurs")
    assert page.locator(".field-error").count() >= 2
    check("fiche d'un lieu, erreurs")
    page.goto(base_url + f"/gestion/lieux/{v['jean23']}/historique")
    check("historique")
    page.goto(base_url + f"/gestion/lieux/{v['latarjet']}/fusionner")
    check("fusion, recherche")
    page.goto(base_url + f"/gestion/lieux/{v['latarjet']}/fusionner?q=Emploi")
    assert page.locator(".candidates li").count() >= 1
    check("fusion, candidats")
    page.goto(base_url + f"/gestion/lieux/{v['latarjet']}/fusionner?avec={v['emploi']}")
    check("fusion, choix")
    page.goto(base_url + "/gestion/lieux")
    with page.expect_navigation():
        page.get_by_role("link", name="Ajouter un lieu qu'aucune source ne publie").click()
    assert page.url == base_url + "/gestion/lieux/nouveau"
    check("nouveau lieu")
    page.get_by_role("button", name="Ajouter le lieu").click()
    page.wait_for_selector("#erreurs")
    check("nouveau lieu, erreurs")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_every_page_has_no_accessibility_violation(browser: Any, scene: Scene, base_url: str, size: str) -> None:
    links = {
        "alice": animator(scene, base_url),
        "dominique": one_time_link(cli(scene, "users", "reset", "dominique", public_url=base_url)),
    }
    found: dict[str, list[str]] = {}
    seen: list[str] = []

    def check(name: str) -> None:
        seen.append(name)
        if problems := all_violations(page):
            found[name] = problems

    context = browser.new_context(viewport=VIEWPORTS[size], locale="fr-FR", bypass_csp=True)
    try:
        page = context.new_page()
        choose_password(page, links["dominique"])
        with page.expect_navigation():
            page.get_by_role("button", name="Se déconnecter").click()
        back_office_pages(page, scene, base_url, check, links)
    finally:
        context.close()
    assert len(seen) == 19 and found == {}


def test_no_page_scrolls_sideways_at_320_pixels(browser: Any, scene: Scene, base_url: str) -> None:
    links = {
        "alice": animator(scene, base_url),
        "dominique": one_time_link(cli(scene, "users", "reset", "dominique", public_url=base_url)),
    }
    wide: dict[str, tuple[int, int]] = {}

    def check(name: str) -> None:
        scroll, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if scroll > client:
            wide[name] = (scroll, client)

    context = browser.new_context(viewport=NARROW, locale="fr-FR")
    try:
        page = context.new_page()
        choose_password(page, links["dominique"])
        with page.expect_navigation():
            page.get_by_role("button", name="Se déconnecter").click()
        back_office_pages(page, scene, base_url, check, links)
    finally:
        context.close()
    assert wide == {}


def test_screenshots_are_taken(browser: Any, scene: Scene, base_url: str, tmp_path: Path) -> None:
    """The script's screenshots, into a temporary folder (the committed ones stay as they are)."""
    taken = take_screenshots(browser, scene, base_url, tmp_path / "shots")
    assert sorted(p.name for p in taken) == sorted(f"{name}-{size}.png" for name in SCREENSHOTS for size in VIEWPORTS)
    for path in taken:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000, path
