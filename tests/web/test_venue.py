# SPDX-License-Identifier: Apache-2.0
"""The venue page and the referral slip: every field, the stale notice, JSON-LD, directions, QR code.

The in-process tests use the shared seeded store (real venues, all more than a
year old, and a hostile one) and a small store of their own holding one venue
with every field filled in and updated today. The browser tests at the end
print the slip to PDF in headless Chromium (one A4 page), decode its QR code
from the pixels the browser drew, and run axe-core on both pages.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from html import unescape
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
import segno
import sqlalchemy as sa
from starlette.applications import Starlette

from directory.config import Settings
from directory.places import Gazetteer
from directory.schema import (
    ConditionFrais,
    DispositifProgramme,
    FormationLabel,
    Frais,
    Itinerance,
    ModaliteAcces,
    ModaliteAccompagnement,
    PriseEnCharge,
    Public,
    Service,
    Typologie,
    Venue,
)
from directory.store import SourceInfo, Store, utcnow
from directory.web import create_app
from directory.web.display import local_now
from directory.web.venue import (
    ALWAYS_BRING,
    WHAT_TO_BRING,
    directions,
    is_stale,
    json_ld,
    json_ld_script,
    qr_svg_data_uri,
    what_to_bring,
)

from ..serving import ServerThread
from .browsing import VIEWPORTS, serious_violations
from .seeding import HOSTILE_NAME, Seeded, fill_store, make_store
from .test_pages import text_of

NBSP = "\u00a0"
LONG_NAME = "Espace public numérique de la Maison des services au public intercommunale du Haut-Bugey et du Valromey"


def complete_venue(**changes: Any) -> Venue:
    """A venue with every field of the standard filled in, updated today."""
    values: dict[str, Any] = dict(
        id="complet-1",
        pivot="81519926000010",
        nom="Médiathèque « Les Mots » & Cie",
        commune="Lyon",
        code_postal="69003",
        code_insee="69383",
        adresse="12 rue de la Part-Dieu",
        complement_adresse="Bâtiment B, 2e étage",
        date_maj=local_now().date(),
        latitude=45.76052,
        longitude=4.85913,
        typologie=[Typologie.BIB],
        telephone="+33478000001",
        courriels=["accueil@les-mots.example"],
        site_web=["https://les-mots.example/numerique"],
        horaires="Mo-Fr 09:00-12:00,14:00-18:00; Sa 10:00-12:00",
        presentation_resume="Ateliers et aide individuelle pour vos démarches en ligne.",
        presentation_detail="Nous accueillons toute personne.\nAteliers collectifs le mardi.",
        source="reseau-test",
        itinerance=[Itinerance.ITINERANT, Itinerance.FIXE],
        structure_parente="Ville de Lyon",
        services=[Service.DEMARCHES, Service.INSERTION_PRO],
        publics_specifiquement_adresses=[Public.SENIORS],
        prise_en_charge_specifique=[PriseEnCharge.SURDITE],
        frais_a_charge=[Frais.GRATUIT],
        conditions_frais=[ConditionFrais.PASS_NUMERIQUE],
        dispositif_programmes_nationaux=[DispositifProgramme.AIDANTS_CONNECT],
        formations_labels=[FormationLabel.MON_ESPACE_SANTE],
        autres_formations_labels="Label maison du numérique",
        modalites_acces=[ModaliteAcces.SE_PRESENTER, ModaliteAcces.RDV_EN_LIGNE],
        modalites_accompagnement=[ModaliteAccompagnement.INDIVIDUEL],
        fiche_acces_libre="https://acceslibre.beta.gouv.fr/app/69-lyon/a/bibliotheque/erp/les-mots/",
        prise_rdv="https://rdv.les-mots.example/prendre",
    )
    values.update(changes)
    return Venue(**values)


def worst_case_venue() -> Venue:
    """The longest slip we expect: every service, long name, address and hours, stale."""
    return complete_venue(
        id="long-1",
        pivot="00000000000000",
        nom=LONG_NAME,
        commune="Oyonnax",
        code_postal="01100",
        latitude=46.2566,
        longitude=5.6556,
        adresse="Place de la Mairie, 1234 avenue du Général-de-Gaulle prolongée",
        complement_adresse="Entrée par la cour, à gauche après la médiathèque, rez-de-chaussée",
        services=list(Service),
        courriels=["secretariat.espace-numerique@communaute-de-communes-haut-bugey.example"],
        horaires="Mo,Tu,Th 08:30-12:00,13:30-17:30; We 08:30-12:00; Fr 08:30-12:00,13:30-16:30; Sa 09:00-12:00",
        date_maj=date(2020, 2, 29),
    )


def fill_small_store(store: Store) -> dict[str, str]:
    """The complete venue, a bare one updated 400 days ago, the worst case; record id → venue id."""
    old = local_now().date() - timedelta(days=400)
    bare = Venue(
        id="nu-1",
        pivot="00000000000000",
        nom="Point numérique",
        commune="Nancy",
        code_postal="54000",
        adresse="1 place Stanislas",
        date_maj=old,
    )
    ids: dict[str, str] = {}
    with store.writer() as w:
        w.ensure_source(SourceInfo("reseau-test", "Réseau test"))
        for venue in (complete_venue(), bare, worst_case_venue()):
            ids[venue.id] = w.apply("reseau-test", venue.id, venue, at=utcnow()).venue_id
    return ids


@pytest.fixture(scope="module")
def small(places: Gazetteer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Starlette, dict[str, str]]:
    folder = tmp_path_factory.mktemp("small")
    store = make_store(folder)
    ids = fill_small_store(store)
    return create_app(Settings(data_dir=folder), store, places), ids


@pytest.fixture
async def small_client(small: tuple[Starlette, dict[str, str]]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=small[0]), base_url="http://testserver") as c:
        yield c


def json_ld_of(html: str) -> tuple[str, Any]:
    """The raw text of the page's one JSON-LD block, and what it parses to."""
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, flags=re.S)
    assert len(blocks) == 1
    return blocks[0], json.loads(blocks[0])


