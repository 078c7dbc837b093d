# SPDX-License-Identifier: Apache-2.0
"""Issue 12's « done when », as a new animator lives it: an account made with ``directory users add``;
a review queue filled by harvesting the five real sources of ``fixtures/sources`` twice, one source
changed in between; the queue cleared on the web; then a harvest of changed files respects every
decision (no pair and no refused change comes back, merges and splits hold, kept values stay)."""

from __future__ import annotations

import json
import re
import shutil

import httpx
import pytest
from click.testing import CliRunner

from directory.cli import main
from directory.config import Settings
from directory.store import open_store
from directory.web import create_app

from ..conftest import FIXTURES
from .conftest import CSRF, PASSWORD, csrf_of, sign_in

pytestmark = pytest.mark.anyio


@pytest.fixture
def instance(tmp_path):
    """An instance's folders, its sources copied from ``fixtures/sources``, and ``directory …``."""
    shutil.copytree(FIXTURES / "sources", tmp_path / "sources")
    env = {
        "DIRECTORY_DATA_DIR": str(tmp_path / "data"),
        "DIRECTORY_SOURCES_DIR": str(tmp_path / "sources"),
        "DATABASE_URL": "",
    }
    runner = CliRunner()

    def directory(*args: str) -> str:
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    return tmp_path, directory


def edit_grand_lyon(folder, changes: dict[str, dict[str, str]]) -> None:
    path = folder / "sources" / "grand-lyon" / "wfs-grandlyon.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    for feature in data["features"]:
        feature["properties"].update(changes.get(feature["properties"]["identifiant"], {}))
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


