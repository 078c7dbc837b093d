# SPDX-License-Identifier: Apache-2.0
"""Find records that describe the same venue.

Three steps, all pure functions of their inputs (no I/O, no clock):

1. :func:`block_keys` gives each venue a few cheap keys (identifiers, a ~100 m
   grid cell, its street and name within its postcode, its commune when its
   point is not precise); :func:`candidate_pairs` pairs only venues that meet
   in a block, so each record meets a bounded number of others instead of all of them
   (performance.md §6: the national pipeline's all-pairs-per-commune scan took
   245 s for 16k records).
2. :func:`score` compares two venues field by field and combines the parts
   into one number in 0..1. What it compares of each venue (normalised name
   and address, service words, house numbers, contacts…) is read once per
   venue (:func:`features`, kept between batches): a harvest scores each pair
   with :func:`compare` from the two venues' features.
3. Two thresholds turn the number into a decision: ``match`` (merge without
   asking), ``review`` (a curator decides) or ``distinct``, with rules for what
   a place is (``_place``): one address and one phone is one place whatever
   the names, a service word on one side is a hosted service at one address
   (a veto elsewhere), a mobile unit is never a fixed site.

The weights and thresholds were chosen on hand-labelled pairs of real records
(``fixtures/matching/``, whose README says how); ``tests/harvest/test_matching.py``
measures precision and recall on them.
"""

from __future__ import annotations

import logging
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz

from directory.schema import (
    CELL_M,
    SERVICE_KEYWORDS,
    BlockKeys,
    Precision,
    Venue,
    haversine_m,
    name_core,
    normalise_name,
    same_commune_key,
    stored_block_keys,
)

from ._features import Features, features
from ._features import block_keys as features_block_keys
from ._place import hosted

__all__ = [
    "BOUNDARY_M",
    "CELL_M",
    "FAR_M",
    "SAME_ADDRESS",
    "T_HIGH",
    "T_LOW",
    "WEIGHTS",
    "BlockingStats",
    "Candidate",
    "Decision",
    "Features",
    "MISMATCH_WEIGHTS",
    "SERVICE_KEYWORDS",
    "SIRET_AT_SAME_PLACE_WEIGHT",
    "Score",
    "block_keys",
    "features",
    "stored_block_keys",
    "candidate_pairs",
    "compare",
    "distance_score",
    "normalise_name",
    "score",
    "surely_distinct",
]

log = logging.getLogger(__name__)

Decision = Literal["match", "review", "distinct"]

#: Weight of each part in the weighted mean. A part that does not apply (a
#: field missing on either side) is left out of both sums: a missing point is
#: never a free match, and a missing phone is no evidence either way.
WEIGHTS: dict[str, float] = {
    "name": 3.0,
    "address": 2.0,
    "distance": 2.0,
    "phone": 2.0,
    "email": 2.0,
    "website": 1.0,
    "siret": 1.0,
}

#: Weight of an agreeing real SIRET when the address or the point agrees too.
SIRET_AT_SAME_PLACE_WEIGHT = 3.0

#: Weight of an identifier part when both sides know it and it differs.
MISMATCH_WEIGHTS: dict[str, float] = {"phone": 0.5, "email": 0.25, "website": 0.25, "siret": 0.5}

#: At or above: ``match``. Below :data:`T_LOW`: ``distinct``. Between: ``review``.
#: Chosen on the 500 labelled pairs (fixtures/matching/README.md): outside
#: vetoes, no ``distinct`` pair of one commune scores above 0.66 and no
#: ``match`` below 0.51. At 0.70 precision is 1.0 and recall 0.87 (0.65 lets a
#: false match in; 0.75 drops recall to 0.80); below 0.50 nothing needs a person.
T_HIGH = 0.70
T_LOW = 0.50

#: Two points of two communes at most this far apart are one place on a
#: commune boundary (a street crossing it, a wrong commune on one side): their
#: addresses are compared, and the pair is judged as in one commune, though
#: never merged without a person. Farther, or without both points, two
#: communes' addresses count as different (« Le Bourg » in two villages).
BOUNDARY_M = 150.0

#: Two points of one address farther apart than this: one is misplaced, the distance is left out.
FAR_M = 300.0

#: An address part below this, with precise points a kilometre or more apart: two places.
OTHER_ADDRESS = 0.5

#: An address part at or above this is one address (numbers that meet, streets written alike).
SAME_ADDRESS = 0.9


