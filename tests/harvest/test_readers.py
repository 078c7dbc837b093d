# SPDX-License-Identifier: Apache-2.0
"""Readers for producers' own formats: any CSV, any JSON, GeoJSON, XLSX,
data·inclusion; and the registry that names them."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime

import openpyxl
import pytest

from directory.harvest.readers import READERS, ReadError, reader_for
from directory.harvest.readers.dinclusion import DataInclusionReader
from directory.harvest.readers.geojson import GeoJsonReader
from directory.harvest.readers.national_csv import NationalCsvReader
from directory.harvest.readers.national_json import NationalJsonReader
from directory.harvest.readers.table_csv import TableCsvReader
from directory.harvest.readers.table_json import TableJsonReader
from directory.harvest.readers.xlsx import XlsxReader
from directory.schema import parse_venue

from ..conftest import FIXTURES


def records(reader, data: bytes):
    return [item.record for item in reader.read(data)]


# ------------------------------------------------------------ registry


def test_every_format_is_registered_by_name():
    assert set(READERS) >= {
        "csv",
        "json",
        "national-csv",
        "national-json",
        "table-csv",
        "table-json",
        "geojson",
        "xlsx",
        "dinclusion",
    }
    assert READERS["csv"] is READERS["national-csv"] is NationalCsvReader
    assert READERS["json"] is READERS["national-json"] is NationalJsonReader


def test_file_extensions_still_pick_the_national_readers_first():
    assert isinstance(reader_for("lieux.csv"), NationalCsvReader)
    assert isinstance(reader_for("lieux.json"), NationalJsonReader)
    assert isinstance(reader_for("maisons.geojson"), GeoJsonReader)
    assert isinstance(reader_for("recensement.xlsx"), XlsxReader)
    assert isinstance(reader_for(format="table-csv"), TableCsvReader)
    with pytest.raises(ReadError, match="format inconnu « ods »"):
        reader_for(format="ods")


# ------------------------------------------------------------ table-csv


def test_table_csv_sniffs_the_semicolon_and_keeps_the_header_as_written():
    data = "\ufeffNom du lieu;Code postal;Horaires lundi\nMédiathèque;69003;9h-12h\n;;\nEPN; 69008;\n".encode("utf-8")
    reader = TableCsvReader()
    rows = records(reader, data)
    assert rows == [
        {"Nom du lieu": "Médiathèque", "Code postal": "69003", "Horaires lundi": "9h-12h"},
        {"Nom du lieu": "EPN", "Code postal": " 69008", "Horaires lundi": ""},
    ]


def test_table_csv_tabs_cp1252_blank_and_repeated_headers():
    data = "nom\tnom\t\tville\nCaf\u00e9 num\u00e9rique\tbis\tx\tSaint-\u00c9tienne\n".encode("cp1252")
    reader = TableCsvReader()
    assert records(reader, data) == [
        {"nom": "Café numérique", "nom_2": "bis", "colonne_3": "x", "ville": "Saint-Étienne"}
    ]
    assert reader.encoding == "cp1252"


def test_table_csv_declared_delimiter_and_short_rows():
    reader = TableCsvReader(delimiter="|")
    # every cell is kept under a column name: one beyond the header, none missing from a short row
    assert records(reader, b"a|b\n1|2|3\n4\n") == [{"a": "1", "b": "2", "colonne_3": "3"}, {"a": "4", "b": ""}]
    assert reader.file_problems == ["ligne 2 : 3 cellules pour 2 colonnes", "ligne 3 : 1 cellules pour 2 colonnes"]
    with pytest.raises(ReadError, match="un seul caractère"):
        TableCsvReader(delimiter=";;")
    with pytest.raises(ReadError, match="vide"):
        list(TableCsvReader().read(b""))


# ------------------------------------------------------------ table-json


def test_table_csv_header_row_leaves_a_title_out_and_lines_keep_their_numbers():
    data = "Lieux au 1er mars 2025\n\nNom;Ville\nEPN;Lyon\nMédiathèque;Bron;en trop\n".encode()
    reader = TableCsvReader(header_row=3)
    expected = [{"Nom": "EPN", "Ville": "Lyon"}, {"Nom": "Médiathèque", "Ville": "Bron", "colonne_3": "en trop"}]
    assert records(reader, data) == expected
    assert reader.file_problems == ["ligne 5 : 3 cellules pour 2 colonnes"] and reader.file_notes == []
    found = TableCsvReader(delimiter=";")  # without header_row, the title is seen and left out, and said
    assert records(found, data) == expected
    assert found.file_problems == ["ligne 5 : 3 cellules pour 2 colonnes"]
    assert found.file_notes == [
        "en-tête lu ligne 3, les lignes au-dessus laissées de côté (« Lieux au 1er mars 2025 ») ; "
        "si ce n'est pas la bonne ligne, l'indiquer : [reader] header_row = …"
    ]


@pytest.mark.parametrize(
    ("rows", "header"),
    [
        ([["Lieux au 1er mars"], ["nom", "ville", "cp"], ["EPN", "Lyon", 69003]], 1),
        ([["Lieux"], ["Export du", "01/03/2025"], ["nom", "ville", "cp", "tel"], ["EPN", "Lyon", 69003, None]], 2),
        (
            [["nom", "ville", "cp", "", "", "", ""], ["EPN", "Lyon", 69003, 1, 2, 3, 4]],
            0,
        ),  # unnamed columns: still the header
        ([["nom"], ["EPN"], ["Médiathèque"]], 0),  # one column
    ],
)
def test_where_the_header_is_found(rows, header):
    from directory.harvest.readers._header import header_index

    assert header_index(rows) == header


def test_a_title_taken_as_the_header_loses_no_cell():
    """header_row given wrong: the title is the header, and every cell of the rows is still kept."""
    data = b"Lieux au 1er mars 2025\nNom;Ville;CP\nEPN;Lyon;69003\n"
    assert records(TableCsvReader(delimiter=";", header_row=1), data) == [
        {"Lieux au 1er mars 2025": "Nom", "colonne_2": "Ville", "colonne_3": "CP"},
        {"Lieux au 1er mars 2025": "EPN", "colonne_2": "Lyon", "colonne_3": "69003"},
    ]
    book = workbook_bytes([["Lieux au 1er mars 2025"], ["nom", "ville", "cp"], ["EPN", "Lyon", 69003]])
    assert records(XlsxReader(header_row=1), book)[1] == {
        "Lieux au 1er mars 2025": "EPN",
        "colonne_2": "Lyon",
        "colonne_3": 69003,
    }


def test_csv_stray_nul_characters_are_removed_wherever_they_are_and_said():
    lines = ["id,nom"] + [f"{n},Lieu {n}" for n in range(1, 30)]
    lines[2], lines[24] = "2,Lieu\x00 2", "24,Lieu 24\x00\x00"
    for reader in (NationalCsvReader(), TableCsvReader()):
        assert [r["nom"] for r in records(reader, "\n".join(lines).encode())] == [f"Lieu {n}" for n in range(1, 30)]
        assert reader.file_problems[-1] == "caractères nuls (octet 0) retirés du texte, lignes 3, 25"


@pytest.mark.parametrize("reader", [NationalCsvReader, TableCsvReader])
def test_csv_a_body_ending_inside_a_quoted_cell_is_a_cut_last_record(reader):
    """The lenient csv module takes a quote left open at the end as a last cell running to the end,
    with as many cells as the header: only the row's text, read again strictly, tells the cut."""
    whole = b'id,nom,adresse\n1,Lieu 1,"1 rue A"\n2,Lieu 2,"2 rue B, b\xc3\xa2timent C"\n'
    cut = whole[: whole.index(b"timent")]
    items = list(reader().read(cut))
    assert [i.problems for i in items[:-1]] == [[]]
    (problem,) = items[-1].problems
    assert (problem.code, dict(problem.params)) == ("truncated_quote", {"line": 3})
    assert "guillemet ouvert ligne 3" in problem.message
    assert all(not i.problems for i in reader().read(whole))  # the whole body: nothing cut
    stray = b'id,nom,taille\n1,Lieu 1,ecran 12"\n2,Lieu 2,ecran 15" et 17"\n'  # quotes inside unquoted cells
    assert all(not i.problems for i in reader().read(stray))


