# SPDX-License-Identifier: Apache-2.0
"""Time a postcode search: the nearest of France (as before) against the postcode's places first.

    .venv/bin/python bench/postcode.py [--repeat 30]

Imports the demo fixtures (``fixtures/demo/*.csv``, ~3,400 real venues) into a
SQLite store in a temporary folder, builds the embedded index, then for ten
postcodes of the demo's regions and three needs (none, « démarches »,
« tablettes ») times, median of ``--repeat`` runs, the page of 20 results with
the search page's facets:

- **nearest**: one query around the postcode's point, no radius: the nearest
  matches of France, counted and faceted up to the candidate cap (what the
  search did before ``web/extent.py``);
- **postcode first**: ``extent.postcode_first``: the postcode's matches, the
  reach of a page, then the page and counts within the chosen radius.

It also prints, per need, the totals each way (how long the list is).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _small import parse_args  # noqa: E402

from directory.harvest import import_file  # noqa: E402
from directory.places import load_gazetteer  # noqa: E402
from directory.search import Fts5Index, SearchQuery, rebuild  # noqa: E402
from directory.store import open_store  # noqa: E402
from directory.web.extent import postcode_first  # noqa: E402
from directory.web.finder import FACETS  # noqa: E402

POSTCODES = ("69008", "69003", "75019", "54000", "01000", "74000", "63000", "26000", "38000", "59000")
NEEDS = ("", "démarches", "tablettes")


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30)
    args = parse_args(parser, repeat=1)
    folder = Path(tempfile.mkdtemp(prefix="bench_postcode_"))
    places = load_gazetteer()
    store = open_store(f"sqlite:///{folder / 'directory.db'}", upgrade=True)
    for path in sorted((ROOT / "fixtures" / "demo").glob("*.csv")):
        import_file(store, path, places=places)
    index = Fts5Index(folder / "search.db")
    print(f"{rebuild(index, store):,} venues indexed in {folder}")
    print(f"{'need':12s} {'nearest ms':>11s} {'postcode first ms':>18s}  {'totals (nearest → postcode first)'}")
    for need in NEEDS:
        before, after, totals = [], [], []
        for code in POSTCODES:
            place = places.resolve(code)
            assert place is not None
            q = SearchQuery(text=need, lat=place.lat, lon=place.lon, facets=FACETS, per_page=20)
            before.append(median_ms(lambda q=q: index.query(q), args.repeat))
            after.append(median_ms(lambda q=q, place=place: postcode_first(index, q, place), args.repeat))
            result, extent = postcode_first(index, q, place)
            reach = f"{extent.radius_km:g} km" if extent.radius_km else "toute la France"
            totals.append(f"{code}: {index.query(q).total} → {result.total} ({reach})")
        print(
            f"{need or '(aucun)':12s} {statistics.median(before):11.2f} {statistics.median(after):18.2f}  " + totals[0]
        )
        for line in totals[1:]:
            print(f"{'':44s}{line}")


if __name__ == "__main__":
    main()