@dataclass(frozen=True, slots=True)
class Candidate:
    """What matching needs of a record or a stored venue.

    :param key: stable identity in the caller's terms, e.g. ``"source:record_id"``
        or a venue id; used to order pairs and in reports.
    :param venue: the parsed venue.
    :param precision: how precise its point is; a point placing only the commune blocks as no point.
    """

    key: str
    venue: Venue
    precision: Precision | None = None  # how precise its point is (``schema.placement``); None: exact


@dataclass(frozen=True, slots=True)
class Score:
    """How alike two venues are, and what to do about it.

    :param total: weighted mean of ``parts``, 0..1.
    :param parts: the similarity of each compared field, 0..1; only the fields
        present on both sides appear (``name``, ``address``, ``distance``,
        ``phone``, ``email``, ``website``, ``siret``).
    :param veto: a French reason when a rule forced ``distinct``, else None.
    :param decision: ``match``, ``review`` or ``distinct``.
    :param signs: what weighed beyond the parts, as codes the evidence puts in words
        (``same_address``, ``hosted:<service words>``, ``mobile_unit``, ``annex``, ``strong``, ``two_places``,
        ``far_points_same_address``, ``approximate_point``).
    """

    total: float
    parts: dict[str, float]
    veto: str | None
    decision: Decision
    signs: tuple[str, ...] = ()


@dataclass(slots=True)
class BlockingStats:
    """What :func:`candidate_pairs` did: for reports and the benchmark."""

    items: int = 0
    pairs: int = 0
    blocks: int = 0
    largest_block: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # key kind → blocks skipped

    @property
    def all_pairs(self) -> int:
        """n(n-1)/2: what comparing everything with everything would cost."""
        return self.items * (self.items - 1) // 2


def block_keys(v: Venue, precision: Precision | None = None) -> BlockKeys:
    """The blocking keys of a venue (``schema.blocking``): the blocks it is found in (``held``) and
    those it looks in (``sought``); a venue is compared with those found in a block it looks in.

    Contacts (``tel:`` E.164 phone, ``mail:`` each e-mail lower-cased, ``web:``
    each website host, generic hosts such as facebook.com ignored, ``siret:`` a
    real SIRET, never the placeholder), the street (``adr:``) and the name
    (``nom:``) within the postcode, and the ~100 m grid ``cell:`` of the point,
    are found and looked in (a venue looks in its cell and the eight around it,
    so two points less than ~100 m apart always meet). The commune (``insee:``
    code, ``cp:`` postcode when the INSEE code is missing) holds every venue,
    but only a venue without a precise point (``precision``, as
    ``directory.schema.placement`` grades it; None: exact) looks through it;
    a precise one looks only at the commune's imprecise venues (``approx:``).
    """
    return features_block_keys(features(v), precision)


def _kind(key: str) -> str:
    prefix = key.split(":", 1)[0]
    return {"insee": "place", "cp": "place", "approx": "place"}.get(prefix, prefix)


def candidate_pairs(
    items: Iterable[Candidate],
    *,
    max_block: int = 200,
    stats: BlockingStats | None = None,
) -> Iterator[tuple[Candidate, Candidate]]:
    """Each unordered pair of candidates one of which looks in a block the other is found in, once.

    A block (the candidates found under one key) larger than ``max_block`` is
    skipped and counted in ``stats.skipped`` by kind (``place``, ``cell``,
    ``adr``, ``nom``, ``tel``, ``mail``, ``web``, ``siret``), with a log line:
    a postcode of a big city or a hotline number shared by a whole network says
    nothing about which two records are alike, and skipping it keeps the number
    of records each one meets bounded (at most ~``max_block`` per key).

    Pairs come in the order of the input (the earlier candidate first), so
    the same input always gives the same pairs in the same order.

    :param items: the candidates (a harvest's records, stored venues, or both).
    :param max_block: largest block still paired.
    :param stats: filled in when given.
    """
    cands = list(items)
    found: dict[str, list[int]] = defaultdict(list)
    looking: dict[str, list[int]] = defaultdict(list)
    for i, cand in enumerate(cands):
        keys = block_keys(cand.venue, cand.precision)
        for key in keys.held:
            found[key].append(i)
        for key in keys.sought:
            looking[key].append(i)

    st = stats if stats is not None else BlockingStats()
    st.items = len(cands)
    seen: set[tuple[int, int]] = set()
    for key in sorted(found):
        members = found[key]
        seekers = looking.get(key, [])
        if not any(j != i for j in seekers for i in members[:2]):
            continue
        st.blocks += 1
        st.largest_block = max(st.largest_block, len(members))
        if len(members) > max_block:
            st.skipped[_kind(key)] += 1
            log.info("bloc %s ignoré : %d fiches (plus de %d)", key, len(members), max_block)
            continue
        for j in seekers:
            for i in members:
                if i != j:
                    seen.add((min(i, j), max(i, j)))
    st.pairs = len(seen)
    for i, j in sorted(seen):
        yield cands[i], cands[j]


