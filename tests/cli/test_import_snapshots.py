# SPDX-License-Identifier: Apache-2.0
"""``directory import`` as people run it (issue 13, item 1): each day's file of a producer is the
next snapshot of one source, matched against the whole directory, withdrawals said by name and held
back by the same guard as a harvest; ``--source`` names a configured source the file stands for."""

from __future__ import annotations

import csv
import json

import sqlalchemy as sa

from directory.config import Settings
from directory.store import open_store

from ..conftest import FIXTURES

HINAURA = FIXTURES / "demo" / "hinaura-2021.csv"
CNFS = FIXTURES / "demo" / "conseillers-numeriques-2022.csv"


def rows(path, count):
    with path.open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)[:count]


def write(path, fields, records):
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(records)
    return path


def test_the_next_days_file_withdraws_what_left_and_names_it(run, tmp_path):
    fields, records = rows(HINAURA, 30)
    first = run("import", str(write(tmp_path / "export-2024-05-01.csv", fields, records)))
    assert first.exit_code == 0, first.output
    assert "fichier-export" in first.output and "30 reçus" in first.output
    second = run("import", str(write(tmp_path / "export-2024-05-02.csv", fields, records[1:])))
    assert second.exit_code == 0, second.output
    assert "0 nouveaux" in second.output and "1 retirés" in second.output
    assert f"{records[0]['nom']} (" in second.output  # the report names the venue it withdrew
    stats = json.loads(run("stats", "--json").output)
    assert stats["venues"]["withdrawn"] == 1


def test_a_file_that_lost_too_many_venues_withdraws_nothing_until_confirmed(run, tmp_path):
    fields, records = rows(HINAURA, 30)
    run("import", str(write(tmp_path / "lieux.csv", fields, records)))
    shrunk = write(tmp_path / "lieux.csv", fields, records[:20])  # a third gone: more than the 20 % a run may take
    held = run("import", str(shrunk))
    assert held.exit_code == 1 and "moisson suspecte" in held.output and "0 retirés" in held.output
    confirmed = run("import", "--confirmer-retraits", str(shrunk))
    assert confirmed.exit_code == 0 and "10 retirés" in confirmed.output


def test_a_file_is_matched_against_the_whole_directory(run, tmp_path):
    """The same places from two producers make one venue each, not two (the demo had ~235 such pairs)."""
    fields, records = rows(HINAURA, 60)
    run("import", str(write(tmp_path / "hinaura.csv", fields, records)))
    again = [{**r, "id": f"copie-{r['id']}"} for r in records]  # a second producer listing the same places
    result = run("import", "--json", str(write(tmp_path / "autre-reseau.csv", fields, again)))
    (report,) = json.loads(result.stdout)
    assert report["source"] == "fichier-autre-reseau"
    assert report["counts"]["new"] == 0 and report["counts"]["merged"] == 60
    assert json.loads(run("stats", "--json").output)["venues"]["active"] <= 60


def test_source_names_a_configured_source_and_keeps_its_settings(run, tmp_path, monkeypatch):
    sources = tmp_path / "sources"
    sources.mkdir()
    monkeypatch.setenv("DIRECTORY_SOURCES_DIR", str(sources))
    fields, records = rows(HINAURA, 12)
    (sources / "hinaura.toml").write_text(
        'id = "hinaura"\nname = "Hinaura"\npublisher = "Hinaura"\nkind = "network"\npath = "ailleurs.csv"\n'
        'format = "national-csv"\nlicence = "etalab-2.0"\ntrust = 80\n',
        encoding="utf-8",
    )
    result = run("import", "--source", "hinaura", "--json", str(write(tmp_path / "envoi.csv", fields, records)))
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert report["source"] == "hinaura" and report["counts"]["new"] + report["counts"]["merged"] == 12
    store = open_store(Settings(data_dir=tmp_path).database)
    try:
        with store.engine.connect() as c:
            trust, url = c.execute(sa.text("SELECT trust, url FROM source WHERE id = 'hinaura'")).one()
    finally:
        store.close()
    assert trust == 80 and url.endswith("/envoi.csv")  # the source's own settings, reading the file given


def test_source_refuses_several_files_and_a_bad_identifier(run, tmp_path):
    fields, records = rows(CNFS, 3)
    a, b = write(tmp_path / "a.csv", fields, records), write(tmp_path / "b.csv", fields, records)
    several = run("import", "--source", "x", str(a), str(b))
    assert several.exit_code == 1 and "--source ne vaut que pour un fichier" in several.output
    bad = run("import", "--source", "Pas Un Id", str(a))
    assert bad.exit_code == 1 and "n'est pas un identifiant de source" in bad.output
    assert "Traceback" not in bad.output
