# SPDX-License-Identifier: Apache-2.0
"""Open data out on the web: /donnees, /export/{file}, the DCAT catalogue, the vocabularies.

The app runs in process over a SQLite store filled with ``fixtures/demo/*.csv``
(built once for the module).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from html import unescape
from pathlib import Path

import httpx
import pytest
from frictionless import Schema, system, validate
from rdflib import DCAT, DCTERMS, FOAF, RDF, SKOS, Graph, URIRef
from starlette.applications import Starlette

from directory.config import Settings
from directory.errors import InvalidCatalogue
from directory.export import WRITERS, CsvWriter
from directory.export.catalogue_file import read_catalogue_file
from directory.export.dcat import VCARD
from directory.export.schemas import NATIONAL_SCHEMA_PATH
from directory.export.streaming import CHUNK_CHARS, export_chunks
from directory.export.territory import read_territory
from directory.places import Gazetteer
from directory.store import Store, VenueFilter
from directory.web import create_app
from directory.web.opendata import FILE_NAMES, downloads

pytestmark = pytest.mark.anyio

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def app(demo_store: Store, places: Gazetteer, tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    """Overrides the package's ``app``: the ``client`` fixture then talks to this one."""
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("data")), demo_store, places)


def count(store: Store, **territory: object) -> int:
    return sum(1 for _ in store.iter_venues(VenueFilter(**territory)))  # type: ignore[arg-type]


def frictionless_report(path: Path):  # the way tests/export/test_national.py validates
    with system.use_context(trusted=True):
        return validate(str(path), schema=Schema.from_descriptor(str(NATIONAL_SCHEMA_PATH)))


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ").split())


# -- downloads ---------------------------------------------------------------------