def links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', html)]


# -- the venue page, in process ----------------------------------------------------


@pytest.mark.anyio
async def test_venue_page_shows_every_field(
    small_client: httpx.AsyncClient, small: tuple[Starlette, dict[str, str]]
) -> None:
    venue_id = small[1]["complet-1"]
    r = await small_client.get(f"/lieux/{venue_id}")
    assert r.status_code == 200
    html, page = r.text, text_of(r.text)
    assert "<h1>Médiathèque « Les Mots » &amp; Cie</h1>" in html
    assert "12 rue de la Part-Dieu" in page and "Bâtiment B, 2e étage" in page and "69003 Lyon" in page
    assert '<a href="tel:+33478000001">04 78 00 00 01</a>' in html.replace(NBSP, " ")
    assert '<a href="mailto:accueil@les-mots.example">' in html
    assert "Site web : https://les-mots.example/numerique" in page
    hrefs = links(html)
    assert "https://les-mots.example/numerique" in hrefs
    assert "https://rdv.les-mots.example/prendre" in hrefs and "Prendre rendez-vous en ligne" in page
    assert complete_venue().fiche_acces_libre in hrefs and "Fiche d'accessibilité du lieu" in page
    assert "Service itinérant" in page
    assert "Ateliers et aide individuelle" in page and "Ateliers collectifs le mardi" in page
    assert re.search(r"<caption>Ouverture des sept prochains jours</caption>", html)
    assert re.search(
        r"(Lundi|Mardi|Mercredi|Jeudi|Vendredi|Samedi|Dimanche) \d+(er)? \w+ 9 h – 12 h ?, 14 h – 18 h", page
    )
    assert re.search(r"Ouvert|Fermé", page)
    for label in (
        "Bibliothèque / Médiathèque",
        "Structure parente : Ville de Lyon",
        "SIRET : 81519926000010",
        "Aide aux démarches administratives",
        "Insertion professionnelle via le numérique",
        "Seniors",
        "Surdité",
        "Gratuit",
        "Accepte le Pass numérique",
        "Aidants Connect",
        "Formé à « Mon Espace Santé »",
        "Label maison du numérique",
        "Se présenter",
        "Prendre un RDV en ligne",
        "Accompagnement individuel",
    ):
        assert label in page, label
    today = local_now().date()
    assert f"Source : reseau-test · Mis à jour le {today.day if today.day > 1 else '1er'} " in page
    assert "D'où viennent ces informations" in page  # each field's source, from the store's provenance
    assert "Réseau test : nom, adresse, position sur la carte, téléphone, courriel, site web, horaires" in page
    assert "Informations anciennes" not in page  # updated today
    assert f'href="/lieux/{venue_id}/fiche"' in html and "Fiche d'orientation à imprimer" in page
    assert "Signaler une erreur" in page


