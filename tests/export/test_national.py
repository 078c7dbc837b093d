# SPDX-License-Identifier: Apache-2.0
"""National standard CSV and flat JSON: valid against the official Table
Schema, and read back by ``parse_venue`` into the same venues."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import pytest
from frictionless import Schema, system, validate

from directory.export import CsvWriter, ExportVenue, JsonWriter
from directory.export.schemas import NATIONAL_SCHEMA_PATH
from directory.schema import NATIONAL_FIELDS, Severity, Venue, parse_venue

from .conftest import BASE_URL, TODAY, by_id


def comparable(venue: Venue) -> Venue:
    """What the 32 national fields can carry: the extension column left aside,
    and a `|` inside a URL written as %7C (see ``directory.export.national``)."""
    return replace(venue, conditions_frais=[], site_web=[url.replace("|", "%7C") for url in venue.site_web])


def write(writer, venues) -> str:
    stream = io.StringIO(newline="")
    writer.write_all(venues, stream)
    return stream.getvalue()


def frictionless_report(path):
    # frictionless 5 refuses absolute paths unless the context is trusted.
    with system.use_context(trusted=True):
        return validate(str(path), schema=Schema.from_descriptor(str(NATIONAL_SCHEMA_PATH)))


def read_back(rows) -> dict[str, Venue]:
    venues = {}
    for row in rows:
        result = parse_venue(row, today=TODAY)
        assert result.venue is not None, (row["id"], [str(p) for p in result.errors])
        assert not result.warnings, (row["id"], [str(p) for p in result.warnings])
        venues[result.venue.id] = result.venue
    return venues


# -- CSV ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def csv_file(export_venues, tmp_path_factory):
    path = tmp_path_factory.mktemp("csv") / "lieux.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        CsvWriter(base_url=BASE_URL).write_all(export_venues, stream)
    return path


def test_csv_is_valid_against_the_official_table_schema(csv_file, export_venues):
    report = frictionless_report(csv_file)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == len(export_venues)


def test_the_validation_is_not_vacuous(csv_file, tmp_path):
    """The same file with one wrong postcode and one misspelt service fails."""
    rows = list(csv.DictReader(csv_file.open(encoding="utf-8", newline="")))
    rows[0]["code_postal"] = "6900"
    rows[1]["services"] = "Comprehension du monde numérique"  # the description's spelling, not the pattern's
    broken = tmp_path / "broken.csv"
    with broken.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=NATIONAL_FIELDS, quoting=csv.QUOTE_ALL)
        writer.writeheader()
        writer.writerows(rows)
    report = frictionless_report(broken)
    assert not report.valid
    assert {e[0] for e in report.flatten(["fieldName"])} == {"code_postal", "services"}


def test_csv_has_the_32_columns_in_order_and_every_field_quoted(csv_file):
    text = csv_file.read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    assert header == list(NATIONAL_FIELDS)
    assert all(len(row) == 32 for row in rows)
    # QUOTE_NONNUMERIC turns every unquoted field into a float: none may be.
    for row in csv.reader(io.StringIO(text, newline=""), quoting=csv.QUOTE_NONNUMERIC):
        assert all(isinstance(value, str) for value in row)


def test_csv_reads_back_into_the_same_venues(csv_file, venues):
    with csv_file.open(encoding="utf-8", newline="") as stream:
        back = read_back(csv.DictReader(stream))
    assert back == {v.id: comparable(v) for v in venues}


def test_hostile_text_survives_the_csv(csv_file, venues):
    with csv_file.open(encoding="utf-8", newline="") as stream:
        back = read_back(csv.DictReader(stream))
    original = by_id(venues)
    quotes = back["hostile-quotes"]
    assert quotes.nom == original["hostile-quotes"].nom and '"Cyber"' in quotes.nom and "🖥️" in quotes.nom
    assert "\r\n" in quotes.presentation_detail and "; avec point-virgule | et barre" in quotes.presentation_detail
    assert quotes.autres_formations_labels == "Label A | Label B; Label C, Label D"
    assert quotes.complement_adresse == "Bât. B; 2e étage | porte gauche"
    assert back["hostile-script-description"].presentation_detail.startswith("Bienvenue <script>")
    assert back["hostile-control"].nom == "Espace numérique du Port"


def test_a_pipe_inside_a_url_is_written_percent_encoded(csv_file):
    """`|` separates list items: inside one URL it is written %7C, the same resource."""
    with csv_file.open(encoding="utf-8", newline="") as stream:
        row = next(r for r in csv.DictReader(stream) if r["id"] == "hostile-pipe-url")
    assert row["site_web"].split("|") == ["https://example.org/a%7Cb", "https://example.org/c"]


def test_known_limit_a_lone_url_with_a_semicolon(venues):
    """Documented limit: a single-item list has no `|`, and our lenient reader
    takes `;` for the v0.1 separator. The Table Schema itself is satisfied."""
    venue = replace(venues[0], site_web=["https://example.org/page;jsessionid=1"])
    text = write(CsvWriter(), [ExportVenue.from_venue(venue)])
    (row,) = csv.DictReader(io.StringIO(text, newline=""))
    assert row["site_web"] == "https://example.org/page;jsessionid=1"
    result = parse_venue(row, today=TODAY)
    assert result.venue.site_web == ["https://example.org/page"]
    assert [(p.field, p.code) for p in result.warnings] == [("site_web", "url")]


def test_rejected_rows_say_why_in_french(cases):
    rejected = [c for c in cases if c.expect.startswith("rejected:")]
    assert rejected
    for case in rejected:
        _, field, code = case.expect.split(":")
        result = parse_venue(case.record, today=TODAY)
        assert result.venue is None
        (problem,) = result.errors
        assert (problem.field, problem.code, problem.severity) == (field, code, Severity.ERROR)
        assert problem.message and problem.message[0].islower()  # a French sentence from the catalogue


def test_csv_extension_columns_follow_the_32(export_venues):
    text = write(CsvWriter(extensions=True), export_venues)
    header = next(csv.reader(io.StringIO(text, newline="")))
    assert header == [*NATIONAL_FIELDS, "conditions_frais"]


# -- flat JSON ---------------------------------------------------------------


@pytest.fixture(scope="module")
def json_records(export_venues):
    return json.loads(write(JsonWriter(base_url=BASE_URL), export_venues))


def test_json_has_one_flat_object_per_venue_with_the_national_fields(json_records, export_venues):
    assert len(json_records) == len(export_venues)
    for record in json_records:
        assert list(record) == list(NATIONAL_FIELDS)
        assert all(value is None or isinstance(value, (str, float, int)) for value in record.values())
        assert record["latitude"] is None or isinstance(record["latitude"], float)
    everything = next(r for r in json_records if r["id"] == "hostile-everything")
    assert everything["frais_a_charge"] == "Gratuit sous condition|Payant"
    assert everything["formations_labels"].split("|")[1] == "Étapes numériques(La Poste)"  # the pattern's spelling


def test_json_reads_back_into_the_same_venues(json_records, venues):
    assert read_back(json_records) == {v.id: comparable(v) for v in venues}


def test_json_keeps_markup_as_text(json_records):
    record = next(r for r in json_records if r["id"] == "hostile-script-description")
    assert record["presentation_detail"] == "Bienvenue <script>alert('x')</script> </script><b>gras</b> & co"
