# SPDX-License-Identifier: Apache-2.0
"""What matching compares of one venue, computed once per venue rather than once per pair.

Private to the harvest package (``matching``, ``dedupe``, and validation in ``_batches``). A harvest's record
meets a few venues, each of which meets a few records: its normalised name and address, service words,
house numbers, contacts and what kind of place it is (mobile, annex, town hall) are properties of the
venue, not of the pair. :func:`features` reads them once; ``matching.compare`` scores two of them, and
:func:`block_keys` gives the venue's blocking keys from the same forms.
"""

from __future__ import annotations

from typing import NamedTuple

from directory.schema import (
    BlockKeys,
    Precision,
    Venue,
    commune_key,
    email_set,
    host_set,
    house_numbers,
    is_precise,
    is_town_hall,
    keys_of,
    name_core,
    name_key_of,
    name_keywords,
    normalise_address,
    normalise_name,
    street_part,
)

from ._place import is_annex, is_mobile_name

__all__ = ["Features", "block_keys", "features"]


class Features(NamedTuple):
    """One venue as matching compares it (``matching.score`` says how each part is used). A tuple of
    strings, numbers, tuples and frozensets: it crosses from validation's workers, and is kept packed
    between batches (``marshal``, ``dedupe.StoredIndex``), for a few microseconds each way."""

    nom: str  # as given: what the town-hall rule and the ``nom:`` key of a bare service read
    name: str  # normalise_name(nom)
    keywords: frozenset[str]  # its service words (name_keywords)
    core: str  # its proper part within its own commune: name_core(name, (commune,))
    bare_core: str  # its proper part when the communes differ: name_core(name, ())
    town_hall: bool
    annex: bool
    mobile: bool  # a bus, a van, an itinerant service, home visits: by its itinerance or its name (is_mobile_name)
    commune: str  # commune_key
    code_insee: str | None
    code_postal: str
    departement: str  # "" without a postcode
    street: str  # street_part of its normalise_address
    numbers: tuple[frozenset[int], str] | None  # house_numbers of its normalise_address
    point: tuple[float, float] | None
    phones: frozenset[str]
    emails: frozenset[str]
    hosts: frozenset[str]
    sirets: frozenset[str]  # a real SIRET, never the placeholder


#: One empty set for every venue's missing contacts: each ``frozenset()`` is an object of 216 bytes of its own.
_NONE: frozenset[str] = frozenset()


def features(v: Venue) -> Features:
    """The features of ``v`` as it is now. (A harvest computes them in its validation's workers, and keeps
    those of the venues it meets between batches: ``dedupe.StoredIndex``.)"""
    name = normalise_name(v.nom)
    commune_form = commune_key(v.commune)
    address = normalise_address(v.adresse)
    core = name_core(name, (commune_form,))
    bare_core = name_core(name, ())
    point = v.point
    return Features(
        nom=v.nom,
        name=name,
        keywords=name_keywords(name) or _NONE,
        core=core,
        bare_core=core if bare_core == core else bare_core,
        town_hall=is_town_hall(v.nom),
        annex=is_annex(v.nom),
        mobile=v.is_itinerant or is_mobile_name(v.nom),
        commune=commune_form,
        code_insee=v.code_insee,
        code_postal=v.code_postal,
        departement=v.code_postal[:3] if v.code_postal.startswith("97") else v.code_postal[:2],
        street=street_part(address),
        numbers=house_numbers(address),
        point=point,
        phones=frozenset((v.telephone,)) if v.telephone else _NONE,
        emails=email_set(v.courriels) or _NONE,
        hosts=host_set(v.site_web) or _NONE,
        sirets=frozenset((v.pivot,)) if v.has_siret else _NONE,
    )


def block_keys(f: Features, precision: Precision | None = None) -> BlockKeys:
    """The venue's blocking keys (``schema.blocking``), from its features: those
    ``schema.block_keys_of`` gives from its fields."""
    return keys_of(
        f.code_insee,
        f.code_postal,
        f.point,
        phones=f.phones,
        emails=f.emails,
        hosts=f.hosts,
        sirets=f.sirets,
        street=f.street,
        name=name_key_of(f.core, f.keywords, f.nom),
        precise=is_precise(f.point, precision),
    )
