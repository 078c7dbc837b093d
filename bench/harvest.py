# SPDX-License-Identifier: Apache-2.0
"""Benchmark a whole harvest run of a national-standard CSV file against bare CSV parsing.

    .venv/bin/python bench/harvest.py [--records 100000] [--duplicates 0.10] [--seed 1]
                                      [--no-scales] [--no-profile] [--profile-rewritten] [--keep DIR]
                                      [--store sqlite|postgresql|URL] [--bulk]

Writes ``--records`` synthetic national-standard records (32 columns, real
communes, postcodes and INSEE codes from the gazetteer's data, points near
their commune; 10 % are near-duplicates of another record of the file: same
address, a variant of the name, a point 5–30 m away, another id) with the
product's own writer (``CsvWriter``), then measures:

1. bare parsing of the file: ``csv.DictReader`` and ``csv.reader``, records/s;
2. a full harvest (``harvest_source``) into an empty store, in a fresh
   subprocess (``--store``: SQLite, the default; ``postgresql``, a database of
   its own created on 127.0.0.1:5432 as user postgres, migrated by
   ``open_store(…, upgrade=True)`` and dropped after; or the URL of another
   PostgreSQL server to create it on): wall time, records/s, ratio to bare parsing, the report's
   counts, peak RSS (``VmHWM``) above the process's RSS before the run — also
   at N/4 and N/2, to see whether memory grows with the file;
3. re-harvests of the same store: the unchanged file (the fetcher's content
   hash says "not modified") and the same records rewritten with another
   column order, minimal quoting and LF line ends (the hash changes, each
   record is the same: every record costs its lookup), each as a fraction of
   the full harvest;
4. ``--bulk`` (PostgreSQL only): the rows the full harvest of N wrote for its
   first 20,000 venues, read back and written again into an empty database
   by ``insert_rows``, with ``executemany`` and with ``COPY`` (its default),
   alternately, in chunks of 1,000 rows, each table in one transaction rolled
   back: the best of 3 seconds per table;
5. cProfile of a harvest of N/10 records (a subset file, its own empty store):
   the 15 most expensive functions by cumulative time, and the 15 by own time
   (``--profile-rewritten``: also of one more re-harvest of N in new bytes).

The default (100k) takes about 10 minutes on 2 vCPUs; ``--records`` makes it
smaller. See ``bench/README.md`` for the figures.

Everything is deterministic from ``--seed``; runs use a fixed ``now``.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import gzip
import hashlib
import json
import math
import os
import platform
import pstats
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import phonenumbers  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from _small import parse_args  # noqa: E402
from _synthetic import _KINDS, _PLACES, _SERVICES, _STREETS  # noqa: E402
from stdnum import luhn  # noqa: E402

from directory.schema import (  # noqa: E402
    NATIONAL_FIELDS,
    PLACEHOLDER_PIVOT,
    Frais,
    Itinerance,
    ModaliteAcces,
    ModaliteAccompagnement,
    Public,
    Venue,
)

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
COMMUNES_CSV = HERE.parent / "directory" / "places" / "data" / "communes.csv.gz"
DEFAULT_MAX_BYTES = 20_000_000  # a source's default max_size
#: ``--store postgresql``: the server a throw-away database is created on (and dropped from).
POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SOURCE_TOML = """\
id = "bench"
name = "Synthetic national-standard file"
publisher = "Bench"
kind = "network"
path = "{path}"
format = "national-csv"
licence = "etalab-2.0"
trust = 60
interval = "1d"
max_size = {max_size}
"""
#: Who or what venues and streets are named after (with ``_synthetic._PLACES``): distinct venues of
#: one commune rarely share a name, so most "review" pairs come from the planted near-duplicates.
_NAMED_AFTER = [
    *_PLACES,
    "Jean Moulin",
    "Charles de Gaulle",
    "Émile Zola",
    "Voltaire",
    "Molière",
    "Paul Éluard",
    "Louis Pasteur",
    "Gustave Eiffel",
    "Jacques Prévert",
    "Colette",
    "Olympe de Gouges",
    "Lucie Aubrac",
    "Germaine Tillion",
    "Joséphine Baker",
    "Pierre Mendès France",
    "Léon Blum",
    "Jean Zay",
    "Condorcet",
    "Montesquieu",
    "Rabelais",
    "Alexandre Dumas",
    "Guy de Maupassant",
    "Arthur Rimbaud",
    "Paul Verlaine",
    "Frédéric Chopin",
    "Claude Debussy",
    "Édith Piaf",
    "Boris Vian",
    "Romain Rolland",
    "Anatole France",
    "Jules Verne",
    "Honoré de Balzac",
    "Stendhal",
    "Gustave Flaubert",
    "Marcel Pagnol",
    "Jean Giono",
    "François Mitterrand",
    "Nelson Mandela",
    "Rosa Parks",
    "Martin Luther King",
    "Jean Monnet",
    "Robert Schuman",
    "Simone de Beauvoir",
    "Marguerite Duras",
    "Marcel Proust",
    "Paul Cézanne",
    "Claude Monet",
    "Auguste Renoir",
    "Henri Matisse",
    "Camille Claudel",
    "Auguste Rodin",
    "Jean Macé",
    "Paul Langevin",
    "Irène Joliot-Curie",
    "Frédéric Mistral",
    "Jean de la Fontaine",
    "Charles Péguy",
    "Antoine de Saint-Exupéry",
    "Jean Vilar",
    "Gérard Philipe",
    "Louise Weiss",
    "Gisèle Halimi",
    "les Acacias",
    "les Peupliers",
    "les Marronniers",
    "les Glycines",
    "les Roses",
    "les Bleuets",
    "les Coquelicots",
    "la Source",
    "le Moulin",
    "le Château",
    "l'Église",
    "la Mairie",
    "la République",
    "la Liberté",
    "la Paix",
    "l'Europe",
    "la Croix Rouge",
    "le Marché",
    "les Écoles",
    "le Stade",
    "la Poste",
    "la Plaine",
    "le Verger",
    "la Colline",
    "le Lavoir",
    "les Vignes",
    "la Forêt",
]
_HOURS = [
    "Mo-Fr 09:00-12:00,14:00-17:30",
    "Tu,Th 14:00-18:00; Sa 10:00-12:00",
    "Mo-Sa 10:00-18:00",
    "We 09:00-12:00,14:00-17:00; Fr 14:00-17:00",
    "Mo-Fr 08:30-12:30",
]
_DOM_PHONE = {"971": "0590", "972": "0596", "973": "0594", "974": "0262", "976": "0269"}
_DOM_REGION = {"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "976": "YT", "975": "PM", "977": "BL", "978": "MF"}
_REGION_PREFIX = {  # first digits of a landline by département (roughly: 01 Île-de-France, 02 north-west…)
    **dict.fromkeys(["75", "77", "78", "91", "92", "93", "94", "95"], "01"),
    **dict.fromkeys(
        [
            "14",
            "18",
            "22",
            "27",
            "28",
            "29",
            "35",
            "36",
            "37",
            "41",
            "44",
            "45",
            "49",
            "50",
            "53",
            "56",
            "61",
            "72",
            "76",
            "85",
        ],
        "02",
    ),
    **dict.fromkeys(
        [
            "02",
            "08",
            "10",
            "21",
            "25",
            "39",
            "51",
            "52",
            "54",
            "55",
            "57",
            "58",
            "59",
            "60",
            "62",
            "67",
            "68",
            "70",
            "71",
            "80",
            "88",
            "89",
            "90",
        ],
        "03",
    ),
    **dict.fromkeys(
        [
            "01",
            "03",
            "04",
            "05",
            "06",
            "07",
            "11",
            "13",
            "15",
            "20",
            "26",
            "30",
            "34",
            "38",
            "42",
            "43",
            "48",
            "63",
            "66",
            "69",
            "73",
            "74",
            "83",
            "84",
        ],
        "04",
    ),
}


# -- synthetic data ------------------------------------------------------------------------


def load_communes() -> tuple[list[tuple[str, str, str, list[str], float, float, float]], list[float]]:
    """Current communes with a point and postcodes: (insee, name, dept, postcodes, pop, lat, lon), cum weights.

    Weighted by population ** 0.6: big cities hold more venues, but fewer per
    inhabitant, and every village can have its mairie.
    """
    rows = []
    with gzip.open(COMMUNES_CSV, "rt", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["type"] != "actuelle" or not r["lat"] or not r["postcodes"]:
                continue
            pop = float(r["population"] or 0)
            rows.append(
                (r["insee"], r["nom"], r["departement"], r["postcodes"].split(), pop, float(r["lat"]), float(r["lon"]))
            )
    weights, total = [], 0.0
    for row in rows:
        total += max(row[4], 50) ** 0.6
        weights.append(total)
    return rows, weights


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _strip_accents(text).lower())[:40].strip("-")


def _siret(rng: random.Random) -> str:
    body = f"{rng.randrange(10**13):013d}"
    return body + luhn.calc_check_digit(body)


def _phone(rng: random.Random, dept: str) -> str | None:
    """A valid French landline number for the département, as people write it (None: none found)."""
    if dept.startswith(("97", "98")) and dept not in _DOM_PHONE:  # Pacific, Saint-Pierre…: own numbering
        return None
    for _ in range(20):
        text = _draw_phone(rng, dept)
        if phonenumbers.is_valid_number(phonenumbers.parse(text, _DOM_REGION.get(dept, "FR"))):
            return text
    return None


def _draw_phone(rng: random.Random, dept: str) -> str:
    if dept in _DOM_PHONE:
        return f"{_DOM_PHONE[dept]} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
    prefix = _REGION_PREFIX.get(dept, "05")
    digits = f"{rng.randint(20, 99)}{rng.randrange(10**6):06d}"
    return f"{prefix} " + " ".join(digits[i : i + 2] for i in range(0, 8, 2))


def _move(rng: random.Random, lat: float, lon: float, min_m: float, max_m: float) -> tuple[float, float]:
    d, a = rng.uniform(min_m, max_m), rng.uniform(0, 2 * math.pi)
    dlat = d * math.cos(a) / 111_195
    dlon = d * math.sin(a) / (111_195 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


_NAME_VARIANTS = [
    ("Espace Public Numérique ", "EPN "),
    ("Médiathèque ", "Bibliothèque "),
    ("Centre social ", "Centre socio-culturel "),
    ("Mairie de ", "Hôtel de ville de "),
    ("CCAS de ", "Centre communal d'action sociale de "),
    ("Espace France Services de ", "France Services "),
    ("Maison des jeunes et de la culture ", "MJC "),
]


def _name_variant(rng: random.Random, name: str, commune: str) -> str:
    """Another way a second publisher writes the same venue's name."""
    for _ in range(3):
        u = rng.random()
        if u < 0.3:
            for old, new in _NAME_VARIANTS:
                if old in name:
                    return name.replace(old, new)
        elif u < 0.5:
            return _strip_accents(name)
        elif u < 0.65:
            return name.upper()
        elif u < 0.8:
            return name.replace(" ", "-", 1) if name.count(" ") > 1 else name + " "  # « Victor-Hugo »
        elif commune not in name:
            return f"{name} - {commune}"
    return _strip_accents(name).lower()