@pytest.mark.anyio
async def test_stale_notice_only_for_listings_older_than_a_year(
    small_client: httpx.AsyncClient, small: tuple[Starlette, dict[str, str]], client: httpx.AsyncClient, seeded: Seeded
) -> None:
    old = text_of((await small_client.get(f"/lieux/{small[1]['nu-1']}")).text)
    assert "Informations anciennes : cette fiche n'a pas été mise à jour depuis le" in old
    assert "appelez le lieu avant de vous déplacer" in old
    recent = text_of((await small_client.get(f"/lieux/{small[1]['complet-1']}")).text)
    assert "Informations anciennes" not in recent
    seeded_page = text_of((await client.get(f"/lieux/{seeded.ids['62ab46f48255a806e299ce0e']}")).text)
    assert "n'a pas été mise à jour depuis le 16 juin 2022" in seeded_page


def test_is_stale_boundaries() -> None:
    today = date(2025, 3, 1)
    assert not is_stale(today, today)
    assert not is_stale(date(2024, 3, 1), today)  # exactly 365 days
    assert is_stale(date(2024, 2, 29), today)
    assert is_stale(date(2020, 1, 1), today)


@pytest.mark.anyio
async def test_bare_venue_page_says_what_is_missing(
    small_client: httpx.AsyncClient, small: tuple[Starlette, dict[str, str]]
) -> None:
    page = text_of((await small_client.get(f"/lieux/{small[1]['nu-1']}")).text)
    assert "Ce lieu n'a publié ni téléphone, ni courriel, ni site web." in page
    assert "Ce lieu n'a pas publié de fiche d'accessibilité" in page
    assert "Y aller" not in page  # no point, no directions
    assert "Signaler une erreur" in page and "prévenez le lieu" in page


@pytest.mark.anyio
async def test_directions_use_the_venue_point(
    small_client: httpx.AsyncClient, small: tuple[Starlette, dict[str, str]]
) -> None:
    html = (await small_client.get(f"/lieux/{small[1]['complet-1']}")).text
    hrefs = links(html)
    osm = next(h for h in hrefs if h.startswith("https://www.openstreetmap.org/directions"))
    assert parse_qs(urlsplit(osm).query)["route"] == [";45.76052,4.85913"]
    google = next(h for h in hrefs if h.startswith("https://www.google.com/maps/dir/"))
    assert parse_qs(urlsplit(google).query) == {"api": ["1"], "destination": ["45.76052,4.85913"]}
    apple = next(h for h in hrefs if h.startswith("https://maps.apple.com/"))
    assert parse_qs(urlsplit(apple).query)["daddr"] == ["45.76052,4.85913"]
    assert "geo:45.76052,4.85913?q=45.76052,4.85913" in hrefs
    assert any(h.startswith("https://www.openstreetmap.org/?mlat=45.76052&mlon=4.85913") for h in hrefs)
    assert "<script src" not in html  # plain links: no map script from another site


