# SPDX-License-Identifier: Apache-2.0
"""Blocking keys: which venues a matcher compares, from a venue's own values.

A venue is found in some blocks (its ``held`` keys) and looks in some blocks
(its ``sought`` keys); a venue is compared with those found in a block it
looks in, and with no other. Keys:

- ``tel:`` E.164 phone, ``mail:`` e-mail, ``web:`` website host (generic hosts
  ignored), a real ``siret:``: held and sought;
- ``cell:`` the ~100 m grid cell of the point: held; the venue looks in its
  cell and the eight around it, so two points less than ~100 m apart always meet;
- ``adr:`` the street (its normalised address without the house number) and
  ``nom:`` the proper part of the name (or its service words), each within its
  postcode: held and sought;
- ``insee:`` the commune (``cp:`` postcode when the INSEE code is missing): held
  by every venue, sought only by a venue without a precise point (none, or its
  commune's centre: ``schema.placement``), which can only be placed by its commune;
- ``approx:`` the postcode of a venue without a precise point: held by it, sought
  by every venue, so that a precise venue still meets the imprecise ones of its
  commune.

A venue with a precise point thus no longer looks through its whole commune
(which grows with the directory): two records of one place share a cell, a
street, a name or a contact.

Here rather than in ``harvest`` because the store keeps each active venue's
held keys (its ``match_key`` table) and the store depends on nothing but the schema.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from .geometry import EARTH_RADIUS_M
from .normal_forms import (
    commune_key,
    is_town_hall,
    name_core,
    name_keywords,
    normalise_address,
    normalise_name,
    street_part,
)
from .placement import Precision, precision
from .venue import PLACEHOLDER_PIVOT

__all__ = [
    "CELL_M",
    "GENERIC_HOSTS",
    "BlockKeys",
    "block_keys_of",
    "email_set",
    "grid_cells",
    "host_set",
    "is_precise",
    "keys_of",
    "name_key_of",
    "stored_block_keys",
    "website_host",
]

#: Side of a grid cell, in metres (north–south; east–west it is the same length
#: at the latitude of the cell's row). A venue looks in nine cells: the more venues
#: a city holds, the more it meets there, so they are kept small; two records of
#: one place farther apart meet on their street, name or contacts. Among the
#: labelled pairs of real records (``fixtures/matching``), those that meet by their
#: cells alone and are not ``distinct`` are at most 83 m apart. (250 m until
#: migration 0013: nine cells six times as large, whose venues were most of a
#: city's candidates.)
CELL_M = 100.0


#: Hosts shared by unrelated sites: a page there does not identify a venue.
GENERIC_HOSTS: frozenset[str] = frozenset(
    [
        "facebook.com",
        "fb.com",
        "fb.me",
        "m.facebook.com",
        "instagram.com",
        "twitter.com",
        "x.com",
        "linkedin.com",
        "youtube.com",
        "linktr.ee",
        "sites.google.com",
        "google.com",
        "goo.gl",
        "maps.google.com",
        "docs.google.com",
        "free.fr",
        "pagesperso-orange.fr",
        "perso.orange.fr",
        "wanadoo.fr",
        "over-blog.com",
        "e-monsite.com",
        "jimdo.com",
        "jimdofree.com",
        "wix.com",
        "wixsite.com",
        "blogspot.com",
        "wordpress.com",
        "site-solocal.com",
        "business.site",
        "helloasso.com",
        "calameo.com",
        "padlet.com",
        "service-public.fr",
        "lannuaire.service-public.fr",
        "france-services.gouv.fr",
        "conseiller-numerique.gouv.fr",
        "cartographie.conseiller-numerique.gouv.fr",
        "societenumerique.gouv.fr",
        "centres-sociaux.fr",
        "pole-emploi.fr",
        "francetravail.fr",
        "laposte.fr",
        "lapostegroupe.com",
        "caf.fr",
        "msa.fr",
        "ameli.fr",
    ]
)


@lru_cache(maxsize=8192)
def website_host(url: str) -> str | None:
    """The host of ``url`` without ``www.``; None for a generic host.

    A sub-domain of a hosting service (``mosaic26130.wixsite.com``) is kept:
    it names one site. The bare hosting host (``sites.google.com``) is not.
    """
    if "://" not in url:
        url = "https://" + url
    host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if not host or "." not in host or host in GENERIC_HOSTS:
        return None
    return host


_M_PER_DEG_LAT = EARTH_RADIUS_M * math.pi / 180


@lru_cache(maxsize=65536)
def _dlon(row: int, dlat: float) -> float:
    # Each row of cells has its own longitude step, so cells stay ~square.
    centre = (row + 0.5) * dlat
    return dlat / max(math.cos(math.radians(centre)), 0.01)


def grid_cells(lat: float, lon: float, cell_m: float = CELL_M) -> tuple[str, list[str]]:
    """The point's cell and its eight neighbours (``"row:col"``) on the grid of side ``cell_m``
    (another side than :data:`CELL_M`: the keys of another grid, for a migration)."""
    dlat = cell_m / _M_PER_DEG_LAT  # degrees of latitude per cell
    row = math.floor(lat / dlat)
    col = math.floor(lon / _dlon(row, dlat))
    near = []
    for r in (row - 1, row, row + 1):
        c = col if r == row else math.floor(lon / _dlon(r, dlat))  # the point's column in that row's own grid
        near += [f"{r}:{c + dc}" for dc in (-1, 0, 1) if (r, c + dc) != (row, col)]
    return f"{row}:{col}", near


class BlockKeys(NamedTuple):
    """The blocks a venue is found in (``held``: what the store's ``match_key`` keeps of it) and those it
    looks in (``sought``)."""

    held: frozenset[str]
    sought: frozenset[str]


def is_precise(point: tuple[float, float] | None, grade: Precision | None) -> bool:
    """Whether a point places the venue itself (``grade``: its precision, None: exact), not only its commune."""
    return point is not None and grade is not Precision.COMMUNE


def stored_block_keys(row: Mapping[str, Any]) -> frozenset[str]:
    """The held keys of a venue from its stored columns (no ``Venue`` built): what the store's
    ``match_key`` table holds for it."""
    pivot = row["pivot"] or ""
    siret = pivot if len(pivot) == 14 and pivot.isdigit() and pivot != PLACEHOLDER_PIVOT else None
    lat, lon = row["latitude"], row["longitude"]
    point = (lat, lon) if lat is not None and lon is not None else None
    return block_keys_of(
        row["code_insee"],
        row["code_postal"],
        row["telephone"],
        row["courriels"] or (),
        row["site_web"] or (),
        siret,
        point,
        nom=row["nom"] or "",
        adresse=row["adresse"] or "",
        commune=row["commune"] or "",
        precise=is_precise(point, precision(row["geo_method"])),
    ).held


def block_keys_of(
    code_insee: str | None,
    code_postal: str,
    telephone: str | None,
    courriels: Iterable[str],
    site_web: Iterable[str],
    siret: str | None,
    point: tuple[float, float] | None,
    *,
    nom: str,
    adresse: str,
    commune: str,
    precise: bool,
) -> BlockKeys:
    """A venue's keys (see the module's docstring); ``precise``: :func:`is_precise` of its point."""
    return keys_of(
        code_insee,
        code_postal,
        point,
        phones=(telephone,) if telephone else (),
        emails=email_set(courriels),
        hosts=host_set(site_web),
        sirets=(siret,) if siret else (),
        street=street_part(normalise_address(adresse)),
        name=name_key(nom, commune),
        precise=precise,
    )


def email_set(courriels: Iterable[str]) -> frozenset[str]:
    """The e-mails as they are compared and blocked: trimmed, lower-cased, none empty."""
    return frozenset(e.strip().lower() for e in courriels if e.strip())


def host_set(site_web: Iterable[str]) -> frozenset[str]:
    """The websites' hosts as they are compared and blocked (:func:`website_host`, generic hosts left out)."""
    return frozenset(h for url in site_web if (h := website_host(url)))


