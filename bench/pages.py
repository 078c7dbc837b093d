# SPDX-License-Identifier: Apache-2.0
"""Weigh the search pages as a browser downloads them: results page, map data, embed.

    .venv/bin/python bench/pages.py [--venues 100000] [--territory 10000] [--seed 1]

Loads ``--venues`` synthetic venues with French descriptions (``search.described``)
into a SQLite store, the ``--territory`` venues nearest to Paris given a 75 postcode
(and the other venues of the generator's Paris cluster a 92 one), so that the
département 75 holds exactly that many venues. The app runs in its own process
(``_server.AppServer``, default settings: gzip on, OpenStreetMap tiles).

Each page is loaded in headless Chromium (Debian's ``/usr/bin/chromium`` through
Playwright, a fresh context each time, so nothing is cached). Only loopback is
reachable (``--host-resolver-rules``): tiles never load, so every figure is
"before tiles". The weight is what Chromium's Network domain reports as
``encodedDataLength`` once each response has finished: bytes on the wire,
gzip-compressed, headers included. A second column sums the same responses'
bodies fetched with httpx and ``Accept-Encoding: gzip`` (compressed bodies
only, no headers), and a third their uncompressed size.

Pages:

- **results page**: ``/?q=démarches administratives&lieu=75019`` on a 1280×900
  window (list and map side by side): the HTML, its CSS and JavaScript, the
  favicon; then, apart, the map data that map.js loads for the same search
  (``/api/carte?…``: every result as ``[lat, lon, id]``);
- **map of the territory**: ``/api/carte?departement=75`` (``--territory`` points);
- **embed**: ``/embed?departement=75&services=aide-aux-demarches-administratives``
  on a 390×844 window: HTML, CSS and JavaScript, then, apart, its map data.

Aims (issue 5): results page < 200 KB, map < 1 MB for 10k venues, embed < 100 KB
before tiles.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _server import AppServer
from _small import parse_args
from nearest import load_executemany
from search import described

from directory.store import open_store

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # loopback only: no tiles
]
PARIS = (48.8566, 2.3522)
RESULTS = "/?" + urlencode({"q": "démarches administratives", "lieu": "75019"})
TERRITORY_MAP = "/api/carte?departement=75"
EMBED = "/embed?" + urlencode({"departement": "75", "services": "aide-aux-demarches-administratives"})
KB = 1024


@dataclass
class Transfer:
    url: str
    kind: str  # Chromium's resource type: Document, Stylesheet, Script, Fetch, Image…
    wire: int  # encodedDataLength: gzip body + headers
    ok: bool


def venues_with_territory(n: int, territory: int, seed: int) -> list[tuple[dict, list]]:
    """The synthetic venues; the ``territory`` nearest to Paris are the département 75."""
    data = list(described(n, seed))
    lat0, lon0 = PARIS

    def distance(item: tuple[dict, list]) -> float:
        row = item[0]
        return math.hypot(row["latitude"] - lat0, (row["longitude"] - lon0) * math.cos(math.radians(lat0)))

    nearest = {id(item) for item in sorted(data, key=distance)[:territory]}
    for item in data:
        row = item[0]
        if id(item) in nearest:
            row["code_postal"] = "75" + row["code_postal"][2:]
        elif row["code_postal"].startswith("75"):
            row["code_postal"] = "92" + row["code_postal"][2:]
    return data


def chromium_transfers(browser, url: str, viewport: dict[str, int]) -> list[Transfer]:  # type: ignore[no-untyped-def]
    """Load ``url`` in a fresh context; every response with its bytes on the wire."""
    context = browser.new_context(viewport=viewport, locale="fr-FR")
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        seen: dict[str, dict] = {}
        cdp.on(
            "Network.responseReceived",
            lambda e: seen.setdefault(e["requestId"], {}).update(url=e["response"]["url"], kind=e["type"]),
        )
        cdp.on(
            "Network.loadingFinished",
            lambda e: seen.setdefault(e["requestId"], {}).update(wire=e["encodedDataLength"], ok=True),
        )
        cdp.on("Network.loadingFailed", lambda e: seen.setdefault(e["requestId"], {}).update(ok=False, wire=0))
        page.goto(url)
        if page.locator("#carte").count():
            page.wait_for_selector("#carte[data-loaded]", state="attached", timeout=120_000)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)  # the last loadingFinished events
        return [
            Transfer(s["url"], s.get("kind", "?"), s.get("wire", 0), s.get("ok", False))
            for s in seen.values()
            if "url" in s and not s["url"].startswith("data:")
        ]
    finally:
        context.close()


def body_sizes(client: httpx.Client, url: str) -> tuple[int, int]:
    """(gzip body bytes, uncompressed bytes) of one response, as httpx downloads it."""
    r = client.get(url, headers={"Accept-Encoding": "gzip"})
    r.raise_for_status()
    return r.num_bytes_downloaded, len(r.content)


def report(title: str, transfers: list[Transfer], client: httpx.Client, aim_kb: float | None = None) -> int:
    """Print one page's responses and their totals; the total on the wire."""
    print(f"\n{title}")
    print(f"  {'response':<58} {'type':<11} {'wire KB':>8} {'gzip KB':>8} {'raw KB':>8}")
    wire = gz = raw = 0
    for t in sorted(transfers, key=lambda t: -t.wire):
        if not t.ok:
            print(f"  {short(t.url):<58} {t.kind:<11} {'failed':>8}")
            continue
        g, r = body_sizes(client, t.url)
        wire, gz, raw = wire + t.wire, gz + g, raw + r
        points = f"   {client.get(t.url).json()['total']:,} points" if "/api/carte" in t.url else ""
        print(f"  {short(t.url):<58} {t.kind:<11} {t.wire / KB:8.1f} {g / KB:8.1f} {r / KB:8.1f}{points}")
    verdict = ""
    if aim_kb is not None:
        verdict = f"   aim < {aim_kb:g} KB: {'met' if wire < aim_kb * KB else 'MISSED'}"
    print(f"  {'total':<58} {'':<11} {wire / KB:8.1f} {gz / KB:8.1f} {raw / KB:8.1f}{verdict}")
    return wire