# ── scoring ──────────────────────────────────────────────────────────────────
def distance_score(metres: float) -> float:
    """1 up to 50 m, 0 from 1 km, falling with the logarithm of the distance."""
    if metres <= 50:
        return 1.0
    if metres >= 1000:
        return 0.0
    return 1.0 - math.log(metres / 50) / math.log(1000 / 50)


def _name_score(fa: Features, fb: Features, core_a: str, core_b: str) -> float:
    if not core_a and not core_b:  # « Médiathèque » / « Médiathèque de Riom » in Riom
        return 1.0
    if not core_a or not core_b:  # one name says only what the place is, not which…
        # …but « Mairie de Riom » against « Les Ateliers du Pont » says they differ.
        return 0.2 if fa.town_hall != fb.town_hall else 0.5
    return max(fuzz.token_sort_ratio(core_a, core_b), 0.9 * fuzz.token_set_ratio(core_a, core_b)) / 100


def _address_score(fa: Features, fb: Features, comparable: bool) -> float | None:
    if not fa.street or not fb.street:
        return None
    if not comparable:  # « Le Bourg » in two villages is not one address
        return 0.0
    sim = fuzz.token_sort_ratio(fa.street, fb.street) / 100
    numbers = _numbers_agree(fa.numbers, fb.numbers)
    if numbers is None:  # one side has no number: the street alone
        return 0.9 * sim
    if fa.numbers is None and sim < SAME_ADDRESS:
        # Neither has a number: « Mairie annexe - Vao » and « Annexe mairie RT1 » share words, not a door.
        return 0.5 * sim
    return sim * numbers


def _numbers_agree(ha: tuple[frozenset[int], str] | None, hb: tuple[frozenset[int], str] | None) -> float | None:
    """1 when the house numbers (``house_numbers``) meet (« 24 » in « 22-24 », « 27 B » and « 27bis »), 0.9
    when only a suffix tells them apart (« 12 » and « 12 bis »), 0 when they differ; None when a side has none."""
    if ha is None or hb is None:
        return 1.0 if ha is None and hb is None else None
    (xa, suffix_a), (xb, suffix_b) = ha, hb
    if not xa & xb:
        return 0.0
    if suffix_a == suffix_b:
        return 1.0
    return 0.9 if not (suffix_a and suffix_b) else 0.0


def _weight(name: str, value: float, parts: dict[str, float]) -> float:
    if value == 0.0 and name in MISMATCH_WEIGHTS:
        return MISMATCH_WEIGHTS[name]
    if name == "siret" and (parts.get("distance", 0.0) >= 0.75 or parts.get("address", 0.0) >= 0.9):
        # One SIRET can cover every library of a commune: alone it says little,
        # with the same address or a point within ~100 m it says a lot.
        return SIRET_AT_SAME_PLACE_WEIGHT
    return WEIGHTS[name]


def score(
    a: Venue,
    b: Venue,
    *,
    precision: tuple[Precision | None, Precision | None] = (None, None),
) -> Score:
    """Compare two venues as places.

    Parts (each 0..1; a part appears only when both sides have the field):

    - ``name``: token ratios on the :func:`normalise_name` forms, service
      words and the shared commune's name set aside (they are compared by the
      rules below and by ``address``);
    - ``address``: normalised street times the agreement of the house numbers
      (« 17-21 » meets 19, « 27 B » is « 27bis »; 0 when they differ, 0.9 when
      only one side has a number or a suffix); 0 when the communes differ and
      the points are not within :data:`BOUNDARY_M` of each other;
    - ``distance``: :func:`distance_score` of the haversine distance, left out
      when a point only places its commune (``precision``, as
      ``directory.schema.placement`` grades ``geo_method``; None: exact), when
      a point is missing, and when the two addresses agree but the points are
      more than :data:`FAR_M` apart (one of them is misplaced: the address says
      more than two points that disagree);
    - ``phone``, ``email``, ``website`` (host), ``siret`` (real SIRETs
      only): 1 when equal, 0 when both are known and differ.

    ``total`` is the weighted mean of the parts (:data:`WEIGHTS`, a differing
    identifier :data:`MISMATCH_WEIGHTS`).

    Decision, in this order:

    1. ``distinct`` when one side is a mobile unit (a bus, a van, home
       visits) and the other is not, or both are at different addresses;
    2. ``distinct`` under a veto: the names carry different service words, or
       one side a service word the other lacks, unless that is a hosted service
       (:func:`._place.hosted`: a France Services under its host's name, an EPN
       under its library's) at the same address, or the proper names are the
       same (« Maison de Tous » / « Centre social Maison de tous »);
    3. two communes: never ``match``; ``review`` from :data:`T_LOW` for points
       within :data:`BOUNDARY_M`, from :data:`T_HIGH` otherwise;
    4. ``match`` on strong evidence whatever the names: the same address
       (numbers that meet on one street) and a shared phone, e-mail or
       website host;
    5. ``distinct`` when the addresses differ (below :data:`OTHER_ADDRESS`) and the
       points (both precise) are a kilometre or more apart: two sites of one
       body share its phone and e-mail;
    6. an annex (« annexe », « antenne », « permanence ») against a site at
       another address: ``review`` at most;
    7. otherwise ``match`` at or above :data:`T_HIGH`, ``review`` at or above
       :data:`T_LOW`, else ``distinct``.

    ``signs`` names what weighed, for the evidence in words
    (``directory.curation.evidence``).
    """
    return compare(features(a), features(b), precision)


