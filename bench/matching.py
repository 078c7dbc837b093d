# SPDX-License-Identifier: Apache-2.0
"""Blocking and scoring cost on the real files (Hinaura + conseillers numériques), up to 100k records.

    .venv/bin/python bench/matching.py [--records 100000] [--datasets fixtures/sources] [--max-block 200]
    .venv/bin/python bench/matching.py --small      # the real ~3.4k records once: what the tests run

The ~3.4k real records are tiled until there are ``--records`` of them (``--copies k``
tiles them k times instead), each copy moved 20° of longitude away with its
postcode, phone and e-mails made distinct: a country that many times larger with
the same density, to see whether time grows with n (blocking) or with n² (the
national pipeline's de-duplication, performance.md §6). Prints the pairs compared
out of all n(n-1)/2, the time to block and to score them, and the decisions.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections import Counter
from pathlib import Path

from directory.harvest.matching import BlockingStats, Candidate, candidate_pairs, score
from directory.schema import parse_venue

ROOT = Path(__file__).resolve().parents[1]
FILES = {"hinaura": "hinaura/source.json", "cnfs": "conseiller-numerique/lieux-cnfs-2022.json"}


def load(datasets: Path) -> list[Candidate]:
    items = []
    for source, path in FILES.items():
        for row in json.loads((datasets / path).read_text(encoding="utf-8")):
            if (venue := parse_venue(row).venue) is not None:
                items.append(Candidate(f"{source}:{row['id']}", venue))
    return items


def tile(items: list[Candidate], copies: int, limit: int | None = None) -> list[Candidate]:
    out = list(items)
    for k in range(1, copies):
        for c in items:
            v = c.venue
            out.append(
                Candidate(
                    f"{c.key}#{k}",
                    dataclasses.replace(
                        v,
                        code_postal=f"{k}{v.code_postal}",
                        longitude=None if v.longitude is None else v.longitude + 20 * k,
                        telephone=None if v.telephone is None else f"{v.telephone}{k}",
                        courriels=[f"{k}.{m}" for m in v.courriels],
                        site_web=[],
                        pivot=v.pivot if not v.has_siret else f"{k}{v.pivot[1:]}",
                    ),
                )
            )
            if limit is not None and len(out) >= limit:
                return out[:limit]
    return out[:limit] if limit is not None else out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=Path, default=ROOT / "fixtures" / "sources")
    parser.add_argument("--records", type=int, default=100_000, help="records to match (real ones tiled)")
    parser.add_argument("--copies", type=int, default=None, help="tile the real records this many times instead")
    parser.add_argument("--max-block", type=int, default=200)
    parser.add_argument("--small", action="store_true", help="the real records once (~3.4k): a few seconds")
    args = parser.parse_args()

    real = load(args.datasets)
    if args.small:
        items = real
    elif args.copies is not None:
        items = tile(real, args.copies)
    else:
        items = tile(real, -(-args.records // len(real)), limit=args.records)
    stats = BlockingStats()
    t0 = time.perf_counter()
    pairs = list(candidate_pairs(items, max_block=args.max_block, stats=stats))
    t1 = time.perf_counter()
    decisions = Counter(score(a.venue, b.venue).decision for a, b in pairs)
    t2 = time.perf_counter()
    partners: Counter[str] = Counter()
    for a, b in pairs:
        partners[a.key] += 1
        partners[b.key] += 1
    print(f"{stats.items} fiches, {stats.pairs} paires sur {stats.all_pairs} ({stats.pairs / stats.all_pairs:.3%})")
    print(
        f"plus gros bloc {stats.largest_block}, au plus {max(partners.values(), default=0)} voisins par fiche, "
        f"blocs ignorés {dict(stats.skipped)}"
    )
    print(f"blocage {t1 - t0:.2f} s, score {t2 - t1:.2f} s ({(t2 - t1) / max(1, len(pairs)) * 1e6:.0f} µs/paire)")
    print(f"décisions {dict(decisions)}")


if __name__ == "__main__":
    main()
