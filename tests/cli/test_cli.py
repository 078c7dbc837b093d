# SPDX-License-Identifier: Apache-2.0
"""The command line, through click's runner on a SQLite database in tmp."""

from __future__ import annotations

import csv
import fcntl
import json
import os
import re
import subprocess
import sys

from click.testing import CliRunner

from directory.cli import main
from directory.store import utcnow
from directory.store.migrate import head_revision

from ..conftest import FIXTURES


def test_db_upgrade_then_status(run):
    result = run("db", "upgrade")
    assert result.exit_code == 0 and f"Base à jour (révision {head_revision()})" in result.output
    assert run("db", "status").exit_code == 0


def test_commands_refuse_an_unmigrated_database(run):
    result = run("stats")
    assert result.exit_code == 1
    assert "directory db upgrade" in result.output


def test_import_reports_rows_and_exits_1_on_rejections(run):
    result = run("import", str(FIXTURES / "hostile" / "missing-columns.csv"))  # an unknown term costs no row
    assert result.exit_code == 1
    assert "2 reçus, 0 nouveaux" in result.output and "2 en quarantaine" in result.output
    assert "ligne 1 id=m1 · rejet · adresse : ce champ est obligatoire et il est vide" in result.output
    assert "Traceback" not in result.output


def test_import_json_report(run):
    result = run("import", "--json", str(FIXTURES / "hostile" / "coordinates.csv"))
    report = json.loads(result.stdout)[0]
    assert (report["counts"]["quarantined"], report["counts"]["new"] + report["counts"]["merged"]) == (0, 6)
    zero = next(p for p in report["problems"] if p["code"] == "coordinates_zero")
    assert zero["message"] == "les coordonnées (0, 0) ne désignent pas un lieu réel : point ignoré"
    swapped = next(p for p in report["problems"] if p["code"] == "coordinates_swapped")
    assert swapped == {
        "position": 1,
        "record_id": "c1",
        "field": "latitude",
        "code": "coordinates_swapped",
        "severity": "warning",
        "value": "6.1832, 48.6936",
        "message": "latitude et longitude étaient inversées : corrigé",
    }


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
    (loaded,) = re.findall(r"(\d+) lieux dans l'annuaire", result.output)
    assert 3000 < int(loaded) < 3414  # 3,414 records: the same places, listed by both networks, matched together
    again = run("demo", "--no-serve")
    assert "Chargement" not in again.output and f"{loaded} lieux dans l'annuaire" in again.output


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
    assert again.output.count("rien n'a changé") == 5, again.output
    assert run("harvest", "--due").output.strip() == ""  # nothing is due a second time today
    queue = run("review")
    first_pair = queue.output.splitlines()[0].split()
    merged = run("review", "fusions")  # what matching merged alone, each with its evidence in words
    assert merged.exit_code == 0 and "  =  " in merged.output.splitlines()[0], merged.output[:500]
    assert "même adresse" in merged.output and "même téléphone" in merged.output
    assert run("users", "add", "camille", "--role", "admin").exit_code == 0
    assert first_pair[2] == "⟷"
    decided = run("review", "different", first_pair[1], first_pair[3], "--par", "camille")
    assert "Décision enregistrée (lieux différents)" in decided.output
    assert first_pair[1] not in run("review").output.split("⟷")[0]
    assert run("review", "same", "x:1", "y:2", "--par", "camille").exit_code == 1
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


def _local_source(
    folder, id: str, publisher: str, data: str, *, fmt: str = "national-csv", enabled: bool = True
) -> None:
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
    _local_source(sources, "a-casse", "Cassé", "cassé.json", fmt="national-json")  # harvested first
    lines = (FIXTURES / "demo" / "hinaura-2021.csv").read_text(encoding="utf-8").splitlines()[:11]
    (sources / "agregat.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")  # their « source » is Hinaura
    _local_source(sources, "agregateur", "Agrégateur", "agregat.csv")
    _local_source(sources, "hinaura", "Hinaura", "agregat.csv", enabled=False)
    runner = CliRunner()
    env = {"DIRECTORY_DATA_DIR": str(tmp_path), "DATABASE_URL": "", "DIRECTORY_SOURCES_DIR": str(sources)}
    result = runner.invoke(main, ["harvest", "--all"], env=env, catch_exceptions=False)
    assert result.exit_code == 1  # a failed source is an error for cron
    assert "✗ a-casse (moisson 1, échec)" in result.output and "source illisible" in result.output
    assert "✓ agregateur (moisson 2, complète) : 10 reçus, 10 nouveaux" in result.output
    listing = runner.invoke(main, ["sources"], env=env, catch_exceptions=False).output
    assert "a-casse — network, tous les 1 j — 0 fiches — dernière moisson : " in listing and "(échec)" in listing