def test_directions_need_a_point() -> None:
    assert directions(complete_venue(latitude=None, longitude=None)) is None
    found = directions(complete_venue(latitude=-21.1151, longitude=55.5364))  # La Réunion
    assert found is not None and "-21.1151%2C55.5364" in found.osm


@pytest.mark.anyio
async def test_json_ld_describes_the_venue(
    small_client: httpx.AsyncClient, small: tuple[Starlette, dict[str, str]]
) -> None:
    venue_id = small[1]["complet-1"]
    _, data = json_ld_of((await small_client.get(f"/lieux/{venue_id}")).text)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Library"
    assert data["name"] == "Médiathèque « Les Mots » & Cie"
    assert data["url"] == f"http://testserver/lieux/{venue_id}"
    assert data["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "12 rue de la Part-Dieu, Bâtiment B, 2e étage",
        "postalCode": "69003",
        "addressLocality": "Lyon",
        "addressCountry": "FR",
    }
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 45.76052, "longitude": 4.85913}
    assert data["telephone"] == "+33478000001" and data["email"] == "accueil@les-mots.example"
    assert data["openingHours"] == ["Mo-Fr 09:00-12:00", "Mo-Fr 14:00-18:00", "Sa 10:00-12:00"]
    assert data["isAccessibleForFree"] is True


def test_json_ld_types_and_hours_it_cannot_say() -> None:
    office = json_ld(complete_venue(typologie=[Typologie.MUNI], horaires="Mo-Fr 09:00-17:00; PH off"), "https://x/l")
    assert office["@type"] == "GovernmentOffice"
    assert "openingHours" not in office  # saying less beats saying wrong (holidays would read as open)
    plain = json_ld(complete_venue(typologie=[], horaires=None, latitude=None, longitude=None), "https://x/l")
    assert plain["@type"] == "LocalBusiness" and "geo" not in plain and "openingHours" not in plain


@pytest.mark.anyio
async def test_json_ld_of_a_hostile_venue_cannot_close_its_script(client: httpx.AsyncClient, seeded: Seeded) -> None:
    html = (await client.get(f"/lieux/{seeded.ids['hostile-1']}")).text
    raw, data = json_ld_of(html)
    assert "<" not in raw and ">" not in raw and "&" not in raw
    assert data["name"] == HOSTILE_NAME
    assert data["address"]["streetAddress"] == '1 rue "du" <img src=x onerror=alert(1)>'
    assert html.count("</script") == 1  # only the JSON-LD block's own end
    assert "sameAs" not in data  # javascript: is not a web site
    hostile = json_ld_script({"name": "</script><script>alert(1)</script><!--", "x": "\u2028"})
    assert "<" not in hostile and json.loads(str(hostile))["name"].startswith("</script>")


