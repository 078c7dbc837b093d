# SPDX-License-Identifier: Apache-2.0
"""The search page, the venue page, the JSON API and the error shapes, in process."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from starlette.routing import Route

from directory.config import Settings
from directory.places import Gazetteer
from directory.store import Store
from directory.web import create_app
from directory.web.display import format_distance, open_label

from .seeding import HOSTILE_NAME, Seeded, fill_store, make_store

pytestmark = pytest.mark.anyio

PROBLEM = "application/problem+json"
NBSP = "\u00a0"


def text_of(html: str) -> str:
    """Visible-ish text: tags dropped, entities decoded, spaces (and no-break spaces) folded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace(NBSP, " ").split())


def result_items(html: str) -> list[str]:
    listing = html.split('<ol class="results-list"', 1)[1].split("</ol>", 1)[0]
    return listing.split('<li class="card"')[1:]


def distance_m(item: str) -> float:
    text = text_of(re.search(r'class="card-distance">([^<]*)<', item).group(1))
    number, unit = re.fullmatch(r"à ([\d,]+) (m|km)", text).groups()
    return float(number.replace(",", ".")) * (1000 if unit == "km" else 1)


# -- the search page -----------------------------------------------------------


async def test_home_is_a_french_accessible_form(client: httpx.AsyncClient) -> None:
    r = await client.get("/")
    assert r.status_code == 200
    html = r.text
    assert '<html lang="fr">' in html
    assert html.count("<h1") == 1
    for landmark in ("<header", "<main", "<footer"):
        assert landmark in html
    assert '<a class="skip-link" href="#contenu">' in html and 'id="contenu"' in html
    assert '<label for="lieu"' in html and 'id="lieu" name="lieu"' in html
    assert 'method="get"' in html
    # Scripts only add to a page that works without them, and none is inline (CSP).
    assert all(
        re.fullmatch(r'<script src="/static/[\w.]+\.js" defer>', tag) for tag in re.findall(r"<script[^>]*>", html)
    )


async def test_postcode_lists_lyon_venues_nearest_first(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"lieu": "69003"})
    assert r.status_code == 200
    assert "Autour de Lyon 3e Arrondissement (69003)" in text_of(r.text)
    items = result_items(r.text)
    assert len(items) == 18  # every active venue with a point (fewer than 20)
    distances = [distance_m(item) for item in items]
    assert distances == sorted(distances)
    first = text_of(items[0])
    assert "69003" in first and "Lyon" in first.title()
    assert re.search(r"à \d+ m", text_of(items[0]))
    assert any(re.search(r"à \d+,\d km", text_of(i)) for i in items)  # 1 to 10 km
    assert any(re.search(r"à \d{2,} km", text_of(i)) for i in items)  # Nancy, Paris
    assert "Maîtrise des outils numériques du quotidien" in first  # a service label, not a code
    assert re.search(r'<a href="/lieux/l[0-9a-z]{10}">', items[0])


async def test_commune_name_works(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"lieu": "Nancy"})
    assert r.status_code == 200
    page = text_of(r.text)
    assert "Autour de Nancy (54000)" in page
    first_four = " ".join(text_of(i) for i in result_items(r.text)[:4])
    assert first_four.upper().count("NANCY") >= 4


async def test_open_state_is_shown_when_hours_parse(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"lieu": "Lyon 3e"})
    states = re.findall(r'class="open-state [^"]*">([^<]*)<', r.text)
    assert states, "venues with OSM hours show whether they are open"
    for state in (unescape(s).replace(NBSP, " ") for s in states):
        assert re.fullmatch(r"Ouvert( jusqu'à (\S+ )?\d+ h( \d\d)?)?|Fermé( · ouvre (.+ )?à \d+ h( \d\d)?)?", state), (
            state
        )


async def test_unknown_place_says_so_and_suggests(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"lieu": "Nancyy"})
    assert r.status_code == 200
    page = text_of(r.text)
    assert "Nous n'avons pas trouvé « Nancyy »" in page
    assert "Vérifiez l'orthographe" in page
    assert '<a href="/?lieu=Nancy+%2854000%29">Nancy (54000)</a>' in r.text
    assert 'id="lieu" name="lieu" type="text" value="Nancyy"' in r.text  # the form keeps the text


async def test_gibberish_place_without_suggestions(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"lieu": "qqqqqqq"})
    assert r.status_code == 200
    assert "Nous n'avons pas trouvé « qqqqqqq »" in text_of(r.text)
    assert "Vouliez-vous dire" not in r.text


async def test_empty_and_invalid_search_text(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"lieu": "  "})
    assert r.status_code == 200 and "Indiquez un code postal" in text_of(r.text)
    r = await client.get("/", params={"lieu": "Lyon\x00<script>"})
    assert r.status_code == 400
    assert 'aria-invalid="true"' in r.text and "caractères de contrôle" in r.text
    assert "\x00" not in r.text and "<script>" not in r.text