def test_a_person_confirms_that_a_source_really_shrank(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    lines = (FIXTURES / "demo" / "hinaura-2021.csv").read_text(encoding="utf-8").splitlines()
    (sources / "lieux.csv").write_text("\n".join(lines[:13]) + "\n", encoding="utf-8")
    _local_source(sources, "commune", "Hinaura", "lieux.csv")
    runner = CliRunner()
    env = {"DIRECTORY_DATA_DIR": str(tmp_path), "DATABASE_URL": "", "DIRECTORY_SOURCES_DIR": str(sources)}

    def run(*args: str):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    assert "12 nouveaux" in run("harvest", "commune").output
    (sources / "lieux.csv").write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")  # 3 of 12 left
    suspect = run("harvest", "commune").output
    assert "(moisson 2, partielle)" in suspect and "directory harvest commune --confirmer-retraits" in suspect
    assert run("harvest", "--all", "--confirmer-retraits").exit_code == 1  # only for sources a person checked
    confirmed = run("harvest", "commune", "--confirmer-retraits").output
    assert "(moisson 3, complète)" in confirmed and "9 lieux retirés, ils ne figurent plus dans la source" in confirmed


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
    sources = tmp_path / "sources"
    sources.mkdir()
    records = list(csv.DictReader((FIXTURES / "demo" / "hinaura-2021.csv").open(encoding="utf-8")))[:5]
    records[2]["date_maj"] = "bientôt"  # not a date: quarantined
    with (sources / "lieux.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    _local_source(sources, "commune", "Commune", "lieux.csv")
    runner = CliRunner()
    env = {"DIRECTORY_DATA_DIR": str(tmp_path), "DATABASE_URL": "", "DIRECTORY_SOURCES_DIR": str(sources)}
    runner.invoke(main, ["harvest", "commune"], env=env, catch_exceptions=False)
    again = runner.invoke(main, ["harvest", "commune"], env=env, catch_exceptions=False)
    assert "moisson 2, inchangée" in again.output  # read nothing: the feedback still describes run 1
    result = runner.invoke(main, ["sources", "feedback", "commune", "--json"], env=env)
    body = json.loads(result.output)
    assert body["source"] == "commune" and [q["record_id"] for q in body["quarantaine"]] == [records[2]["id"]]
    assert body["moisson"] == 1 and body["moisson_le"]
    text = runner.invoke(main, ["sources", "feedback", "commune"], env=env).output
    assert "1 fiche(s) en quarantaine (moisson 1 du " in text and "la dernière qui a lu la source" in text
    assert "date_maj : date illisible" in text
    assert runner.invoke(main, ["sources", "feedback", "inconnue"], env=env).exit_code == 1


def test_review_decisions_merge_and_split_venues_at_once(run, tmp_path):
    """Two files, one venue each; a person says the same (merged), then changes her mind (split)."""
    assert run("users", "add", "camille", "--role", "admin").exit_code == 0
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
    same = run("review", "same", right, left, "--par", "camille")
    assert same.exit_code == 0 and "Décision enregistrée (même lieu)" in same.output
    assert re.search(r"Lieux fusionnés : \S+ rejoint \S+ \(son adresse y mène désormais\)\.", same.output)
    assert venues() == {"active": 1, "merged": 1} and found() == 1
    import_("b", {**other, "telephone": "0450111111"})  # the record changed: still one venue
    assert venues() == {"active": 1, "merged": 1}
    different = run("review", "different", left, right, "--par", "camille")
    assert different.exit_code == 0 and "Décision enregistrée (lieux différents)" in different.output
    assert re.search(r"Lieux séparés : fichier-b:mairie quitte \S+ et devient le lieu \S+\.", different.output)
    assert venues() == {"active": 2, "merged": 1} and found() == 2
    import_("b", {**other, "telephone": "0450222222"})
    assert venues() == {"active": 2, "merged": 1}
    unknown = run("review", "same", left, "fichier-c:1", "--par", "camille")
    assert unknown.exit_code == 1 and "fiches inconnues de l'annuaire : fichier-c:1" in unknown.output
    assert run("review", "different", left, left, "--par", "camille").exit_code == 1


def _small_source(tmp_path, rows: int = 10):
    """A sources folder with one local source, « petit », of ``rows`` Hinaura rows; its environment."""
    sources = tmp_path / "sources"
    sources.mkdir()
    lines = (FIXTURES / "demo" / "hinaura-2021.csv").read_text(encoding="utf-8").splitlines()[: rows + 1]
    (sources / "petit.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _local_source(sources, "petit", "Petit", "petit.csv")
    return sources, {"DIRECTORY_DATA_DIR": str(tmp_path), "DATABASE_URL": "", "DIRECTORY_SOURCES_DIR": str(sources)}


def test_a_second_harvest_waits_for_the_first_instead_of_crashing(tmp_path):
    """Two harvests at once used to fight over SQLite's write lock (« database is locked »)."""
    _, env = _small_source(tmp_path)
    with (tmp_path / "harvest.lock").open("a") as first:  # a harvest is running
        fcntl.flock(first, fcntl.LOCK_EX)
        second = subprocess.Popen(
            [sys.executable, "-m", "directory", "harvest", "petit"],
            env={**os.environ, **env},
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert second.stderr.readline() == "une autre moisson est en cours : attente…\n"
            assert second.poll() is None  # it waits
        except BaseException:
            second.kill()
            raise
    out, err = second.communicate(timeout=120)  # the first is over: it harvests
    assert second.returncode == 0, err
    assert "✓ petit (moisson 1, complète) : 10 reçus" in out


def test_the_worker_reports_a_failed_pass_and_goes_on(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from directory.cli import harvesting

    sources, env = _small_source(tmp_path)
    (sources / "zz.toml").write_text('id = "zz\n', encoding="utf-8")  # saved half-written
    passes: list[int] = []

    class Stop(Exception):
        pass

    def sleep(seconds: int) -> None:
        passes.append(seconds)
        if len(passes) == 1:
            (sources / "zz.toml").unlink()  # mended before the second pass
        if len(passes) == 3:
            raise Stop

    def sync_index(settings, store):
        if len(passes) == 1:  # the second pass breaks after harvesting
            raise RuntimeError("index plein")
        return real_sync(settings, store)

    real_sync = harvesting.sync_index
    monkeypatch.setattr(harvesting, "time", SimpleNamespace(sleep=sleep))
    monkeypatch.setattr(harvesting, "sync_index", sync_index)
    runner = CliRunner()
    result = runner.invoke(main, ["worker", "--every", "2"], env=env)
    assert isinstance(result.exception, Stop), result.output  # still looping after three passes
    stderr = result.stderr.splitlines()
    assert (
        stderr[0].startswith("Passage interrompu : zz.toml : syntaxe TOML invalide")
        and "Traceback" not in result.output
    )
    assert stderr[1:] == [
        "Nouvel essai dans 2 s.",
        "Passage interrompu : erreur inattendue (RuntimeError : index plein)",
        "Nouvel essai dans 2 s.",
    ]
    assert "✓ petit (moisson 1, complète) : 10 reçus" in result.stdout
    assert result.stdout.rstrip().endswith("Aucune source à moissonner.")  # the third pass: petit is not due
    once = runner.invoke(main, ["worker", "--once"], env=env, catch_exceptions=False)
    assert (once.exit_code, once.output) == (0, "Aucune source à moissonner.\n")
    (sources / "zz.toml").write_text("[", encoding="utf-8")
    broken = runner.invoke(main, ["worker", "--once"], env=env, catch_exceptions=False)
    assert broken.exit_code == 1 and broken.stderr.startswith("Passage interrompu : zz.toml : syntaxe TOML invalide")


def test_harvest_report_speaks_french(tmp_path):
    sources, env = _small_source(tmp_path, rows=4)
    rows = list(csv.DictReader((sources / "petit.csv").open(encoding="utf-8")))
    rows[0]["pivot"] = ""
    rows[1]["latitude"], rows[1]["longitude"] = rows[1]["longitude"], rows[1]["latitude"]
    rows[2]["nom"] = ""
    rows[3]["latitude"], rows[3]["longitude"] = "48.8566", "2.3522"  # Paris, for a venue in Haute-Savoie
    with (sources / "petit.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    runner = CliRunner()
    assert runner.invoke(main, ["harvest", "petit"], env=env, catch_exceptions=False).exit_code == 0
    report = runner.invoke(main, ["harvest", "report", "1"], env=env, catch_exceptions=False).output.splitlines()
    assert report[1] == (
        "  4 reçus, 3 nouveaux, 0 modifiés, 0 inchangés, 1 en quarantaine, 0 géocodés, 1 placés au centre de leur "
        "commune, 0 fusionnés, 0 à vérifier, 0 retirés — 0 requêtes"
    )
    assert report[2:] == [
        "  rejet ×1 · nom : ce champ est obligatoire et il est vide",
        "  avertissement ×1 · pivot : pivot absent : remplacé par 00000000000000 (aucun SIRET connu)",
        "  avertissement ×1 · latitude : latitude et longitude étaient inversées : corrigé",
        "  avertissement ×1 · latitude : ce point est à … km de la commune … : les coordonnées semblent fausses",
        "  avertissement ×1 · latitude : aucun point sûr pour cette adresse (…) : lieu placé au centre de sa commune",
    ]
    machine = json.loads(runner.invoke(main, ["harvest", "report", "1", "--json"], env=env).output)[0]
    assert machine["counts"]["fetched"] == 4 and ["pivot : pivot_missing", 1] in machine["report"]["warning_reasons"]


def test_review_shows_both_venues_and_only_pairs_still_in_the_directory(run, tmp_path):
    from directory.store import open_store

    rows = list(csv.DictReader((FIXTURES / "demo" / "hinaura-2021.csv").open(encoding="utf-8")))[:2]
    for name, row in zip("ab", rows):
        with (tmp_path / f"{name}.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(row))
            writer.writeheader()
            writer.writerow(row)
        assert run("import", str(tmp_path / f"{name}.csv")).exit_code == 0
    a, b = f"fichier-a:{rows[0]['id']}", f"fichier-b:{rows[1]['id']}"
    store = open_store(f"sqlite:///{tmp_path / 'directory.db'}")
    with store.writer() as w:
        w.add_review_items(
            [
                {"left_key": a, "right_key": b, "score": 0.69, "parts": {"nom": 0.4}},
                {"left_key": a, "right_key": "fichier-c:1", "score": 0.9, "parts": {}},
            ],
            None,
            utcnow(),
        )
    store.close()
    lines = run("review").output.splitlines()
    assert lines[1].startswith("      ") and lines[1].strip().endswith("communes différentes")  # the evidence in words
    assert lines[:1] + lines[2:4] == [
        f"0.69  {a}  ⟷  {b}  (nom 0.40)",
        f"      {a} : MAISON DE SERVICES AU PUBLIC D'ABONDANCE — PLACE DU CHAMP DE FOIRE, 74360 ABONDANCE",
        f"      {b} : {rows[1]['nom']} — {rows[1]['adresse']}, {rows[1]['code_postal']} {rows[1]['commune']}",
    ]


def test_sources_check_runs_the_samples_with_the_commune_table_as_a_harvest_does(tmp_path):
    """A postcode and a commune give the INSEE code at harvest time: a sample expecting it passes."""
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "lyon.toml").write_text(
        """
id = "lyon"
name = "Lieux de Lyon"
publisher = "Ville de Lyon"
kind = "commune"
path = "lieux.csv"
format = "table-csv"
licence = "Licence Ouverte 2.0"

[mapping]
id = "ID"
nom = "Nom"
adresse = "Adresse"
code_postal = "CP"
commune = "Ville"
date_maj = { value = "2025-03-01" }

[[samples]]
input = { ID = "1", Nom = "Médiathèque", Adresse = "246 rue Duguesclin", CP = "69003", Ville = "Lyon" }
expected = { code_insee = "69383", commune = "Lyon" }
""",
        encoding="utf-8",
    )
    env = {"DIRECTORY_DATA_DIR": str(tmp_path), "DATABASE_URL": "", "DIRECTORY_SOURCES_DIR": str(folder)}
    result = CliRunner().invoke(main, ["sources", "check"], env=env, catch_exceptions=False)
    assert (result.exit_code, result.output) == (0, "✓ lyon : 1 exemples\n")
