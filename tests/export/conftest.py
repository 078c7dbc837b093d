# SPDX-License-Identifier: Apache-2.0
"""Venues for the export tests: real rows and hostile ones from
``fixtures/export/venues.json``, and a lazy synthetic stream for the memory tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from directory.export import ExportVenue
from directory.schema import Frais, ModaliteAcces, Public, Service, Typologie, Venue, parse_venue

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "export" / "venues.json"
BASE_URL = "https://annuaire.example.org"
TODAY = date(2026, 11, 25)
PREFIXES = {"hinaura": "hinaura-", "conseiller-numerique": "cnfs-", "hostile": ""}


@dataclass(frozen=True)
class Case:
    group: str
    record: dict[str, Any]
    expect: str

    @property
    def id(self) -> str:
        return self.record["id"]


def load_cases() -> list[Case]:
    document = json.loads(FIXTURE.read_text(encoding="utf-8"))
    cases = []
    for group, prefix in PREFIXES.items():
        for row in document[group]:
            record = {k: v for k, v in row.items() if not k.startswith("_")}
            record["id"] = prefix + str(record["id"])
            cases.append(Case(group, record, row.get("_expect", "ok")))
    return cases


@pytest.fixture(scope="session")
def cases() -> list[Case]:
    return load_cases()


@pytest.fixture(scope="session")
def venues(cases: list[Case]) -> list[Venue]:
    """Every fixture row the schema accepts (30 real, the hostile ones expected to pass)."""
    found = []
    for case in cases:
        result = parse_venue(case.record, today=TODAY)
        if result.venue is not None:
            found.append(result.venue)
    return found


@pytest.fixture(scope="session")
def export_venues(venues: list[Venue]) -> list[ExportVenue]:
    return [ExportVenue.from_venue(v, base_url=BASE_URL) for v in venues]


def by_id(venues: list[Venue]) -> dict[str, Venue]:
    return {v.id: v for v in venues}


def synthetic(count: int) -> Iterator[ExportVenue]:
    """``count`` distinct venues, made one at a time (never a list)."""
    services = list(Service)
    for i in range(count):
        venue = Venue(
            id=f"l{i:010d}",
            pivot="00000000000000",
            nom=f"Espace numérique n° {i} « test »",
            commune="Lyon",
            code_postal="69003",
            adresse=f"{i % 300 + 1} rue de la Gare",
            date_maj=date(2026, 1, 1 + i % 28),
            code_insee="69383",
            latitude=45.70 + (i % 1000) / 10_000,
            longitude=4.80 + (i % 997) / 10_000,
            typologie=[Typologie.ASSO],
            telephone="+33478000000",
            courriels=[f"contact{i}@example.org"],
            site_web=[f"https://example.org/lieux/{i}"],
            horaires="Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00; PH off",
            presentation_detail="Ateliers, permanences et accès libre.\nSur rendez-vous le samedi.",
            services=services[i % 9 : i % 9 + 3],
            publics_specifiquement_adresses=[Public.SENIORS],
            frais_a_charge=[Frais.GRATUIT],
            modalites_acces=[ModaliteAcces.SE_PRESENTER, ModaliteAcces.TELEPHONER],
        )
        yield ExportVenue(venue=venue, source="synthétique", url=f"{BASE_URL}/lieux/{venue.id}")
