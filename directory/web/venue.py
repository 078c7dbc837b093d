# SPDX-License-Identifier: Apache-2.0
"""The venue page and its printable referral slip ("fiche d'orientation").

Both are server-rendered and need no JavaScript. Venue data is untrusted: only
http(s) addresses become links, and the schema.org JSON-LD is escaped so that
no value can close its ``<script>`` element.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import segno
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from directory.config import Settings
from directory.errors import VenueNotFound
from directory.export import accessible_for_free, descriptions, street_address, venue_type
from directory.schema import Service, Venue, is_approximate
from directory.store import StoredVenue, is_venue_id

from .display import format_date, local_now, open_label, week_hours
from .offers import chosen_stop, offer_views
from .origins import origins
from .rendering import absolute_url, render

__all__ = [
    "STALE_AFTER",
    "WHAT_TO_BRING",
    "Directions",
    "address_search",
    "directions",
    "is_stale",
    "json_ld",
    "json_ld_script",
    "Report",
    "qr_svg_data_uri",
    "report_link",
    "venue_page",
    "venue_slip",
    "what_to_bring",
]

#: A listing not updated for longer than this gets a visible notice.
STALE_AFTER = timedelta(days=365)

#: Generic advice for the referral slip: what to bring, per service (French, shown as such).
WHAT_TO_BRING: dict[Service, tuple[str, ...]] = {
    Service.DEMARCHES: (
        "Une pièce d'identité",
        "Vos identifiants et mots de passe des sites concernés (CAF, impôts, Ameli, France Travail…)",
        "Les courriers et justificatifs utiles à la démarche (numéro d'allocataire, avis d'imposition, justificatif de domicile…)",
    ),
    Service.OUTILS_QUOTIDIEN: (
        "Votre téléphone, tablette ou ordinateur portable, chargé, avec son chargeur",
        "Vos codes (code du téléphone, mot de passe de votre messagerie)",
    ),
    Service.SECURITE: ("Votre téléphone, tablette ou ordinateur portable, chargé, avec son chargeur",),
    Service.COMPREHENSION: ("Votre téléphone, tablette ou ordinateur portable, chargé, avec son chargeur",),
    Service.INSERTION_PRO: (
        "Votre CV si vous en avez un (sur papier ou sur une clé USB)",
        "Vos identifiants France Travail",
        "Votre adresse électronique et son mot de passe",
    ),
    Service.PARENTALITE: ("Les identifiants de l'espace numérique de travail (ENT, Pronote…) de votre enfant",),
    Service.LOISIRS: ("Votre appareil (téléphone, appareil photo, ordinateur) et ses câbles",),
    Service.ACCES_INTERNET: ("Une clé USB pour garder vos documents",),
}

#: Said on every slip, whatever the services.
ALWAYS_BRING: tuple[str, ...] = ("Vos lunettes si vous en portez",)

_DAYS = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_TIME = r"(?:[01]\d|2[0-4]):[0-5]\d"
#: One rule schema.org's ``openingHours`` can say: "Mo-Fr 09:00-12:00,14:00-17:00".
_SIMPLE_RULE = re.compile(rf"({_DAYS}(?:[-,]{_DAYS})*) ({_TIME}-{_TIME}(?:,{_TIME}-{_TIME})*)")


# -- pure helpers (tested on their own) --------------------------------------------


def web_link(url: str | None) -> str | None:
    """Only http(s) addresses become links (venue data is untrusted)."""
    if url and urlsplit(url).scheme.lower() in ("http", "https"):
        return url
    return None


def is_stale(updated: date, today: date) -> bool:
    """True when the listing was last updated more than a year before ``today``."""
    return today - updated > STALE_AFTER


@dataclass(frozen=True, slots=True)
class Directions:
    """Ways to get there, as plain links (no script from another site)."""

    osm: str
    osm_map: str
    google: str
    apple: str
    geo: str


def directions(venue: Venue, geo_method: str | None = None) -> Directions | None:
    """Links to route planners, built from the venue's point; None without a point, or with
    a point that only names the commune (a route to a town's centre leads no one to the door)."""
    if venue.point is None or is_approximate(geo_method):
        return None
    lat, lon = (f"{c:.6f}".rstrip("0").rstrip(".") for c in venue.point)
    return Directions(
        osm="https://www.openstreetmap.org/directions?" + urlencode({"route": f";{lat},{lon}"}),
        osm_map=f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}",
        google="https://www.google.com/maps/dir/?" + urlencode({"api": "1", "destination": f"{lat},{lon}"}),
        apple="https://maps.apple.com/?" + urlencode({"daddr": f"{lat},{lon}", "q": venue.nom[:200]}),
        geo=f"geo:{lat},{lon}?q={lat},{lon}",
    )


