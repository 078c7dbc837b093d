# SPDX-License-Identifier: Apache-2.0
"""Benchmark the embedded search index against the bare SQL it runs.

    .venv/bin/python bench/search.py [--venues 100000] [--queries 1000] [--seed 1]
                                     [--radius 30] [--compare 200] [--keep DIR [--reuse]]

Builds ``--venues`` synthetic venues (``_synthetic.generate``: clustered around
cities like real ones) with a French description each (20–60 words, a rare word
on 0.2 % of venues), indexes them in ``Fts5Index`` (timed: documents built,
then ``replace_all``), then times ``--queries`` queries "text + point + two
filters" (a service code and a fee code, ``--radius`` km, 20 nearest), the text
cycling through a frequent word ("numérique"), a common one ("médiathèque"),
a rare one ("généalogie") and a prefix ("centre soc"):

- **api**: ``index.query(q)`` (plan, SQL, distances, sort, page);
- **bare**: the statements ``index.statements(q)`` reports, run on a plain
  ``sqlite3`` connection to the same file (``execute`` + ``fetchall``).

Then, on ``--compare`` points per word, the same queries with the strategy
forced to text-first and to area-first (a pure growing box, without the
planner's fall-back to the text index), to show what the planner avoids.

Figures (defaults; 2 vCPU shared with other work, Python 3.11.7, SQLite 3.40.1):
index built in 13–15 s (203 MB); api p50/p95/p99 1.1/14.4/24.3 ms, bare
0.8/12.0/24.4 ms (ratio 1.4/1.2 at p50/p95); forced text-first on "numérique"
52/86 ms against 1.1/3.3 ms area-first, forced area-first on "généalogie"
2.7/27.7 ms against 0.20/0.28 ms text-first; the planner takes the fast side.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _small import parse_args
from _synthetic import generate, sample_points

from directory.schema import Frais, Service
from directory.search import Fts5Index, IndexDocument, SearchQuery
from directory.search.embedded import PRAGMAS
from directory.store.codec import values_to_venue

WORDS = ("numérique", "médiathèque", "généalogie", "centre soc")
WARMUP = 100
SERVICES = [
    s.code for s in (Service.DEMARCHES, Service.OUTILS_QUOTIDIEN, Service.ACCES_INTERNET, Service.INSERTION_PRO)
]
FEES = [Frais.GRATUIT.code, Frais.GRATUIT_SOUS_CONDITION.code]

_POOL = [
    "accompagnement",
    "atelier",
    "aide",
    "accueil",
    "ordinateur",
    "tablette",
    "smartphone",
    "internet",
    "courriel",
    "messagerie",
    "formation",
    "emploi",
    "jeunes",
    "seniors",
    "famille",
    "initiation",
    "découverte",
    "sécurité",
    "impression",
    "scanner",
    "photocopie",
    "wifi",
    "gratuit",
    "rendez-vous",
    "permanence",
    "bénévoles",
    "conseiller",
    "médiateur",
    "usagers",
    "démarches",
    "administratives",
    "caf",
    "impôts",
    "santé",
    "retraite",
    "logement",
    "bureautique",
    "traitement",
    "texte",
    "tableur",
    "photos",
    "vidéo",
    "réseaux",
    "sociaux",
    "parents",
    "enfants",
    "collège",
    "lycée",
    "étudiants",
    "demandeurs",
    "public",
    "quartier",
    "ville",
    "commune",
    "association",
    "maison",
    "espace",
    "lieu",
    "local",
    "salle",
    "poste",
    "cours",
    "session",
    "groupe",
    "individuel",
    "collectif",
    "semaine",
    "mardi",
    "jeudi",
    "samedi",
    "matin",
    "après-midi",
    "soir",
    "inscription",
    "libre",
    "accès",
    "matériel",
    "prêt",
    "recyclage",
    "réemploi",
    "solidaire",
    "fracture",
    "autonomie",
    "confiance",
    "apprendre",
    "comprendre",
    "utiliser",
    "créer",
    "partager",
    "rechercher",
    "naviguer",
    "sécuriser",
    "protéger",
    "données",
    "mots",
    "passe",
    "compte",
    "espace",
    "personnel",
    "ameli",
    "france",
    "connect",
    "identité",
    "papiers",
    "carte",
    "grise",
    "permis",
    "vitale",
    "allocations",
    "emploi",
    "candidature",
    "lettre",
    "motivation",
    "entretien",
    "bibliothèque",
    "lecture",
    "jeux",
    "programmation",
    "robotique",
    "impression",
    "3d",
    "fablab",
    "makers",
    "couture",
]
_RESUMES = (
    ("Accompagnement au numérique à {commune}.", 0.45),
    ("Médiation numérique pour tous à {commune}.", 0.29),
    ("Aide aux usages de l'informatique à {commune}.", 0.16),
    ("Accueil et accompagnement des habitants de {commune}.", 0.10),
)


def described(n: int, seed: int) -> Iterator[tuple[dict, list]]:
    """The synthetic venues (store rows and terms) with varied French descriptions."""
    rng = random.Random(f"descriptions-{seed}")
    templates = [t for t, _w in _RESUMES]
    weights = [w for _t, w in _RESUMES]
    for row, terms in generate(n, seed):
        words = [rng.choice(_POOL) for _ in range(rng.randint(20, 60))]
        if rng.random() < 0.002:
            words.insert(rng.randrange(len(words)), "généalogie")
        row["presentation_resume"] = rng.choices(templates, weights)[0].format(commune=row["commune"])
        row["presentation_detail"] = " ".join(words).capitalize() + "."
        yield row, terms


def documents(n: int, seed: int) -> Iterator[IndexDocument]:
    """The synthetic venues as index documents."""
    for row, _terms in described(n, seed):
        yield IndexDocument.from_venue(row["id"], values_to_venue(row["id"], row))


def queries(
    points: list[tuple[float, float]], radius: float, seed: int, words: Sequence[str] = WORDS
) -> list[SearchQuery]:
    rng = random.Random(f"filters-{seed}")
    return [
        SearchQuery(
            text=words[i % len(words)],
            lat=lat,
            lon=lon,
            radius_km=radius,
            filters={"services": [rng.choice(SERVICES)], "frais_a_charge": [rng.choice(FEES)]},
            per_page=20,
        )
        for i, (lat, lon) in enumerate(points)
    ]


def percentiles(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return at(0.50), at(0.95), at(0.99)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def run_statements(connection: sqlite3.Connection, statements: Sequence[Any]) -> None:
    """Runs a query's statements on a bare connection, as the index would, fetching every row."""
    for st in statements:
        connection.execute(st.sql, st.params).fetchall()


