# SPDX-License-Identifier: Apache-2.0
"""``directory export``, through click's runner on a demo-loaded SQLite database in tmp."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from frictionless import Schema, system, validate

from directory.cli import main
from directory.export.schemas import NATIONAL_SCHEMA_PATH


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):
    """A runner on one data folder, loaded once with the demo venues."""
    data = tmp_path_factory.mktemp("data")
    runner = CliRunner()
    env = {"DIRECTORY_DATA_DIR": str(data), "DATABASE_URL": "", "DIRECTORY_PUBLIC_URL": ""}

    def invoke(*args: str):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    loaded = invoke("demo", "--no-serve")
    assert loaded.exit_code == 0, loaded.output
    return invoke


def frictionless_report(path: Path):  # the way tests/export/test_national.py validates
    with system.use_context(trusted=True):
        return validate(str(path), schema=Schema.from_descriptor(str(NATIONAL_SCHEMA_PATH)))


def test_csv_of_one_departement_to_a_file(run, tmp_path: Path) -> None:
    out = tmp_path / "lieux-54.csv"
    result = run("export", "--format", "csv", "--departement", "54", "-o", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert rows and all(row["code_postal"].startswith("54") for row in rows)
    assert f"{len(rows)} lieux exportés (csv) dans {out}" in result.stderr
    report = frictionless_report(out)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert not list(tmp_path.glob(".lieux-54.csv.*"))  # the temporary file was renamed


def test_without_output_the_file_goes_to_stdout(run) -> None:
    result = run("export", "--format", "geojson", "--code-postal", "69003")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["type"] == "FeatureCollection" and document["features"]
    assert {f["properties"]["code_postal"] for f in document["features"]} == {"69003"}
    assert "exportés (geojson)" in result.stderr


def test_every_format_is_offered(run, tmp_path: Path) -> None:
    for format_ in ("csv", "json", "dinclusion", "geojson", "jsonld", "ttl"):
        out = tmp_path / f"out.{format_}"
        result = run("export", "--format", format_, "--bbox", "45.70,4.78,45.80,4.90", "-o", str(out))
        assert result.exit_code == 0, (format_, result.output)
        assert out.stat().st_size > 0


def test_bad_territory_is_a_french_error(run) -> None:
    result = run("export", "--format", "csv", "--departement", "ZZ", "--bbox", "1,2,3")
    assert result.exit_code == 1
    assert "--departement : « departement » doit être un code de département" in result.output
    assert "--bbox : « bbox » attend quatre nombres" in result.output
    assert "Traceback" not in result.output


def test_unknown_format_is_refused(run) -> None:
    result = run("export", "--format", "xlsx")
    assert result.exit_code == 2
    assert "xlsx" in result.output


def test_unwritable_output_is_a_french_error(run, tmp_path: Path) -> None:
    result = run("export", "--format", "csv", "-o", str(tmp_path / "absent" / "lieux.csv"))
    assert result.exit_code == 1
    assert "impossible d'écrire" in result.output