async def test_hostile_venue_text_is_escaped(client: httpx.AsyncClient, seeded: Seeded) -> None:
    r = await client.get("/", params={"lieu": "69003"})
    assert "<script>alert" not in r.text and "<img src=x" not in r.text and "<b>3</b>" not in r.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in r.text
    assert HOSTILE_NAME in unescape(r.text)
    page = await client.get(f"/lieux/{seeded.ids['hostile-1']}")
    assert page.status_code == 200
    assert "<script>" not in page.text and "javascript:" not in page.text
    assert f"<h1>{HOSTILE_NAME}</h1>" in unescape(page.text)


async def test_empty_store_is_friendly(empty_store: Store, places: Gazetteer, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path), empty_store, places)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/", params={"lieu": "69003"})
    assert r.status_code == 200
    assert "L'annuaire ne contient encore aucun lieu" in text_of(r.text)


# -- the venue page --------------------------------------------------------------


async def test_venue_page(client: httpx.AsyncClient, seeded: Seeded) -> None:
    r = await client.get(f"/lieux/{seeded.ids['62ab46f48255a806e299ce0e']}")
    assert r.status_code == 200
    html, page = r.text, text_of(r.text)
    assert "<h1>Antenne Voltaire - Maison Lyon pour l&#39;emploi</h1>" in html
    assert "265 Rue Dusguesclin" in page and "69003 Lyon 3" in page
    assert '<a href="tel:+33478623989">04 78 62 39 89</a>' in html.replace(NBSP, " ")
    assert '<a href="mailto:mlvoltaire@mllyon.org">' in html
    assert 'href="https://maison-lyon-emploi.fr/"' in html
    assert "Mo,Fr 09:00-12:30,13:30-17:00; We 13:30-17:00" in page
    assert re.search(r"(Lundi|Mardi|Mercredi|Jeudi|Vendredi|Samedi|Dimanche) \d", page)
    for label in ("Maîtrise des outils numériques du quotidien", "Gratuit", "Conseillers numériques"):
        assert label in page
    assert "Source : conseiller-numerique" in page and "Mis à jour le 16 juin 2022" in page


async def test_venue_page_shows_publics(client: httpx.AsyncClient, seeded: Seeded) -> None:
    page = text_of((await client.get(f"/lieux/{seeded.ids['943']}")).text)
    assert "Publics accueillis en particulier" in page and "Seniors" in page and "Jeunes" in page


async def test_unknown_venue_is_a_french_404_page(client: httpx.AsyncClient) -> None:
    for path in ("/lieux/l0000000000", "/lieux/n'importe-quoi", "/pas-une-page"):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html")
        assert '<html lang="fr">' in r.text
        assert "introuvable" in text_of(r.text)
        assert "Traceback" not in r.text


async def test_merged_venue_redirects(places: Gazetteer, tmp_path: Path) -> None:
    store = make_store(tmp_path)
    ids = fill_store(store)
    old, new = ids["62b1751fdd51e705b1806fb7"], ids["62c5341fc9ce0606dcdcfd83"]
    with store.engine.begin() as c:  # what a curator's merge leaves behind
        c.execute(
            sa.text("UPDATE venue SET status = 'merged', merged_into = :new WHERE id = :old"), {"new": new, "old": old}
        )
    app = create_app(Settings(data_dir=tmp_path), store, places)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get(f"/lieux/{old}")
        assert r.status_code == 301
        assert r.headers["location"] == f"/lieux/{new}"
        assert (await c.get(r.headers["location"])).status_code == 200
        listed = (await c.get("/api/lieux/proches", params={"lieu": "69003", "limite": 100})).json()
    assert old not in {v["id"] for v in listed["results"]}


# -- the API ---------------------------------------------------------------------


