# SPDX-License-Identifier: Apache-2.0
"""Test venues, written through the public path.

The venues are real rows (Lyon 3e, Nancy, Paris 19e) copied into
``venues.json``, plus one venue with hostile text written straight through the
store's writer (the validator would refuse it, but pages must never trust
what the store holds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from directory.schema import Service, Venue, parse_venue
from directory.store import SourceInfo, Store, open_store, utcnow

__all__ = ["HOSTILE_NAME", "Seeded", "fill_store", "hostile_venue", "load_records", "make_store"]

HERE = Path(__file__).parent
HOSTILE_NAME = "Lieu \"test\" <script>alert('x')</script> & Cie"


@dataclass(frozen=True)
class Seeded:
    """A filled store and the venue id minted for each source record id."""

    store: Store
    ids: dict[str, str]


def load_records() -> dict[str, list[dict]]:
    data = json.loads((HERE / "venues.json").read_text(encoding="utf-8"))
    return {source: rows for source, rows in data.items() if not source.startswith("_")}


def hostile_venue() -> Venue:
    """Near Lyon 3e, with markup and quotes in every text a page shows."""
    return Venue(
        id="hostile-1",
        pivot="00000000000000",
        nom=HOSTILE_NAME,
        commune="Lyon <b>3</b>",
        code_postal="69003",
        adresse='1 rue "du" <img src=x onerror=alert(1)>',
        date_maj=date(2024, 1, 15),
        latitude=45.7605,
        longitude=4.8590,
        horaires="n'importe quoi <script>",
        site_web=["javascript:alert(1)"],
        services=[Service.DEMARCHES],
    )


def make_store(path: Path) -> Store:
    return open_store("sqlite:///" + str(path / "t.db"), upgrade=True)


def fill_store(store: Store) -> dict[str, str]:
    """Write every record of ``venues.json`` (and the hostile venue); return record id → venue id."""
    ids: dict[str, str] = {}
    with store.writer() as w:
        for source, rows in load_records().items():
            w.ensure_source(SourceInfo(source, source.capitalize()))
            for record in rows:
                result = parse_venue(record)
                assert result.venue is not None, (record["id"], result.problems)
                ids[record["id"]] = w.apply(source, record["id"], result.venue, at=utcnow()).venue_id
        w.ensure_source(SourceInfo("test", "Test"))
        ids["hostile-1"] = w.apply("test", "hostile-1", hostile_venue(), at=utcnow()).venue_id
    return ids
