# SPDX-License-Identifier: Apache-2.0
"""A person's correction against real harvests: a changed record does not overwrite it, until it is given back."""

from __future__ import annotations

from datetime import timedelta

from directory.harvest import load_source

from .test_run import NOW, harvest, rows, source_file, write_csv


def test_a_reharvest_of_a_changed_record_keeps_the_corrected_fields(store, places, served, fetcher, tmp_path):
    root, server = served
    records = rows()[:10]
    write_csv(root / "lieux.csv", records)
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    harvest(store, config, fetcher, places)
    venue_id = next(s.venue.id for s in store.iter_venues() if ("hinaura", "hinaura-0") in s.sources)
    with store.writer() as w:
        w.correct(venue_id, "telephone", "04 50 73 00 00", "Camille", NOW + timedelta(hours=1), places=places)
        w.correct(venue_id, "adresse", "2 place du Champ de Foire", "Camille", NOW + timedelta(hours=1), places=places)
    records[0] = {
        **records[0],
        "telephone": "0450999999",
        "adresse": "Mairie",
        "code_postal": "74361",
        "nom": "France services d'Abondance",
    }
    write_csv(root / "lieux.csv", records)
    report = harvest(store, config, fetcher, places, now=NOW + timedelta(days=1))
    assert (report.status, report.updated, report.unchanged) == ("complete", 1, 9)
    stored = store.get_venue(venue_id)
    assert (stored.venue.telephone, stored.venue.adresse, stored.venue.code_postal) == (
        "+33450730000",
        "2 place du Champ de Foire",
        "74360",
    )  # the whole address stays the person's
    assert stored.venue.nom == "France services d'Abondance"  # what nobody corrected follows the source
    assert stored.provenance["telephone"].locked and stored.provenance["code_postal"].locked
    with store.writer() as w:
        w.unlock(venue_id, "telephone", "Camille", NOW + timedelta(days=2))
    assert store.get_venue(venue_id).venue.telephone == "+33450999999"
    records[0]["telephone"] = "0450888888"
    write_csv(root / "lieux.csv", records)
    assert harvest(store, config, fetcher, places, now=NOW + timedelta(days=3)).updated == 1
    stored = store.get_venue(venue_id).venue  # the phone follows the source again; the address is still locked
    assert (stored.telephone, stored.adresse) == ("+33450888888", "2 place du Champ de Foire")
