# SPDX-License-Identifier: Apache-2.0
"""Which venues a person answers for, from their account: everything (an administrator), the venues of
their territories (an animator: communes, intercommunalities, départements) or their own venues (a
structure's manager).

A territory is written ``kind:code`` — ``commune:69383``, ``epci:200046977``, ``departement:69`` —
and checked against the gazetteer, as the territory exports check theirs (``export.territory``).
"""

from __future__ import annotations

from directory.places import Gazetteer
from directory.schema import DEPARTEMENT_CODE, INSEE_CODE, SIREN
from directory.store import Account, Scope

__all__ = ["InvalidTerritory", "KINDS", "parse_territory", "scope_of", "territory_label"]

#: The kinds of territory an animator may answer for, as named to people.
KINDS = {"commune": "commune", "epci": "intercommunalité", "departement": "département"}


class InvalidTerritory(ValueError):
    """Not a territory this directory knows; the message says why, in French."""


def parse_territory(text: str, places: Gazetteer) -> str:
    """``kind:code`` from what a person typed: ``commune:69383`` or just ``69383`` (5 characters: a
    commune), ``200046977`` (9 digits: an intercommunality), ``69`` or ``2A`` (a département).

    :raises InvalidTerritory: unknown kind, malformed or unknown code.
    """
    raw = text.strip()
    kind, sep, code = raw.partition(":")
    if not sep:
        code = raw
        kind = "epci" if SIREN.fullmatch(raw) else "commune" if len(raw) == 5 else "departement"
    kind, code = kind.strip().lower(), code.strip().upper()
    if kind not in KINDS:
        raise InvalidTerritory(f"« {text} » : type de territoire inconnu (commune, epci ou departement).")
    if kind == "commune" and not (INSEE_CODE.fullmatch(code) and places.commune(code)):
        raise InvalidTerritory(f"« {text} » : aucune commune n'a ce code INSEE.")
    if kind == "epci" and not (SIREN.fullmatch(code) and places.communes_of_epci(code)):
        raise InvalidTerritory(f"« {text} » : aucune intercommunalité connue n'a ce numéro SIREN.")
    if kind == "departement" and not DEPARTEMENT_CODE.fullmatch(code):
        raise InvalidTerritory(f"« {text} » : ce n'est pas un code de département (69, 2A, 974…).")
    return f"{kind}:{code}"


def territory_label(territory: str, places: Gazetteer) -> str:
    """« Lyon (commune 69123) », « intercommunalité 200046977 (59 communes) », « département 69 »."""
    kind, _, code = territory.partition(":")
    if kind == "commune" and (commune := places.commune(code)) is not None:
        return f"{commune.nom} (commune {code})"
    if kind == "epci":
        return f"intercommunalité {code} ({len(places.communes_of_epci(code))} codes de communes)"
    return f"{KINDS.get(kind, kind)} {code}"


def scope_of(account: Account, places: Gazetteer) -> Scope:
    """The venues ``account`` answers for. A disabled account answers for none."""
    if not account.active:
        return Scope()
    if account.role == "admin":
        return Scope(everything=True)
    communes: set[str] = set()
    departements: set[str] = set()
    if account.role == "animateur":
        for territory in account.territories:
            kind, _, code = territory.partition(":")
            if kind == "commune":
                communes |= {code, *places.arrondissements_of(code)}
            elif kind == "epci":
                communes |= set(places.communes_of_epci(code))
            elif kind == "departement":
                departements.add(code)
    return Scope(
        communes=frozenset(communes), departements=frozenset(departements), venue_ids=frozenset(account.venues)
    )