async def test_api_nearby_by_place(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/lieux/proches", params={"lieu": "69003", "limite": 5})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["place"]["label"] == "Lyon 3e Arrondissement (69003)"
    assert body["place"]["code_postal"] == "69003"
    assert len(body["results"]) == 5
    first = body["results"][0]
    assert set(first) == {
        "id",
        "nom",
        "adresse",
        "code_postal",
        "commune",
        "distance_m",
        "latitude",
        "longitude",
        "services",
    }
    assert [v["distance_m"] for v in body["results"]] == sorted(v["distance_m"] for v in body["results"])
    assert all(re.fullmatch(r"[a-z-]+", code) for v in body["results"] for code in v["services"])


async def test_api_nearby_by_point(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/lieux/proches", params={"lat": "48.8817", "lon": "2.3822", "limite": "3"})
    assert r.status_code == 200
    body = r.json()
    assert body["place"]["kind"] == "point"
    assert all(v["code_postal"] == "75019" for v in body["results"])
    assert body["results"][0]["distance_m"] < 2000


async def test_api_unknown_place_is_a_404_problem(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/lieux/proches", params={"lieu": "qqqqqqq"})
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    assert r.json()["errors"][0]["field"] == "lieu"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": "95", "lon": "4.85"}, "lat"),
        ({"lat": "-90.0001", "lon": "4.85"}, "lat"),
        ({"lat": "nan", "lon": "4.85"}, "lat"),
        ({"lat": "45", "lon": "inf"}, "lon"),
        ({"lat": "45", "lon": "-Infinity"}, "lon"),
        ({"lat": "1" + "0" * 400, "lon": "4"}, "lat"),
        ({"lat": "45", "lon": "181"}, "lon"),
        ({"lat": "45"}, "lon"),
        ({"lat": "quarante", "lon": "4"}, "lat"),
        ({"lieu": "69003", "limite": "100000"}, "limite"),
        ({"lieu": "69003", "limite": "0"}, "limite"),
        ({"lieu": "69003", "limite": "2.5"}, "limite"),
        ({"lieu": "69003", "limite": "-1"}, "limite"),
        ({"lieu": "690\x0003"}, "lieu"),
        ({"lieu": "Lyon\x1b[31m"}, "lieu"),
        ({"lieu": "x" * 500}, "lieu"),
        ({"lieu": "69003", "lat": "45", "lon": "4"}, "lieu"),
        ({}, "lieu"),
    ],
)
async def test_api_validation_errors_are_400_problems_naming_the_field(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    r = await client.get("/api/lieux/proches", params=params)
    assert r.status_code == 400
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["status"] == 400 and body["type"] == "/erreurs/requete-invalide"
    assert body["title"] == "Requête invalide"
    assert field in [e["field"] for e in body["errors"]]
    assert all(e["message"] for e in body["errors"])


async def test_api_repeated_parameter_is_rejected(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/lieux/proches?lieu=69003&lieu=54000")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "lieu"


async def test_api_health(client: httpx.AsyncClient, seeded: Seeded) -> None:
    r = await client.get("/api/sante")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "venues": seeded.store.count_venues()}


async def test_api_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/rien")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    assert r.json()["title"] == "Page introuvable"
    r = await client.post("/api/sante")
    assert r.status_code == 405 and r.headers["content-type"] == PROBLEM
    assert "GET" in r.headers["allow"]


# -- unexpected errors ------------------------------------------------------------


async def test_unexpected_errors_are_500s_without_traceback(seeded: Seeded, places: Gazetteer, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path), seeded.store, places)

    def boom(request: object) -> None:
        raise RuntimeError("secret internals")

    app.router.routes.insert(0, Route("/api/boom", boom))
    app.router.routes.insert(0, Route("/boom", boom))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        api = await c.get("/api/boom")
        page = await c.get("/boom")
    assert api.status_code == 500 and api.headers["content-type"] == PROBLEM
    assert api.json()["title"] == "Erreur interne"
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in page.text
    for r in (api, page):
        assert "secret internals" not in r.text and "Traceback" not in r.text


async def test_store_failure_on_health_is_503(places: Gazetteer, tmp_path: Path) -> None:
    store = make_store(tmp_path)
    with store.engine.begin() as c:
        c.execute(sa.text("DROP TABLE venue_term"))
        c.execute(sa.text("DROP TABLE offer"))
        c.execute(sa.text("ALTER TABLE venue RENAME TO venue_gone"))
    app = create_app(Settings(data_dir=tmp_path), store, places)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/api/sante")
    assert r.status_code == 503 and r.headers["content-type"] == PROBLEM


# -- French wording ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metres", "text"),
    [
        (4, "à 10 m"),
        (846, "à 850 m"),
        (994, "à 990 m"),
        (999, "à 1 km"),
        (2449, "à 2,4 km"),
        (9949, "à 9,9 km"),
        (9960, "à 10 km"),
        (12_345, "à 12 km"),
    ],
)
def test_distance_in_french(metres: float, text: str) -> None:
    assert format_distance(metres) == text.replace(" m", f"{NBSP}m").replace(" km", f"{NBSP}km")


@pytest.mark.parametrize(
    ("hours", "at", "text"),
    [
        ("Mo-Fr 09:00-18:00", datetime(2024, 3, 5, 10, 0), "Ouvert jusqu'à 18 h"),
        ("Mo-Fr 09:00-18:00", datetime(2024, 3, 5, 19, 0), "Fermé · ouvre demain à 9 h"),
        ("Mo 09:30-12:00", datetime(2024, 3, 1, 19, 0), "Fermé · ouvre lundi à 9 h 30"),
        ("Mo-Fr 09:00-12:00,14:00-17:30", datetime(2024, 3, 5, 12, 30), "Fermé · ouvre à 14 h"),
        ("Mo-Fr 20:00-02:00", datetime(2024, 3, 5, 23, 0), "Ouvert jusqu'à demain 2 h"),
        ("off", datetime(2024, 3, 5, 10, 0), "Fermé"),
    ],
)
def test_open_state_in_french(hours: str, at: datetime, text: str) -> None:
    label = open_label(hours, at)
    assert label is not None and label.text.replace(NBSP, " ") == text


def test_unparsable_hours_have_no_state() -> None:
    assert open_label("Mo 08:30-13:30-17:00", datetime(2024, 3, 4, 10, 0)) is None
    assert open_label(None, datetime(2024, 3, 4, 10, 0)) is None