def address_search(venue: Venue) -> str:
    """A search for the venue's address on OpenStreetMap: what to offer when its point is only the commune's."""
    address = ", ".join(p for p in (venue.adresse, f"{venue.code_postal} {venue.commune}") if p.strip())
    return "https://www.openstreetmap.org/search?" + urlencode({"query": address[:300]})


def what_to_bring(services: list[Service]) -> list[str]:
    """The generic advice for these services, each item once, in the table's order."""
    wanted = set(services)
    items: list[str] = []
    for service, things in WHAT_TO_BRING.items():
        if service in wanted:
            items.extend(t for t in things if t not in items)
    return items + list(ALWAYS_BRING)


def _opening_hours(horaires: str | None) -> list[str] | None:
    """schema.org ``openingHours`` when every OSM rule is a plain "days times" rule, else None."""
    if not horaires:
        return None
    specs: list[str] = []
    for rule in (r.strip() for r in horaires.split(";")):
        if not rule:
            continue
        match = _SIMPLE_RULE.fullmatch(rule)
        if match is None:  # "PH off", "week 1-10", "We off"…: saying less is better than saying wrong
            return None
        days, spans = match.groups()
        specs.extend(f"{days} {span}" for span in spans.split(","))
    return specs or None


def json_ld(venue: Venue, url: str, *, approximate: bool = False) -> dict[str, Any]:
    """The venue as a schema.org object (LocalBusiness, or its GovernmentOffice / Library kinds).

    ``approximate``: the point is only the commune's centre; it is left out
    (search engines would pin the venue there), the address stays."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": venue_type(venue),
        "@id": url,
        "url": url,
        "name": venue.nom,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": street_address(venue),
            "postalCode": venue.code_postal,
            "addressLocality": venue.commune,
            "addressCountry": "FR",
        },
        "dateModified": venue.date_maj.isoformat(),
    }
    if venue.point is not None and not approximate:
        data["geo"] = {"@type": "GeoCoordinates", "latitude": venue.latitude, "longitude": venue.longitude}
    if venue.telephone:
        data["telephone"] = venue.telephone
    if venue.courriels:
        data["email"] = venue.courriels[0]
    if hours := _opening_hours(venue.horaires):
        data["openingHours"] = hours
    if sites := [u for u in map(web_link, venue.site_web) if u]:
        data["sameAs"] = sites
    data.update(descriptions(venue))
    if venue.services:
        data["knowsAbout"] = [s.label for s in venue.services]
    if (free := accessible_for_free(venue)) is not None:
        data["isAccessibleForFree"] = free
    return data


def json_ld_script(data: dict[str, Any]) -> Markup:
    """JSON for a ``<script type="application/ld+json">``: ``<``, ``>`` and ``&`` as \\u escapes.

    With no ``<`` left, no value can write ``</script>`` or ``<!--``; the JSON
    still parses to the same values.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return Markup(text)


def qr_svg_data_uri(url: str) -> str:
    """A QR code of ``url`` as an SVG ``data:`` URI (the page's CSP allows ``img-src data:``)."""
    qr = segno.make(url, error="m", micro=False)
    return qr.svg_data_uri(scale=4, border=4, dark="#000", light="#fff")


# -- request handling -----------------------------------------------------------


