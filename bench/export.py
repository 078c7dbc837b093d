# SPDX-License-Identifier: Apache-2.0
"""Benchmark the exports over HTTP and the federation sync.

    .venv/bin/python bench/export.py [--venues 100000] [--seed 1] [--quarter] [--change 0.01]

Loads N synthetic venues (``_synthetic.generate``, ``nearest.load_executemany``)
into a SQLite store, plus one ``create`` row per venue in ``change_log`` (the
bulk loader writes none, and the change feed reads only the log). The web app
(``create_app``) is served in a *subprocess* (``_server.AppServer``), so its memory can be read from ``/proc/<pid>/status``:

* every ``/export/<file>`` is downloaded with httpx streaming
  (``Accept-Encoding: identity``, the document as the writer makes it; plus
  ``lieux.csv`` gzipped, what a browser gets): time to last byte, bytes, and the
  server's peak RSS growth (``VmHWM`` after, reset before through
  ``/proc/<pid>/clear_refs`` = 5, minus ``VmRSS`` before);
* the national CSV download time is divided by the time bare ``csv.writer``
  (``QUOTE_ALL``, CRLF, UTF-8 to ``/dev/null``) takes to write the same rows,
  pre-materialised (``national_list`` of the same stored venues);
* federation: an empty second store (in this process) follows the first's
  ``/api/changes`` with ``harvest_source`` (full sync, timed); then 1 % of the
  venues change in the first store (``presentation_resume`` and ``updated_at``
  by SQL, one ``update`` row each in ``change_log``) and the second store syncs
  again (timed) → incremental / full.

With ``--quarter`` the export downloads are repeated against a second server
on a store of N/4 venues, to show whether peak memory depends on size.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from _server import AppServer as Server  # noqa: E402
from _small import parse_args  # noqa: E402
from _synthetic import generate  # noqa: E402
from nearest import load_executemany  # noqa: E402

from directory.store import open_store  # noqa: E402

CHUNK = 64 * 1024


# -- loading -----------------------------------------------------------------------------


def load(db: Path, data: Sequence) -> float:
    started = time.perf_counter()
    store = open_store(f"sqlite:///{db}", upgrade=True)
    load_executemany(store.engine, data)
    with store.engine.begin() as c:  # the change feed reads the log only
        c.exec_driver_sql(
            "INSERT INTO change_log (venue_pk, venue_id, at, action, source_id, actor) "
            "SELECT pk, id, updated_at, 'create', NULL, 'bench' FROM venue ORDER BY pk"
        )
    store.close()
    return time.perf_counter() - started


def change_some(db: Path, share: float, seed: int) -> int:
    """Change ``share`` of the venues (every k-th one): a field, ``updated_at``, a change_log row each."""
    store = open_store(f"sqlite:///{db}")
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    with store.engine.begin() as c:
        total = c.exec_driver_sql("SELECT count(*) FROM venue").scalar_one()
        step = max(1, round(1 / share))
        pks = [r[0] for r in c.exec_driver_sql(f"SELECT pk FROM venue WHERE pk % {step} = {seed % step}")]
        for pk in pks:
            c.exec_driver_sql(
                "UPDATE venue SET presentation_resume = presentation_resume || ' Nouveaux horaires.', updated_at = ? WHERE pk = ?",
                (now, pk),
            )
        c.exec_driver_sql(
            "INSERT INTO change_log (venue_pk, venue_id, at, action, field, source_id, actor) "
            f"SELECT pk, id, ?, 'update', 'presentation_resume', NULL, 'bench' FROM venue WHERE pk % {step} = {seed % step}",
            (now,),
        )
    store.close()
    assert total
    return len(pks)


# -- measuring ----------------------------------------------------------------------------


def download(client: httpx.Client, server: Server, path: str, gzip: bool = False) -> dict:
    rss_before = server.status("VmRSS")
    server.reset_peak()
    headers = {"Accept-Encoding": "gzip" if gzip else "identity"}
    size = 0
    started = time.perf_counter()
    with client.stream("GET", server.base + path, headers=headers) as response:
        response.raise_for_status()
        first = None
        for chunk in response.iter_raw(CHUNK):
            if first is None:
                first = time.perf_counter() - started
            size += len(chunk)
    seconds = time.perf_counter() - started
    peak = server.status("VmHWM")
    return {
        "path": path + (" (gzip)" if gzip else ""),
        "s": seconds,
        "ttfb": first or seconds,
        "bytes": size,
        "rss_before_mb": rss_before / 1024,
        "peak_growth_mb": (peak - rss_before) / 1024,
    }


def export_round(db: Path, files: list[str]) -> list[dict]:
    server = Server(db)
    try:
        with httpx.Client(timeout=600) as client:
            download(client, server, "/export/lieux.csv")  # warm-up: imports, page cache, gazetteer
            results = [download(client, server, f"/export/{f}") for f in files]
            results.append(download(client, server, "/export/lieux.csv", gzip=True))
    finally:
        server.stop()
    return results


def bare_csv(db: Path) -> tuple[float, int]:
    """Bare csv.writer writing the national rows of the same venues, pre-materialised."""
    from directory.export import ExportVenue
    from directory.export.national import NATIONAL_FIELDS
    from directory.export.writers.table import national_list

    store = open_store(f"sqlite:///{db}")
    rows = [national_list(ExportVenue.from_stored(s)) for s in store.iter_venues()]
    store.close()
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        with open(os.devnull, "w", encoding="utf-8", newline="") as sink:
            writer = csv.writer(sink, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
            writer.writerow(NATIONAL_FIELDS)
            writer.writerows(rows)
        best = min(best, time.perf_counter() - started)
    return best, len(rows)


def federation(db_a: Path, folder: Path, share: float, seed: int) -> dict:
    from directory.harvest import harvest_source, load_source
    from directory.harvest.fetch import Fetcher
    from directory.places import load_gazetteer

    server = Server(db_a)
    places = load_gazetteer()
    b = open_store(f"sqlite:///{folder / 'b.db'}", upgrade=True)
    toml = folder / "instance-a.toml"
    toml.write_text(
        'id = "instance-a"\nname = "Instance A"\npublisher = "Bench A"\n'
        f'kind = "instance"\nformat = "instance-feed"\nurl = "{server.base}/api/changes"\n'
        'licence = "etalab-2.0"\ninterval = "1h"\n',
        encoding="utf-8",
    )
    source = load_source(toml)
    out: dict = {}
    try:
        with Fetcher() as fetcher:
            started = time.perf_counter()
            full = harvest_source(b, source, fetcher=fetcher, places=places)
            out["full_s"] = time.perf_counter() - started
            out["full"] = full
            out["changed"] = change_some(db_a, share, seed)
            started = time.perf_counter()
            incremental = harvest_source(b, source, fetcher=fetcher, places=places)
            out["incr_s"] = time.perf_counter() - started
            out["incr"] = incremental
            out["b_venues"] = b.count_venues()
    finally:
        b.close()
        server.stop()
    return out


# -- report --------------------------------------------------------------------------------


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venues", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--change", type=float, default=0.01, help="share of venues changed before the incremental sync"
    )
    parser.add_argument("--quarter", action="store_true", help="repeat the downloads on N/4 venues (memory vs size)")
    parser.add_argument("--no-federation", action="store_true")
    args = parse_args(parser, argv, venues=2_000)

    from directory.web.opendata import downloads

    files = [d.file for d in downloads()]
    print(
        f"bench/export.py --venues {args.venues} --seed {args.seed} --change {args.change:g}"
        f"{' --quarter' if args.quarter else ''}{' --no-federation' if args.no_federation else ''}"
    )
    print(
        f"Python {platform.python_version()}, SQLAlchemy {sa.__version__}, httpx {httpx.__version__}, "
        f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}"
    )
    folder = Path(tempfile.mkdtemp(prefix="bench-export-"))
    try:
        started = time.perf_counter()
        data = list(generate(args.venues, args.seed))
        db = folder / "a.db"
        seconds = load(db, data)
        print(
            f"generated and loaded {len(data):,} venues in {time.perf_counter() - started:.1f} s (load {seconds:.1f} s)",
            flush=True,
        )
        sizes = {args.venues: export_round(db, files)}
        if args.quarter:
            quarter = args.venues // 4
            db_q = folder / "q.db"
            load(db_q, data[:quarter])
            sizes[quarter] = export_round(db_q, files)
        bare_s, bare_rows = bare_csv(db)
        del data

        print()
        header = f"{'venues':>8} {'file':28} {'s':>7} {'TTFB s':>7} {'MB':>8} {'MB/s':>6} {'RSS MB':>7} {'peak +MB':>8}"
        print(header)
        print("-" * len(header))
        for n, results in sizes.items():
            for r in results:
                print(
                    f"{n:>8,} {r['path']:28} {r['s']:>7.2f} {r['ttfb']:>7.3f} {_mb(r['bytes']):>8} "
                    f"{r['bytes'] / 1e6 / r['s']:>6.1f} {r['rss_before_mb']:>7.0f} {r['peak_growth_mb']:>8.1f}"
                )
        csv_http = next(r for r in sizes[args.venues] if r["path"] == "/export/lieux.csv")
        print(
            f"\nnational CSV over HTTP {csv_http['s']:.2f} s vs bare csv.writer on the same {bare_rows:,} "
            f"pre-materialised rows {bare_s:.2f} s → ratio {csv_http['s'] / bare_s:.1f}×"
        )

        if not args.no_federation:
            fed = federation(db, folder, args.change, args.seed)
            full, incr = fed["full"], fed["incr"]
            print(
                f"federation full sync: {fed['full_s']:.1f} s, {full.requests} requests, "
                f"{full.new:,} new, {full.quarantined:,} quarantined, status {full.status}"
            )
            print(
                f"federation incremental ({fed['changed']:,} changed = {args.change:.0%}): {fed['incr_s']:.2f} s, "
                f"{incr.requests} requests, {incr.updated:,} updated, {incr.unchanged:,} unchanged, status {incr.status}"
            )
            print(
                f"incremental / full = {fed['incr_s'] / fed['full_s']:.1%}  (second store holds {fed['b_venues']:,} venues)"
            )
        print(f"\ntotal {time.perf_counter() - started:.0f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
