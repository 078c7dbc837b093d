# SPDX-License-Identifier: Apache-2.0
"""``directory lieu voir | corriger | rendre``, through click's runner on a SQLite database in tmp."""

from __future__ import annotations

import csv

from directory.config import Settings
from directory.search import SearchQuery, open_index
from directory.store import open_store, utcnow

from ..conftest import FIXTURES


def test_see_correct_and_give_back_a_venue(run, tmp_path):
    assert run("users", "add", "camille", "--role", "admin").exit_code == 0
    assert run("users", "add", "dominique", "--role", "admin").exit_code == 0
    record = next(csv.DictReader((FIXTURES / "demo" / "hinaura-2021.csv").open(encoding="utf-8")))
    with (tmp_path / "lieux.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(record))
        writer.writeheader()
        writer.writerow(record)
    assert run("import", str(tmp_path / "lieux.csv")).exit_code == 0
    store = open_store(f"sqlite:///{tmp_path / 'directory.db'}")
    venue_id = next(store.iter_venues()).venue.id
    store.close()

    def found(text: str) -> int:  # what the search shows
        return open_index(Settings(data_dir=tmp_path)).query(SearchQuery(text=text)).total

    seen = run("lieu", "voir", venue_id)
    assert seen.output.splitlines()[:3] == [
        f"Lieu {venue_id} — MAISON DE SERVICES AU PUBLIC D'ABONDANCE",
        "  pivot : 00000000000000  [lieux.csv]",
        "  nom : MAISON DE SERVICES AU PUBLIC D'ABONDANCE  [lieux.csv]",
    ]
    assert "  frais_a_charge : Gratuit  [lieux.csv]" in seen.output and "telephone" not in seen.output
    today = utcnow().strftime("%d/%m/%Y")
    fixed = run("lieu", "corriger", venue_id, "telephone", "04 50 73 00 00", "--par", "camille")
    assert fixed.exit_code == 0, fixed.output
    assert f"  telephone : +33450730000  [corrigé par camille le {today} (verrouillé)]" in fixed.output
    renamed = run("lieu", "corriger", venue_id, "nom", "Espace France services d'Abondance", "--par", "camille")
    assert renamed.exit_code == 0 and found("france services") == 1  # the search index is in step
    town = run("lieu", "corriger", venue_id, "commune", "Abondance", "--par", "camille")
    assert "Verrouillé : commune (avec adresse, complement_adresse, code_postal, code_insee)" in town.output
    seen = run("lieu", "voir", venue_id).output
    assert f"  complement_adresse : (vide)  [corrigé par camille le {today} (verrouillé)]" in seen
    assert "  horaires : Tu-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00  [lieux.csv]" in seen

    feedback = run("sources", "feedback", "fichier-lieux").output
    assert "3 correction(s) des curateurs :" in feedback
    assert f'· camille · lieu {venue_id} (fiche hinaura-0) · telephone : null → "+33450730000"' in feedback

    back = run("lieu", "rendre", venue_id, "telephone", "--par", "dominique")
    assert back.output.splitlines() == ["Rendu aux sources : telephone.", "  telephone : (vide)  [aucune source]"]
    again = run("lieu", "rendre", venue_id, "telephone", "--par", "dominique")
    assert again.output == "telephone n'était pas verrouillé : rien à rendre.\n"


def test_clear_errors_in_french(run, tmp_path):
    assert run("users", "add", "camille", "--role", "admin").exit_code == 0
    assert run("import", str(FIXTURES / "hostile" / "cp1252.csv")).exit_code == 0
    store = open_store(f"sqlite:///{tmp_path / 'directory.db'}")
    venue_id = next(store.iter_venues()).venue.id
    store.close()
    unknown = run("lieu", "voir", "l0000000000")
    assert (unknown.exit_code, unknown.output) == (1, "Error: lieu inconnu : l0000000000\n")
    field = run("lieu", "corriger", venue_id, "couleur", "bleu", "--par", "camille")
    assert field.exit_code == 1 and "champ inconnu : couleur (champs possibles : pivot, nom, commune," in field.output
    phone = run("lieu", "corriger", venue_id, "telephone", "pas un numéro", "--par", "camille")
    assert phone.exit_code == 1 and phone.output.startswith(
        "Error: valeur refusée pour telephone : numéro de téléphone illisible (attendu un numéro français"
    )
    services = run("lieu", "corriger", venue_id, "services", "Réparation de vélos", "--par", "camille")
    assert "valeur refusée pour services : « Réparation de vélos » ne fait pas partie du vocabulaire" in services.output
    assert run("lieu", "rendre", "l0000000000", "nom", "--par", "camille").exit_code == 1
    assert "Traceback" not in phone.output + services.output