def test_table_json_keeps_nesting_and_finds_the_list():
    document = {"meta": {"total": 2}, "data": {"structures": [{"nom": "A", "address": {"street": "rue"}}, 3]}}
    items = list(TableJsonReader(items="data.structures").read(json.dumps(document).encode()))
    assert items[0].record == {"nom": "A", "address": {"street": "rue"}}
    assert items[1].record is None and items[1].problems[0].code == "not_an_object"
    assert records(TableJsonReader(), b'{"results": [{"a": 1}]}') == [{"a": 1}]


def test_table_json_says_where_the_list_is_missing():
    with pytest.raises(ReadError, match=re.escape("« data.lieux » (partie « lieux » introuvable)")):
        list(TableJsonReader(items="data.lieux").read(b'{"data": {}}'))
    with pytest.raises(ReadError, match="JSON illisible ligne 1"):
        list(TableJsonReader().read(b"{oops"))
    with pytest.raises(ReadError, match="items = …"):
        list(TableJsonReader().read(b'{"a": 1}'))


# ------------------------------------------------------------ geojson


def test_geojson_flattens_properties_and_adds_the_point():
    data = (FIXTURES / "sources" / "grand-lyon" / "wfs-grandlyon.json").read_bytes()
    items = list(GeoJsonReader().read(data))
    assert len(items) == 61
    first = items[0].record
    assert first["nom"] == "Maison de la Métropole pour les Solidarités de Lyon 8ème Latarjet"
    assert (first["_longitude"], first["_latitude"]) == pytest.approx((4.884930165682416, 45.72960038971499))
    assert json.loads(items[0].payload)["geometry"]["type"] == "Point"  # the raw feature is kept


