# SPDX-License-Identifier: Apache-2.0
"""Which commune a venue is in: postcode, INSEE code, commune name and point, checked together.

Producers copy a postcode into ``code_insee`` (69007 is Ampuis, not Lyon 7e), swap Corsica's
2A and 2B, keep the name of a commune merged years ago, or type a neighbour's postcode. Any
one of the four values can be the wrong one, so none of them is believed alone: each current
commune that one of them designates gets a vote from every value that agrees with it, and the
commune with the most votes is kept. The INSEE code follows the commune kept (it is the one
value derived for exports by commune); the postcode, the name and the point are the
producer's and stay as given, flagged when they disagree. A point is never moved because of a
code: it is judged against the commune the other values agree on, and only then flagged as
far (a harvest then geocodes it, an import places it at that commune).

Ties keep the INSEE code as given, then the name, then the postcode: with nothing else to
decide, nothing says which of two codes is wrong, and the code is the one value given to say it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from .folding import fold_key
from .problems import Problem, Severity
from .territory import CommuneLike, CommuneLookup, departement_of_insee, far_threshold_km

__all__ = ["check_commune", "current_commune"]

_FORMER = ("deleguee", "associee")
#: A point further than this many times the « far » distance (100 km in mainland France) is not a
#: point wrongly placed in the commune but one in another region: it counts against the commune.
_ELSEWHERE = 5


@dataclass(frozen=True, slots=True)
class _Candidate:
    """One commune the record's postcode, INSEE code or name designates, and which of them do."""

    commune: CommuneLike
    postcode: bool
    insee: bool
    name: bool
    far_km: float  # far_threshold_km of its département

    def best_rank(self, with_point: bool) -> tuple[int, bool, bool, bool]:
        """The highest ``_rank`` its votes can reach once the point has voted (or without a point)."""
        return _ranked(self.postcode + self.insee + self.name + with_point, self.insee, self.name, self.postcode)


@dataclass(frozen=True, slots=True)
class _Served:
    """What a postcode designates alone: the same for every record that gives it, worked out once."""

    known: bool
    communes: tuple[CommuneLike, ...]
    departements: frozenset[str]
    #: INSEE code → the candidate a served commune is when neither the code nor the name designates it
    by_postcode_alone: dict[str, _Candidate]


@dataclass(frozen=True, slots=True)
class _Designated:
    """What a postcode, an INSEE code and a commune name designate together, the point aside: the same
    for every record that gives these three (a file repeats them), so it is worked out once."""

    known_postcode: bool
    insee_commune: CommuneLike | None
    served: tuple[CommuneLike, ...]
    named: tuple[CommuneLike, ...]
    candidates: tuple[_Candidate, ...]


@dataclass(slots=True)
class _Votes:
    """One candidate commune and which of the record's values designate it."""

    candidate: _Candidate
    postcode: bool
    insee: bool
    name: bool
    point: bool = False
    point_elsewhere: bool = False  # the point lies hundreds of kilometres away: it speaks against

    @property
    def commune(self) -> CommuneLike:
        return self.candidate.commune

    @property
    def count(self) -> int:
        return self.postcode + self.insee + self.name + self.point - self.point_elsewhere


def current_commune(places: CommuneLookup, code: str) -> CommuneLike | None:
    """The current commune (or municipal arrondissement) an INSEE code designates: a commune
    déléguée or associée answers with its commune nouvelle, a former code with the commune that
    absorbed it (the gazetteer's ``commune`` already does the latter)."""
    found = places.commune(code)
    if found is not None and found.kind in _FORMER and found.parent:
        return places.commune(found.parent) or found
    return found


def _current_of(places: CommuneLookup, named: CommuneLike) -> CommuneLike | None:
    """A commune found by its name, as it is today (a déléguée's row names its commune nouvelle)."""
    return places.commune(named.parent) if named.kind in _FORMER and named.parent else named


def _same(a: CommuneLike, b: CommuneLike) -> bool:
    """The same place, or a city and one of its arrondissements (« Lyon » and Lyon 7e)."""
    return a.insee == b.insee or a.parent == b.insee or b.parent == a.insee


def _relatives(designated: Iterable[CommuneLike]) -> tuple[set[str | None], set[str]]:
    """A commune is ``_same`` as one of ``designated`` exactly when its INSEE code is in the first set
    or its parent's in the second (two set look-ups per candidate instead of a call per pair)."""
    codes: set[str | None] = set()
    cities: set[str] = set()
    for commune in designated:
        codes.update((commune.insee, commune.parent))
        cities.add(commune.insee)
    return codes, cities


@lru_cache(maxsize=8192)  # a gazetteer's answers never change; files repeat their postcodes
def _served(places: CommuneLookup, postcode: str) -> _Served:
    known = places.is_known_postcode(postcode)
    communes = tuple(places.communes_for_postcode(postcode)) if known else ()
    alone = {
        c.insee: _Candidate(c, True, False, False, far_threshold_km(departement_of_insee(c.insee))) for c in communes
    }
    return _Served(known, communes, frozenset(c.departement for c in communes), alone)


