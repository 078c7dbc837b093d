# SPDX-License-Identifier: Apache-2.0
"""What a place is, beyond its fields: a hosted service, a mobile unit, an annex.

Private to :mod:`directory.harvest.matching`. Two records of one place often
name it differently: a France Services under the name of the body that hosts
it (a Maison du Département, a centre social, the commune, La Poste), an EPN
under its library's name. A service word on one side only is then evidence of
a hosted service, not of another place. Some services, though, are never one
place with another: a bus or a van stops at many places, an annex is not its
main site.
"""

from __future__ import annotations

import re
from functools import lru_cache

from directory.places import fold

__all__ = ["HOSTABLE", "HOSTS", "hosted", "is_annex", "is_mobile_name"]

#: Services that live inside another body's premises, and the service words that body may carry.
#: A France Services is run by a commune, a CCAS, a centre social, a Maison du Département or La
#: Poste, not by a library; an EPN, a cyber-base, a fablab, a tiers-lieu or a PIJ often is a library's.
_BODIES = frozenset(
    ["ccas", "centre_social", "espace_vie_sociale", "maison_quartier", "mjc", "maison_solidarites", "la_poste"]
)
HOSTS: dict[str, frozenset[str]] = {
    "france_services": _BODIES,
    "pimms": _BODIES,
    "mission_locale": _BODIES,
    "epn": _BODIES | {"mediatheque"},
    "cyber_base": _BODIES | {"mediatheque"},
    "fablab": _BODIES | {"mediatheque"},
    "tiers_lieu": _BODIES | {"mediatheque"},
    "info_jeunesse": _BODIES | {"mediatheque"},
}
HOSTABLE: frozenset[str] = frozenset(HOSTS)


def hosted(ka: frozenset[str], kb: frozenset[str]) -> bool:
    """Whether names carrying the service words ``ka`` and ``kb`` (no word in common) may be one
    hosted service and its host: one side's words are all hostable services, and the other side
    names no service (« Maison des initiatives et des services », « Commune de … ») or only bodies
    that host every one of them."""
    for service, host in ((ka, kb), (kb, ka)):
        if service and service <= HOSTABLE and all(host <= HOSTS[s] for s in service):
            return True
    return False


_MOBILE = re.compile(
    r"\b(?:bus|e ?bus|b ?bus|ordi ?bus|camion|van|itinerant|itinerante|itinerance|mobile|"
    r"a domicile|deplacement)\b"
)
_ANNEX = re.compile(r"\b(?:annexe|antenne|permanence|permanences)\b")


@lru_cache(maxsize=8192)
def is_mobile_name(nom: str) -> bool:
    """A name saying the venue moves (« bus », « itinérant », « à domicile »…), whatever its ``itinerance``."""
    return bool(_MOBILE.search(fold(nom)))


@lru_cache(maxsize=8192)
def is_annex(nom: str) -> bool:
    """« Annexe », « antenne », « permanence »: a second site of a body, not its main one."""
    return bool(_ANNEX.search(fold(nom)))