def _address_variant(rng: random.Random, address: str) -> str:
    if rng.random() < 0.7:
        return address
    number, _, rest = address.partition(" ")
    street, _, place = rest.partition(" ")
    short = {"avenue": "av.", "boulevard": "bd", "place": "pl.", "rue": "r.", "chemin": "ch.", "allée": "all."}
    return (
        f"{number}, {short.get(street, street)} {place}"
        if rng.random() < 0.5
        else f"{number} {street.capitalize()} {place}"
    )


def _sample(rng: random.Random, vocabulary: Sequence[Any], k_max: int, p: float) -> list[Any]:
    if rng.random() >= p:
        return []
    return rng.sample(list(vocabulary), rng.randint(1, k_max))


def generate(
    n: int, seed: int, duplicate_share: float, communes, cum_weights
) -> tuple[list[Venue], list[tuple[int, Venue]]]:
    """Originals, and near-duplicates as (index of their original, venue): ``n`` in all,
    ``round(n * duplicate_share)`` duplicates. Duplicate ``i`` copies an original of the
    ``i``-th window of ``len(originals) / len(duplicates)`` originals, so a prefix of the
    duplicates copies a prefix of the originals (see :func:`subset`)."""
    rng = random.Random(f"harvest-{seed}-{n}")
    kinds = [(pattern, typologie) for pattern, typologie, _w in _KINDS]
    kind_cum = [sum(k[2] for k in _KINDS[: i + 1]) for i in range(len(_KINDS))]
    services = [s for s, _w in _SERVICES]
    service_cum = [sum(w for _s, w in _SERVICES[: i + 1]) for i in range(len(_SERVICES))]
    n_dup = round(n * duplicate_share)
    originals: list[Venue] = []
    once: set[tuple[str, str]] = set()
    for _ in range(n - n_dup):
        insee, commune, dept, postcodes, pop, clat, clon = rng.choices(communes, cum_weights=cum_weights)[0]
        sigma_km = min(0.3 + 0.5 * math.sqrt(pop / 10_000), 4.0)
        lat, lon = _move(rng, clat, clon, 0, sigma_km * 1000 * abs(rng.gauss(0, 1)))
        pattern, typologie = rng.choices(kinds, cum_weights=kind_cum)[0]
        while "{place}" not in pattern and (pattern, insee) in once:  # one mairie, one CCAS… per commune
            pattern, typologie = rng.choices(kinds, cum_weights=kind_cum)[0]
        once.add((pattern, insee))
        name = pattern.format(place=rng.choice(_NAMED_AFTER), commune=commune)
        chosen = list(dict.fromkeys(rng.choices(services, cum_weights=service_cum, k=rng.choice((1, 1, 2, 2, 3, 4)))))
        slug = _slug(f"{name.split(' ')[0]}-{commune}")
        originals.append(
            Venue(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                pivot=_siret(rng) if rng.random() < 0.4 else PLACEHOLDER_PIVOT,
                nom=name,
                commune=commune,
                code_postal=rng.choice(postcodes),
                code_insee=insee if rng.random() < 0.8 else None,
                adresse=f"{rng.randint(1, 180)} {rng.choice(_STREETS)} {rng.choice(_NAMED_AFTER)}",
                date_maj=date(2024, 1, 1) + timedelta(days=rng.randrange(1000)),
                latitude=lat,
                longitude=lon,
                typologie=[typologie],
                telephone=_phone(rng, dept) if rng.random() < 0.6 else None,
                courriels=[f"contact@{slug}.fr"] if rng.random() < 0.5 else [],
                site_web=[f"https://www.{slug}.fr"] if rng.random() < 0.3 else [],
                horaires=rng.choice(_HOURS) if rng.random() < 0.7 else None,
                presentation_resume=f"Accompagnement au numérique à {commune} : démarches, outils du quotidien.",
                source="Bench",
                itinerance=[Itinerance.ITINERANT if rng.random() < 0.04 else Itinerance.FIXE],
                services=chosen,
                publics_specifiquement_adresses=_sample(rng, Public, 2, 0.3),
                frais_a_charge=[rng.choices(list(Frais), cum_weights=(70, 85, 100))[0]],
                modalites_acces=_sample(rng, ModaliteAcces, 2, 0.6),
                modalites_accompagnement=_sample(rng, ModaliteAccompagnement, 2, 0.6),
            )
        )
    duplicates: list[tuple[int, Venue]] = []
    step = len(originals) / max(n_dup, 1)
    for i in range(n_dup):
        index = rng.randrange(math.floor(i * step), max(math.floor((i + 1) * step), math.floor(i * step) + 1))
        o = originals[index]
        lat, lon = _move(rng, o.latitude, o.longitude, 5, 30)
        duplicates.append(
            (
                index,
                replace(
                    o,
                    id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    nom=_name_variant(rng, o.nom, o.commune),
                    adresse=_address_variant(rng, o.adresse),
                    latitude=lat,
                    longitude=lon,
                    code_insee=o.code_insee if rng.random() < 0.8 else None,
                    telephone=o.telephone if rng.random() < 0.6 else None,
                    courriels=o.courriels if rng.random() < 0.6 else [],
                    site_web=o.site_web if rng.random() < 0.6 else [],
                    date_maj=date(2024, 1, 1) + timedelta(days=rng.randrange(1000)),
                    services=list(dict.fromkeys(o.services + rng.sample(services, rng.randint(0, 1)))),
                    source="Bench (copie)",
                ),
            )
        )
    return originals, duplicates