def test_geojson_other_geometries_and_ids():
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "f1",
                "properties": {"nom": "Zone"},
                "geometry": {"type": "Polygon", "coordinates": [[[4.0, 45.0], [5.0, 45.0], [5.0, 46.0], [4.0, 45.0]]]},
            },
            {"type": "Feature", "properties": None, "geometry": None},
        ],
    }
    rows = records(GeoJsonReader(), json.dumps(document).encode())
    assert rows == [{"nom": "Zone", "_longitude": 4.5, "_latitude": 45.5, "_id": "f1"}, {}]
    with pytest.raises(ReadError, match="ce n'est pas du GeoJSON"):
        list(GeoJsonReader().read(b'{"type": "Topology"}'))


# ------------------------------------------------------------ xlsx


def workbook_bytes(rows, title="Lieux", extra_sheet=False) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        other = book.create_sheet("Autre")
        other.append(["x"])
        other.append(["y"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_first_sheet_header_row_and_friendly_cells():
    data = workbook_bytes(
        [
            [None, None, None, None],
            ["nom", "code postal", "mis à jour", "ouverture"],
            ["  Médiathèque  ", 69003.0, datetime(2024, 3, 20), datetime(2024, 1, 1, 9, 30)],
            [None, None, None, None],
            ["EPN", 1000, date(2023, 1, 2), "9h-12h"],
        ],
        extra_sheet=True,
    )
    reader = XlsxReader()
    assert records(reader, data) == [
        {"nom": "Médiathèque", "code postal": 69003, "mis à jour": "2024-03-20", "ouverture": "2024-01-01T09:30:00"},
        {"nom": "EPN", "code postal": 1000, "mis à jour": "2023-01-02", "ouverture": "9h-12h"},
    ]
    assert records(XlsxReader(sheet="Autre"), data) == [{"x": "y"}]


def test_xlsx_header_row_leaves_a_title_out():
    data = workbook_bytes(
        [["Lieux au 1er mars 2025"], [None], ["nom", "ville"], ["EPN", "Lyon"], [None], ["X", "Bron"]]
    )
    assert records(XlsxReader(header_row=3), data) == [{"nom": "EPN", "ville": "Lyon"}, {"nom": "X", "ville": "Bron"}]
    found = XlsxReader()  # without header_row, the title is seen and left out, and said
    assert records(found, data) == [{"nom": "EPN", "ville": "Lyon"}, {"nom": "X", "ville": "Bron"}]
    assert found.file_notes == [
        "en-tête lu ligne 3, les lignes au-dessus laissées de côté (« Lieux au 1er mars 2025 ») ; "
        "si ce n'est pas la bonne ligne, l'indiquer : [reader] header_row = …"
    ]
    with pytest.raises(ReadError, match="header_row « deux » : attendu le numéro de la ligne d'en-tête"):
        XlsxReader(header_row="deux")


def test_xlsx_merged_cells_give_their_top_value_below_the_header_and_blank_rows_are_skipped():
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (
        ["Lieux — Métropole"],
        ["commune", "code_postal", "nom", "lundi", "mardi"],
        ["Nancy", 54000, "A", "9h-12h", None],
        [None, None, "B", "fermé", None],
        [None] * 5,
        [None, None, "C", None, None],
        ["Tomblaine", 54510, "D", None, None],
        [None] * 5,
    ):
        sheet.append(row)
    for merge in ("A1:E1", "A3:A6", "B3:B6", "D4:E4"):  # a title, a commune and its postcode, « fermé » two days
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    reader = XlsxReader()
    assert records(reader, buffer.getvalue()) == [
        {"commune": "Nancy", "code_postal": 54000, "nom": "A", "lundi": "9h-12h", "mardi": None},
        {"commune": "Nancy", "code_postal": 54000, "nom": "B", "lundi": "fermé", "mardi": "fermé"},
        {"commune": "Nancy", "code_postal": 54000, "nom": "C", "lundi": None, "mardi": None},
        {"commune": "Tomblaine", "code_postal": 54510, "nom": "D", "lundi": None, "mardi": None},
    ]
    assert reader.file_notes[0].startswith(
        "en-tête lu ligne 2, les lignes au-dessus laissées de côté (« Lieux — Métropole »)"
    )


def _without_dimension(data: bytes) -> bytes:
    """The workbook without its sheet's ``<dimension>``, as some exporters write it: openpyxl's
    read-only rows then stop at their last cell instead of the sheet's width."""
    import re
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb"<dimension [^>]*/>", b"", content)
            target.writestr(info, content)
    return out.getvalue()


def test_xlsx_rows_wider_than_their_header_keep_every_cell():
    data = _without_dimension(
        workbook_bytes([["Lieux de Nancy"], ["EPN", "Nancy", 54000], ["Médiathèque", "Nancy", 54000]])
    )
    reader = XlsxReader(header_row=1)  # a title given as the header: the cells of the rows are still all there
    assert records(reader, data) == [
        {"Lieux de Nancy": "EPN", "colonne_2": "Nancy", "colonne_3": 54000},
        {"Lieux de Nancy": "Médiathèque", "colonne_2": "Nancy", "colonne_3": 54000},
    ]
    assert reader.file_problems == [
        "ligne 2 : des cellules remplies hors des colonnes de l'en-tête",
        "ligne 3 : des cellules remplies hors des colonnes de l'en-tête",
    ]


def test_xlsx_errors_are_french():
    with pytest.raises(ReadError, match="pas un classeur Excel"):
        list(XlsxReader().read(b"nom;ville\n"))
    with pytest.raises(ReadError, match="pas de feuille « Données »"):
        list(XlsxReader(sheet="Données").read(workbook_bytes([["a"]])))
    with pytest.raises(ReadError, match="la feuille est vide"):
        list(XlsxReader().read(workbook_bytes([])))


# ------------------------------------------------------------ data·inclusion


STRUCTURE = {
    "source": "dora",
    "id": "dora--42",
    "nom": "Médiathèque du Bachut",
    "date_maj": "2025-10-01",
    "siret": "21690123100011",
    "adresse": "2 place du 11 novembre 1918",
    "code_postal": "69008",
    "code_insee": "69388",
    "commune": "Lyon",
    "latitude": 45.735,
    "longitude": 4.869,
    "telephone": "04 78 78 12 12",
    "courriel": "bachut@bm-lyon.fr",
    "site_web": "https://www.bm-lyon.fr",
    "horaires_accueil": "Tu-Sa 10:00-18:00",
    "description": "Une médiathèque de quartier avec un espace numérique.",
    "reseaux_porteurs": ["conseillers-numeriques", "france-service", "communes", "fabrique-de-territoire"],
}
SERVICES = [
    {
        "source": "dora",
        "structure_id": "dora--42",
        "id": "dora--s1",
        "nom": "Atelier numérique",
        "thematiques": [
            "numerique--maitriser-les-fondamentaux-du-numerique",
            "numerique--acceder-a-des-services-en-ligne",
        ],
        "frais": "gratuit",
        "publics": ["seniors", "tous-publics"],
        "type": "atelier",
        "modes_accueil": ["en-presentiel", "a-distance"],
        "modes_mobilisation": ["se-presenter", "telephoner"],
        "lien_mobilisation": "https://rdv.example.org/bachut",
    },
    {
        "source": "dora",
        "structure_id": "dora--42",
        "id": "dora--s2",
        "nom": "Aide alimentaire",
        "thematiques": ["equipement-et-alimentation--alimentation"],
        "frais": "payant",
        "publics": ["familles"],
    },
]


def test_dinclusion_structure_and_its_digital_services_become_a_national_record(places):
    document = {"structures": [STRUCTURE], "services": SERVICES}
    (item,) = list(DataInclusionReader().read(json.dumps(document).encode()))
    record = item.record
    assert record["pivot"] == "21690123100011"
    assert record["courriels"] == ["bachut@bm-lyon.fr"] and record["horaires"] == "Tu-Sa 10:00-18:00"
    assert record["presentation_detail"].startswith("Une médiathèque")
    assert record["services"] == ["Maîtrise des outils numériques du quotidien", "Aide aux démarches administratives"]
    assert record["frais_a_charge"] == ["Gratuit"]  # the food service (payant, familles) does not count
    assert record["publics_specifiquement_adresses"] == ["Seniors"]
    assert record["modalites_accompagnement"] == ["Dans un atelier collectif", "À distance"]
    assert record["modalites_acces"] == ["Se présenter", "Téléphoner"]
    assert record["dispositif_programmes_nationaux"] == ["Conseillers numériques", "France Services"]
    assert record["formations_labels"] == ["Fabriques de Territoire"]
    assert record["prise_rdv"] == "https://rdv.example.org/bachut"
    assert len(json.loads(item.payload)["services"]) == 2  # kept as received, services attached
    result = parse_venue(record, places=places, today=date(2026, 11, 25))
    assert result.venue is not None, result.problems
    assert result.venue.telephone == "+33478781212"


def test_dinclusion_page_inline_services_and_v0_fields():
    structure = {
        "id": "cd35--7",
        "nom": "EPN",
        "commune": "Rennes",
        "code_postal": "35000",
        "adresse": "1 rue X",
        "date_maj": "2024-01-01",
        "typologie": "EPN",
        "rna": "W351234567",
        "labels_nationaux": ["aidants-connect", "mes-papiers", "aptic"],
        "labels_autres": ["Label local"],
        "services": [
            {
                "thematiques": ["numerique--prendre-en-main-un-ordinateur"],
                "frais": ["pass-numerique"],
                "profils": ["surdite", "jeunes-16-26"],
                "types": ["autonomie"],
                "modes_orientation_beneficiaire": ["envoyer-un-mail"],
            }
        ],
    }
    (record,) = records(DataInclusionReader(), json.dumps({"items": [structure]}).encode())
    assert record["pivot"] == "W351234567" and record["typologie"] == ["EPN"]
    assert record["dispositif_programmes_nationaux"] == ["Aidants Connect"]
    assert record["formations_labels"] == ["Mes Papiers (Métropole de Lyon)"]
    assert record["conditions_frais"] == ["pass-numerique"]
    assert record["frais_a_charge"] == ["Gratuit sous condition"]
    assert record["prise_en_charge_specifique"] == ["Surdité"] and record["publics_specifiquement_adresses"] == [
        "Jeunes"
    ]
    assert record["modalites_accompagnement"] == ["En autonomie"] and record["modalites_acces"] == [
        "Contacter par mail"
    ]
    assert record["autres_formations_labels"] == "Label local"


#: A v0 structure as the ANCT converter writes it (every v0 structure field), in a structures-only export.
STRUCTURE_V0 = {
    "id": "mediation-numerique--5f8d",
    "siret": None,
    "rna": None,
    "nom": "Médiathèque de Bourail",
    "commune": "Bourail",
    "code_postal": "98870",
    "code_insee": "98803",
    "adresse": "Rue Simone Dremon",
    "complement_adresse": None,
    "longitude": 165.4986,
    "latitude": -21.5679,
    "typologie": "BIB",
    "telephone": "+687000000",
    "courriel": "mediatheque@example.org",
    "site_web": None,
    "presentation_resume": None,
    "presentation_detail": None,
    "source": "nouvelle-caledonie",
    "date_maj": "2024-03-20T00:00:00+00:00",
    "antenne": False,
    "lien_source": None,
    "horaires_ouverture": "Tu-Fr 09:00-17:00",
    "accessibilite": None,
    "labels_nationaux": ["conseiller-numerique"],
    "labels_autres": [],
    "thematiques": [
        "numerique",
        "numerique--prendre-en-main-un-ordinateur",
        "numerique--utiliser-le-numerique-au-quotidien",
        "numerique--realiser-des-demarches-administratives-avec-un-accompagnement",
        "numerique--acceder-a-une-connexion-internet",
        "famille--garde-denfants",
    ],
}


def test_dinclusion_structure_without_services_takes_its_services_from_its_own_thematiques():
    (record,) = records(DataInclusionReader(), json.dumps([STRUCTURE_V0]).encode())
    assert record["services"] == [
        "Maîtrise des outils numériques du quotidien",
        "Aide aux démarches administratives",
        "Accès internet et matériel informatique",
    ]
    assert record["dispositif_programmes_nationaux"] == ["Conseillers numériques"]
    bare = {"id": "x", "nom": "Lieu", "thematiques": ["numerique--creer-avec-le-numerique"]}
    (bare,) = records(DataInclusionReader(), json.dumps([bare]).encode())
    assert bare["services"] == ["Loisirs et créations numériques"]
    # a structure with services of its own: its services say what it offers, not its broader thematiques
    with_services = {**STRUCTURE_V0, "services": [{"thematiques": ["numerique--creer-avec-le-numerique"]}]}
    (record,) = records(DataInclusionReader(), json.dumps([with_services]).encode())
    assert record["services"] == ["Loisirs et créations numériques"]


def test_dinclusion_without_siret_gets_the_placeholder_and_refuses_other_json():
    (record,) = records(DataInclusionReader(), json.dumps([{"id": "x", "nom": "Lieu"}]).encode())
    assert record["pivot"] == "00000000000000"
    with pytest.raises(ReadError, match="data·inclusion"):
        list(DataInclusionReader().read(b'{"a": 1}'))