def compare(
    fa: Features,
    fb: Features,
    precision: tuple[Precision | None, Precision | None] = (None, None),
) -> Score:
    """:func:`score` of two venues from their features (``_features.features``), each read once per venue."""
    parts: dict[str, float] = {}
    signs: list[str] = []
    same_place = _same_place(fa, fb)
    core_a, core_b = _cores(fa, fb, same_place)
    parts["name"] = _name_score(fa, fb, core_a, core_b)
    metres = haversine_m(*fa.point, *fb.point) if fa.point is not None and fb.point is not None else None
    on_boundary = not same_place and metres is not None and metres <= BOUNDARY_M
    if (addr := _address_score(fa, fb, same_place or on_boundary)) is not None:
        parts["address"] = addr
    if metres is not None:
        if Precision.COMMUNE in precision:
            signs.append("approximate_point")
        elif metres > FAR_M and parts.get("address", 0.0) >= SAME_ADDRESS:
            signs.append("far_points_same_address")
        else:
            parts["distance"] = distance_score(metres)
    for name, xs, ys in (
        ("phone", fa.phones, fb.phones),
        ("email", fa.emails, fb.emails),
        ("website", fa.hosts, fb.hosts),
        ("siret", fa.sirets, fb.sirets),
    ):
        if xs and ys:
            parts[name] = 1.0 if xs & ys else 0.0

    weights = {k: _weight(k, v, parts) for k, v in parts.items()}
    total = round(sum(weights[k] * v for k, v in parts.items()) / sum(weights.values()), 4)

    # One door: both addresses carry house numbers that meet, on one street.
    same_address = (
        same_place and parts.get("address", 0.0) >= SAME_ADDRESS and fa.numbers is not None and fb.numbers is not None
    )
    shared = [k for k in ("phone", "email", "website") if parts.get(k) == 1.0]
    if same_address:
        signs.append("same_address")
    veto, hosted_service = _names_veto(
        fa,
        fb,
        core_a,
        core_b,
        same_address=same_address,
        one_address=parts.get("address", 1.0) >= SAME_ADDRESS,
        shared=bool(shared),
    )
    if hosted_service:
        signs.append("hosted:" + "+".join(sorted(fa.keywords | fb.keywords)))
    if fa.mobile != fb.mobile:
        signs.append("mobile_unit")
        veto = veto or "une unité mobile ne se confond pas avec un lieu fixe"
    elif fa.mobile and not same_address and (metres is None or metres > BOUNDARY_M):
        signs.append("mobile_unit")
        veto = veto or "deux arrêts d'une unité mobile"
    if veto is not None:
        decision: Decision = "distinct"
    elif not same_place:  # two communes: a person decides; far apart, only on strong evidence
        decision = "review" if total >= (T_LOW if on_boundary else T_HIGH) else "distinct"
    elif same_address and shared:
        decision = "match"
        signs.append("strong")
    elif parts.get("address", 1.0) < OTHER_ADDRESS and parts.get("distance", 1.0) == 0.0:
        signs.append("two_places")  # two addresses a kilometre apart: two sites, whatever they share
        decision = "distinct"
    elif fa.annex != fb.annex and parts.get("address", 0.0) < SAME_ADDRESS:
        signs.append("annex")
        decision = "review" if total >= T_LOW else "distinct"
    elif total >= T_HIGH:
        decision = "match"
    elif total >= T_LOW:
        decision = "review"
    else:
        decision = "distinct"
    return Score(total=total, parts=parts, veto=veto, decision=decision, signs=tuple(signs))