def short(url: str) -> str:
    parts = urlsplit(url)
    text = parts.path + (f"?{parts.query}" if parts.query else "")
    return text if len(text) <= 58 else text[:55] + "…"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venues", type=int, default=100_000)
    parser.add_argument("--territory", type=int, default=10_000, help="venues of the département 75")
    parser.add_argument("--seed", type=int, default=1)
    args = parse_args(parser, venues=2_000, territory=200)
    from playwright.sync_api import sync_playwright

    print(f"bench/pages.py --venues {args.venues} --territory {args.territory} --seed {args.seed}")
    print(
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M')}"
    )
    folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    try:
        started = time.perf_counter()
        db = folder / "directory.db"
        store = open_store(f"sqlite:///{db}", upgrade=True)
        load_executemany(store.engine, venues_with_territory(args.venues, args.territory, args.seed))
        store.close()
        loaded = time.perf_counter()
        server = AppServer(db, folder)
        print(
            f"{args.venues:,} venues loaded in {loaded - started:.1f} s; app started and index built in {time.perf_counter() - loaded:.1f} s"
        )
        try:
            with sync_playwright() as p, httpx.Client(base_url=server.base, timeout=120) as client:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                print(f"Chromium {browser.version}; KB = 1,024 bytes; wire = gzip body + headers (Chromium)")
                results = chromium_transfers(browser, server.base + RESULTS, {"width": 1280, "height": 900})
                page = [t for t in results if "/api/carte" not in t.url]
                page_kb = report(f"Results page {RESULTS} (HTML, CSS, JavaScript; before tiles)", page, client, 200)
                page_map = report(
                    "  its map data (map.js, same search)", [t for t in results if "/api/carte" in t.url], client
                )

                territory = chromium_transfers(
                    browser, server.base + "/embed?departement=75", {"width": 1280, "height": 900}
                )
                points = [t for t in territory if "/api/carte" in t.url]
                count = client.get(TERRITORY_MAP).json()["total"]
                territory_kb = report(
                    f"Map of a territory: {TERRITORY_MAP} ({count:,} venues, as the embed of the département loads it)",
                    points,
                    client,
                    1024,
                )

                embed = chromium_transfers(browser, server.base + EMBED, {"width": 390, "height": 844})
                embed_kb = report(
                    f"Embed {EMBED} (HTML, CSS, JavaScript; before tiles)",
                    [t for t in embed if "/api/carte" not in t.url],
                    client,
                    100,
                )
                embed_map = report("  its map data", [t for t in embed if "/api/carte" in t.url], client)
                print("\nSummary (on the wire, KB; aims of issue 5)")
                print(
                    f"  results page            {page_kb / KB:7.1f}   with its map data {(page_kb + page_map) / KB:7.1f}   aim < 200"
                )
                print(f"  map of {count:,} venues   {territory_kb / KB:7.1f}   aim < 1,024")
                print(
                    f"  embed                   {embed_kb / KB:7.1f}   with its map data {(embed_kb + embed_map) / KB:7.1f}   aim < 100"
                )
                blocked = [t.url for t in results + territory + embed if not t.ok and "tile" not in t.url]
                if blocked:
                    print(f"\nfailed requests other than tiles: {blocked}")
                browser.close()
        finally:
            server.stop()
        print(f"\ntotal {time.perf_counter() - started:.0f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
