# SPDX-License-Identifier: Apache-2.0
"""What matching compares of one venue, computed once per venue rather than once per pair.

Private to :mod:`directory.harvest.matching` and :mod:`directory.harvest.dedupe`. A harvest's record
meets a few venues, each of which meets a few records: its normalised name and address, service words,
house numbers, contacts and what kind of place it is (mobile, annex, town hall) are properties of the
venue, not of the pair. :func:`features` reads them once; ``matching.compare`` scores two of them, and
:func:`block_keys` gives the venue's blocking keys from the same forms.
"""

from __future__ import annotations

from dataclasses import dataclass

from directory.schema import (
    BlockKeys,
    Precision,
    Venue,
    commune_key,
    house_numbers,
    is_precise,
    is_town_hall,
    name_core,
    name_keywords,
    normalise_address,
    normalise_name,
    street_part,
)
from directory.schema.blocking import email_set, host_set, keys_of, name_key_of

from ._place import is_annex, is_mobile

__all__ = ["Features", "block_keys", "features"]


@dataclass(frozen=True, slots=True, eq=False)
class Features:
    """One venue as matching compares it (``matching.score`` says how each part is used)."""

    nom: str  # as given: what the town-hall rule and the ``nom:`` key of a bare service read
    name: str  # normalise_name(nom)
    keywords: frozenset[str]  # its service words (name_keywords)
    core: str  # its proper part within its own commune: name_core(name, (commune,))
    bare_core: str  # its proper part when the communes differ: name_core(name, ())
    town_hall: bool
    annex: bool
    mobile: bool
    commune: str  # commune_key
    code_insee: str | None
    code_postal: str
    departement: str  # "" without a postcode
    address: str  # normalise_address
    street: str  # street_part(address)
    numbers: tuple[frozenset[int], str] | None  # house_numbers(address)
    point: tuple[float, float] | None
    phones: frozenset[str]
    emails: frozenset[str]
    hosts: frozenset[str]
    sirets: frozenset[str]  # a real SIRET, never the placeholder


def features(v: Venue) -> Features:
    """The features of ``v`` as it is now (a venue changed afterwards needs them again)."""
    name = normalise_name(v.nom)
    commune = commune_key(v.commune)
    address = normalise_address(v.adresse)
    postcode = v.code_postal
    return Features(
        nom=v.nom,
        name=name,
        keywords=name_keywords(name),
        core=name_core(name, (commune,)),
        bare_core=name_core(name, ()),
        town_hall=is_town_hall(v.nom),
        annex=is_annex(v.nom),
        mobile=is_mobile(v),
        commune=commune,
        code_insee=v.code_insee,
        code_postal=postcode,
        departement=postcode[:3] if postcode.startswith("97") else postcode[:2],
        address=address,
        street=street_part(address),
        numbers=house_numbers(address),
        point=v.point,
        phones=frozenset((v.telephone,)) if v.telephone else frozenset(),
        emails=email_set(v.courriels),
        hosts=host_set(v.site_web),
        sirets=frozenset((v.pivot,)) if v.has_siret else frozenset(),
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