def subset(
    originals: list[Venue], duplicates: list[tuple[int, Venue]], k: int, share: float, seed: int
) -> tuple[list[Venue], list[tuple[str, str]]]:
    """``k`` records in file order (a prefix of the originals and the duplicates of those,
    shuffled), and the (duplicate id, original id) pairs planted in them."""
    k_dup = round(k * share)
    k_orig = k - k_dup
    chosen = [(index, v) for index, v in duplicates if index < k_orig][:k_dup]
    venues = originals[: k - len(chosen)] + [v for _index, v in chosen]
    random.Random(f"order-{seed}-{k}").shuffle(venues)
    return venues, [(v.id, originals[index].id) for index, v in chosen]


def planted_merged(store_url: str, pairs: Sequence[tuple[str, str]]) -> int:
    """How many (duplicate, original) pairs ended up feeding the same venue."""
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as c:
            venue_of = dict(
                c.exec_driver_sql("SELECT record_id, venue_pk FROM source_link WHERE source_id = 'bench'").all()
            )
    finally:
        engine.dispose()
    return sum(1 for dup, orig in pairs if dup in venue_of and venue_of.get(dup) == venue_of.get(orig))


def write_file(path: Path, venues: Sequence[Venue]) -> None:
    from directory.export import CsvWriter, ExportVenue

    with path.open("w", encoding="utf-8", newline="") as f:
        CsvWriter().write_all((ExportVenue(v, source=v.source) for v in venues), f)