@pytest.mark.anyio
async def test_error_report_goes_to_the_instance_contact(
    small: tuple[Starlette, dict[str, str]], places: Gazetteer, tmp_path: Path
) -> None:
    store: Store = small[0].state.store
    app = create_app(
        Settings(data_dir=tmp_path, contact_email="equipe@annuaire.example", public_url="https://annuaire.example/"),
        store,
        places,
    )
    venue_id = small[1]["complet-1"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        html = (await c.get(f"/lieux/{venue_id}")).text
        slip = (await c.get(f"/lieux/{venue_id}/fiche")).text
    mailto = next(h for h in links(html) if h.startswith("mailto:equipe@annuaire.example?"))
    query = parse_qs(urlsplit(mailto).query)
    assert query["subject"] == ["Erreur sur la fiche « Médiathèque « Les Mots » & Cie »"]
    assert f"Fiche : https://annuaire.example/lieux/{venue_id}" in query["body"][0]
    assert "Écrire à l'équipe de l'annuaire" in text_of(html)
    assert json_ld_of(html)[1]["url"] == f"https://annuaire.example/lieux/{venue_id}"  # public_url wins
    assert f"https://annuaire.example/lieux/{venue_id}" in text_of(slip)
    assert qr_svg_data_uri(f"https://annuaire.example/lieux/{venue_id}") in unescape(slip)


@pytest.mark.anyio
async def test_error_report_without_contact_writes_to_the_venue(
    small_client: httpx.AsyncClient, small: tuple[Starlette, dict[str, str]]
) -> None:
    html = (await small_client.get(f"/lieux/{small[1]['complet-1']}")).text
    mailto = next(h for h in links(html) if h.startswith("mailto:accueil@les-mots.example?"))
    assert "body" in parse_qs(urlsplit(mailto).query)
    assert "Prévenir le lieu par courriel" in text_of(html)


# -- the referral slip, in process ---------------------------------------------------


def qr_of(html: str) -> str:
    match = re.search(r'<img src="(data:image/svg\+xml[^"]*)" alt="([^"]*)"', html)
    assert match, "the slip shows a QR code as an SVG data: URI"
    assert "Code QR" in match.group(2)
    return unescape(match.group(1))


def svg_of(data_uri: str) -> str:
    head, _, body = data_uri.partition(",")
    return base64.b64decode(body).decode() if head.endswith(";base64") else unquote(body)


@pytest.mark.anyio
async def test_slip_has_what_a_referral_needs(
    small_client: httpx.AsyncClient, small: tuple[Starlette, dict[str, str]]
) -> None:
    venue_id = small[1]["complet-1"]
    r = await small_client.get(f"/lieux/{venue_id}/fiche")
    assert r.status_code == 200
    html, page = r.text, text_of(r.text)
    assert '<h1 id="slip-titre">Médiathèque « Les Mots » &amp; Cie</h1>' in html
    assert "12 rue de la Part-Dieu, Bâtiment B, 2e étage" in page and "69003 Lyon" in page
    assert "Téléphone : 04 78 00 00 01" in page
    assert re.search(
        r"(Lundi|Mardi|Mercredi|Jeudi|Vendredi|Samedi|Dimanche) \d+(er)? \w+ 9 h – 12 h ?, 14 h – 18 h", page
    )
    assert "Horaires (7 jours à partir du" in page
    assert "Pour être reçu : Se présenter ; Prendre un RDV en ligne" in page
    assert "Rendez-vous en ligne : https://rdv.les-mots.example/prendre" in page
    assert "Ce qu'il est utile d'apporter" in page and "Conseils généraux" in page
    for item in (*WHAT_TO_BRING[Service.DEMARCHES], *WHAT_TO_BRING[Service.INSERTION_PRO], *ALWAYS_BRING):
        assert item in unescape(html), item
    assert "Notes" in page and 'class="slip-lines"' in html
    assert "Service itinérant" in page
    assert "Rien n'est enregistré" in page
    for tag in ("<form", "<input", "<textarea"):  # nothing personal can be typed, stored or sent
        assert tag not in html
    assert '<meta name="robots" content="noindex">' in html
    assert '<script src="/static/print.js" defer></script>' in html and "data-print hidden" in html
    assert f'href="/lieux/{venue_id}"' in html  # back to the page


@pytest.mark.anyio
async def test_slip_qr_encodes_the_venue_page_address(
    small_client: httpx.AsyncClient, small: tuple[Starlette, dict[str, str]]
) -> None:
    venue_id = small[1]["complet-1"]
    html = (await small_client.get(f"/lieux/{venue_id}/fiche")).text
    uri = qr_of(html)
    expected = f"http://testserver/lieux/{venue_id}"
    assert uri == qr_svg_data_uri(expected)  # segno rebuilds the same symbol from the expected address
    assert "<svg" in svg_of(uri) and "<path" in svg_of(uri)
    assert expected in text_of(html)  # and the address is printed beside it


def test_qr_code_decodes() -> None:
    """segno's matrix for an address, rasterised and read back by a real decoder (zxing-cpp)."""
    zxingcpp = pytest.importorskip("zxingcpp")
    np = pytest.importorskip("numpy")
    url = "https://annuaire.example/lieux/l55hyjep7jz"
    qr = segno.make(url, error="m", micro=False)
    pixels = np.array([[0 if dark else 255 for dark in row] for row in qr.matrix], dtype=np.uint8)
    pixels = np.pad(pixels, 4, constant_values=255).repeat(4, axis=0).repeat(4, axis=1)
    assert [found.text for found in zxingcpp.read_barcodes(pixels)] == [url]


def test_what_to_bring() -> None:
    assert what_to_bring([]) == list(ALWAYS_BRING)
    items = what_to_bring([Service.SECURITE, Service.OUTILS_QUOTIDIEN, Service.DEMARCHES])
    assert items[0] == "Une pièce d'identité"  # the table's order, not the venue's
    assert len(items) == len(set(items))  # the same advice once
    assert all(item[0].isupper() for s in WHAT_TO_BRING for item in WHAT_TO_BRING[s])


@pytest.mark.anyio
async def test_hostile_venue_slip_is_escaped(client: httpx.AsyncClient, seeded: Seeded) -> None:
    r = await client.get(f"/lieux/{seeded.ids['hostile-1']}/fiche")
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "<img src=x" not in r.text and "<b>3</b>" not in r.text
    assert HOSTILE_NAME in unescape(r.text)
    assert "n'importe quoi <script>" not in r.text


@pytest.mark.anyio
async def test_merged_venue_page_and_slip_redirect(places: Gazetteer, tmp_path: Path) -> None:
    store = make_store(tmp_path)
    ids = fill_store(store)
    old, new = ids["62b1751fdd51e705b1806fb7"], ids["62c5341fc9ce0606dcdcfd83"]
    with store.engine.begin() as c:
        c.execute(
            sa.text("UPDATE venue SET status = 'merged', merged_into = :new WHERE id = :old"), {"new": new, "old": old}
        )
    app = create_app(Settings(data_dir=tmp_path), store, places)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        page = await c.get(f"/lieux/{old}")
        slip = await c.get(f"/lieux/{old}/fiche")
        assert (await c.get(slip.headers["location"])).status_code == 200
    assert page.status_code == 301 and page.headers["location"] == f"/lieux/{new}"
    assert slip.status_code == 301 and slip.headers["location"] == f"/lieux/{new}/fiche"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "path", ["/lieux/l0000000000", "/lieux/l0000000000/fiche", "/lieux/<script>/fiche", "/lieux/l0000000000/fiche/x"]
)
async def test_unknown_venue_is_a_french_404(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in r.text and "introuvable" in text_of(r.text)
    assert "<script>" not in r.text and "Traceback" not in r.text


# -- in a real browser ------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def small_server(small: tuple[Starlette, dict[str, str]]) -> Iterator[str]:
    with ServerThread(small[0], name="venue-pages") as base_url:
        yield base_url


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:
    """A page that keeps the site's CSP (print.js must load under it); axe is added as a file."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="fr-FR")
    try:
        page = context.new_page()
        page.csp_errors = []
        page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_errors.append(m.text))
        yield page
    finally:
        context.close()


def pdf_pages(pdf: bytes) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    return len(PdfReader(BytesIO(pdf)).pages)


@pytest.mark.browser
@pytest.mark.parametrize("key", ["complet-1", "nu-1", "long-1"])
def test_slip_prints_on_one_a4_page(
    tab: Any, small_server: str, small: tuple[Starlette, dict[str, str]], key: str
) -> None:
    tab.goto(f"{small_server}/lieux/{small[1][key]}/fiche")
    pdf = tab.pdf(format="A4", print_background=True)
    assert pdf_pages(pdf) == 1
    tab.emulate_media(media="print")
    for chrome in (".site-header", ".site-footer", ".skip-link", ".slip-tools", ".print-button"):
        assert not tab.locator(chrome).first.is_visible(), chrome
    assert tab.locator(".slip-qr img").is_visible()


@pytest.mark.browser
def test_seeded_slips_print_on_one_page(browser: Any, server: str, seeded: Seeded) -> None:
    context = browser.new_context(locale="fr-FR")
    try:
        page = context.new_page()
        for record_id in ("62aaf0cb8255a806e299c518", "62b1751fdd51e705b1806fb7", "943", "hostile-1"):
            page.goto(f"{server}/lieux/{seeded.ids[record_id]}/fiche")
            assert pdf_pages(page.pdf(format="A4")) == 1, record_id
    finally:
        context.close()


@pytest.mark.browser
def test_slip_qr_decodes_from_the_pixels_the_browser_drew(
    tab: Any, small_server: str, small: tuple[Starlette, dict[str, str]]
) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    np = pytest.importorskip("numpy")
    venue_id = small[1]["complet-1"]
    tab.goto(f"{small_server}/lieux/{venue_id}/fiche")
    grey = tab.evaluate("""() => {
        const img = document.querySelector('.slip-qr img');
        const size = 400, canvas = document.createElement('canvas');
        canvas.width = canvas.height = size;
        const ctx = canvas.getContext('2d');
        ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, size, size);
        ctx.drawImage(img, 0, 0, size, size);
        const rgba = ctx.getImageData(0, 0, size, size).data, out = [];
        for (let i = 0; i < rgba.length; i += 4) out.push(rgba[i]);
        return out;
    }""")
    pixels = np.array(grey, dtype=np.uint8).reshape(400, 400)
    found = [r.text for r in zxingcpp.read_barcodes(pixels)]
    assert found == [f"{small_server}/lieux/{venue_id}"]


@pytest.mark.browser
def test_print_button_works_under_the_csp(tab: Any, small_server: str, small: tuple[Starlette, dict[str, str]]) -> None:
    tab.goto(f"{small_server}/lieux/{small[1]['complet-1']}/fiche")
    button = tab.get_by_role("button", name="Imprimer la fiche")
    assert button.is_visible()  # print.js ran: the site's own script is allowed
    tab.evaluate("window.print = () => { window.printed = true; }")
    button.click()
    assert tab.evaluate("window.printed === true")
    assert tab.csp_errors == []


@pytest.mark.browser
def test_slip_without_javascript_hides_the_button(
    browser: Any, small_server: str, small: tuple[Starlette, dict[str, str]]
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"{small_server}/lieux/{small[1]['complet-1']}/fiche")
        assert not page.locator(".print-button").is_visible()
        assert page.get_by_text("Ctrl+P").is_visible()
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/lieux/{id}", "/lieux/{id}/fiche"])
@pytest.mark.parametrize("key", ["complet-1", "nu-1"])
def test_venue_page_and_slip_have_no_serious_accessibility_violation(
    browser: Any, small_server: str, small: tuple[Starlette, dict[str, str]], path: str, key: str
) -> None:
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="fr-FR", bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(small_server + path.format(id=small[1][key]))
        assert page.locator("h1").count() == 1
        assert serious_violations(page) == []
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/lieux/{id}", "/lieux/{id}/fiche"])
def test_venue_page_and_slip_reflow_at_320_css_pixels(
    browser: Any, small_server: str, small: tuple[Starlette, dict[str, str]], path: str
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(small_server + path.format(id=small[1]["long-1"]))
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        context.close()


@pytest.mark.browser
def test_venue_and_slip_screenshots(
    browser: Any, small_server: str, small: tuple[Starlette, dict[str, str]], tmp_path: Path
) -> None:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    if not folder.is_absolute():
        folder = ROOT / folder
    folder.mkdir(parents=True, exist_ok=True)
    venue_id = small[1]["complet-1"]
    for name, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport, locale="fr-FR", device_scale_factor=1)
        try:
            page = context.new_page()
            for kind, path in (("venue", f"/lieux/{venue_id}"), ("fiche", f"/lieux/{venue_id}/fiche")):
                page.goto(small_server + path)
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
                page.screenshot(path=str(folder / f"test-{kind}-{name}.png"), full_page=True)
        finally:
            context.close()
