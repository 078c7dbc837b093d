# SPDX-License-Identifier: Apache-2.0
"""The JSON API: search, filters and facets, bad parameters, caching, CORS, and its OpenAPI document.

Every bad parameter must come back as a 400 ``application/problem+json``
naming the field at fault, never as a 500.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import httpx
import pytest
from openapi_spec_validator import validate
from starlette.applications import Starlette
from starlette.routing import Route

from directory.schema import LIST_VOCABULARIES
from directory.schema.derived import FILTER_VOCABULARIES
from directory.web.openapi import build_openapi
from directory.web.params import FILTER_PARAMS, MAX_LIMIT, SEARCH_PARAMS

from .seeding import HOSTILE_NAME, Seeded

pytestmark = pytest.mark.anyio

PROBLEM = "application/problem+json"
DEMARCHES = "aide-aux-demarches-administratives"


def _problem_fields(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"] == PROBLEM, response.text
    body = response.json()
    assert body["status"] == response.status_code and body["title"] and body["detail"]
    return [e["field"] for e in body.get("errors", [])]


# -- search ------------------------------------------------------------------------


async def test_search_by_postcode_gives_the_nearest_first_with_distances(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/lieux", params={"lieu": "69003", "par_page": MAX_LIMIT})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["lieu"]["code_postal"] == "69003" and body["lieu"]["kind"] == "postcode"
    results = body["resultats"]
    assert results and body["total"] == len(results)
    distances = [c["distance_m"] for c in results]
    assert all(isinstance(d, int) and d >= 0 for d in distances)
    assert distances == sorted(distances)
    assert distances[0] < 1000  # a venue in Lyon 3e itself
    assert [c["rang"] for c in results] == list(range(1, len(results) + 1))
    first = results[0]
    assert first["lieu"]["code_postal"].startswith("69") and first["url"].endswith(f"/lieux/{first['id']}")


async def test_paging_splits_the_same_list(client: httpx.AsyncClient) -> None:
    whole = (await client.get("/api/lieux", params={"lieu": "69003", "par_page": 6})).json()
    page2 = (await client.get("/api/lieux", params={"lieu": "69003", "par_page": 3, "page": 2})).json()
    assert page2["page"] == 2 and page2["par_page"] == 3 and page2["pages"] == -(-whole["total"] // 3)
    assert [c["id"] for c in page2["resultats"]] == [c["id"] for c in whole["resultats"][3:6]]
    assert [c["rang"] for c in page2["resultats"]] == [4, 5, 6]


async def test_filters_narrow_the_results_and_facet_counts_agree(client: httpx.AsyncClient) -> None:
    base = {"lieu": "69003", "par_page": MAX_LIMIT}
    everything = (await client.get("/api/lieux", params=base)).json()
    counts = everything["facettes"]["services"]
    assert counts.get(DEMARCHES, 0) >= 1
    for code, count in counts.items():
        narrowed = (await client.get("/api/lieux", params={**base, "services": code})).json()
        assert narrowed["total"] == count == len(narrowed["resultats"]), code
        assert count <= everything["total"]
        label = LIST_VOCABULARIES["services"][0](code).label
        assert all(label in c["lieu"]["services"].split("|") for c in narrowed["resultats"]), code
        # The filtered search counts its own facets over what it found.
        assert narrowed["facettes"]["services"][code] == count
    # Two codes of one filter: venues with either.
    codes = sorted(counts)[:2]
    either = (
        await client.get("/api/lieux", params=[*base.items(), ("services", codes[0]), ("services", codes[1])])
    ).json()
    assert max(counts[c] for c in codes) <= either["total"] <= sum(counts[c] for c in codes)
    # The same codes as a comma list.
    comma = (await client.get("/api/lieux", params={**base, "services": ",".join(codes)})).json()
    assert comma["total"] == either["total"]


async def test_map_points_are_the_results_of_the_same_search(client: httpx.AsyncClient) -> None:
    params = {"lieu": "69003", "services": DEMARCHES}
    listed = (await client.get("/api/lieux", params={**params, "par_page": MAX_LIMIT})).json()
    points = (await client.get("/api/carte", params=params)).json()
    assert points["complet"] is True and points["total"] == listed["total"]
    assert [p[2] for p in points["points"]] == [c["id"] for c in listed["resultats"]]


# -- bad parameters ----------------------------------------------------------------

LONG = "démarches " * 60

BAD_SEARCHES = [
    ({"lat": "91", "lon": "2"}, "lat"),
    ({"lat": "-90.5", "lon": "2"}, "lat"),
    ({"lat": "45", "lon": "181"}, "lon"),
    ({"lat": "45", "lon": "-180.01"}, "lon"),
    ({"lat": "nan", "lon": "2"}, "lat"),
    ({"lat": "1e400", "lon": "2"}, "lat"),
    ({"lat": "quarante", "lon": "2"}, "lat"),
    ({"lat": "45"}, "lon"),
    ({"lat": "45", "lon": "4", "lieu": "69003"}, "lieu"),
    ({"services": "inconnu"}, "services"),
    ({"services": "' OR 1=1 --"}, "services"),
    ({"frais_a_charge": "gratuit,cher"}, "frais_a_charge"),
    ({"publics_specifiquement_adresses": "<script>"}, "publics_specifiquement_adresses"),
    ({"par_page": "100000"}, "par_page"),
    ({"par_page": "0"}, "par_page"),
    ({"par_page": "-5"}, "par_page"),
    ({"page": "0"}, "page"),
    ({"page": "99999999"}, "page"),
    ({"page": "1000"}, "page"),  # far beyond the results the index ranks
    ({"page": "1.5"}, "page"),
    ({"inconnu": "1"}, "inconnu"),
    ({"limite": "5"}, "limite"),  # a parameter of another endpoint
    ({"q": LONG}, "q"),
    ({"lieu": "x" * 10_000}, "lieu"),
    ({"q": "caf\x00"}, "q"),
    ({"lieu": "69003\x00' OR 1=1"}, "lieu"),
    ({"q": "a\x1b[31m"}, "q"),
    ({"rayon": "0"}, "rayon"),
    ({"rayon": "5"}, "rayon"),  # a radius needs a place
    ({"lieu": "69003", "rayon": "100000"}, "rayon"),
    ({"tri": "distance"}, "tri"),  # needs a place
    ({"tri": "hasard"}, "tri"),
    ({"ouvert": "demain"}, "ouvert"),
    ({"departement": "ZZ"}, "departement"),
]


@pytest.mark.parametrize(("params", "field"), BAD_SEARCHES, ids=[f for _, f in BAD_SEARCHES])
@pytest.mark.parametrize("path", ["/api/lieux", "/api/carte"])
async def test_bad_search_parameters_are_400_problems_naming_the_field(
    client: httpx.AsyncClient, path: str, params: dict[str, str], field: str
) -> None:
    if path == "/api/carte" and params.get("page") == "1000":
        pytest.skip("the map has no pages")
    r = await client.get(path, params=params)
    assert r.status_code == 400, r.text
    assert field in _problem_fields(r)
    assert r.json()["detail"]  # a French sentence, not a traceback
    assert "Traceback" not in r.text


async def test_every_fault_is_reported_at_once(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/lieux", params={"lat": "91", "lon": "200", "services": "nope", "par_page": "100000"})
    assert r.status_code == 400
    assert set(_problem_fields(r)) == {"lat", "lon", "services", "par_page"}


async def test_a_repeated_single_parameter_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/lieux?lieu=69003&lieu=54000")
    assert r.status_code == 400 and _problem_fields(r) == ["lieu"]


async def test_echoed_values_are_cut_short(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/lieux", params={"q": LONG})
    (error,) = r.json()["errors"]
    assert len(error["value"]) <= 81 and len(r.content) < 2000


@pytest.mark.parametrize(
    "text",
    [
        "' OR 1=1 --",
        '" OR ""="',
        "'; DROP TABLE venue; --",
        "<script>alert(1)</script>",
        "NEAR(caf démarches)",
        "caf*",
        '"caf',
        "-",
        "%",
        "_",
        "a OR b AND NOT c",
        "{{7*7}}",
        "${jndi:ldap://x}",
        "../../etc/passwd",
        "\u202e\u200b",
        "😀 démarches",
        "ǅ ﬁ ß œ",
    ],
)
async def test_hostile_text_is_searched_as_text(client: httpx.AsyncClient, seeded: Seeded, text: str) -> None:
    r = await client.get("/api/lieux", params={"q": text})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.json()["total"] >= 0
    place = await client.get("/api/lieux", params={"lieu": text})
    assert place.status_code in (200, 404) and place.headers["content-type"].startswith("application/")
    suggestions = await client.get("/api/communes", params={"q": text})
    assert suggestions.status_code == 200
    # The store is still whole.
    health = (await client.get("/api/sante")).json()
    assert health == {"status": "ok", "venues": len(seeded.ids)}


async def test_hostile_venue_text_stays_data(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/lieux", params={"lieu": "69003", "par_page": MAX_LIMIT})).json()
    names = [c["lieu"]["nom"] for c in body["resultats"]]
    assert HOSTILE_NAME in names  # as a JSON string, not markup


BAD_OTHERS = [
    ("/api/lieux/proches", {"lat": "100", "lon": "2"}, "lat"),
    ("/api/lieux/proches", {"lieu": "69003", "limite": "100000"}, "limite"),
    ("/api/lieux/proches", {}, "lieu"),
    ("/api/communes", {}, "q"),
    ("/api/communes", {"q": "ly\x00"}, "q"),
    ("/api/changes", {"since": "' OR 1=1 --"}, "since"),
    ("/api/changes", {"limite": "0"}, "limite"),
    ("/api/sources/conseiller-numerique/retours", {"depuis": "hier"}, "depuis"),
    ("/export/lieux.csv", {"departement": "<script>"}, "departement"),
]


@pytest.mark.parametrize(("path", "params", "field"), BAD_OTHERS, ids=[f"{p}-{f}" for p, _, f in BAD_OTHERS])
async def test_bad_parameters_elsewhere_are_400_problems(
    client: httpx.AsyncClient, path: str, params: dict[str, str], field: str
) -> None:
    r = await client.get(path, params=params)
    assert r.status_code == 400, r.text
    assert field in _problem_fields(r)


async def test_an_unknown_place_is_a_404_problem(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/lieux", params={"lieu": "Qqqqqqqqq"})
    assert r.status_code == 404 and "lieu" in _problem_fields(r)


# -- one venue -----------------------------------------------------------------------


async def test_a_venue_by_id(client: httpx.AsyncClient, seeded: Seeded) -> None:
    venue_id = seeded.ids["62b4e63add51e705b1809584"]
    r = await client.get(f"/api/lieux/{venue_id}")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == venue_id and body["lieu"]["nom"] == "Paris 19e" and body["lieu"]["code_postal"] == "75019"


@pytest.mark.parametrize("venue_id", ["linconnu0000", "nope", "x" * 500, "%00", "' OR 1=1 --", "<script>"])
async def test_an_unknown_venue_is_a_404_problem(client: httpx.AsyncClient, venue_id: str) -> None:
    r = await client.get("/api/lieux/" + httpx.URL(f"/{venue_id}").raw_path.decode().lstrip("/"))
    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["type"] == "/erreurs/lieu-introuvable" and body["errors"][0]["field"] == "id"
    assert len(str(body["errors"][0]["value"])) <= 80


# -- caching and CORS ----------------------------------------------------------------

CACHED = ["/api/lieux?lieu=69003", "/api/carte?lieu=69003", "/api/communes?q=lyo", "/api/openapi.json"]


@pytest.mark.parametrize("url", CACHED)
async def test_etag_and_if_none_match_give_304(client: httpx.AsyncClient, url: str) -> None:
    first = await client.get(url)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert re.fullmatch(r'W/"[0-9a-f]+"', etag) and "max-age=" in first.headers["cache-control"]
    again = await client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = await client.get(url, headers={"If-None-Match": 'W/"autre"'})
    assert other.status_code == 200


async def test_etag_of_a_venue_and_of_the_feed(client: httpx.AsyncClient, seeded: Seeded) -> None:
    for url in (f"/api/lieux/{seeded.ids['62b4e63add51e705b1809584']}", "/api/changes"):
        etag = (await client.get(url)).headers["etag"]
        assert (await client.get(url, headers={"If-None-Match": etag})).status_code == 304


async def test_different_searches_have_different_etags(client: httpx.AsyncClient) -> None:
    a = await client.get("/api/lieux", params={"lieu": "69003"})
    b = await client.get("/api/lieux", params={"lieu": "54000"})
    assert a.headers["etag"] != b.headers["etag"]


READS = [
    "/api/lieux?lieu=69003",
    "/api/lieux/proches?lieu=69003",
    "/api/carte",
    "/api/communes?q=nan",
    "/api/changes",
    "/api/sante",
    "/api/openapi.json",
    "/api/lieux?lat=100&lon=0",
    "/api/lieux/inconnu",
]


@pytest.mark.parametrize("url", READS)
async def test_reads_are_open_to_every_origin(client: httpx.AsyncClient, url: str) -> None:
    r = await client.get(url, headers={"Origin": "https://partenaire.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "ETag" in r.headers["access-control-expose-headers"]


async def test_preflight_of_a_conditional_read(client: httpx.AsyncClient) -> None:
    r = await client.options(
        "/api/lieux",
        headers={
            "Origin": "https://partenaire.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert r.status_code == 204 and r.headers["access-control-allow-origin"] == "*"
    assert "If-None-Match" in r.headers["access-control-allow-headers"]


# -- the OpenAPI document ------------------------------------------------------------


async def test_the_openapi_document_is_valid(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/openapi.json")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    document = r.json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "http://testserver", "description": "Cette instance de l'annuaire"}]
    assert {k: v for k, v in document.items() if k != "servers"} == build_openapi()


def _documented(document: dict) -> dict[str, set[str]]:
    return {path: {m.upper() for m in item} for path, item in document["paths"].items()}


def test_every_api_route_is_documented(app: Starlette) -> None:
    """A new route under /api/ (or /export/) without an entry in openapi.py fails here."""
    served = {
        route.path: set(route.methods or ()) - {"HEAD", "OPTIONS"}
        for route in app.routes
        if isinstance(route, Route) and route.path.startswith(("/api/", "/export/"))
    }
    assert served == _documented(build_openapi())


def test_every_search_parameter_is_documented() -> None:
    documented = {p["name"] for p in build_openapi()["paths"]["/api/lieux"]["get"]["parameters"]}
    assert documented == SEARCH_PARAMS
    carte = {p["name"] for p in build_openapi()["paths"]["/api/carte"]["get"]["parameters"]}
    assert carte == SEARCH_PARAMS


def test_filter_codes_come_from_the_vocabularies() -> None:
    parameters = {p["name"]: p for p in build_openapi()["paths"]["/api/lieux"]["get"]["parameters"]}
    for name in FILTER_PARAMS:
        items = parameters[name]["schema"]["items"]
        assert items["enum"] == [m.code for m in FILTER_VOCABULARIES[name]]
        assert parameters[name]["explode"] is True


def test_the_venue_record_has_every_national_field() -> None:
    from directory.schema import NATIONAL_FIELDS

    record = build_openapi()["components"]["schemas"]["LieuNational"]
    assert list(record["properties"]) == list(NATIONAL_FIELDS) == record["required"]


async def test_documented_examples_answer(client: httpx.AsyncClient) -> None:
    for item in build_openapi()["paths"].values():
        for example in item["get"]["x-exemples"]:
            query = urlencode(example["query"])
            r = await client.get(example["path"] + (f"?{query}" if query else ""))
            assert r.status_code == 200, (example, r.text[:300])


# -- the documentation page ----------------------------------------------------------


async def test_the_docs_page_documents_every_operation(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="fr">' in html and "<h1>Documentation de l'API</h1>" in html
    assert "<script" not in html  # the CSP forbids inline scripts; none is needed
    document = build_openapi()
    for path, item in document["paths"].items():
        op = item["get"]
        assert f'<h3 id="{op["operationId"]}">' in html and f"GET {path}</code>" in html
    for name in FILTER_PARAMS:
        assert f"<code>{name}</code>" in html
    assert (
        "curl &#39;http://testserver/api/lieux?lieu=75019&amp;services=aide-aux-demarches-administratives&#39;" in html
    )
    assert 'href="/api/lieux?lieu=75019&amp;services=aide-aux-demarches-administratives"' in html
    assert 'href="/api/openapi.json"' in html and 'id="schema-LieuNational"' in html
    assert "<caption" in html and 'scope="col"' in html


async def test_the_docs_page_is_linked_from_the_open_data_page_and_the_footer(client: httpx.AsyncClient) -> None:
    for url in ("/donnees", "/"):
        html = (await client.get(url)).text
        assert 'href="/api/docs"' in html, url