@lru_cache(maxsize=16384)  # a gazetteer's answers never change; files repeat their communes
def _designated(places: CommuneLookup, postcode: str, given: str | None, name: str) -> _Designated:
    served = _served(cast(Hashable, places), postcode)
    insee_commune = current_commune(places, given) if given else None
    departements = served.departements | ({insee_commune.departement} if insee_commune else set())
    named = tuple(places.communes_named(name, departements)) if name else ()
    named_current = [c for c in (_current_of(places, n) for n in named) if c is not None]

    communes: dict[str, CommuneLike] = {}
    for commune in (*served.communes, *((insee_commune,) if insee_commune else ()), *named_current):
        communes.setdefault(commune.insee, commune)
    _drop_cities_with_arrondissements(communes)
    insee_codes, insee_children_of = _relatives((insee_commune,) if insee_commune else ())
    name_codes, name_children_of = _relatives(named_current)
    candidates = []
    for c in communes.values():
        insee = c.insee in insee_codes or c.parent in insee_children_of
        name_too = c.insee in name_codes or c.parent in name_children_of
        alone = served.by_postcode_alone.get(c.insee)  # the postcode serves it: no need to ask
        if alone is not None and not insee and not name_too:
            candidates.append(alone)
            continue
        postcode_too = alone is not None or (served.known and places.postcode_matches_insee(postcode, c.insee))
        far_km = alone.far_km if alone is not None else far_threshold_km(departement_of_insee(c.insee))
        candidates.append(_Candidate(c, postcode_too, insee, name_too, far_km))
    candidates.sort(key=lambda c: c.best_rank(False), reverse=True)  # see _votes
    return _Designated(served.known, insee_commune, served.communes, named, tuple(candidates))


def check_commune(values: dict[str, Any], places: CommuneLookup, problems: list[Problem]) -> None:
    """Cross-check ``values``' postcode, INSEE code, commune name and point; set ``code_insee`` to
    the commune most of them agree on, and add a warning naming each value that disagrees."""
    postcode, given, name = values["code_postal"], values["code_insee"], values["commune"] or ""
    lat, lon = values["latitude"], values["longitude"]

    def warn(field: str, code: str, value: Any, **params: Any) -> None:
        problems.append(Problem(field, code, value, Severity.WARNING, tuple(params.items())))

    designated = _designated(cast(Hashable, places), postcode, given, name)  # a gazetteer hashes by identity
    known_postcode, insee_commune = designated.known_postcode, designated.insee_commune
    if not known_postcode:
        warn("code_postal", "unknown_postcode", postcode)
    if given and insee_commune is None:
        warn("code_insee", "unknown_insee", given)

    kept = _winner(_votes(designated.candidates, places, lat, lon))
    if kept is None:
        values["code_insee"] = given if insee_commune is not None else None
        _check_point_alone(values, places, designated.served, warn)
        return
    said_former = _set_insee(values, places, kept, given, insee_commune, warn)
    if known_postcode and not kept.postcode:
        evidence, verb = _evidence(kept, postcode, name)
        warn(
            "code_postal",
            "postcode_insee_mismatch",
            postcode,
            postcode=postcode,
            insee=values["code_insee"],
            commune=kept.commune.nom,
            evidence=evidence,
            verb=verb,
        )
    named = designated.named
    if named and not kept.name and not any(_same(n, kept.commune) for n in named):
        evidence, verb = _evidence(kept, postcode, name)
        warn(
            "commune",
            "commune_name_contradicted",
            name,
            commune=kept.commune.nom,
            insee=kept.commune.insee,
            evidence=evidence,
            verb=verb,
        )
    elif (
        not said_former
        and kept.name
        and any(n.kind in _FORMER and n.parent == kept.commune.insee for n in named)
        and not any(fold_key(n.nom) == fold_key(kept.commune.nom) for n in named)
    ):
        warn("commune", "former_commune", name, commune=kept.commune.nom, insee=kept.commune.insee)
    if lat is not None and not kept.point:
        _far_or_flipped(values, places, kept.commune, warn)


def _drop_cities_with_arrondissements(communes: dict[str, CommuneLike]) -> None:
    """Paris, Lyon, Marseille as a whole give way to one of their arrondissements when one is there."""
    parents = {c.parent for c in communes.values() if c.parent and c.kind == "arrondissement"}
    for code in parents & communes.keys():
        del communes[code]


def _votes(candidates: Sequence[_Candidate], places: CommuneLookup, lat: float | None, lon: float) -> list[_Votes]:
    """The votes of the candidates that may win, the point's included. Candidates come by the rank
    their codes and name give them: once one is ranked above what the next could reach with the
    point's vote, none of the rest can win or tie, and their distances are not worth computing."""
    votes: list[_Votes] = []
    lead: tuple[int, bool, bool, bool] | None = None
    for candidate in candidates:
        if lead is not None and lead > candidate.best_rank(lat is not None):
            break
        vote = _Votes(candidate, candidate.postcode, candidate.insee, candidate.name)
        if lat is not None:
            km = places.distance_to_commune_km(vote.commune.insee, lat, lon)
            limit = candidate.far_km
            vote.point = km is not None and km <= limit
            vote.point_elsewhere = km is not None and km > _ELSEWHERE * limit
        votes.append(vote)
        rank = _rank(vote)
        lead = rank if lead is None else max(lead, rank)
    return votes


