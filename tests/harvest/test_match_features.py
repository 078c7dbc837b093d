# SPDX-License-Identifier: Apache-2.0
"""Scoring from each venue's features decides every pair as the per-pair comparison did.

``score-golden.json.gz`` holds what ``matching.score`` gave, before it scored from features, on a corpus of
pairs: every pair blocking brings together among the labelled records (``fixtures/matching/``) and
among the records of the files the harvest tests read (``fixtures/demo/``), each under a precision of
their points, and near pairs made from the labelled ones (a name, an address, a point, a contact, a
commune changed; mobile units, annexes, town halls, hosted services). The test scores the
same corpus again: same totals, parts, vetoes, signs and decisions. ``REGENERATE_SCORE_GOLDEN=1``
writes the file anew (only when a change of scoring is meant). The corpus's pairs are those blocking
brought together when the file was written, on the grid of 250 m cells (:data:`GOLDEN_CELL_M`).
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import json
import os
import random
from collections import Counter
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from directory.harvest.matching import Candidate, block_keys, candidate_pairs, features, score, surely_distinct
from directory.schema import Itinerance, Precision, Venue, block_keys_of, is_precise, parse_venue
from directory.schema import blocking as blocking_module

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "matching"
DEMO = FIXTURES.parent / "demo"
GOLDEN = Path(__file__).with_name("score-golden.json.gz")
#: The side of blocking's grid cells when the golden file was written (``schema.blocking.CELL_M`` then).
GOLDEN_CELL_M = 250.0

Pair = tuple[Venue, Venue, tuple[Precision | None, Precision | None]]

_PRECISIONS: tuple[tuple[Precision | None, Precision | None], ...] = (
    (None, None),
    (Precision.COMMUNE, None),
    (None, Precision.COMMUNE),
)
_NAMES = (
    "Mairie de {c}",
    "Médiathèque de {c}",
    "France Services {c}",
    "Espace France Services",
    "Centre social {c}",
    "CCAS de {c}",
    "Bus numérique France Services",
    "Mairie annexe",
    "Antenne de {c}",
    "EPN de la médiathèque",
    "Maison de tous",
    "Centre social Maison de tous",
    "Permanence numérique",
    "Commune de {c}",
    "Hôtel de ville",
    "La Poste {c}",
    "Cyber-base",
)


def _records(name: str) -> dict[str, Venue]:
    raw = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    rows = (
        [(f"{source}:{row['id']}", row) for source, rs in raw.items() for row in rs]
        if "hinaura" in raw
        else raw.items()
    )
    records = {}
    for key, row in rows:
        parsed = parse_venue(row)
        assert parsed.venue is not None, (key, parsed.errors)
        records[key] = parsed.venue
    return records


def _near(rng: random.Random, v: Venue, other: Venue) -> Venue:
    """``v`` with one to three things changed, drawn among what the rules of ``score`` look at."""
    changes: dict[str, object] = {}
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(11)
        if kind == 0:
            changes["nom"] = rng.choice(_NAMES).format(c=v.commune)
        elif kind == 1:
            changes["nom"] = rng.choice((other.nom, v.nom.upper(), f"{v.nom} annexe", f"Mairie de {v.commune}"))
        elif kind == 2:
            number = rng.choice(("", "12 ", "12 bis ", "12-16 ", "14 ", "27b ", "3 "))
            changes["adresse"] = rng.choice((f"{number}{v.adresse.lstrip('0123456789 ')}", other.adresse, ""))
        elif kind == 3 and v.point is not None:
            metres = rng.choice((20.0, 120.0, 200.0, 400.0, 900.0, 3000.0))
            changes["latitude"] = v.point[0] + metres / 111_195.0
        elif kind == 4:
            changes["latitude"] = changes["longitude"] = None
        elif kind == 5:
            changes["telephone"] = rng.choice((other.telephone, None, "+33400000000"))
        elif kind == 6:
            changes["courriels"] = rng.choice((list(other.courriels), [], ["x@example.org"]))
            changes["site_web"] = rng.choice((list(other.site_web), [], ["https://facebook.com/x"]))
        elif kind == 7:
            changes["pivot"] = rng.choice((other.pivot, "00000000000000", "21260001300014"))
        elif kind == 8:
            changes["commune"], changes["code_insee"] = rng.choice(
                ((other.commune, other.code_insee), (v.commune, None), ("Ailleurs", "99999"))
            )
            changes["code_postal"] = rng.choice((v.code_postal, other.code_postal, "97400"))
        elif kind == 9:
            changes["itinerance"] = [Itinerance.ITINERANT]
        else:
            changes["nom"] = rng.choice(_NAMES).format(c=other.commune)
            changes["adresse"] = v.adresse
    return dataclasses.replace(v, **changes)  # type: ignore[arg-type]


def corpus() -> Iterator[Pair]:
    """The pairs, always the same in the same order."""
    rng = random.Random("score-golden")
    for name in ("records.json", "records-2.json"):
        records = _records(name)
        items = [Candidate(key, v) for key, v in sorted(records.items())]
        blocked = [(a.venue, b.venue) for a, b in candidate_pairs(items)]
        for a, b in blocked:
            yield a, b, rng.choice(_PRECISIONS[:1] * 2 + _PRECISIONS)
        for a, b in rng.sample(blocked, min(len(blocked), 1500)):
            near = _near(rng, a, b)
            yield a, near, rng.choice(_PRECISIONS)
            yield near, b, rng.choice(_PRECISIONS)
            yield near, _near(rng, b, a), (None, None)
    # The whole files the harvest tests read (``fixtures/demo``), as blocking pairs them.
    demo = []
    for path in sorted(DEMO.glob("*.csv")):
        for row in csv.DictReader(path.open(encoding="utf-8")):
            parsed = parse_venue({name: value for name, value in row.items() if value != ""})
            if parsed.venue is not None:
                demo.append(Candidate(f"{path.stem}:{row['id']}", parsed.venue))
    for a, b in candidate_pairs(demo):
        yield a.venue, b.venue, rng.choice(_PRECISIONS[:1] * 2 + _PRECISIONS)


def _outcome(a: Venue, b: Venue, precisions: tuple[Precision | None, Precision | None]) -> list[object]:
    s = score(a, b, precision=precisions)
    return [s.total, list(s.parts.items()), s.veto, s.decision, list(s.signs)]


@pytest.fixture(scope="module")
def pairs() -> list[Pair]:
    with pytest.MonkeyPatch.context() as patch:  # the pairs of the grid the golden file was written on
        patch.setattr(blocking_module, "grid_cells", partial(blocking_module.grid_cells, cell_m=GOLDEN_CELL_M))
        return list(corpus())


def test_scores_are_those_of_the_per_pair_comparison(pairs):
    got = [_outcome(*pair) for pair in pairs]
    if os.environ.get("REGENERATE_SCORE_GOLDEN"):
        rows = ",\n".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) for row in got)
        GOLDEN.write_bytes(gzip.compress(f"[\n{rows}\n]\n".encode(), mtime=0))
    expected = json.loads(gzip.decompress(GOLDEN.read_bytes()))
    assert len(got) == len(expected)
    differing = [(i, g, e) for i, (g, e) in enumerate(zip(json.loads(json.dumps(got)), expected)) if g != e]
    assert not differing, differing[:5]


def test_block_keys_from_features_are_those_the_store_keeps(pairs):
    """The keys a record seeks and holds (from its features) are those ``block_keys_of`` gives from its
    fields: what the store's ``match_key`` table holds for a venue of those values."""
    for a, b, (grade, _) in pairs[::3]:
        for v in (a, b):
            expected = block_keys_of(
                v.code_insee,
                v.code_postal,
                v.telephone,
                v.courriels,
                v.site_web,
                v.pivot if v.has_siret else None,
                v.point,
                nom=v.nom,
                adresse=v.adresse,
                commune=v.commune,
                precise=is_precise(v.point, grade),
            )
            assert block_keys(v, grade) == expected, v


def test_a_pair_surely_distinct_is_distinct_and_the_check_skips_many(pairs):
    """``surely_distinct`` (what a harvest checks before scoring a pair) never says so of a pair
    ``score`` does not call ``distinct``, whichever side comes first, and it spares a good share of the
    distinct ones."""
    decisions: Counter[tuple[str, bool]] = Counter()
    for a, b, grade in pairs:
        decision = score(a, b, precision=grade).decision
        sure = surely_distinct(features(a), features(b))
        assert sure == surely_distinct(features(b), features(a))
        assert not sure or decision == "distinct", (a, b, grade)
        decisions[decision, sure] += 1
    assert decisions["distinct", True] > 0.3 * (decisions["distinct", True] + decisions["distinct", False])
