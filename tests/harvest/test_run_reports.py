# SPDX-License-Identifier: Apache-2.0
"""What whole runs tell people, against sources served over real HTTP on loopback:
a charset label the bytes belie, the producer's quality report after quiet runs."""

from __future__ import annotations

from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from directory.harvest import load_source

from .test_run import NOW, harvest, rows, source_file, write_csv


@pytest.mark.parametrize(
    ("route", "note"),
    [
        (
            "charset/ISO-8859-1/lieux.csv",
            "le fichier est annoncé en ISO-8859-1 mais il est en UTF-8 : il a été lu en UTF-8",
        ),
        (
            "lying-encoding/lieux.csv",
            "le fichier est annoncé en UTF-8 mais il est en Windows-1252 : il a été lu en Windows-1252",
        ),
    ],
    ids=["utf8-labelled-latin1", "cp1252-labelled-utf8"],
)
def test_a_charset_label_belied_by_the_bytes_is_overruled_and_said(
    store, places, served, fetcher, tmp_path, route, note
):
    root, server = served
    records = [r for r in rows() if not r["nom"].isascii()][:3]  # « Liberté », « Accès internet… »
    write_csv(root / "lieux.csv", records)
    report = harvest(store, load_source(source_file(tmp_path, server.url(route))), fetcher, places)
    assert (report.status, report.fetched, report.new, report.quarantined) == ("complete", 3, 3, 0)
    assert note in report.notes
    assert note in store.sources.run(report.run_id).report["notes"]  # what « directory harvest report » shows
    with store.engine.connect() as c:
        names = set(c.execute(sa.text("SELECT nom FROM venue")).scalars())
    assert names == {r["nom"] for r in records}


def test_feedback_keeps_the_quarantine_of_the_last_run_that_read_the_source(store, places, served, fetcher, tmp_path):
    """Neither a « not modified » answer nor a failed run reads a record: the producer's report stays."""
    root, server = served
    records = rows()[:10]
    records[3] = {**records[3], "date_maj": "bientôt"}
    write_csv(root / "lieux.csv", records)
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    first = harvest(store, config, fetcher, places)
    assert (first.status, first.quarantined) == ("complete", 1)

    def feedback() -> tuple:
        result = store.feedback(config.id)
        return result.run_id, result.run_at, [q.record_id for q in result.quarantined]

    expected = (first.run_id, NOW, [records[3]["id"]])
    assert feedback() == expected
    assert harvest(store, config, fetcher, places, now=NOW + timedelta(days=1)).status == "unchanged"
    assert feedback() == expected
    server.stop()  # the source's server is down
    assert harvest(store, config, fetcher, places, now=NOW + timedelta(days=2)).status == "failed"
    assert feedback() == expected


# ------------------------------------------------------------ what the file itself says

MAPPED = {
    "ID": "id",
    "Nom": "nom",
    "Adresse": "adresse",
    "Code postal": "code_postal",
    "Ville": "commune",
    "Mise à jour": "date_maj",
    "Latitude": "latitude",
    "Longitude": "longitude",
}


def _workbook(path, rows_: list[list]) -> None:
    book = openpyxl.Workbook()
    for row in rows_:
        book.active.append(row)
    book.save(path)


def _with_mapping(toml, reader: str = "") -> None:
    mapping = "\n".join(f'{national} = "{column}"' for column, national in MAPPED.items())
    toml.write_text(toml.read_text(encoding="utf-8") + reader + "\n[mapping]\n" + mapping + "\n", encoding="utf-8")


def test_a_title_row_above_the_header_is_found_and_said(store, places, served, fetcher, tmp_path):
    root, server = served
    records = rows()[:6]
    _workbook(
        root / "lieux.xlsx",
        [["Lieux de médiation numérique — export du 1er mars"], list(MAPPED)]
        + [[r[national] for national in MAPPED.values()] for r in records],
    )
    toml = source_file(tmp_path, server.url("files/lieux.xlsx"), fmt="xlsx")
    _with_mapping(toml)
    report = harvest(store, load_source(toml), fetcher, places)
    assert (report.fetched, report.new, report.quarantined) == (6, 6, 0)
    assert (
        "en-tête lu ligne 2, les lignes au-dessus laissées de côté (« Lieux de médiation numérique — export du 1er "
        "mars ») ; si ce n'est pas la bonne ligne, l'indiquer : [reader] header_row = …"
    ) in report.notes
    assert not any("absentes du fichier" in note for note in report.notes)