def rewrite_file(source: Path, target: Path) -> None:
    """Same records, other bytes: columns in another order, minimal quoting, LF line ends."""
    with source.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields = list(reversed(reader.fieldnames or NATIONAL_FIELDS))
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=fields, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
            writer.writeheader()
            writer.writerows(reader)


# -- bare parsing ---------------------------------------------------------------------------


def bare_parse(path: Path, repeat: int = 3) -> dict[str, float]:
    """Best of ``repeat`` seconds to iterate over the file with csv.DictReader / csv.reader."""
    out: dict[str, float] = {}
    for name, make in (("DictReader", csv.DictReader), ("reader", csv.reader)):
        best = math.inf
        for _ in range(repeat):
            started = time.perf_counter()
            with path.open(encoding="utf-8", newline="") as f:
                count = sum(1 for _row in make(f))
            best = min(best, time.perf_counter() - started)
        out[name] = best
        out[f"{name}_rows"] = count
    return out


# -- the harvest, in a child process ------------------------------------------------------------


def _status_kb(name: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0); False when refused."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """Harvest ``spec["csv"]`` into a new store; then the re-harvests asked for. Returns figures."""
    t0 = time.perf_counter()
    from directory.harvest import harvest_source, load_source
    from directory.harvest.fetch import Fetcher
    from directory.places import load_gazetteer
    from directory.store import open_store

    places = load_gazetteer()
    places.warm_up()
    setup_s = time.perf_counter() - t0
    work = Path(spec["dir"])
    data = work / "source.csv"
    shutil.copyfile(spec["csv"], data)
    toml = work / "bench.toml"
    # The default max_size (20 MB) refuses large files: the source file raises it.
    toml.write_text(
        SOURCE_TOML.format(path=data, max_size=max(DEFAULT_MAX_BYTES, 2 * data.stat().st_size)), encoding="utf-8"
    )
    config = load_source(toml)
    store = open_store(spec["store"], upgrade=True)
    out: dict[str, Any] = {"setup_s": setup_s, "phases": {}}
    with Fetcher() as fetcher:

        def run(phase: str, now: datetime, profile: str | None = None) -> None:
            rss_before = _status_kb("VmRSS")
            reset = _reset_peak()
            prof = cProfile.Profile() if profile else None
            # (records done, seconds, RSS kB, this process's CPU seconds) after each batch
            curve: list[tuple[int, float, int, float]] = []

            def progress(count: int) -> None:
                done = (curve[-1][0] if curve else 0) + count
                curve.append((done, time.perf_counter() - started, _status_kb("VmRSS"), time.process_time() - cpu0))

            cpu = time.process_time() + _children_cpu()
            server_cpu = _server_cpu(store)
            started, cpu0 = time.perf_counter(), time.process_time()
            if prof:
                prof.enable()
            report = harvest_source(
                store, config, fetcher=fetcher, places=places, now=now, progress=progress, processes=spec["processes"]
            )
            if prof:
                prof.disable()
            seconds = time.perf_counter() - started
            cpu = time.process_time() + _children_cpu() - cpu  # the run's worker processes included
            server_cpu = {pid: s - server_cpu.get(pid, 0.0) for pid, s in _server_cpu(store).items()}
            if prof:
                prof.dump_stats(profile)
            out["phases"][phase] = {
                "seconds": seconds,
                "cpu": cpu,
                "server_cpu": sum(server_cpu.values()) if store.dialect != "sqlite" else None,
                "status": report.status,
                **report.counts(),
                "curve": curve,
                "rss_before_kb": rss_before,
                "peak_kb": _status_kb("VmHWM"),
                "peak_reset": reset,
                "warnings": sum(report.warning_reasons.values()),
                "warning_reasons": report.quality()["warning_reasons"][:5],
            }

        run("full", NOW, spec.get("profile"))
        if spec.get("reharvest"):
            run("unchanged", NOW + timedelta(days=1))
            shutil.copyfile(spec["rewritten"], data)
            run("rewritten", NOW + timedelta(days=2))
            if spec.get("profile_rewritten"):  # the original bytes again: another hash, the same records
                shutil.copyfile(spec["csv"], data)
                run("rewritten-profiled", NOW + timedelta(days=3), spec["profile_rewritten"])
    if store.dialect == "sqlite":
        store.close()
        out["db_bytes"] = (work / "store.db").stat().st_size
    else:
        with store.engine.connect() as c:
            out["db_bytes"] = c.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one()
        store.close()
    return out


@contextmanager
def store_url(store: str, folder: Path) -> Iterator[str]:
    """The URL of an empty store for one run: a SQLite file in ``folder``, or a PostgreSQL database
    of its own on the ``store`` server (``postgresql``: the local one), dropped after."""
    if store == "sqlite":
        yield f"sqlite:///{folder / 'store.db'}"
        return
    server = sa.make_url(POSTGRES_SERVER if store == "postgresql" else store)
    if server.drivername == "postgresql":
        server = server.set(drivername="postgresql+psycopg")
    name = f"bench_harvest_{os.getpid()}_{folder.name.replace('-', '_').lower()}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f"CREATE DATABASE {name}")
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as c:
                c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        admin.dispose()


def _server_version(store: str) -> str:
    """What ``--store`` runs on, for the report's header."""
    if store == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    server = sa.make_url(POSTGRES_SERVER if store == "postgresql" else store)
    engine = sa.create_engine(server.set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as c:
            version = c.exec_driver_sql("SHOW server_version").scalar_one().split()[0]
            postgis = c.exec_driver_sql(
                "SELECT default_version FROM pg_available_extensions WHERE name = 'postgis'"
            ).scalar()
    finally:
        engine.dispose()
    return f"PostgreSQL {version} + PostGIS {postgis}"


BULK_VENUES = 20_000
BULK_CHUNK = 1_000


def bulk_writes(harvested: str, store: str, work: Path, rounds: int = 3) -> list[tuple[str, int, float, float]]:
    """(table, rows, executemany s, COPY s), the biggest table first: see ``--bulk`` in the docstring."""
    from directory.store import open_store
    from directory.store._bulk import chunks, insert_rows
    from directory.store.tables import metadata

    source = open_store(harvested)
    tables: dict[sa.Table, list[dict[str, Any]]] = {}
    with source.engine.connect() as c:
        for table in metadata.sorted_tables:  # parents first: each chunk's foreign keys are checked
            query = sa.select(table)
            if table.name == "venue":
                query = query.where(table.c.pk <= BULK_VENUES)
            elif "venue_pk" in table.c:
                query = query.where(table.c.venue_pk <= BULK_VENUES)
            rows = [dict(row) for row in c.execute(query).mappings()]
            if rows:
                tables[table] = rows
    source.close()
    best: dict[tuple[str, bool], float] = {}
    with store_url(store, work / "bulk") as url:
        target = open_store(url, upgrade=True)
        for round_ in range(rounds):
            for copy in (False, True) if round_ % 2 == 0 else (True, False):
                with target.engine.connect() as c:
                    for table, rows in tables.items():
                        started = time.perf_counter()
                        for chunk in chunks(rows, BULK_CHUNK):
                            insert_rows(c, table, chunk, copy=copy)
                        seconds = time.perf_counter() - started
                        best[table.name, copy] = min(best.get((table.name, copy), math.inf), seconds)
                    c.rollback()
        target.close()
    figures = [(t.name, len(rows), best[t.name, False], best[t.name, True]) for t, rows in tables.items()]
    return sorted(figures, key=lambda f: -f[1])


def _server_cpu(store: Any) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving the store's database, by pid, read in
    /proc (the server runs on this machine); empty for SQLite, whose work is the child's own CPU."""
    if store.dialect == "sqlite":
        return {}
    with store.engine.connect() as c:
        pids = list(c.exec_driver_sql("SELECT pid FROM pg_stat_activity WHERE datname = current_database()").scalars())
    tick = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:  # another machine's server, or a backend gone
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return seconds


def _children_cpu() -> float:
    """CPU seconds of the child processes that ended (a run's validating workers, once it closed them)."""
    times = os.times()
    return times.children_user + times.children_system


def run_child(spec: dict[str, Any]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True, cwd=HERE.parent
    )
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"child failed ({result.returncode})")
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- report -------------------------------------------------------------------------------------