def _load(request: Request, route: str) -> StoredVenue | RedirectResponse:
    """The active venue named by the path; a redirect for a merged one; else VenueNotFound."""
    venue_id: str = request.path_params["venue_id"]
    stored = request.app.state.store.get_venue(venue_id) if is_venue_id(venue_id) else None
    if stored is not None and stored.status == "merged" and stored.merged_into:
        return RedirectResponse(request.url_for(route, venue_id=stored.merged_into).path, status_code=301)
    if stored is None or stored.status != "active":
        raise VenueNotFound(detail="Aucun lieu de l'annuaire ne porte cet identifiant. Il a peut-être été retiré.")
    return stored


@dataclass(frozen=True, slots=True)
class Report:
    """Where "Signaler une erreur" writes to: the instance's team, else the venue itself."""

    href: str
    to_venue: bool


def _mailto(address: str, subject: str, body: str) -> str:
    query = urlencode({"subject": subject, "body": body}, quote_via=quote)
    return f"mailto:{quote(address, safe='@.+-_')}?{query}"


def report_link(settings: Settings, venue: Venue, page_url: str) -> Report | None:
    """A prefilled ``mailto:`` (nothing goes through this site); None when there is no one to write to."""
    body = f"Fiche : {page_url}\nIdentifiant : {venue.id}\n\nCe qui est faux, et la bonne information si vous la connaissez :\n"
    if settings.contact_email:
        return Report(_mailto(settings.contact_email, f"Erreur sur la fiche « {venue.nom[:120]} »", body), False)
    if venue.courriels:
        subject = "Information à corriger sur l'annuaire des lieux de médiation numérique"
        return Report(_mailto(venue.courriels[0], subject, body), True)
    return None


def _common(venue: Venue) -> dict[str, Any]:
    now = local_now()
    return {
        "venue": venue,
        "open": open_label(venue.horaires, now),
        "week": week_hours(venue.horaires, now.date()),
        "today": format_date(now.date()),
        "stale": is_stale(venue.date_maj, now.date()),
    }


def venue_page(request: Request) -> Response:
    """``GET /lieux/{id}``: one venue; merged venues redirect to the one they became."""
    stored = _load(request, "venue")
    if isinstance(stored, Response):
        return stored
    venue, store = stored.venue, request.app.state.store
    page_url = absolute_url(request, "venue", venue_id=venue.id)
    report = report_link(request.app.state.settings, venue, page_url)
    approximate = venue.point is not None and is_approximate(stored.geo_method)
    context = {
        **_common(venue),
        "websites": [u for u in map(web_link, venue.site_web) if u],
        "booking": web_link(venue.prise_rdv),
        "access_sheet": web_link(venue.fiche_acces_libre),
        "directions": directions(venue, stored.geo_method),
        "approximate": approximate,
        "address_search": address_search(venue) if approximate else None,
        "report": report,
        "json_ld": json_ld_script(json_ld(venue, page_url, approximate=approximate)),
        "origins": origins(stored.provenance, store.sources.names()) if stored.provenance else [],
        "offers": offer_views(venue, local_now()),  # its own offers and their stops (``offers``)
    }
    return render(request, "venue.html", context)


def venue_slip(request: Request) -> Response:
    """``GET /lieux/{id}/fiche``: the printable referral slip, one A4 page, with a QR code to the venue page.

    Nothing is asked, stored or sent: notes are written by hand on the paper.
    """
    stored = _load(request, "venue_slip")
    if isinstance(stored, Response):
        return stored
    venue = stored.venue
    page_url = absolute_url(request, "venue", venue_id=venue.id)
    context = {
        **_common(venue),
        "page_url": page_url,
        "qr": qr_svg_data_uri(page_url),
        "bring": what_to_bring(venue.services),
        "booking": web_link(venue.prise_rdv),
        # An itinerant offer's stop chosen on the venue page (``?arret=<offer>:<n>``): the slip says where and when.
        "stop": chosen_stop(venue, request.query_params.get("arret"), local_now()),
    }
    return render(request, "venue_slip.html", context)