async def test_an_animator_clears_the_queue_and_harvests_respect_every_decision(instance, places):
    folder, directory = instance
    assert "complète" in directory("harvest", "--all")
    made = directory(
        "users",
        "add",
        "anim",
        "--role",
        "animateur",
        "--nom",
        "Anne Imateur",
        "--territoire",
        "69",
        "--territoire",
        "26",
    )
    token = re.search(r"/gestion/mot-de-passe/(\S+)", made).group(1)
    store = open_store(f"sqlite:///{folder / 'data' / 'directory.db'}")
    app = create_app(Settings(data_dir=folder / "data"), store, places)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as web:
        form = await web.get(f"/gestion/mot-de-passe/{token}")
        chosen = await web.post(
            f"/gestion/mot-de-passe/{token}",
            data={"csrf": CSRF.search(form.text).group(1), "password": PASSWORD, "confirmation": PASSWORD},
        )
        assert chosen.status_code == 303
        await web.post("/gestion/deconnexion", data={"csrf": await csrf_of(web)})
        assert (await sign_in(web, "anim")).status_code == 303

        # The animator keeps two values of the Maisons de la Métropole: a phone, a name.
        latarjet, bachut = (store.get_venue(_venue_of(store, "grand-lyon", record)) for record in ("P84", "P85"))
        kept = await web.post(
            f"/gestion/lieux/{latarjet.venue.id}/rendre", data={"champ": "telephone", "csrf": await csrf_of(web)}
        )
        assert kept.status_code == 303  # nothing was kept yet: giving back is harmless
        for venue, field, value in ((latarjet, "telephone", "04 72 00 00 00"), (bachut, "nom", None)):
            page = await web.get(f"/gestion/lieux/{venue.venue.id}")
            data = _form(page.text)
            if value is None:
                data["verrou"] = [field]
            else:
                data[field] = value
            saved = await web.post(f"/gestion/lieux/{venue.venue.id}", data=data)
            assert saved.status_code == 303, saved.text[:500]

        # The source changes both, and more, then is harvested again.
        edit_grand_lyon(
            folder,
            {
                "P84": {"telephone": "04 28 67 99 99"},
                "P85": {"nom": "MDM Bachut (nouveau nom)"},
                "P86": {"lundi_am": "09h00-12h00"},
            },
        )
        second = directory("harvest", "--all")
        assert "grand-lyon (moisson" in second and "rien n'a changé" in second

        queue = (await web.get("/gestion/a-verifier")).text
        pairs = list(dict.fromkeys(re.findall(r"/gestion/a-verifier/doublons/(\d+)", queue)))
        changes = list(
            dict.fromkeys(
                re.findall(
                    r"/gestion/a-verifier/changements/(\d+)",
                    (await web.get("/gestion/a-verifier?onglet=changements")).text,
                )
            )
        )
        assert len(pairs) >= 3 and len(changes) == 2, (len(pairs), len(changes))
        before = {"pairs": len(pairs), "changes": len(changes)}

        decided: dict[str, str] = {}
        for n, pk in enumerate(pairs):
            item = store.review_item(int(pk))
            decision = "meme-lieu" if n == 0 else "lieux-differents"
            done = await web.post(
                f"/gestion/a-verifier/doublons/{pk}", data={"decision": decision, "csrf": await csrf_of(web)}
            )
            assert done.status_code == 303
            decided[f"{item['left_key']}|{item['right_key']}"] = decision
        phone = next(p for p in store.proposals() if p.field == "telephone")
        name = next(p for p in store.proposals() if p.field == "nom")
        for pk, decision in ((phone.pk, "accepter"), (name.pk, "refuser")):
            done = await web.post(
                f"/gestion/a-verifier/changements/{pk}",
                data={"decision": decision, "raison": "la structure nous a écrit", "csrf": await csrf_of(web)},
            )
            assert done.status_code == 303
        home = (await web.get("/gestion/")).text
        assert re.search(r'<span class="tile-count">0</span> doublons possibles', home)
        assert re.search(r'<span class="tile-count">0</span> changements proposés', home)

        # Every source file changes a little; the third harvest must undo nothing.
        edit_grand_lyon(folder, {"P87": {"commentaire": "Accueil sur rendez-vous"}})
        for data in (folder / "sources").rglob("*.json"):
            data.write_text(data.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        third = directory("harvest", "--all")
        assert "échec" not in third

        assert "Rien à vérifier ici" in (await web.get("/gestion/a-verifier")).text
        assert "Rien à vérifier ici" in (await web.get("/gestion/a-verifier?onglet=changements")).text
        latarjet_now = store.get_venue(latarjet.venue.id).venue
        bachut_now = store.get_venue(bachut.venue.id).venue
        assert latarjet_now.telephone == "+33428679999"  # accepted: the source's new value, kept
        assert bachut_now.nom == bachut.venue.nom  # refused: the person's value stays
        for pair, decision in decided.items():
            left, right = (_venue_of(store, *key.split(":", 1)) for key in pair.split("|"))
            assert (left == right) is (decision == "meme-lieu"), pair
    assert before == {"pairs": len(decided), "changes": 2}


def _venue_of(store, source_id: str, record_id: str) -> str:
    """The active venue a record feeds now."""
    for stored in store.iter_venues():
        if (source_id, record_id) in stored.sources:
            return stored.venue.id
    raise AssertionError(f"{source_id}:{record_id} feeds no active venue")


def _form(page: str) -> dict:
    """The edit form's fields as a browser would send them, from the page's HTML."""
    data: dict = {"csrf": CSRF.search(page).group(1)}
    for name, value in re.findall(r'<input id="champ-[^"]+" name="([^"]+)" type="text" value="([^"]*)"', page):
        data[name] = value.replace("&#39;", "'").replace("&amp;", "&").replace("&quot;", '"')
    for name, value in re.findall(r'<textarea id="champ-[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>', page):
        data[name] = value.replace("&#39;", "'").replace("&amp;", "&")
    for name, value in re.findall(r'<input type="checkbox" id="[^"]+" name="([^"]+)" value="([^"]+)" checked>', page):
        data.setdefault(name, []).append(value)
    data["semaine-origine"] = re.search(r'name="semaine-origine" value="([^"]*)"', page).group(1).replace("&#39;", "'")
    for name, value in re.findall(r'<input type="time" id="[^"]+" name="([^"]+)" value="([^"]*)">', page):
        data[name] = value
    return data