def _fn(key: tuple[str, int, str]) -> str:
    file, line, name = key
    if file == "~":
        return name
    path = Path(file)
    parts = path.parts
    if "directory" in parts:
        short = "/".join(parts[parts.index("directory") :])
    elif "site-packages" in parts:
        short = "/".join(parts[parts.index("site-packages") + 1 :])
    else:
        short = path.name
    return f"{short}:{line} {name}"


def print_profile(path: str, title: str, top: int = 15) -> None:
    stats = pstats.Stats(path).stats  # type: ignore[attr-defined]
    total = max(ct for _cc, _nc, _tt, ct, _callers in stats.values())
    for label, index in (("cumulative", 3), ("own (tottime)", 2)):
        print(f"\n{title}: {top} most expensive functions by {label} time (profiled total {total:.1f} s)")
        print(f"{'calls':>10} {'own s':>8} {'cum s':>8} {'cum %':>6}  function")
        rows = sorted(stats.items(), key=lambda kv: kv[1][index], reverse=True)[:top]
        for key, (_cc, nc, tt, ct, _callers) in rows:
            print(f"{nc:>10,} {tt:>8.2f} {ct:>8.2f} {100 * ct / total:>5.0f}%  {_fn(key)}")


def _curve_line(name: str, phase: dict[str, Any]) -> None:
    curve = phase["curve"]
    if len(curve) < 10:
        print(f"  {name:24} (too few batches)")
        return
    total = curve[-1][0]
    first = next(p for p in curve if p[0] >= total / 10)
    ninth = next(p for p in curve if p[0] >= total * 0.9)
    half = next(p for p in curve if p[0] >= total / 2)
    last_rate = (total - ninth[0]) / max(curve[-1][1] - ninth[1], 1e-9)
    # The run's own process is its bottleneck: its CPU a record says what grows, whatever else the machine does.
    first_cpu = first[3] / first[0] * 1e6
    last_cpu = (curve[-1][3] - ninth[3]) / (total - ninth[0]) * 1e6
    print(
        f"  {name:24} first 10 %: {first[0] / first[1]:>6,.0f} rec/s, last 10 %: {last_rate:>6,.0f} rec/s;"
        f"  RSS {_mb(first[2])} / {_mb(half[2])} / {_mb(curve[-1][2])} MB;"
        f"  the run's process's CPU a record {first_cpu:,.0f} → {last_cpu:,.0f} µs"
    )