def keys_of(
    code_insee: str | None,
    code_postal: str,
    point: tuple[float, float] | None,
    *,
    phones: Iterable[str],
    emails: Iterable[str],
    hosts: Iterable[str],
    sirets: Iterable[str],
    street: str,
    name: str,
    precise: bool,
) -> BlockKeys:
    """A venue's keys from its normalised forms (:func:`block_keys_of` computes them): contacts as
    :func:`email_set` and :func:`host_set` give them, ``street`` its :func:`street_part`, ``name`` its
    :func:`name_key`."""
    shared = {f"tel:{p}" for p in phones}
    shared.update(f"mail:{e}" for e in emails)
    shared.update(f"web:{h}" for h in hosts)
    shared.update(f"siret:{s}" for s in sirets)
    if street:
        shared.add(f"adr:{code_postal}:{street}"[:_MAX_KEY])
    if name:
        shared.add(f"nom:{code_postal}:{name}"[:_MAX_KEY])
    commune_block = f"insee:{code_insee}" if code_insee else f"cp:{code_postal}"
    approx = f"approx:{code_postal}"
    held = {*shared, commune_block}
    sought = {*shared, approx}
    if not precise:
        held.add(approx)
        sought.add(commune_block)
    if point is not None:
        home, neighbours = grid_cells(*point)
        held.add(f"cell:{home}")
        sought.update(f"cell:{c}" for c in (home, *neighbours))
    return BlockKeys(frozenset(held), frozenset(sought))


#: Longest stored key (``match_key.kind`` + ``key``, ``:`` apart).
_MAX_KEY = 320


@lru_cache(maxsize=8192)
def name_key(nom: str, commune: str) -> str:
    """What ``nom:`` blocks a name by: the words of its proper part (the commune's name set aside) in
    order, else its service words (« Médiathèque de Riom » in Riom), else ``mairie`` for a town hall."""
    normalised = normalise_name(nom)
    return name_key_of(name_core(normalised, (commune_key(commune),)), name_keywords(normalised), nom)


def name_key_of(core: str, keywords: frozenset[str], nom: str) -> str:
    """:func:`name_key` from the name's proper part within its commune and its service words."""
    if core:
        return " ".join(sorted(set(core.split())))
    if keywords:
        return " ".join(sorted(keywords))
    return "mairie" if is_town_hall(nom) else ""