def _cores(fa: Features, fb: Features, same_place: bool) -> tuple[str, str]:
    """The proper parts of the two names, the shared commune's name set aside (``name_core``)."""
    if not same_place:
        return fa.bare_core, fb.bare_core
    if fa.commune == fb.commune:
        return fa.core, fb.core
    # Longest first, whichever side it is on: « Annecy-le-Vieux » goes whole before « Annecy » (a symmetric score).
    communes = tuple(sorted({fa.commune, fb.commune}, key=lambda c: (-len(c), c)))
    return name_core(fa.name, communes), name_core(fb.name, communes)


def _names_veto(
    fa: Features, fb: Features, core_a: str, core_b: str, *, same_address: bool, one_address: bool, shared: bool
) -> tuple[str | None, bool]:
    """The veto of the names' service words (rule 2), and whether it was lifted as a hosted service.

    ``same_address``: one door (numbers that meet on one street); ``one_address``: the address part, when
    there is one, at or above :data:`SAME_ADDRESS`; ``shared``: a phone, e-mail or website host in common.
    Each of them can only lift the veto: :func:`surely_distinct` relies on it.
    """
    ka, kb = fa.keywords, fb.keywords
    veto = _veto(ka, kb)
    if veto is None:
        return None, False
    if hosted(ka, kb):
        return (None, True) if same_address else (veto, False)
    if core_a and core_a == core_b and one_address and not (fa.town_hall or fb.town_hall):
        return None, False  # « Maison de Tous » and « Centre social Maison de tous »: the body's name twice, one door
    if same_address and shared and bool(ka) != bool(kb):
        # One door, one phone: « L'Arche » is the CCAS's building. Not « Mairie de X »: a town hall
        # shares its door and phone with the library or the CCAS it houses.
        plain = (fa, core_a) if not ka else (fb, core_b)
        if plain[1] and not plain[0].town_hall:
            return None, False
    return veto, False


def surely_distinct(fa: Features, fb: Features) -> bool:
    """Whether :func:`compare` can only say ``distinct``, known before any ratio or distance: a mobile unit
    against a fixed site (rule 1), or service words that differ (rule 2) where no door, no address and
    no contact the two could have in common would lift the veto. False says nothing."""
    if fa.mobile != fb.mobile:
        return True
    if _same_service(fa.keywords, fb.keywords):  # no veto of the names
        return False
    same_place = _same_place(fa, fb)
    # The most the parts could say: one door wherever both addresses have a street and a number, one address.
    door = same_place and bool(fa.street and fb.street) and fa.numbers is not None and fb.numbers is not None
    shared = bool(fa.phones & fb.phones or fa.emails & fb.emails or fa.hosts & fb.hosts)
    veto, _ = _names_veto(fa, fb, *_cores(fa, fb, same_place), same_address=door, one_address=True, shared=shared)
    return veto is not None


def _same_place(fa: Features, fb: Features) -> bool:
    """Same commune: by INSEE code when both have one, else by name within a département."""
    if fa.code_insee and fb.code_insee and fa.code_insee == fb.code_insee:
        return True
    if fa.departement and fb.departement and fa.departement != fb.departement:
        return False
    return same_commune_key(fa.commune, fb.commune)


_LABELS = {
    "ccas": "CCAS",
    "epn": "EPN",
    "cyber_base": "cyber-base",
    "france_services": "France Services",
    "mjc": "MJC",
    "info_jeunesse": "information jeunesse",
    "espace_vie_sociale": "espace de vie sociale",
    "centre_social": "centre social",
    "maison_quartier": "maison de quartier",
    "mission_locale": "mission locale",
    "france_travail": "France Travail",
    "fablab": "fablab",
    "tiers_lieu": "tiers-lieu",
    "mediatheque": "médiathèque",
    "maison_solidarites": "maison des solidarités",
    "la_poste": "La Poste",
    "pimms": "PIMMS",
}


def _same_service(ka: frozenset[str], kb: frozenset[str]) -> bool:
    """The two names' service words agree: the same, or one in common (rule 2 vetoes nothing)."""
    return ka == kb or bool(ka & kb)


def _veto(ka: frozenset[str], kb: frozenset[str]) -> str | None:
    if _same_service(ka, kb):
        return None
    if ka and kb:
        return f"« {_label(ka)} » d'un côté, « {_label(kb)} » de l'autre"
    return f"« {_label(ka | kb)} » d'un côté seulement"


def _label(keywords: frozenset[str]) -> str:
    return " / ".join(_LABELS.get(k, k) for k in sorted(keywords))
