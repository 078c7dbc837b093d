# SPDX-License-Identifier: Apache-2.0
"""Issue 13, item 6: spreadsheets as communes send them. ``fixtures/spreadsheets/grand-nancy.xlsx`` (a
title and a note above the header, the commune and its postcode merged down over its venues, serial
dates, phones typed as numbers, blank rows) harvested from a loopback server and imported: every venue
stored with the right values, none quarantined. And a quarantined record keeps every cell of its row."""

from __future__ import annotations

import shutil
from datetime import date

import openpyxl
import orjson
import sqlalchemy as sa

from directory.harvest import import_file, load_source
from directory.store import Scope

from ..conftest import FIXTURES
from .test_run import harvest, source_file

WORKBOOK = FIXTURES / "spreadsheets" / "grand-nancy.xlsx"
#: id → (nom, commune, code_postal, telephone, date_maj) as the directory must hold them
EXPECTED = {
    "gn-01": (
        "Association des Utilisateurs du Centre Social Beauregard Buthegnémont",
        "Nancy",
        "54000",
        "+33383964612",
        date(2024, 1, 1),
    ),
    "gn-02": ("Médiathèque Manufacture", "Nancy", "54000", "+33383390063", date(2024, 3, 15)),
    "gn-03": ("Bibliothèque Stanislas", "Nancy", "54000", "+33383373883", date(2024, 2, 5)),
    "gn-04": ("Buisson Ardent", "Nancy", "54000", "+33383963516", date(2024, 2, 1)),
    "gn-05": ("AVEC", "Vandœuvre-lès-Nancy", "54500", "+33383987586", date(2024, 1, 1)),
    "gn-06": ("TREMPLIN", "Tomblaine", "54510", "+33383293134", date(2024, 1, 1)),
}
HEADER_NOTE = (
    "en-tête lu ligne 4, les lignes au-dessus laissées de côté (« Lieux de médiation numérique — Métropole du Grand "
    "Nancy », « Liste tenue par le service Ville numérique, mise à jour en mars 2024 ») ; si ce n'est pas la bonne "
    "ligne, l'indiquer : [reader] header_row = …"
)
#: The commune's own mapping, for the path where a date column with a date_format receives a number.
MAPPING = """
[mapping]
id = "id"
nom = "nom"
adresse = "adresse"
code_postal = "code_postal"
commune = "commune"
telephone = "telephone"
date_maj = { column = "date_maj", date_format = "%d/%m/%Y" }
latitude = "latitude"
longitude = "longitude"
"""


def stored(store, source_id):
    """id → (nom, commune, code_postal, telephone, date_maj) of the venues the source feeds."""
    found = {}
    with store.engine.connect() as c:
        pairs = c.execute(
            sa.text(
                "SELECT l.record_id, v.id FROM source_link l JOIN venue v ON v.pk = l.venue_pk WHERE l.source_id = :s"
            ),
            {"s": source_id},
        ).all()
    for record_id, venue_id in pairs:
        venue = store.get_venue(venue_id).venue
        found[record_id] = (venue.nom, venue.commune, venue.code_postal, venue.telephone, venue.date_maj)
    return found


def test_a_communes_workbook_harvested_from_a_web_server(store, places, served, fetcher, tmp_path):
    root, server = served
    shutil.copy(WORKBOOK, root / "grand-nancy.xlsx")
    config = load_source(
        source_file(
            tmp_path,
            server.url("files/grand-nancy.xlsx"),
            id="grand-nancy",
            publisher="Métropole du Grand Nancy",
            fmt="xlsx",
        )
    )
    report = harvest(store, config, fetcher, places)
    assert (report.status, report.fetched, report.new, report.quarantined) == ("complete", 6, 6, 0), report.notes
    assert stored(store, "grand-nancy") == EXPECTED
    assert HEADER_NOTE in report.notes
    serial = [r for r in report.problems if r.problem.code == "date_serial"]
    assert [(r.record_id, r.problem.message) for r in serial][:1] == [
        ("gn-01", "date donnée comme le numéro de série d'un tableur (45292) : lue comme le 2024-01-01")
    ]
    assert {r.record_id for r in serial} == {"gn-01", "gn-02", "gn-04", "gn-05", "gn-06"}  # gn-03's cell is a date