def test_a_header_taken_for_another_row_is_said_once_and_header_row_reads_the_file(
    store, places, served, fetcher, tmp_path
):
    """A row of labels for people above the technical header fills as many cells: it is taken for the header.
    Every record quarantined for empty fields says nothing of why; the report names the absent columns."""
    root, server = served
    records = rows()[:6]
    labels = ["Identifiant", "Nom du lieu", "Adresse postale", "CP", "Commune", "Date", "Lat.", "Long."]
    _workbook(
        root / "lieux.xlsx", [labels, list(MAPPED)] + [[r[national] for national in MAPPED.values()] for r in records]
    )
    toml = source_file(tmp_path, server.url("files/lieux.xlsx"), fmt="xlsx")
    _with_mapping(toml)
    report = harvest(store, load_source(toml), fetcher, places)
    assert (report.fetched, report.quarantined) == (7, 7)
    said = [note for note in report.notes if "absentes du fichier" in note]
    assert said == [
        "colonnes de la correspondance absentes du fichier : « Adresse », « Code postal », « ID », « Latitude », "
        "« Longitude », « Mise à jour », « Nom », « Ville » (colonnes du fichier : « Identifiant », « Nom du lieu », "
        "« Adresse postale », « CP », « Commune », « Date », « Lat. », « Long. ») ; si l'en-tête n'est pas sur la "
        "première ligne (un titre au-dessus), indiquer la sienne : [reader] header_row = …"
    ]
    assert said[0] in store.sources.run(report.run_id).report["notes"]

    toml = source_file(tmp_path, server.url("files/lieux.xlsx"), fmt="xlsx")
    _with_mapping(toml, "\n[reader]\nheader_row = 2\n")
    again = harvest(store, load_source(toml), fetcher, places, now=NOW + timedelta(days=1))
    assert (again.status, again.fetched, again.new, again.quarantined) == ("complete", 6, 6, 0)
    assert not any("absentes du fichier" in note for note in again.notes)


def test_a_renamed_column_is_named_with_the_columns_the_file_has(store, places, served, fetcher, tmp_path):
    root, server = served
    records = rows()[:3]
    header = [("Commune" if column == "Ville" else column) for column in MAPPED]
    _workbook(root / "lieux.xlsx", [header] + [[r[national] for national in MAPPED.values()] for r in records])
    toml = source_file(tmp_path, server.url("files/lieux.xlsx"), fmt="xlsx")
    _with_mapping(toml)
    report = harvest(store, load_source(toml), fetcher, places)
    assert [n for n in report.notes if "absentes" in n] == [
        f"colonnes de la correspondance absentes du fichier : « Ville » (colonnes du fichier : {', '.join(f'« {c} »' for c in header)})"
    ]  # one column of eight: no word about the header's row


def test_a_stray_nul_byte_is_removed_and_said_with_its_line(store, places, served, fetcher, tmp_path):
    """A NUL in the second row used to refuse the whole file, and one further down was dropped silently."""
    root, server = served
    records = rows()[:30]
    write_csv(root / "lieux.csv", records)
    lines = (root / "lieux.csv").read_bytes().split(b"\r\n")
    lines[2] = lines[2].replace(b'","', b'\x00","', 1)  # the second record
    lines[24] = lines[24].replace(b'","', b'","\x00', 1)  # one beyond the lines looked at first
    lines[5] += b',""'  # one cell too many, said by the reader
    (root / "lieux.csv").write_bytes(b"\r\n".join(lines))
    report = harvest(store, load_source(source_file(tmp_path, server.url("files/lieux.csv"))), fetcher, places)
    assert (report.status, report.fetched, report.new, report.quarantined) == ("complete", 30, 30, 0)
    assert "caractères nuls (octet 0) retirés du texte, lignes 3, 25" in report.notes
    assert f"ligne 6 : {len(records[0]) + 1} cellules pour {len(records[0])} colonnes" in report.notes
    with store.engine.connect() as c:
        names = set(c.execute(sa.text("SELECT nom FROM venue")).scalars())
    assert names == {r["nom"] for r in records}


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (
            lambda path: _workbook(path, [list(MAPPED), ["1", "EPN"]]),
            'ce fichier est une archive ZIP, pas un fichier texte CSV : pour un classeur Excel, écrire format = "xlsx"',
        ),
        (
            lambda path: path.write_bytes('"id","nom"\n"1","EPN"\n'.encode("utf-16-le")),
            "ce fichier n'est pas un fichier texte CSV (octets binaires : 21 caractères de contrôle parmi les 42 premiers)",
        ),
    ],
    ids=["xlsx-as-csv", "utf16-without-bom"],
)
def test_a_binary_file_given_as_csv_is_still_refused(store, places, served, fetcher, tmp_path, make, said):
    root, server = served
    make(root / "lieux.csv")
    report = harvest(store, load_source(source_file(tmp_path, server.url("files/lieux.csv"))), fetcher, places)
    assert (report.status, report.fetched) == ("failed", 0)
    assert report.notes[0].startswith(f"source illisible : {said} — rien n'a été retiré")
