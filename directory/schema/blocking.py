# SPDX-License-Identifier: Apache-2.0
"""Blocking keys: which venues a matcher compares, from a venue's own values.

Two venues sharing a key are compared; no other pair is. A key is a code
(``insee:`` INSEE code, or ``cp:`` postcode when it is missing), a contact
(``tel:`` E.164 phone, ``mail:`` e-mail, ``web:`` website host, generic hosts
ignored), a real ``siret:``, or the ~500 m grid ``cell:`` of the point with
``near:`` its eight neighbours (a ``near:X`` key only meets ``cell:X``).

Here rather than in ``harvest`` because the store keeps each active venue's
keys (its ``match_key`` table) and the store depends on nothing but the schema.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from .geometry import EARTH_RADIUS_M
from .venue import PLACEHOLDER_PIVOT

__all__ = ["CELL_M", "GENERIC_HOSTS", "block_keys_of", "cells", "stored_block_keys", "website_host"]

#: Side of a grid cell, in metres (north–south; east–west it is the same length
#: at the latitude of the cell's row).
CELL_M = 500.0


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


_DLAT = CELL_M / (EARTH_RADIUS_M * math.pi / 180)  # degrees of latitude per cell


def _row(lat: float) -> int:
    return math.floor(lat / _DLAT)


def _col(lon: float, row: int) -> int:
    # Each row of cells has its own longitude step, so cells stay ~square.
    centre = (row + 0.5) * _DLAT
    dlon = _DLAT / max(math.cos(math.radians(centre)), 0.01)
    return math.floor(lon / dlon)


def cells(lat: float, lon: float) -> tuple[str, list[str]]:
    """The point's cell and its eight neighbours (``"row:col"``)."""
    row = _row(lat)
    col = _col(lon, row)
    near = []
    for r in (row - 1, row, row + 1):
        c = _col(lon, r)  # the point's column in that row's own grid
        near += [f"{r}:{c + dc}" for dc in (-1, 0, 1) if (r, c + dc) != (row, col)]
    return f"{row}:{col}", near


def stored_block_keys(row: Mapping[str, Any]) -> set[str]:
    """:func:`block_keys` of a venue from its stored columns (no ``Venue`` built), ``near:`` keys left
    out: what the store's ``match_key`` table holds for it (a ``near:X`` key only looks up ``cell:X``)."""
    pivot = row["pivot"] or ""
    siret = pivot if len(pivot) == 14 and pivot.isdigit() and pivot != PLACEHOLDER_PIVOT else None
    lat, lon = row["latitude"], row["longitude"]
    point = (lat, lon) if lat is not None and lon is not None else None
    keys = block_keys_of(
        row["code_insee"],
        row["code_postal"],
        row["telephone"],
        row["courriels"] or (),
        row["site_web"] or (),
        siret,
        point,
        near=False,
    )
    return keys


def block_keys_of(
    code_insee: str | None,
    code_postal: str,
    telephone: str | None,
    courriels: Iterable[str],
    site_web: Iterable[str],
    siret: str | None,
    point: tuple[float, float] | None,
    near: bool = True,
) -> set[str]:
    keys = {f"insee:{code_insee}" if code_insee else f"cp:{code_postal}"}
    if telephone:
        keys.add(f"tel:{telephone}")
    keys.update(f"mail:{e.strip().lower()}" for e in courriels if e.strip())
    keys.update(f"web:{h}" for url in site_web if (h := website_host(url)))
    if siret:
        keys.add(f"siret:{siret}")
    if point is not None:
        home, neighbours = cells(*point)
        keys.add(f"cell:{home}")
        if near:
            keys.update(f"near:{n}" for n in neighbours)
    return keys
