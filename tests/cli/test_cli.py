# SPDX-License-Identifier: Apache-2.0
"""The command line, through click's runner on a SQLite database in tmp."""

from __future__ import annotations

import csv
import json
import re

import pytest
from click.testing import CliRunner

from directory.cli import main
from directory.store.migrate import head_revision

from ..conftest import FIXTURES


@pytest.fixture
def run(tmp_path):
    runner = CliRunner()
    env = {"DIRECTORY_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}

    def invoke(*args: str):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


def test_db_upgrade_then_status(run):
    result = run("db", "upgrade")
    assert result.exit_code == 0 and f"Base à jour (révision {head_revision()})" in result.output
    assert run("db", "status").exit_code == 0


def test_commands_refuse_an_unmigrated_database(run):
    result = run("stats")
    assert result.exit_code == 1
    assert "directory db upgrade" in result.output


def test_import_reports_rows_and_exits_1_on_rejections(run):
    result = run("import", str(FIXTURES / "hostile" / "unknown-codes.csv"))
    assert result.exit_code == 1
    assert "3 lus, 1 enregistrés" in result.output and "2 rejetés" in result.output
    assert "ligne 1 id=u1 · rejet · services : « Réparation de vélos » ne fait pas partie" in result.output
    assert "Traceback" not in result.output


def test_import_json_report(run):
    result = run("import", "--json", str(FIXTURES / "hostile" / "coordinates.csv"))
    report = json.loads(result.stdout)[0]
    assert report["counts"]["rejected"] == 3
    swapped = next(p for p in report["problems"] if p["code"] == "coordinates_swapped")
    assert swapped == {
        "position": 1, "record_id": "c1", "field": "latitude", "code": "coordinates_swapped",
        "severity": "warning", "value": "6.1832, 48.6936",
        "message": "latitude et longitude étaient inversées : corrigé",
    }  # fmt: skip


def test_clean_import_exits_0_and_stats_count_it(run):
    result = run("import", str(FIXTURES / "hostile" / "cp1252.csv"))
    assert result.exit_code == 0, result.output
    stats = json.loads(run("stats", "--json").output)
    assert stats["venues"] == {"active": 2}
    assert stats["raw_records"] == {"stored": 2}


def test_unreadable_file_is_a_french_error(run):
    result = run("import", str(FIXTURES / "hostile" / "not-json.json"))
    assert result.exit_code == 1
    assert "JSON illisible ligne 1" in result.output


def test_demo_loads_the_fixtures_once(run):
    result = run("demo", "--no-serve")
    assert result.exit_code == 0, result.output
    assert "3414 lieux dans l'annuaire" in result.output
    again = run("demo", "--no-serve")
    assert "Chargement" not in again.output and "3414 lieux" in again.output


def test_sources_harvest_and_report(tmp_path):
    """Five real sources of three kinds in source files, one command, one merged directory."""
    runner = CliRunner()
    env = {"DIRECTORY_DATA_DIR": str(tmp_path), "DATABASE_URL": "", "DIRECTORY_SOURCES_DIR": str(FIXTURES / "sources")}

    def run(*args: str):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    listing = run("sources")
    assert listing.exit_code == 0 and "grand-lyon" in listing.output and "jamais" in listing.output
    assert run("sources", "check").exit_code == 0
    first = run("harvest", "--all")
    assert first.exit_code == 0, first.output
    for source in ("conseillers-numeriques", "grand-lyon", "hinaura", "nouvelle-caledonie", "res-in"):
        assert f"✓ {source} (moisson" in first.output
    cnfs = next(line for line in first.output.splitlines() if line.startswith("✓ conseillers-numeriques"))
    assert " 0 fusionnés" not in cnfs  # it overlaps Hinaura in Auvergne-Rhône-Alpes
    again = run("harvest", "--all")
    assert again.output.count("rien n'a changé") == 5
    assert run("harvest", "--due").output.strip() == ""  # nothing is due a second time today
    queue = run("review")
    first_pair = queue.output.splitlines()[0].split()
    assert first_pair[2] == "⟷"
    decided = run("review", "different", first_pair[1], first_pair[3], "--par", "Camille")
    assert "Décision enregistrée (lieux différents)" in decided.output
    assert first_pair[1] not in run("review").output.split("⟷")[0]
    assert run("review", "same", "x:1", "y:2", "--par", "Camille").exit_code == 1
    report = run("harvest", "report", "1")
    assert report.exit_code == 0 and "Moisson 1" in report.output
    assert run("harvest", "report", "999").exit_code == 1
    assert run("harvest", "inconnue").exit_code == 1


def test_an_empty_sources_folder_is_said_not_silently_harvested(run, tmp_path):
    listing = run("sources")
    assert listing.exit_code == 0 and "aucune source dans" in listing.output
    for flag in ("--all", "--due"):
        result = run("harvest", flag)
        assert result.exit_code == 1
        assert "aucune source dans" in result.output and "n'existe pas" in result.output


def _local_source(folder, id: str, publisher: str, data: str, *, fmt: str = "national-csv", enabled: bool = True) -> None:
    (folder / f"{id}.toml").write_text(
        f'id = "{id}"\nname = "{id}"\npublisher = "{publisher}"\nkind = "network"\npath = "{data}"\n'
        f'format = "{fmt}"\nlicence = "etalab-2.0"\nenabled = {str(enabled).lower()}\n',
        encoding="utf-8",
    )


def test_a_broken_source_fails_alone_and_a_disabled_one_hides_nothing(tmp_path):
    """An unreadable file does not stop the harvest of the others; the records an aggregator
    got from a publisher are taken as long as that publisher is not harvested directly."""
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "cassé.json").write_text("<html>Erreur 502</html>", encoding="utf-8")
    _local_source(sources, "casse", "Cassé", "cassé.json", fmt="national-json")
    lines = (FIXTURES / "demo" / "hinaura-2021.csv").read_text(encoding="utf-8").splitlines()[:11]
    (sources / "agregat.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")  # their « source » is Hinaura
    _local_source(sources, "agregateur", "Agrégateur", "agregat.csv")
    _local_source(sources, "hinaura", "Hinaura", "agregat.csv", enabled=False)
    runner = CliRunner()
    env = {"DIRECTORY_DATA_DIR": str(tmp_path), "DATABASE_URL": "", "DIRECTORY_SOURCES_DIR": str(sources)}
    result = runner.invoke(main, ["harvest", "--all"], env=env, catch_exceptions=False)
    assert result.exit_code == 1  # a failed source is an error for cron
    assert "✗ casse (moisson 2, échec)" in result.output and "source illisible" in result.output
    assert "✓ agregateur (moisson 1, complète) : 10 reçus, 10 nouveaux" in result.output
    listing = runner.invoke(main, ["sources"], env=env, catch_exceptions=False).output
    assert "casse — network, tous les 1 j — 0 fiches — dernière moisson : " in listing and "(échec)" in listing