#: The product code a harvest runs (others commit to the tree while the benchmark runs).
_MEASURED = ["directory/harvest", "directory/store", "directory/schema", "directory/places", "directory/errors.py"]


def _revision() -> str:
    """HEAD, the last commit touching the harvest's code, and a digest of its uncommitted changes."""

    def git(*args: str) -> bytes:
        return subprocess.run(["git", *args], capture_output=True, cwd=HERE.parent).stdout

    try:
        head = git("rev-parse", "--short", "HEAD").decode().strip()
        code = git("log", "-1", "--format=%h", "--", *_MEASURED).decode().strip()
        pending = git("diff", "HEAD", "--", *_MEASURED) + git(
            "ls-files", "--others", "--exclude-standard", "--", *_MEASURED
        )
    except OSError:
        return "commit unknown"
    dirty = f" + uncommitted changes ({hashlib.sha256(pending).hexdigest()[:8]})" if pending else ""
    return f"HEAD {head}, harvest code at {code}{dirty}"


def _mb(kb: float) -> str:
    return f"{kb / 1024:,.0f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="records in the main file (default 100000)")
    parser.add_argument("--duplicates", type=float, default=0.10, help="share of near-duplicates (default 0.10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-scales", action="store_true", help="skip the N/4 and N/2 harvests (memory growth)")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile run on N/10 records")
    parser.add_argument(
        "--profile-rewritten",
        action="store_true",
        help="then re-harvest N once more (original bytes again) under cProfile, and print that profile",
    )
    parser.add_argument(
        "--processes", type=int, help="processes validating records (default: one per core, as `directory harvest`)"
    )
    parser.add_argument("--keep", help="write the files and stores in this folder and keep them")
    parser.add_argument(
        "--store",
        default="sqlite",
        help="sqlite (default), postgresql (a database of its own on 127.0.0.1:5432, user postgres), "
        "or the URL of a PostgreSQL server to create that database on",
    )
    parser.add_argument(
        "--bulk",
        action="store_true",
        help="PostgreSQL: then write the rows of 20,000 harvested venues again, by executemany and by COPY",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parse_args(parser, argv, records=2_000, no_scales=True, no_profile=True)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    if args.bulk and args.store == "sqlite":
        parser.error("--bulk compares executemany with PostgreSQL's COPY: it needs --store postgresql")

    n = args.records
    from directory.harvest import default_processes

    processes = args.processes or default_processes()
    print(
        f"bench/harvest.py --records {n} --duplicates {args.duplicates:g} --seed {args.seed} --processes {processes}"
        f"{' --no-scales' if args.no_scales else ''}{' --no-profile' if args.no_profile else ''}"
        f"{' --profile-rewritten' if args.profile_rewritten else ''}"
        f"{f' --store {args.store}' if args.store != 'sqlite' else ''}{' --bulk' if args.bulk else ''}"
    )
    revision = _revision()
    print(
        f"Python {platform.python_version()}, {_server_version(args.store)}, {os.cpu_count()} CPUs, "
        f"{time.strftime('%Y-%m-%d %H:%M')}, {revision}"
    )
    started = time.perf_counter()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-harvest-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        communes, weights = load_communes()
        sizes = {"N": n}
        if not args.no_scales:
            sizes.update({"N/4": n // 4, "N/2": n // 2})
        if not args.no_profile:
            sizes["N/10"] = max(n // 10, 1)
        files: dict[str, Path] = {}
        t = time.perf_counter()
        originals, duplicates = generate(n, args.seed, args.duplicates, communes, weights)
        print(
            f"generated {len(originals):,} venues and {len(duplicates):,} near-duplicates in {time.perf_counter() - t:.1f} s"
        )
        for label, size in sizes.items():  # the smaller files are subsets of the big one
            t = time.perf_counter()
            venues, pairs = subset(originals, duplicates, size, args.duplicates, args.seed)
            n_dup = len(pairs)
            if label == "N":
                planted = pairs
            files[label] = work / f"records-{size}.csv"
            write_file(files[label], venues)
            del venues
            print(
                f"wrote {label} = {size:,} records ({n_dup:,} near-duplicates), "
                f"{files[label].stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t:.1f} s",
                flush=True,
            )
        del originals, duplicates
        rewritten = work / f"records-{n}-rewritten.csv"
        rewrite_file(files["N"], rewritten)
        size_mb = files["N"].stat().st_size / 1e6

        bare = bare_parse(files["N"])
        assert bare["DictReader_rows"] == n, bare
        print(
            f"bare parsing of {n:,} records: DictReader {bare['DictReader']:.2f} s, reader {bare['reader']:.2f} s",
            flush=True,
        )

        results: dict[str, dict[str, Any]] = {}
        order = [label for label in ("N/4", "N/2") if label in sizes] + ["N"]
        for label in order:
            folder = work / f"run-{label.replace('/', '_')}"
            folder.mkdir(exist_ok=True)
            with store_url(args.store, folder) as url:
                spec: dict[str, Any] = {
                    "csv": str(files[label]),
                    "dir": str(folder),
                    "store": url,
                    "processes": processes,
                }
                if label == "N":
                    spec.update(reharvest=True, rewritten=str(rewritten))
                    if args.profile_rewritten:
                        spec["profile_rewritten"] = str(work / "rewritten.prof")
                results[label] = run_child(spec)
                if label == "N":
                    merged_pairs = planted_merged(url, planted)
                    bulk = bulk_writes(url, args.store, work, rounds=1 if args.small else 3) if args.bulk else []
            full = results[label]["phases"]["full"]
            print(f"harvest {label} = {sizes[label]:,}: {full['seconds']:.1f} s ({full['status']})", flush=True)
        if "N/10" in sizes:
            folder = work / "run-N_10"
            folder.mkdir(exist_ok=True)
            prof = work / "full.prof"
            with store_url(args.store, folder) as url:
                results["N/10"] = run_child(
                    {
                        "csv": str(files["N/10"]),
                        "dir": str(folder),
                        "store": url,
                        "profile": str(prof),
                        "processes": processes,
                    }
                )
            print(
                f"profiled harvest N/10 = {sizes['N/10']:,}: {results['N/10']['phases']['full']['seconds']:.1f} s",
                flush=True,
            )

        # ---- table
        dict_rate = n / bare["DictReader"]
        print()
        print(
            f"file: {n:,} records, {size_mb:.1f} MB; bare csv.DictReader {bare['DictReader']:.2f} s "
            f"({dict_rate:,.0f} records/s), csv.reader {bare['reader']:.2f} s ({n / bare['reader']:,.0f} records/s)"
        )
        header = (
            f"{'run':24} {'records':>8} {'wall s':>7} {'cpu s':>7} {'db cpu':>7} {'rec/s':>7} {'x bare':>7} {'new':>7} {'merged':>7} "
            f"{'review':>7} {'quar.':>6} {'unch.':>7} {'upd.':>6} {'RSS0 MB':>8} {'peak MB':>8} {'+MB':>6}"
        )
        print(header)
        print("-" * len(header))

        def line(
            name: str, records: int, p: dict[str, Any], bare_s: float | None, fraction_of: float | None = None
        ) -> None:
            rate = f"{records / p['seconds']:,.0f}" if p["status"] != "unchanged" else "-"
            ratio = f"{p['seconds'] / bare_s:.1f}" if bare_s else "-"
            if fraction_of:
                ratio = f"{100 * p['seconds'] / fraction_of:.2f}%"
            grow = p["peak_kb"] - p["rss_before_kb"]
            db_cpu = "-" if p["server_cpu"] is None else f"{p['server_cpu']:.2f}"
            print(
                f"{name:24} {records:>8,} {p['seconds']:>7.2f} {p['cpu']:>7.2f} {db_cpu:>7} {rate:>7} {ratio:>7} {p['new']:>7,} {p['merged']:>7,} "
                f"{p['to_review']:>7,} {p['quarantined']:>6,} {p['unchanged']:>7,} {p['updated']:>6,} "
                f"{_mb(p['rss_before_kb']):>8} {_mb(p['peak_kb']):>8} {_mb(grow):>6}"
            )

        for label in order:
            size = sizes[label]
            line(f"full harvest {label}", size, results[label]["phases"]["full"], bare["DictReader"] * size / n)
        phases = results["N"]["phases"]
        full_s = phases["full"]["seconds"]
        line("re-harvest unchanged", n, phases["unchanged"], None, full_s)
        line("re-harvest rewritten", n, phases["rewritten"], None, full_s)
        if "rewritten-profiled" in phases:
            line("  same, cProfile on", n, phases["rewritten-profiled"], None, full_s)
        if "N/10" in results:
            line("full N/10 (cProfile on)", sizes["N/10"], results["N/10"]["phases"]["full"], None)
        print()
        print(
            "within each run (after each batch of 1,000): throughput of the first and last tenth, RSS at 10/50/100 %,"
            " the CPU of the run's own process a record in the first and last tenth"
        )
        for label in order:
            _curve_line(f"full harvest {label}", results[label]["phases"]["full"])
        _curve_line("re-harvest rewritten", phases["rewritten"])
        print()
        print(
            "x bare: harvest wall time / csv.DictReader time on the same records (N/4, N/2: DictReader time of N scaled);"
        )
        print(
            "re-harvest rows: % of the full harvest of N. RSS0: the child's RSS before the run (interpreter, modules,"
        )
        print("gazetteer); peak: VmHWM during the run (reset before it); +MB: peak - RSS0.")
        if args.store != "sqlite":
            print(
                "db cpu: CPU seconds of the PostgreSQL backends serving the run's database (cpu s: the harvest's own)."
            )
        print(
            f"{'SQLite store' if args.store == 'sqlite' else 'PostgreSQL database'} after the full harvest "
            f"of N: {results['N']['db_bytes'] / 1e6:.0f} MB; "
            f"gazetteer + imports in the child: {results['N']['setup_s']:.1f} s (not in wall s)"
        )
        print(
            f"planted near-duplicates of N that feed the same venue as their original: {merged_pairs:,} / {len(planted):,}; "
            f"other records merged: {phases['full']['merged'] - merged_pairs:,}"
        )
        print(f"warnings (full N): {phases['full']['warnings']:,}, most common: {phases['full']['warning_reasons']}")
        if size_mb * 1e6 > DEFAULT_MAX_BYTES:
            print(
                f"note: the file is {size_mb:.0f} MB; a source's default max_size ({DEFAULT_MAX_BYTES / 1e6:.0f} MB) "
                "refuses it: the bench source file sets max_size to 2 x the file size."
            )
        if bulk:
            print(
                f"\n--bulk: rows of the first {BULK_VENUES:,} venues of N written again by insert_rows, "
                f"chunks of {BULK_CHUNK:,} rows (best of {1 if args.small else 3} s)"
            )
            print(f"{'table':20} {'rows':>9} {'executemany s':>14} {'COPY s':>8} {'COPY/exm':>9} {'rows/s COPY':>12}")
            for name, rows, many, copied in bulk:
                print(
                    f"{name:20} {rows:>9,} {many:>14.2f} {copied:>8.2f} {copied / many:>9.2f} {rows / copied:>12,.0f}"
                )
            many, copied = sum(f[2] for f in bulk), sum(f[3] for f in bulk)
            print(f"{'all':20} {sum(f[1] for f in bulk):>9,} {many:>14.2f} {copied:>8.2f} {copied / many:>9.2f}")
        if "N/10" in results:
            print_profile(str(work / "full.prof"), f"cProfile, full harvest of {sizes['N/10']:,} records")
        if args.profile_rewritten:
            print_profile(str(work / "rewritten.prof"), f"cProfile, re-harvest of {n:,} unchanged records in new bytes")
        now_revision = _revision()
        if now_revision.split("harvest code")[1] != revision.split("harvest code")[1]:
            print(
                f"WARNING: the harvest's code changed during the run ({revision} -> {now_revision}): "
                "figures may mix versions"
            )
        print(f"\ntotal {time.perf_counter() - started:.0f} s")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
