# SPDX-License-Identifier: Apache-2.0
"""The search page beyond "near a place": need, filters with counts, pages, map data,
printable list, embed and its configuration, security headers; in process."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.applications import Starlette

from directory.search import SearchQuery
from directory.web.params import SearchRequest

from .seeding import Seeded
from .test_pages import result_items, text_of

pytestmark = pytest.mark.anyio

DEMARCHES = "aide-aux-demarches-administratives"


def card_ids(html: str) -> list[str]:
    return re.findall(r'<li class="card" id="lieu-([^"]+)"', html)


def ranks(html: str) -> list[int]:
    return [int(r) for r in re.findall(r'data-rank="(\d+)"', html)]


async def test_need_and_place_are_kept_in_the_address_and_the_form(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"q": "smartphone", "lieu": "69003"})
    assert r.status_code == 200
    assert 'id="q" name="q" type="search" value="smartphone"' in r.text
    assert 'value="69003"' in r.text
    assert "pour « smartphone »" in text_of(r.text)
    assert len(result_items(r.text)) >= 5


async def test_a_filter_narrows_the_results_and_its_count_is_right(client: httpx.AsyncClient, app: Starlette) -> None:
    everything = await client.get("/", params={"lieu": "69003", "par_page": 100})
    counts = dict(re.findall(r'name="services" value="([^"]+)".*?\((\d+)<span', everything.text, flags=re.S))
    assert counts, "the filter form offers the services found, with counts"
    code, count = max(counts.items(), key=lambda kv: (int(kv[1]) < len(card_ids(everything.text)), int(kv[1])))
    narrowed = await client.get("/", params={"lieu": "69003", "services": code, "par_page": 100})
    ids = card_ids(narrowed.text)
    assert len(ids) == int(count) <= len(card_ids(everything.text))
    venues = app.state.store.venues(ids)
    assert all(code in {s.code for s in venues[i].services} for i in ids)
    # The chosen filter is shown, with a link that removes it and keeps the rest.
    chip = re.search(r'<ul class="active-filters".*?<a href="([^"]+)"', narrowed.text, flags=re.S)
    assert chip is not None
    kept = parse_qs(urlsplit(unescape(chip.group(1))).query)
    assert kept == {"lieu": ["69003"], "par_page": ["100"]}


async def test_pages_continue_the_ranking(client: httpx.AsyncClient) -> None:
    first = await client.get("/", params={"lieu": "69003", "par_page": 5})
    second = await client.get("/", params={"lieu": "69003", "par_page": 5, "page": 2})
    assert ranks(first.text) == [1, 2, 3, 4, 5] and ranks(second.text) == [6, 7, 8, 9, 10]
    assert not set(card_ids(first.text)) & set(card_ids(second.text))
    assert 'rel="next"' in first.text and 'rel="prev"' in second.text
    assert '<ol class="results-list" start="6"' in second.text  # screen readers hear "6." first


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"lieu": "69003", "services": "voyance"}, "services", "Valeur inconnue"),
        ({"lat": "45.7"}, "lon", "vont ensemble"),
        ({"q": "caf", "rayon": "5"}, "rayon", "demande un lieu"),
        ({"lieu": "69003", "ouvert": "demain"}, "ouvert", "maintenant"),
        ({"lieu": "69003", "page": "0"}, "page", "compris entre"),
        ({"lieu": "69003", "par_page": "100000"}, "par_page", "entre 1 et 100"),
    ],
)
async def test_bad_parameters_give_a_french_message_on_the_page(
    client: httpx.AsyncClient, params: dict[str, str], field: str, message: str
) -> None:
    r = await client.get("/", params=params)
    assert r.status_code == 400
    assert 'aria-invalid="true"' in r.text or 'role="alert"' in r.text
    assert message in unescape(r.text)


async def test_page_beyond_the_results_is_refused_in_french(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"lieu": "69003", "page": "500"})
    assert r.status_code == 400 and "précisez la recherche" in unescape(r.text)


async def test_unknown_parameters_are_ignored_by_pages(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"lieu": "69003", "utm_source": "lettre"})
    assert r.status_code == 200 and result_items(r.text)


async def test_open_now_filter_keeps_only_open_venues(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"lieu": "69003", "ouvert": "maintenant", "par_page": 100})
    assert r.status_code == 200
    states = re.findall(r'class="open-state ([^"]+)"', r.text)
    assert all(s == "is-open" for s in states)
    assert "Ouvert maintenant" in text_of(r.text)  # the active filter chip


# -- the map's data -----------------------------------------------------------------


async def test_map_points_hold_the_list_and_every_other_result(client: httpx.AsyncClient) -> None:
    page = await client.get("/", params={"lieu": "69003", "par_page": 5})
    points_url = unescape(re.search(r'data-points-url="([^"]+)"', page.text).group(1))
    r = await client.get(points_url)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    ids = [p[2] for p in body["points"]]
    assert ids[:5] == card_ids(page.text)  # the list's page first, in its order
    assert len(ids) == body["total"] == 18  # every seeded venue with a point, not only the page
    assert body["lieu"]["label"] == "Lyon 3e Arrondissement (69003)"
    again = await client.get(points_url, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


async def test_map_card_is_a_small_escaped_fragment(client: httpx.AsyncClient, seeded: Seeded) -> None:
    r = await client.get(f"/carte/lieux/{seeded.ids['hostile-1']}")
    assert r.status_code == 200
    assert "<html" not in r.text and "<script>" not in r.text and "&lt;script&gt;" in r.text
    assert (await client.get("/carte/lieux/l0000000000")).status_code == 404


# -- print, embed, headers -------------------------------------------------------------


async def test_printable_list_has_the_weeks_hours(client: httpx.AsyncClient) -> None:
    r = await client.get("/imprimer", params={"lieu": "69003", "par_page": 5})
    assert r.status_code == 200
    text = text_of(r.text)
    assert "Lieux de médiation numérique autour de Lyon 3e Arrondissement (69003)" in text
    assert text.count("Tél.") >= 1
    assert re.search(r"(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d", text.lower())
    assert r.text.count("<li>") >= 5


async def test_embed_may_be_framed_by_any_site_and_pages_only_by_this_one(client: httpx.AsyncClient) -> None:
    embed = await client.get("/embed", params={"departement": "69", "services": DEMARCHES})
    assert embed.status_code == 200
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert 'target="_blank"' in embed.text  # venue pages open outside the partner's frame
    assert '<header class="site-header">' not in embed.text
    ids = card_ids(embed.text)
    assert ids
    home = await client.get("/")
    assert "frame-ancestors 'self'" in home.headers["content-security-policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org" in home.headers["content-security-policy"]


async def test_bare_embed_lists_every_venue(client: httpx.AsyncClient, app: Starlette) -> None:
    r = await client.get("/embed")
    assert r.status_code == 200 and len(card_ids(r.text)) == app.state.store.count_venues()


async def test_embed_configuration_builds_the_snippet(client: httpx.AsyncClient) -> None:
    r = await client.get("/embed/configurer", params={"departement": "69", "services": DEMARCHES, "hauteur": "700"})
    assert r.status_code == 200
    snippet = unescape(re.search(r'<textarea id="snippet"[^>]*>(.*?)</textarea>', r.text, flags=re.S).group(1))
    src = re.search(r'src="([^"]+)"', snippet).group(1)
    assert parse_qs(urlsplit(src).query) == {"departement": ["69"], "services": [DEMARCHES]}
    assert 'height="700"' in snippet and 'title="Lieux de médiation numérique"' in snippet
    bad = await client.get("/embed/configurer", params={"hauteur": "9"})
    assert bad.status_code == 400 and "entre 300 et 2000" in unescape(bad.text)


async def test_responses_are_compressed(client: httpx.AsyncClient) -> None:
    r = await client.get("/static/vendor/leaflet/leaflet.js", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip"


# -- the request ↔ query mapping -------------------------------------------------------


def test_search_request_links_round_trip() -> None:
    from starlette.datastructures import QueryParams

    from directory.web.params import read_search

    search = SearchRequest(besoin="caf", lieu="75019", filters={"services": (DEMARCHES,)}, ouvert="mardi", page=3)
    again = read_search(QueryParams(search.params()))
    assert again == search
    assert ("page", "3") not in search.params(page=1)


def test_to_query_maps_open_day_and_sort() -> None:
    from datetime import datetime

    from directory.places import Place
    from directory.web.finder import to_query

    place = Place("Paris 19e", 48.88, 2.38, "postcode", "75119", "75019", "75")
    q = to_query(
        SearchRequest(lieu="75019", ouvert="mardi", tri="pertinence", rayon_km=5), place, datetime(2026, 11, 25, 10)
    )
    assert isinstance(q, SearchQuery)
    assert (q.open_day, q.sort, q.radius_km, q.lat) == (1, "relevance", 5, 48.88)


async def test_a_far_nearest_result_is_said_to_be_far(client: httpx.AsyncClient) -> None:
    near = await client.get("/", params={"lieu": "69003"})
    assert "far-notice" not in near.text
    # Only Lyon, Nancy and Paris venues: around Marseille the nearest is hundreds of km away.
    far = await client.get("/", params={"lieu": "13001"})
    notice = text_of(re.search(r'<p class="notice notice-warning far-notice">(.*?)</p>', far.text, flags=re.S).group(1))
    assert notice.startswith("Aucun lieu ne correspond à moins de 15 km : le plus proche est à ")


async def test_embed_links_stay_in_the_embed(client: httpx.AsyncClient) -> None:
    r = await client.get("/embed", params={"lieu": "69003", "par_page": 5, "services": DEMARCHES})
    links = [unescape(h) for h in re.findall(r'<a href="([^"]+)"', r.text)]
    pages = [h for h in links if re.search(r"[?&]page=", h)]
    chips = re.findall(r'<ul class="active-filters".*?<a href="([^"]+)"', r.text, flags=re.S)
    assert chips and all(unescape(h).startswith("/embed") for h in chips)
    assert all(h.startswith("/embed") for h in pages)


# -- found in review --------------------------------------------------------------------


@pytest.mark.parametrize("params", [{"departement": "1٩"}, {"code_postal": "٦٩٠٠٣"}, {"commune": "٦٩٣٨٣"}])
async def test_digits_of_other_scripts_are_refused_not_crashed_on(client: httpx.AsyncClient, params) -> None:
    r = await client.get("/export/lieux.csv", params=params)
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"


async def test_embed_height_of_other_digits_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.get("/embed/configurer", params={"hauteur": "²"})
    assert r.status_code == 400 and "entre 300 et 2000" in unescape(r.text)


async def test_links_keep_the_searched_point(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"lat": "45.764041", "lon": "4.835659", "par_page": 5})
    following = unescape(re.search(r'<a href="([^"]+)" rel="next"', r.text).group(1))
    assert parse_qs(urlsplit(following).query)["lat"] == ["45.764041"]


async def test_the_last_page_link_answers(client: httpx.AsyncClient) -> None:
    from directory.search import SearchResult
    from directory.web.finder import Found

    capped = Found(SearchRequest(lieu="69003", par_page=7), None, SearchResult(total=2000, total_exact=False, hits=[]))
    assert capped.pages == 285  # 285 × 7 = 1,995 ≤ 2,000: page 286 would be refused
    r = await client.get("/", params={"lieu": "69003", "par_page": 7, "page": 3})
    assert r.status_code == 200


async def test_the_embed_sends_no_link_into_pages_that_refuse_frames(client: httpx.AsyncClient) -> None:
    r = await client.get("/embed", params={"lieu": "69003"})
    assert "/imprimer" not in r.text
    assert 'data-link-target="_blank"' in r.text  # map popups open venue pages outside the frame


async def test_forms_keep_what_they_do_not_show(client: httpx.AsyncClient) -> None:
    r = await client.get(
        "/",
        params={
            "lieu": "69003",
            "ouvert": "maintenant",
            "tri": "pertinence",
            "par_page": 5,
            "services": DEMARCHES,
            "page": 2,
        },
    )
    search_form = r.text.split('id="recherche"', 1)[1].split("</form>", 1)[0]
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', search_form))
    assert hidden == {"services": DEMARCHES, "ouvert": "maintenant", "tri": "pertinence", "par_page": "5"}
    embed = await client.get(
        "/embed", params={"departement": "69", "ouvert": "maintenant", "rayon": "10", "lieu": "69003"}
    )
    form = embed.text.split('role="search"', 1)[1].split("</form>", 1)[0]
    kept = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    assert kept == {"departement": "69", "ouvert": "maintenant", "rayon": "10"}


async def test_api_results_link_to_the_public_address(seeded: Seeded, places, tmp_path) -> None:
    from directory.config import Settings
    from directory.web import create_app

    app = create_app(Settings(data_dir=tmp_path, public_url="https://lieux.example.org/"), seeded.store, places)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://interne:8000") as c:
        body = (await c.get("/api/lieux", params={"lieu": "69003", "par_page": 2})).json()
    assert all(r["url"].startswith("https://lieux.example.org/lieux/l") for r in body["resultats"])
