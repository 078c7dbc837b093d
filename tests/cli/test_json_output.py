# SPDX-License-Identifier: Apache-2.0
"""Every ``--json`` output of the command line is JSON a strict parser reads (issue 13, item 9).

Python's ``json.dumps`` writes a bare ``NaN`` or ``Infinity`` by default, which
no other JSON parser accepts; a JSON source may hold them (Python reads them),
and the import report echoes what it read.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from directory.cli._common import json_text

CLI = Path(__file__).resolve().parents[2] / "directory" / "cli"


def strict(text: str):
    def refuse(constant: str):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_import_json_of_a_file_holding_nan_is_strict_json(run, tmp_path):
    source = tmp_path / "nan.json"
    source.write_text(
        '[{"id": "n1", "pivot": "00000000000000", "nom": "Espace numérique", "commune": "Reims",'
        ' "code_postal": "51100", "adresse": "12 rue de Talleyrand", "latitude": NaN, "longitude": -Infinity,'
        ' "date_maj": "2024-01-01", "services": "Aide aux démarches administratives"}]',
        encoding="utf-8",
    )
    result = run("import", "--json", str(source))
    (report,) = strict(result.stdout)
    values = {p["field"]: p["value"] for p in report["problems"] if p["code"] == "not_a_number"}
    assert values == {"latitude": "NaN", "longitude": "-Infinity"}  # what the file said, as text
    assert report["counts"]["new"] == 1


def test_stats_json_is_strict_json(run):
    run("db", "upgrade")
    figures = strict(run("stats", "--json").stdout)
    assert figures["venues"] == {}


def test_harvest_report_json_is_strict_json(run):
    run("db", "upgrade")
    assert strict(run("harvest", "report", "--json").stdout) == []


@pytest.mark.parametrize("value", [float("nan"), float("inf"), [1.5, {"x": float("-inf")}]])
def test_json_text_never_writes_a_bare_constant(value):
    strict(json_text(value))


def test_every_json_output_goes_through_echo_json():
    """One way out for ``--json``: a command dumping JSON itself fails here."""
    offenders = [
        path.name
        for path in CLI.glob("*.py")
        if path.name != "_common.py" and re.search(r"click\.echo\(\s*json\.dumps", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