def test_a_communes_workbook_through_a_mapping_with_a_date_format(store, places, served, fetcher, tmp_path):
    root, server = served
    shutil.copy(WORKBOOK, root / "grand-nancy.xlsx")
    toml = source_file(tmp_path, server.url("files/grand-nancy.xlsx"), id="grand-nancy", fmt="xlsx")
    toml.write_text(toml.read_text(encoding="utf-8") + MAPPING, encoding="utf-8")
    report = harvest(store, load_source(toml), fetcher, places)
    assert (report.status, report.new, report.quarantined) == ("complete", 6, 0), report.notes
    assert stored(store, "grand-nancy") == EXPECTED
    assert not any("absentes du fichier" in note for note in report.notes)


def test_a_communes_workbook_imported(store, places):
    report = import_file(store, WORKBOOK, places=places)
    assert (report.status, report.fetched, report.new, report.quarantined) == ("complete", 6, 6, 0)
    assert report.notes == [HEADER_NOTE]
    assert stored(store, report.source_id) == EXPECTED


def _raw(store, run_id):
    with store.engine.connect() as c:
        return {
            r[0]: (r[1], orjson.loads(r[2]))
            for r in c.execute(
                sa.text("SELECT record_id, status, payload FROM raw_record WHERE run_id = :r"), {"r": run_id}
            )
        }


def test_a_quarantined_row_keeps_every_cell_under_its_column_name(store, places, served, fetcher, tmp_path):
    """An xlsx row, a CSV row with too few cells and one with too many: the raw record, and the back office's
    quarantine, hold every cell the row had, each under a column name."""
    root, server = served
    book = openpyxl.Workbook()
    for row in (
        ["Lieux de Tomblaine"],
        ["id", "nom", "adresse", "code_postal", "commune", "date_maj"],
        ["t1", None, "47 rue Pasteur", 54510, "Tomblaine", 45292],
        ["t2", "TREMPLIN", "47 rue Pasteur", 54510, "Tomblaine", 45292, "note hors tableau"],
    ):
        book.active.append(row)
    book.save(root / "tomblaine.xlsx")
    report = harvest(
        store,
        load_source(
            source_file(tmp_path, server.url("files/tomblaine.xlsx"), id="tomblaine", publisher="Tomblaine", fmt="xlsx")
        ),
        fetcher,
        places,
    )
    assert (report.new, report.quarantined) == (1, 1)
    raw = _raw(store, report.run_id)
    assert raw["t1"] == (
        "quarantined",
        {
            "id": "t1",
            "nom": None,
            "adresse": "47 rue Pasteur",
            "code_postal": 54510,
            "commune": "Tomblaine",
            "date_maj": 45292,
            "colonne_7": None,
        },
    )
    assert raw["t2"][1]["colonne_7"] == "note hors tableau"

    (root / "lieux.csv").write_text(
        "id;nom;adresse;code_postal;commune;date_maj\n"
        "c1;Médiathèque;10 rue Baron Louis\n"  # too few cells: quarantined, every column named
        "c2;;43 rue Stanislas;54000;Nancy;2024-02-05;à rappeler\n",  # one too many, and no name
        encoding="utf-8",
    )
    toml = source_file(tmp_path, server.url("files/lieux.csv"), id="nancy", publisher="Nancy", fmt="table-csv")
    toml.write_text(
        toml.read_text(encoding="utf-8")
        + "\n[mapping]\n"
        + "\n".join(f'{name} = "{name}"' for name in ("id", "nom", "adresse", "code_postal", "commune", "date_maj"))
        + "\n",
        encoding="utf-8",
    )
    report = harvest(store, load_source(toml), fetcher, places)
    assert report.quarantined == 2
    raw = _raw(store, report.run_id)
    assert raw["c1"] == (
        "quarantined",
        {
            "id": "c1",
            "nom": "Médiathèque",
            "adresse": "10 rue Baron Louis",
            "code_postal": "",
            "commune": "",
            "date_maj": "",
        },
    )
    assert raw["c2"][1] == {
        "id": "c2",
        "nom": "",
        "adresse": "43 rue Stanislas",
        "code_postal": "54000",
        "commune": "Nancy",
        "date_maj": "2024-02-05",
        "colonne_7": "à rappeler",
    }
    cells = {q.record_id: dict(q.cells) for q in store.quarantined(Scope(everything=True))}
    assert cells["c2"]["colonne_7"] == "à rappeler" and cells["c1"]["adresse"] == "10 rue Baron Louis"
    assert cells["t1"]["adresse"] == "47 rue Pasteur"