def _rank(vote: _Votes) -> tuple[int, bool, bool, bool]:
    return _ranked(vote.count, vote.insee, vote.name, vote.postcode)


def _ranked(count: int, insee: bool, name: bool, postcode: bool) -> tuple[int, bool, bool, bool]:
    """The order of the votes (``_winner``): most values first; ties to the INSEE code, then the name,
    then the postcode."""
    return (count, insee, name, postcode)


def _winner(votes: Iterable[_Votes]) -> _Votes | None:
    """The candidate most values agree on; ties go to the INSEE code, then the name (a producer
    knows their commune's name better than its codes), then the postcode. None when nothing
    agrees, or when several communes still tie (a postcode shared by several communes, a name
    that designates none of them)."""
    ranked = sorted(votes, key=_rank, reverse=True)
    if not ranked or ranked[0].count == 0:
        return None
    if len(ranked) > 1 and _rank(ranked[1]) == _rank(ranked[0]):
        return None
    return ranked[0]


def _set_insee(
    values: dict[str, Any],
    places: CommuneLookup,
    kept: _Votes,
    given: str | None,
    insee_commune: CommuneLike | None,
    warn: Any,
) -> bool:
    """The INSEE code of the commune kept; a given code that said otherwise is named in a warning.
    True when that code was a former commune's (the name need not say so again)."""
    code = kept.commune.insee
    if given is None or insee_commune is None:
        values["code_insee"] = code
        return False
    if kept.insee:
        if insee_commune.insee != given and insee_commune.parent != given and _same(insee_commune, kept.commune):
            found = places.commune(given)
            former = f" (« {found.nom} »)" if found is not None and found.insee == given else ""
            warn(
                "code_insee",
                "insee_former_commune",
                given,
                former=former,
                commune=insee_commune.nom,
                insee=insee_commune.insee,
            )
            values["code_insee"] = insee_commune.insee
            return True
        values["code_insee"] = given  # Lyon's code with a Lyon postcode stays as given
        return False
    evidence, verb = _evidence(kept, values["code_postal"], values["commune"] or "")
    warn(
        "code_insee",
        "insee_contradicted",
        given,
        found=insee_commune.nom,
        commune=kept.commune.nom,
        insee=code,
        evidence=evidence,
        verb=verb,
    )
    values["code_insee"] = code
    return False


def _evidence(kept: _Votes, postcode: str, name: str) -> tuple[str, str]:
    """(« le code postal 20200, le nom « Bastia » et le point », « désignent »): what designates the
    commune kept, and the verb that agrees with it."""
    parts = []
    if kept.postcode:
        parts.append(f"le code postal {postcode}")
    if kept.insee:
        parts.append("le code INSEE")
    if kept.name:
        parts.append(f"le nom « {name} »")
    if kept.point:
        parts.append("le point")
    if len(parts) == 1:
        return parts[0], "désigne"
    return ", ".join(parts[:-1]) + " et " + parts[-1], "désignent"


def _far_or_flipped(values: dict[str, Any], places: CommuneLookup, commune: CommuneLike, warn: Any) -> None:
    """A point far from the commune the other values agree on: a longitude that lost (or gained)
    its minus sign is put back when that lands in the commune; otherwise the point is flagged."""
    lat, lon = values["latitude"], values["longitude"]
    limit = far_threshold_km(departement_of_insee(commune.insee))
    flipped = places.distance_to_commune_km(commune.insee, lat, -lon)
    if lon != 0 and flipped is not None and flipped <= limit:
        warn("longitude", "coordinates_sign_flipped", f"{lat}, {lon}", fixed=f"{lat}, {-lon}", commune=commune.nom)
        values["longitude"] = -lon
        return
    km = places.distance_to_commune_km(commune.insee, lat, lon)
    if km is not None:
        warn("latitude", "coordinates_far_from_commune", f"{lat}, {lon}", km=round(km), commune=commune.nom)


def _check_point_alone(values: dict[str, Any], places: CommuneLookup, served: Sequence[CommuneLike], warn: Any) -> None:
    """No commune stands out (a postcode shared by several, no code, no name that decides): the
    point is only flagged when it is far from all of them."""
    lat, lon = values["latitude"], values["longitude"]
    if lat is None or not served:
        return
    distances = [(d, c) for c in served if (d := places.distance_to_commune_km(c.insee, lat, lon)) is not None]
    if not distances:
        return
    km, commune = min(distances, key=lambda pair: pair[0])
    if km > far_threshold_km(departement_of_insee(commune.insee)):
        _far_or_flipped(values, places, commune, warn)
