# SPDX-License-Identifier: Apache-2.0
"""A back office with work waiting, for the browser tests and ``scripts/screenshots_backoffice.py``.

Two real sources harvested (the Maisons de la Métropole de Lyon and Rés'IN, ``fixtures/sources``), two
doubtful pairs in Lyon 8e queued as matching would queue them, and two proposals: a person kept the
telephone of one venue and the opening hours of another, then the Grand Lyon file changed both and
was harvested again. Accounts are made with ``directory users add``, as an administrator would.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from directory.cli import main
from directory.config import Settings
from directory.places import Gazetteer
from directory.store import Store, open_store
from directory.web import create_app

from ..serving import ServerThread
from .conftest import NOW, PASSWORD, copy_source, harvest

__all__ = [
    "LINK",
    "SCREENSHOTS",
    "Scene",
    "animator",
    "build_scene",
    "choose_password",
    "cli",
    "one_time_link",
    "served",
    "sign_in",
    "take_screenshots",
]

#: The one-time link ``directory users add`` prints.
LINK = re.compile(r"https?://\S+/gestion/mot-de-passe/\S+")
LYON_8 = "69388"
KEPT_BY = "dominique"  # the administrator who kept two values before the second harvest


@dataclass
class Scene:
    store: Store
    folder: Path
    places: Gazetteer
    venues: dict[str, str]  # short name → venue id: latarjet, bachut, jean23, emploi (Rés'IN)
    pairs: list[int]  # the review items' numbers: Latarjet ⟷ Emploi, Bachut ⟷ Jean XXIII
    env: dict[str, str]  # DATABASE_URL and DIRECTORY_DATA_DIR of this directory, for ``directory …``

    def record(self, name: str) -> str:
        """The ``source:record`` key of the venue's (first) record."""
        return ":".join(self.store.get_venue(self.venues[name]).sources[0])


def cli(scene: Scene, *args: str, public_url: str = "") -> str:
    """``directory ARGS…`` through click's runner against the scene's database; its output."""
    env = {**scene.env, "DIRECTORY_PUBLIC_URL": public_url, "DIRECTORY_SMTP_URL": ""}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _change_grand_lyon(data: Path) -> None:
    """The source changes what a person kept: Bachut's telephone, Jean XXIII's Monday morning."""
    document = json.loads(data.read_text(encoding="utf-8"))
    for feature in document["features"]:
        props = feature["properties"]
        if props["identifiant"] == "P3667":
            props["telephone"] = "04 28 67 18 21"
        elif props["identifiant"] == "P85":
            props["lundi_am"] = "09h00-12h00"
    data.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def build_scene(folder: Path, places: Gazetteer) -> Scene:
    """Harvest, queue two pairs, keep two values, harvest the changed file: two proposals wait."""
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "directory.db"
    store = open_store(f"sqlite:///{database}", upgrade=True)
    sources = folder / "sources"
    grand_lyon = copy_source(sources, "grand-lyon")
    assert harvest(store, grand_lyon, places).status == "complete"
    assert harvest(store, copy_source(sources, "res-in"), places, now=NOW + timedelta(minutes=5)).status == "complete"
    by_record = {
        stored.sources[0][1]: stored.venue.id for stored in store.iter_venues() if stored.venue.code_insee == LYON_8
    }
    venues = {
        "latarjet": by_record["P84"],
        "bachut": by_record["P3667"],
        "jean23": by_record["P85"],
        "emploi": by_record["61e9260c2ac971550065e262"],
    }
    scene = Scene(
        store, folder, places, venues, [], {"DATABASE_URL": f"sqlite:///{database}", "DIRECTORY_DATA_DIR": str(folder)}
    )
    cli(scene, "users", "add", KEPT_BY, "--role", "admin", "--nom", "Dominique Roux")
    with store.writer() as w:  # the pairs the harvests queued themselves are decided: the scene holds its own two
        for item in store.review_items(limit=100):
            w.decide(item["left_key"], item["right_key"], "match", KEPT_BY, NOW + timedelta(minutes=6))
    with store.writer() as w:  # as the matching of a harvest queues doubtful pairs
        w.add_review_items(
            [
                {
                    "left_key": scene.record("latarjet"),
                    "right_key": scene.record("emploi"),
                    "score": 0.64,
                    "parts": {"name": 0.35, "address": 0.2, "distance": 0.9, "phone": 0.0},
                },
                {
                    "left_key": scene.record("bachut"),
                    "right_key": scene.record("jean23"),
                    "score": 0.58,
                    "parts": {"name": 0.8, "address": 0.1, "distance": 0.5},
                },
            ],
            None,
            NOW + timedelta(minutes=6),
        )
        w.lock_fields(venues["bachut"], ["telephone"], KEPT_BY, NOW + timedelta(hours=1))
        w.lock_fields(venues["jean23"], ["horaires"], KEPT_BY, NOW + timedelta(hours=1))
    scene.pairs = [item["pk"] for item in store.review_items(limit=10)]
    _change_grand_lyon(sources / "grand-lyon" / "wfs-grandlyon.json")
    assert harvest(store, grand_lyon, places, now=NOW + timedelta(days=1)).status == "complete"
    return scene


