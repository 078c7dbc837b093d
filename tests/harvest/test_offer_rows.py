# SPDX-License-Identifier: Apache-2.0
"""A generic file with one row per offer (issue 15, item 2): ``[offers]`` groups the rows by venue
(its id, or its name when a row gives only that) and maps each row to an offer, harvested over loopback."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from directory.harvest import harvest_source, load_source
from directory.harvest.sources import SourceConfigError
from directory.schema import ConditionFrais, Public, Service, parse_venue

from ..conftest import FIXTURES

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)

COLUMNS = [
    "id_lieu",
    "nom_lieu",
    "adresse",
    "code_postal",
    "commune",
    "maj",
    "atelier",
    "theme",
    "public",
    "creneau",
    "tarif",
]
CROIX_ROUSSE = ["L1", "Espace numérique de la Croix-Rousse", "4 rue Belfort", "69004", "Lyon", "2026-10-01"]
ROWS = [
    [*CROIX_ROUSSE, "Atelier smartphone", "smartphone", "seniors", "Mo 14:00-16:00", "pass"],
    [*CROIX_ROUSSE, "Permanence CAF", "démarches", "", "We 09:00-12:00", "gratuit"],
    # the same venue named without its id, in other case and without accents
    ["", "espace numerique de la croix-rousse", "", "", "", "", "Café numérique", "culture", "", "Fr 18:00-20:00", ""],
    [
        "L2",
        "Médiathèque Jean Macé",
        "2 rue Domer",
        "69007",
        "Lyon",
        "2026-09-01",
        "Atelier CV",
        "emploi",
        "jeunes",
        "",
        "",
    ],
]

SOURCE = """
id = "ateliers"
name = "Ateliers numériques"
publisher = "Ville"
kind = "commune"
url = "{url}"
format = "table-csv"
licence = "etalab-2.0"

[mapping]
id = "id_lieu"
nom = "nom_lieu"
adresse = "adresse"
code_postal = "code_postal"
commune = "commune"
date_maj = "maj"

[offers]
venue = ["id_lieu", "nom_lieu"]
[offers.mapping]
nom = "atelier"
horaires = "creneau"
services = {{ column = "theme", values = {{ "smartphone" = "Maîtrise des outils numériques du quotidien", "démarches" = "Aide aux démarches administratives", "culture" = "Compréhension du monde numérique", "emploi" = "Insertion professionnelle via le numérique" }} }}
publics_specifiquement_adresses = {{ column = "public", values = {{ "seniors" = "Seniors", "jeunes" = "Jeunes" }} }}
frais_a_charge = {{ column = "tarif", values = {{ "pass" = "Gratuit sous condition", "gratuit" = "Gratuit" }} }}
conditions_frais = {{ column = "tarif", values = {{ "pass" = "Accepte le Pass numérique", "gratuit" = "" }} }}
"""


def write(root: Path) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(ROWS)
    (root / "ateliers.csv").write_text(buffer.getvalue(), encoding="utf-8")


def test_rows_of_offers_become_the_offers_of_their_venues(store, places, served, fetcher, tmp_path) -> None:
    root, server = served
    write(root)
    toml = tmp_path / "ateliers.toml"
    toml.write_text(SOURCE.format(url=server.url("files/ateliers.csv")), encoding="utf-8")
    report = harvest_source(store, load_source(toml), fetcher=fetcher, places=places, now=NOW)
    assert (report.status, report.fetched, report.new, report.quarantined) == ("complete", 2, 2, 0)
    venues = {s.venue.nom: s.venue for s in store.iter_venues()}
    croix_rousse, mace = venues["Espace numérique de la Croix-Rousse"], venues["Médiathèque Jean Macé"]
    assert [o.nom for o in croix_rousse.offres] == ["Atelier smartphone", "Permanence CAF", "Café numérique"]
    smartphone, caf, cafe = croix_rousse.offres
    assert smartphone.services == [Service.OUTILS_QUOTIDIEN] and smartphone.horaires == "Mo 14:00-16:00"
    assert smartphone.publics_specifiquement_adresses == [Public.SENIORS]
    assert smartphone.conditions_frais == [ConditionFrais.PASS_NUMERIQUE] and caf.conditions_frais == []
    assert cafe.services == [Service.COMPREHENSION] and cafe.horaires == "Fr 18:00-20:00"
    # the venue's flat fields: the summary of its offers
    assert croix_rousse.services == [Service.OUTILS_QUOTIDIEN, Service.DEMARCHES, Service.COMPREHENSION]
    assert croix_rousse.conditions_frais == [ConditionFrais.PASS_NUMERIQUE]
    assert [(o.nom, o.services) for o in mace.offres] == [("Atelier CV", [Service.INSERTION_PRO])]
    assert mace.publics_specifiquement_adresses == [Public.JEUNES]


def test_the_same_rows_in_a_workbook(store, places, served, fetcher, tmp_path) -> None:
    """A commune's workbook (XLSX) with one row per offer reads as the CSV does."""
    root, server = served
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for row in ROWS:
        sheet.append(row)
    book.save(root / "ateliers.xlsx")
    toml = tmp_path / "ateliers.toml"
    source = SOURCE.format(url=server.url("files/ateliers.xlsx")).replace('"table-csv"', '"xlsx"')
    toml.write_text(source, encoding="utf-8")
    report = harvest_source(store, load_source(toml), fetcher=fetcher, places=places, now=NOW)
    assert (report.status, report.new) == ("complete", 2)
    offers = {s.venue.nom: [o.nom for o in s.venue.offres] for s in store.iter_venues()}
    assert offers == {
        "Espace numérique de la Croix-Rousse": ["Atelier smartphone", "Permanence CAF", "Café numérique"],
        "Médiathèque Jean Macé": ["Atelier CV"],
    }