async def test_csv_of_one_departement_is_valid_national_data(
    client: httpx.AsyncClient, demo_store: Store, tmp_path: Path
) -> None:
    r = await client.get("/export/lieux.csv", params={"departement": "69"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="lieux-mediation-numerique-departement-69-\d{4}-\d{2}-\d{2}\.csv"',
        r.headers["content-disposition"],
    )
    assert "content-length" not in r.headers  # streamed
    rows = list(csv.DictReader(io.StringIO(r.text, newline="")))
    assert len(rows) == count(demo_store, departement="69") > 100
    assert all(re.fullmatch(r"69\d{3}", row["code_postal"]) for row in rows)
    path = tmp_path / "lieux-69.csv"
    path.write_bytes(r.content)
    report = frictionless_report(path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == len(rows)


async def test_etag_and_last_modified_answer_304(client: httpx.AsyncClient) -> None:
    first = await client.get("/export/lieux.json?departement=54")
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]
    assert re.fullmatch(r'W/"\d+-[0-9a-f]{16}"', etag)
    assert last_modified.endswith(" GMT")

    again = await client.get("/export/lieux.json?departement=54", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    also = await client.get("/export/lieux.json?departement=54", headers={"If-None-Match": f'"other", {etag}'})
    assert also.status_code == 304
    since = await client.get("/export/lieux.json?departement=54", headers={"If-Modified-Since": last_modified})
    assert since.status_code == 304

    stale = await client.get("/export/lieux.json?departement=54", headers={"If-None-Match": 'W/"0-0000000000000000"'})
    assert stale.status_code == 200 and json.loads(stale.text)
    long_ago = {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
    older = await client.get("/export/lieux.json?departement=54", headers=long_ago)
    assert older.status_code == 200
    other = await client.get("/export/lieux.json?departement=69")
    assert other.headers["etag"] != etag
    other_format = await client.get("/export/lieux.csv?departement=54")
    assert other_format.headers["etag"] != etag


async def test_gzip_when_the_client_accepts_it(client: httpx.AsyncClient) -> None:
    zipped = await client.get("/export/lieux.geojson?departement=69", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["vary"]
    plain = await client.get("/export/lieux.geojson?departement=69", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert zipped.text == plain.text  # httpx decoded it
    assert zipped.headers["etag"] == plain.headers["etag"]


async def test_gzip_stream_is_a_valid_gzip_file(app: Starlette) -> None:
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as raw,
        raw.stream("GET", "/export/lieux.csv", headers={"Accept-Encoding": "gzip"}) as r,
    ):
        body = b"".join([chunk async for chunk in r.aiter_raw()])
    assert gzip.decompress(body).startswith(b'"id","pivot","nom"')


async def test_cors_on_reads_and_preflight(client: httpx.AsyncClient) -> None:
    for path in ("/export/lieux.csv?code_postal=69003", "/catalogue.ttl", "/.well-known/dcat", "/vocabulaires.ttl"):
        r = await client.get(path, headers={"Origin": "https://partenaire.example"})
        assert r.headers["access-control-allow-origin"] == "*", path
    r = await client.get("/export/lieux.csv?code_postal=69003")
    assert "ETag" in r.headers["access-control-expose-headers"]
    pre = await client.options(
        "/export/lieux.csv",
        headers={
            "Origin": "https://partenaire.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == "*"
    assert "If-None-Match" in pre.headers["access-control-allow-headers"]
    assert (await client.get("/export/lieux.csv?departement=ZZ")).headers["access-control-allow-origin"] == "*"


async def test_geojson_parses_and_keeps_the_territory(client: httpx.AsyncClient, demo_store: Store) -> None:
    r = await client.get("/export/lieux.geojson?departement=69")
    assert r.headers["content-type"] == "application/geo+json"
    document = r.json()
    assert document["type"] == "FeatureCollection"
    assert len(document["features"]) == count(demo_store, departement="69")
    points = [f["geometry"]["coordinates"] for f in document["features"] if f["geometry"]]
    assert points and all(4 < lon < 5.5 and 45 < lat < 46.5 for lon, lat in points)


async def test_bbox_keeps_only_venues_inside(client: httpx.AsyncClient) -> None:
    r = await client.get("/export/lieux.geojson", params={"bbox": "45.70,4.78,45.80,4.90"})
    features = r.json()["features"]
    assert features
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"]
        assert 45.70 <= lat <= 45.80 and 4.78 <= lon <= 4.90


async def test_turtle_and_jsonld_parse_with_rdflib(client: httpx.AsyncClient) -> None:
    ttl = await client.get("/export/lieux.ttl?code_postal=69003")
    assert ttl.headers["content-type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=ttl.text, format="turtle")
    assert len(graph) > 50
    jsonld = await client.get("/export/lieux.jsonld?code_postal=69003")
    assert jsonld.headers["content-type"] == "application/ld+json"
    assert len(Graph().parse(data=jsonld.text, format="json-ld")) == len(graph)


async def test_every_writer_is_served(client: httpx.AsyncClient) -> None:
    assert {d.name for d in downloads()} == set(WRITERS)
    assert set(FILE_NAMES) == set(WRITERS)
    for download in downloads():
        r = await client.get(f"/export/{download.file}?code_postal=54000")
        assert r.status_code == 200, download.file
        assert r.headers["content-type"].split(";")[0] == download.media_type
        if download.media_type.endswith("json"):
            json.loads(r.text)


async def test_head_gives_the_headers_without_the_body(client: httpx.AsyncClient) -> None:
    r = await client.head("/export/lieux-dinclusion.json")
    assert r.status_code == 200 and r.content == b""
    assert r.headers["etag"].startswith('W/"')
    assert r.headers["content-disposition"].endswith('.data-inclusion.json"')


def test_the_export_is_streamed_in_bounded_chunks(demo_store: Store) -> None:
    chunks = list(export_chunks(demo_store, CsvWriter(), None))
    assert len(chunks) > 5
    assert max(len(c) for c in chunks) <= 4 * CHUNK_CHARS  # UTF-8: at most 4 bytes a character
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode("utf-8"), newline="")))
    assert len(rows) == demo_store.count_venues()


def test_commune_and_epci_become_lists_of_insee_codes(places: Gazetteer) -> None:
    _, lyon = read_territory({"commune": "69123"}, places)
    assert {"69123", *(f"6938{i}" for i in range(1, 10))} == set(lyon.communes)
    _, metropole = read_territory({"epci": "200046977"}, places)
    assert {"69123", "69383", "69029", "69266"} <= set(metropole.communes)
    territory, _ = read_territory({"departement": "2a", "bbox": " 41.3,8.5,43.1,9.6 "}, places)
    assert territory.query() == {"departement": "2A", "bbox": "41.3,8.5,43.1,9.6"}


# -- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("departement=ZZ", ["departement"]),
        ("departement=20", ["departement"]),
        ("bbox=1,2,3", ["bbox"]),
        ("bbox=50,0,40,1", ["bbox"]),
        ("bbox=1,2,3,abc", ["bbox"]),
        ("code_postal=690", ["code_postal"]),
        ("commune=00000", ["commune"]),
        ("epci=123", ["epci"]),
        ("commune=69123&epci=200046977", ["epci"]),
        ("departemnt=69", ["departemnt"]),
        ("departement=69&departement=54", ["departement"]),
        ("departement=ZZ&bbox=1", ["departement", "bbox"]),
    ],
)
async def test_bad_parameters_are_400_problems_naming_them(
    client: httpx.AsyncClient, query: str, fields: list[str]
) -> None:
    r = await client.get(f"/export/lieux.csv?{query}")
    assert r.status_code == 400
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["status"] == 400 and problem["title"] == "Requête invalide"
    assert problem["instance"] == "/export/lieux.csv"
    assert [e["field"] for e in problem["errors"]] == fields
    assert all(e["message"] for e in problem["errors"])


async def test_unknown_file_is_a_404_problem(client: httpx.AsyncClient) -> None:
    r = await client.get("/export/lieux.xlsx")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    assert "lieux.csv" in r.json()["detail"]


# -- catalogue and vocabularies ------------------------------------------------------


async def test_catalogue_points_at_the_export_routes(client: httpx.AsyncClient) -> None:
    r = await client.get("/catalogue.ttl")
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=r.text, format="turtle")
    (dataset,) = graph.subjects(RDF.type, DCAT.Dataset)
    urls = {str(graph.value(d, DCAT.downloadURL)) for d in graph.objects(dataset, DCAT.distribution)}
    assert urls == {f"http://testserver/export/{d.file}" for d in downloads()}
    for url in urls:
        head = await client.head(url)
        assert head.status_code == 200, url
    cached = await client.get("/catalogue.ttl", headers={"If-None-Match": r.headers["etag"]})
    assert cached.status_code == 304


async def test_catalogue_uses_the_public_url(demo_store: Store, places: Gazetteer, tmp_path: Path) -> None:
    app = create_app(Settings(public_url="https://lieux.example.org/", data_dir=tmp_path), demo_store, places)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        text = (await c.get("/catalogue.jsonld")).text
    graph = Graph().parse(data=text, format="json-ld")
    urls = {str(u) for u in graph.objects(None, DCAT.downloadURL)}
    assert "https://lieux.example.org/export/lieux.csv" in urls


async def test_well_known_dcat_negotiates(client: httpx.AsyncClient) -> None:
    default = await client.get("/.well-known/dcat")
    assert default.headers["content-type"] == "text/turtle; charset=utf-8"
    assert "Accept" in default.headers["vary"]
    as_jsonld = await client.get("/.well-known/dcat", headers={"Accept": "application/ld+json"})
    assert as_jsonld.headers["content-type"] == "application/ld+json"
    both = Graph().parse(data=as_jsonld.text, format="json-ld")
    assert len(both) == len(Graph().parse(data=default.text, format="turtle"))
    turtle_first = await client.get("/.well-known/dcat", headers={"Accept": "text/turtle, application/ld+json;q=0.5"})
    assert turtle_first.headers["content-type"].startswith("text/turtle")


async def test_vocabularies_are_skos_turtle(client: httpx.AsyncClient) -> None:
    r = await client.get("/vocabulaires.ttl")
    graph = Graph().parse(data=r.text, format="turtle")
    assert len(set(graph.subjects(RDF.type, SKOS.ConceptScheme))) >= 5
    assert (await client.get("/vocabulaires.ttl", headers={"If-None-Match": r.headers["etag"]})).status_code == 304


# -- the page ---------------------------------------------------------------------------


async def test_open_data_page_lists_every_format_and_the_licence(client: httpx.AsyncClient) -> None:
    r = await client.get("/donnees")
    assert r.status_code == 200
    html = r.text
    assert '<html lang="fr">' in html and html.count("<h1") == 1
    assert "<script" not in html
    assert '<label for="lieu"' in html and 'method="get"' in html
    text = text_of(html)
    assert "Licence Ouverte / Open Licence 2.0" in text and "etalab-2.0" in text
    for download in downloads():
        assert f'href="http://testserver/export/{download.file}"' in html
        assert download.media_type in text
    assert 'href="/catalogue.ttl"' in html and 'href="/catalogue.jsonld"' in html and "/.well-known/dcat" in text
    assert 'href="/vocabulaires.ttl"' in html
    assert "toute la France" in text


@pytest.mark.parametrize(
    ("typed", "query", "label"),
    [
        ("69003", "code_postal=69003", "Lyon 3e Arrondissement (69003)"),
        ("69", "departement=69", "Département 69"),
        ("2a", "departement=2A", "Département 2A"),
        ("Nancy", "commune=54395", "Nancy (54000)"),
        ("200046977", "epci=200046977", "SIREN 200046977"),
    ],
)
async def test_territory_picker_leads_to_filtered_links(
    client: httpx.AsyncClient, typed: str, query: str, label: str
) -> None:
    r = await client.get("/donnees", params={"lieu": typed})
    assert r.status_code == 200
    html = unescape(r.text)
    assert label in text_of(r.text)
    for download in downloads():
        assert f'href="http://testserver/export/{download.file}?{query}"' in html
    assert f'value="{typed}"' in html


async def test_picker_links_download_the_territory(client: httpx.AsyncClient) -> None:
    page = unescape((await client.get("/donnees", params={"lieu": "69003"})).text)
    url = re.search(r'href="(http://testserver/export/lieux\.csv\?[^"]+)"', page).group(1)
    rows = list(csv.DictReader(io.StringIO((await client.get(url)).text, newline="")))
    assert rows and {row["code_postal"] for row in rows} == {"69003"}


async def test_picker_says_when_it_finds_nothing(client: httpx.AsyncClient) -> None:
    r = await client.get("/donnees", params={"lieu": "Zzyzxville"})
    assert r.status_code == 200
    assert "Nous n'avons trouvé aucun territoire pour « Zzyzxville »" in text_of(r.text)
    assert 'aria-invalid="true"' in r.text
    assert 'href="http://testserver/export/lieux.csv"' in r.text  # France-wide links remain


async def test_picker_refuses_control_characters(client: httpx.AsyncClient) -> None:
    r = await client.get("/donnees", params={"lieu": "Lyon\x00"})
    assert r.status_code == 400
    assert 'aria-invalid="true"' in r.text


async def test_api_reads_are_open_to_other_origins(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/sante", headers={"Origin": "https://partenaire.example"})
    assert response.headers["access-control-allow-origin"] == "*"


async def test_catalogue_says_what_the_instance_file_says(seeded, places: Gazetteer, tmp_path: Path) -> None:
    file = tmp_path / "catalogue.toml"
    file.write_text(
        'title = "Lieux de médiation numérique de la Métropole de Lyon"\n'
        'keywords = ["médiation numérique", "Lyon"]\n'
        'spatial = ["http://id.insee.fr/geo/departement/69"]\n'
        'accrual_periodicity = "WEEKLY"\n'
        '[publisher]\nname = "Métropole de Lyon"\nurl = "https://www.grandlyon.com"\n'
        '[contact]\nemail = "inclusion@example.org"\n',
        encoding="utf-8",
    )
    app = create_app(Settings(data_dir=tmp_path, catalogue_file=file), seeded.store, places)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        graph = Graph().parse(data=(await c.get("/catalogue.ttl")).text, format="turtle")
    (dataset,) = graph.subjects(RDF.type, DCAT.Dataset)
    assert str(graph.value(dataset, DCTERMS.title)) == "Lieux de médiation numérique de la Métropole de Lyon"
    assert {str(k) for k in graph.objects(dataset, DCAT.keyword)} == {"médiation numérique", "Lyon"}
    assert str(graph.value(dataset, DCTERMS.accrualPeriodicity)).endswith("/WEEKLY")
    assert URIRef("http://id.insee.fr/geo/departement/69") in set(graph.objects(dataset, DCTERMS.spatial))
    publisher = graph.value(dataset, DCTERMS.publisher)
    assert str(graph.value(publisher, FOAF.name)) == "Métropole de Lyon"
    assert "mailto:inclusion@example.org" in {str(o) for o in graph.objects(None, VCARD.hasEmail)}


def test_a_faulty_catalogue_file_names_each_fault(tmp_path: Path) -> None:
    file = tmp_path / "catalogue.toml"
    file.write_text(
        'titre = "x"\naccrual_periodicity = "SOUVENT"\nkeywords = "un seul"\n[publisher]\nnom = "x"\n', encoding="utf-8"
    )
    with pytest.raises(InvalidCatalogue) as caught:
        read_catalogue_file(file)
    assert [e.field for e in caught.value.errors] == ["titre", "accrual_periodicity", "keywords", "publisher.nom"]
    file.write_text('title = "non fermé\n', encoding="utf-8")
    with pytest.raises(InvalidCatalogue, match="TOML"):
        read_catalogue_file(file)
    assert read_catalogue_file(tmp_path / "absent.toml").title is None  # no file: the defaults