@contextmanager
def served(scene: Scene) -> Iterator[str]:
    """The real app over the scene's directory, under uvicorn on loopback; its base URL."""
    app = create_app(Settings(data_dir=scene.folder / "data"), scene.store, scene.places)
    with ServerThread(app, name="backoffice-browser") as base_url:
        yield base_url


def one_time_link(output: str) -> str:
    """The link in what ``directory users add`` or ``reset`` printed."""
    found = LINK.search(output)
    assert found, output
    return found.group(0)


def choose_password(page: Any, link: str, password: str = PASSWORD) -> None:
    """Open a one-time link and choose the password (the person is then signed in)."""
    page.goto(link)
    page.get_by_label("Nouveau mot de passe").fill(password)
    page.get_by_label("Le même mot de passe, une seconde fois").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer le mot de passe").click()
    assert page.url.endswith("/gestion/"), page.url


def sign_in(page: Any, base_url: str, login: str, password: str = PASSWORD) -> None:
    page.goto(base_url + "/gestion/connexion")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    assert page.url.endswith("/gestion/"), page.url


def animator(scene: Scene, base_url: str, login: str = "alice") -> str:
    """``directory users add alice --role animateur --territoire 69388``: the one-time link it printed."""
    output = cli(
        scene,
        "users",
        "add",
        login,
        "--role",
        "animateur",
        "--territoire",
        LYON_8,
        "--nom",
        "Alice Martin",
        "--courriel",
        "alice.martin@example.org",
        public_url=base_url,
    )
    assert "territoire : Lyon 8e Arrondissement (commune 69388)" in output, output
    return one_time_link(output)


#: The screenshots of docs/animateurs.md: name → what is shown.
SCREENSHOTS = (
    "gestion-queue-doublons",
    "gestion-queue-changements",
    "gestion-lieu-erreur",
    "gestion-fusion",
    "gestion-historique",
)


def _screenshot(page: Any, folder: Path, size: str, taken: list[Path], name: str, full_page: bool = False) -> None:
    path = folder / f"{name}-{size}.png"
    page.screenshot(path=str(path), full_page=full_page)
    taken.append(path)


def take_screenshots(browser: Any, scene: Scene, base_url: str, folder: Path) -> list[Path]:
    """The queue's two tabs, the venue form showing an error, a merge's choice and a history, at each size.

    Alice (animator for Lyon 8e) is made with ``directory users add``; before the pictures, she has
    corrected Latarjet's telephone and kept its name, so that its history has a person in it.
    """
    from tests.web.browsing import VIEWPORTS

    link = animator(scene, base_url)
    latarjet, emploi = scene.venues["latarjet"], scene.venues["emploi"]
    folder.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []
    for size, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport, locale="fr-FR", device_scale_factor=1)
        try:
            page = context.new_page()
            if link:
                choose_password(page, link)
                page.goto(base_url + f"/gestion/lieux/{latarjet}")
                page.get_by_label("Téléphone", exact=True).fill("04 72 00 00 01")
                page.locator("#verrou-nom").check()
                with page.expect_navigation():
                    page.locator(".venue-form > button.button-primary").click()
                link = ""
            else:
                sign_in(page, base_url, "alice")

            shot = partial(_screenshot, page, folder, size, taken)
            page.goto(base_url + "/gestion/a-verifier?onglet=doublons")
            shot("gestion-queue-doublons", full_page=size == "desktop")
            page.goto(base_url + "/gestion/a-verifier?onglet=changements")
            shot("gestion-queue-changements", full_page=size == "desktop")
            page.goto(base_url + f"/gestion/lieux/{latarjet}")
            page.get_by_label("Téléphone", exact=True).fill("04 72 00 00")
            with page.expect_navigation():
                page.locator(".venue-form > button.button-primary").click()
            page.evaluate("document.querySelector('#champ-telephone').scrollIntoView({block: 'center'})")
            shot("gestion-lieu-erreur")
            page.goto(base_url + f"/gestion/lieux/{latarjet}/fusionner?avec={emploi}")
            shot("gestion-fusion", full_page=size == "desktop")
            page.goto(base_url + f"/gestion/lieux/{latarjet}/historique")
            shot("gestion-historique", full_page=size == "desktop")
        finally:
            context.close()
    return taken
