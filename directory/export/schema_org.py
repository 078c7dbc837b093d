# SPDX-License-Identifier: Apache-2.0
"""What schema.org says of a venue, decided once.

The venue page's JSON-LD (``web/venue.py``, for search engines) and the
linked-data export (``writers/linked_data.py``, JSON-LD and Turtle) describe
the same venue in two shapes; every judgement they share is made here, so
they cannot disagree (they did: a venue both free and paid was
``isAccessibleForFree`` false on its page and true in the export).
"""

from __future__ import annotations

from directory.schema import Frais, Typologie, Venue

__all__ = [
    "LIBRARIES",
    "PUBLIC_OFFICES",
    "accessible_for_free",
    "descriptions",
    "street_address",
    "venue_type",
]

#: Typologies that are public offices (schema.org ``GovernmentOffice``) or libraries (``Library``).
PUBLIC_OFFICES = frozenset(
    {
        Typologie.CAF,
        Typologie.CCAS,
        Typologie.CIAS,
        Typologie.CD,
        Typologie.CDAS,
        Typologie.CFP,
        Typologie.CPAM,
        Typologie.DEPT,
        Typologie.EPCI,
        Typologie.ETAT,
        Typologie.ETABL_PUB,
        Typologie.FT,
        Typologie.MDPH,
        Typologie.MDS,
        Typologie.MSAP,
        Typologie.MUNI,
        Typologie.CC,
    }
)
LIBRARIES = frozenset({Typologie.BIB})


def venue_type(venue: Venue) -> str:
    """``GovernmentOffice``, ``Library`` or ``LocalBusiness`` (both others are kinds of it)."""
    kinds = set(venue.typologie)
    return "GovernmentOffice" if kinds & PUBLIC_OFFICES else "Library" if kinds & LIBRARIES else "LocalBusiness"


def accessible_for_free(venue: Venue) -> bool | None:
    """True when « Gratuit » is among the fees (someone can be helped for free), false when
    « Payant » is the only one, None (nothing said) otherwise: « sous condition » is neither."""
    if Frais.GRATUIT in venue.frais_a_charge:
        return True
    if venue.frais_a_charge == [Frais.PAYANT]:
        return False
    return None


def street_address(venue: Venue) -> str:
    """``streetAddress``: the address, then its complement."""
    return ", ".join(part for part in (venue.adresse, venue.complement_adresse) if part)


def descriptions(venue: Venue) -> dict[str, str]:
    """``description`` (the long presentation) and ``disambiguatingDescription`` (the short one), when given."""
    found = {"description": venue.presentation_detail, "disambiguatingDescription": venue.presentation_resume}
    return {key: text for key, text in found.items() if text}