def test_an_offer_field_that_does_not_exist_is_a_french_error(tmp_path) -> None:
    toml = tmp_path / "ateliers.toml"
    toml.write_text(SOURCE.format(url="https://example.org/a.csv") + 'tarif = "tarif"\n', encoding="utf-8")
    with pytest.raises(SourceConfigError) as caught:
        load_source(toml)
    assert "« tarif » n'est pas un champ d'une offre" in str(caught.value)


def test_res_in_offers_each_group_of_modules_a_venue_offers(places) -> None:
    """``[[offers]]`` in ``res-in.toml``: the real Rés'IN export's groups of training modules."""
    config = load_source(FIXTURES / "sources" / "res-in.toml")
    items = list(config.make_reader().read(Path(config.location()).read_bytes()))
    venues = {}
    for item in items:
        record, _ = config.map(item.record, today=NOW.date())
        result = parse_venue(record, places=places, today=NOW.date())
        assert result.venue is not None, result.problems
        venues[result.venue.nom] = result.venue
    lyon_8 = venues["Maison Lyon pour l'Emploi - Lyon 8"]
    assert [o.nom for o in lyon_8.offres] == [
        "Accès aux droits",
        "Les compétences de base",
        "Culture et sécurité numérique",
        "Insertion sociale et professionnelle",
        "Aide à la parentalité",
    ]
    droits = lyon_8.offres[0]
    assert droits.id == "acces-aux-droits" and droits.services == [Service.DEMARCHES]
    assert droits.description.startswith("Pôle Emploi : faire ses déclarations en ligne ; Déclarer ses revenus")
    assert droits.conditions_frais == [ConditionFrais.PASS_NUMERIQUE]  # the venue holds the label
    feyzin = venues["Maison de l'Emploi (Feyzin)"]
    assert [(o.nom, o.description) for o in feyzin.offres] == [
        ("Accès aux droits", "Pôle Emploi : faire ses déclarations en ligne"),
        ("Accompagnement des démarches", "Pôle Emploi ; Accompagnant CAF"),
    ]
    assert feyzin.offres[0].conditions_frais == []
    # the venue's own fields are still its mapping's, not made up from its offers
    assert lyon_8.services[0] == Service.DEMARCHES and lyon_8.frais_a_charge