def test_the_search_index_follows_imports_and_reindex_rebuilds_it(run, tmp_path):
    from directory.config import Settings
    from directory.search import SearchQuery, open_index

    run("import", str(FIXTURES / "hostile" / "cp1252.csv"))
    index = open_index(Settings(data_dir=tmp_path))
    found = index.query(SearchQuery(text="mediatheque ile"))
    assert found.total == 1
    result = run("reindex")
    assert result.exit_code == 0 and "Index reconstruit : 2 lieux." in result.output


def test_sources_feedback_names_the_source_and_its_quarantine(tmp_path):
    runner = CliRunner()
    env = {"DIRECTORY_DATA_DIR": str(tmp_path), "DATABASE_URL": "", "DIRECTORY_SOURCES_DIR": str(FIXTURES / "sources")}
    runner.invoke(main, ["harvest", "conseillers-numeriques"], env=env, catch_exceptions=False)
    again = runner.invoke(main, ["harvest", "conseillers-numeriques"], env=env, catch_exceptions=False)
    assert "moisson 2, inchangée" in again.output  # read nothing: the feedback still describes run 1
    result = runner.invoke(main, ["sources", "feedback", "conseillers-numeriques", "--json"], env=env)
    body = json.loads(result.output)
    assert body["source"] == "conseillers-numeriques" and len(body["quarantaine"]) == 6
    assert body["moisson"] == 1 and body["moisson_le"]
    text = runner.invoke(main, ["sources", "feedback", "conseillers-numeriques"], env=env).output
    assert "6 fiche(s) en quarantaine (moisson 1 du " in text and "la dernière qui a lu la source" in text
    assert runner.invoke(main, ["sources", "feedback", "inconnue"], env=env).exit_code == 1


def test_review_decisions_merge_and_split_venues_at_once(run, tmp_path):
    """Two files, one venue each; a person says the same (merged), then changes her mind (split)."""
    record = next(csv.DictReader((FIXTURES / "demo" / "hinaura-2021.csv").open(encoding="utf-8")))
    other = {**record, "id": "mairie", "nom": "Espace numérique de la mairie"}

    def import_(name: str, row: dict[str, str]) -> None:
        with (tmp_path / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(row))
            writer.writeheader()
            writer.writerow(row)
        assert run("import", str(tmp_path / f"{name}.csv")).exit_code == 0

    def venues() -> dict[str, int]:
        return json.loads(run("stats", "--json").output)["venues"]

    def found() -> int:  # what the search shows, in step with the decisions
        from directory.config import Settings
        from directory.search import SearchQuery, open_index

        return open_index(Settings(data_dir=tmp_path)).query(SearchQuery(text="abondance")).total

    import_("a", record)
    import_("b", other)
    left, right = f"fichier-a:{record['id']}", "fichier-b:mairie"
    same = run("review", "same", right, left, "--par", "Camille")
    assert same.exit_code == 0 and "Décision enregistrée (même lieu)" in same.output
    assert re.search(r"Lieux fusionnés : \S+ rejoint \S+ \(son adresse y mène désormais\)\.", same.output)
    assert venues() == {"active": 1, "merged": 1} and found() == 1
    import_("b", {**other, "telephone": "0450111111"})  # the record changed: still one venue
    assert venues() == {"active": 1, "merged": 1}
    different = run("review", "different", left, right, "--par", "Camille")
    assert different.exit_code == 0 and "Décision enregistrée (lieux différents)" in different.output
    assert re.search(r"Lieux séparés : fichier-b:mairie quitte \S+ et devient le lieu \S+\.", different.output)
    assert venues() == {"active": 2, "merged": 1} and found() == 2
    import_("b", {**other, "telephone": "0450222222"})
    assert venues() == {"active": 2, "merged": 1}
    unknown = run("review", "same", left, "fichier-c:1", "--par", "Camille")
    assert unknown.exit_code == 1 and "fiches inconnues de l'annuaire : fichier-c:1" in unknown.output
    assert run("review", "different", left, left, "--par", "Camille").exit_code == 1