def fmt(p: tuple[float, float, float]) -> str:
    return f"{p[0]:.2f}/{p[1]:.2f}/{p[2]:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venues", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--radius", type=float, default=30.0)
    parser.add_argument("--compare", type=int, default=200, help="points per word for the forced-strategy comparison")
    parser.add_argument(
        "--words",
        default=",".join(WORDS),
        help="comma-separated texts the queries cycle through (e.g. typos and plurals: smarphone,tablettes)",
    )
    parser.add_argument("--keep", type=Path, help="build the index in this folder and keep it")
    parser.add_argument("--reuse", action="store_true", help="with --keep: query the index already built there")
    args = parse_args(parser, venues=2_000, queries=50, compare=5)
    words = tuple(w.strip() for w in args.words.split(",") if w.strip())

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_search_"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "search.db"
    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPU; index {path}")
    if args.reuse and path.exists():
        index = Fts5Index(path)
        print(f"reusing {index.count():,} documents")
    else:
        path.unlink(missing_ok=True)
        start = time.perf_counter()
        docs = list(documents(args.venues, args.seed))
        built = time.perf_counter()
        index = Fts5Index(path)
        index.replace_all(docs)
        indexed = time.perf_counter()
        print(
            f"{len(docs):,} venues: documents built in {built - start:.1f} s, index built in {indexed - built:.1f} s "
            f"(replace_all: FTS5 + R*Tree + terms + optimize), {path.stat().st_size / 1e6:.0f} MB"
        )
        del docs
    print(f"{len(index.stats().words):,} distinct words")
    for word in words:
        probe = SearchQuery(text=word)
        print(
            f"  {word!r}: ~{index.plan(probe).estimates.get('text', 0):,.0f} documents ({index.plan(probe).text.fts_match()})"
        )  # type: ignore[union-attr]

    qs = queries(sample_points(args.queries + WARMUP, args.seed), args.radius, args.seed, words)
    bare = sqlite3.connect(str(path))
    for pragma in PRAGMAS:  # as the index's own connection
        bare.execute(f"PRAGMA {pragma}")
    for q in qs[:WARMUP]:
        index.query(q)
    api_times: dict[str, list[float]] = {w: [] for w in words}
    bare_times: dict[str, list[float]] = {w: [] for w in words}
    strategies: Counter[str] = Counter()
    statements_per_query: list[int] = []
    for q in qs[WARMUP:]:
        result = index.query(q)
        api_times[q.text].append(timed(partial(index.query, q)))
        strategies[f"{q.text}: {result.strategy}"] += 1
        statements = index.statements(q)
        statements_per_query.append(len(statements))
        bare_times[q.text].append(timed(partial(run_statements, bare, statements)))

    print(f"\n{args.queries} queries: text + point + {args.radius:g} km + two filters (service, fees), 20 nearest")
    print(f"{'text':14s} {'n':>5s}  {'api p50/p95/p99 ms':>22s}  {'bare p50/p95/p99 ms':>22s}  {'ratio p50/p95':>13s}")
    every_api = [t for ts in api_times.values() for t in ts]
    every_bare = [t for ts in bare_times.values() for t in ts]
    for label, a, b in [*((w, api_times[w], bare_times[w]) for w in words), ("all", every_api, every_bare)]:
        pa, pb = percentiles(a), percentiles(b)
        print(f"{label:14s} {len(a):5d}  {fmt(pa):>22s}  {fmt(pb):>22s}  {pa[0] / pb[0]:6.1f}/{pa[1] / pb[1]:.1f}")
    print("strategies: " + ", ".join(f"{k} {v}" for k, v in sorted(strategies.items())))
    print(f"statements per query: mean {statistics.mean(statements_per_query):.2f}, max {max(statements_per_query)}")

    if args.compare:
        print(f"\nForced strategies, {args.compare} points per word (api p50/p95/p99 ms):")
        sample = qs[WARMUP : WARMUP + args.compare * len(words)]
        for word in words:
            line = f"{word:14s}"
            for strategy in ("text", "area"):
                index.force_strategy = strategy
                times = [timed(partial(index.query, q)) for q in sample if q.text == word]
                line += f"  {strategy}-first {fmt(percentiles(times)):>20s}"
            index.force_strategy = None
            times = [timed(partial(index.query, q)) for q in sample if q.text == word]
            line += f"  planner {fmt(percentiles(times)):>20s}"
            print(line)
    index.close()
    bare.close()


if __name__ == "__main__":
    main()
