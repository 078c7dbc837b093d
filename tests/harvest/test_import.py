# SPDX-License-Identifier: Apache-2.0
"""``import_file`` (a harvest of a file handed over) on real national-standard files and on hostile ones."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from directory.harvest import import_file
from directory.schema import ConditionFrais, Severity

from ..conftest import DATASETS, FIXTURES, OFFICIAL_EXAMPLE

HOSTILE = FIXTURES / "hostile"


def reasons(report, severity=Severity.ERROR):
    return {(p.record_id, p.problem.field, p.problem.code) for p in report.problems if p.problem.severity is severity}


def raw_statuses(store, run_id):
    with store.engine.connect() as c:
        return dict(
            c.execute(sa.text("SELECT record_id, status FROM raw_record WHERE run_id = :r"), {"r": run_id}).all()
        )


@pytest.mark.parametrize(
    ("path", "read", "stored", "rejected"),
    [
        (OFFICIAL_EXAMPLE, 1, 1, 0),
        (DATASETS / "hinaura" / "source.json", 687, 687, 0),
        (
            DATASETS
            / "nouvelle-caledonie"
            / "20240320-nouvelle-caledonie-lieux-de-mediation-numeriques-nouvelle-caledonie.json",
            90,
            78,
            12,
        ),
    ],
    ids=lambda p: p.parent.name if hasattr(p, "parent") else None,
)
def test_every_national_standard_file_of_the_real_datasets(store, places, path, read, stored, rejected):
    report = import_file(store, path, places=places)
    assert (report.fetched, report.new + report.merged, report.quarantined) == (read, stored, rejected)
    assert store.count_venues() == report.new
    assert sorted(raw_statuses(store, report.run_id).values()).count("quarantined") == rejected


def test_official_example_is_flagged(store, places):
    """Its point is in Aix-en-Provence, its address in Reims: placed at Reims, as a harvest would."""
    report = import_file(store, OFFICIAL_EXAMPLE, places=places)
    assert ("structure-1", "latitude", "coordinates_far_from_commune") in reasons(report, Severity.WARNING)
    assert not store.nearest(43.52609, 5.41423, limit=1, radius_km=50)
    reims = places.commune("51454")
    venue_id = store.nearest(reims.lat, reims.lon, limit=1, radius_km=1)[0].venue.id
    flags = store.get_venue(venue_id).flags
    assert [f["code"] for f in flags] == ["coordinates_far_from_commune", "placed_at_commune"]


def test_second_import_of_the_same_file_changes_nothing(store, places):
    path = DATASETS / "hinaura" / "source.json"
    import_file(store, path, places=places)
    with store.engine.connect() as c:
        changes = c.execute(sa.text("SELECT count(*) FROM change_log")).scalar_one()
    again = import_file(store, path, places=places)
    assert (again.status, again.new, again.updated, again.unchanged) == ("complete", 0, 0, 687)
    with store.engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM change_log")).scalar_one() == changes


def test_pass_numerique_stays_findable(store, places):
    import_file(store, DATASETS / "hinaura" / "source.json", places=places)
    with store.engine.connect() as c:
        count = c.execute(
            sa.text("SELECT count(*) FROM venue_term WHERE field = 'conditions_frais' AND code = :c"),
            {"c": ConditionFrais.PASS_NUMERIQUE.code},
        ).scalar_one()
    source = json.loads((DATASETS / "hinaura" / "source.json").read_text(encoding="utf-8"))
    assert count == sum("Pass numérique" in (r.get("conditions_acces") or "") for r in source) > 0


def test_wrong_encodings_are_read(store, places):
    report = import_file(store, HOSTILE / "cp1252.csv", places=places)
    assert (report.new + report.merged, report.quarantined) == (2, 0)
    names = {n.venue.nom for n in store.nearest(48.6936, 6.1832, limit=5)}
    assert "Médiathèque de l'Île — Œuvre sociale" in names
    report = import_file(store, HOSTILE / "bom-semicolon.csv", places=places)
    assert (report.new + report.merged, report.quarantined) == (2, 0)


def test_missing_required_columns(store, places):
    report = import_file(store, HOSTILE / "missing-columns.csv", places=places)
    assert report.quarantined == 2 and report.new == 0
    assert "colonnes obligatoires absentes : adresse, date_maj" in report.notes
    assert ("m1", "adresse", "required") in reasons(report)


def test_unknown_codes_cost_the_term_not_the_row(store, places):
    report = import_file(store, HOSTILE / "unknown-codes.csv", places=places)
    assert (report.new + report.merged, report.quarantined) == (3, 0)
    assert reasons(report) == set()
    dropped = {
        (p.record_id, p.problem.field, p.problem.value)
        for p in report.problems
        if p.problem.code == "unknown_term_dropped"
    }
    assert dropped == {("u1", "services", "Réparation de vélos"), ("u2", "frais_a_charge", "Sur donation")}
    assert raw_statuses(store, report.run_id) == {"u1": "stored", "u2": "stored", "u3": "stored"}


def test_coordinates(store, places):
    report = import_file(store, HOSTILE / "coordinates.csv", places=places)
    assert reasons(report) == set() and report.new + report.merged == 6  # a bad point loses the point, never the venue
    assert reasons(report, Severity.WARNING) == {
        ("c1", "latitude", "coordinates_swapped"),
        ("c2", "latitude", "coordinates_outside_france"),
        ("c3", "latitude", "coordinates_zero"),
        ("c4", "latitude", "coordinates_far_from_commune"),
        ("c4", "latitude", "placed_at_commune"),  # in Marseille, for a Nancy address: the map shows it in Nancy
        ("c5", "latitude", "coordinates_out_of_range"),
        # a point dropped gives way to the commune's centre, flagged, as in every harvest
        ("c2", "latitude", "placed_at_commune"),
        ("c3", "latitude", "placed_at_commune"),
        ("c5", "latitude", "placed_at_commune"),
    }
    swapped = [n for n in store.nearest(48.6936, 6.1832, limit=5) if n.venue.nom == "Inversées"]
    assert swapped and swapped[0].distance_m < 1


def test_malformed_hours_are_kept_as_text(store, places):
    report = import_file(store, HOSTILE / "bad-hours.csv", places=places)
    assert report.new + report.merged == 3 and report.quarantined == 0
    warned = {p.record_id: p.problem.message for p in report.problems}
    assert set(warned) == {"o1", "o2"}
    assert "« -13:45 »" in warned["o2"]


def test_two_megabyte_field(store, places):
    report = import_file(store, HOSTILE / "huge-field.csv", places=places)
    assert reasons(report) == {("x1", "presentation_detail", "too_long")}
    assert report.new + report.merged == 1
    with store.engine.connect() as c:  # the raw record is kept whole, nothing is lost
        payload = c.execute(sa.text("SELECT payload FROM raw_record WHERE record_id = 'x1'")).scalar_one()
    assert len(payload) > 2_000_000


def test_script_tags_and_hostile_text(store, places):
    report = import_file(store, HOSTILE / "script-tags.json", places=places)
    assert reasons(report) == {("s1", "nom", "markup"), (None, "*", "not_an_object"), ("s1", "id", "duplicate_id")}
    names = sorted(n.venue.nom for n in store.nearest(48.6936, 6.1832, limit=5))
    assert names == ['Espace "Le Lien" | 🖥️ ; ça va', "Lien"]


@pytest.mark.parametrize("name", ["not-json.json", "binary.csv"])
def test_unreadable_files_fail_in_french_and_store_nothing(store, places, name):
    report = import_file(store, HOSTILE / name, places=places)
    assert report.status == "failed"
    assert "JSON illisible" in report.notes[0] or "pas un fichier texte" in report.notes[0]
    assert store.count_venues() == 0
    with store.engine.connect() as c:
        assert c.execute(sa.text("SELECT status FROM run")).scalars().all() == ["failed"]


def test_demo_fixtures_cover_the_required_territories(tmp_path, places):
    """The demo must answer around Lyon, Nantes, Metz, Grand Nancy and Grand Paris."""
    from directory.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'demo.db'}", upgrade=True)
    for path in sorted((FIXTURES / "demo").glob("*.csv")):
        report = import_file(store, path, places=places)
        assert report.quarantined == 0, report.rejected_reasons
    for place in ("69003", "Nantes", "Metz", "Nancy", "75019"):
        point = places.resolve(place)
        nearby = store.nearest(point.lat, point.lon, limit=5, radius_km=10)
        assert len(nearby) == 5, place


def stored_venues(store, run_id):
    """Record id → the venue it was stored as, for one import."""
    with store.engine.connect() as c:
        rows = c.execute(
            sa.text(
                "SELECT l.record_id, v.id FROM source_link l JOIN venue v ON v.pk = l.venue_pk WHERE l.source_id = "
                "(SELECT source_id FROM run WHERE id = :r)"
            ),
            {"r": run_id},
        ).all()
    return {record_id: store.get_venue(venue_id) for record_id, venue_id in rows}


def test_the_commune_checked_four_ways(store, places):
    """Issue 13, item 5: a wrong code moves neither the venue's commune nor its point."""
    report = import_file(store, HOSTILE / "communes.csv", places=places)
    assert (report.new + report.merged, report.quarantined) == (5, 0)
    venues = stored_venues(store, report.run_id)
    assert {k: v.venue.code_insee for k, v in venues.items()} == {
        "k1": "2B033",
        "k2": "69387",
        "k3": "74010",
        "k4": "13089",
        "k5": "69387",
    }
    assert venues["k1"].venue.point == (42.693135, 9.44985) and venues["k4"].venue.point == (43.836317, 4.943599)
    assert venues["k5"].venue.point == (45.730721, 4.82803)  # back from the Atlantic
    assert {
        (r, p.problem.code) for r, p in ((p.record_id, p) for p in report.problems) if p.problem.field != "pivot"
    } == {
        ("k1", "insee_contradicted"),
        ("k2", "insee_contradicted"),
        ("k3", "former_commune"),
        ("k4", "postcode_insee_mismatch"),
        ("k5", "coordinates_sign_flipped"),
    }
    ampuis = store.nearest(45.5105, 4.8135, limit=5, radius_km=10)  # nothing of Lyon's is in Ampuis
    assert not ampuis


def test_recoverable_values_cost_nothing(store, places):
    """Issue 13, item 7: invisible characters removed, formula-like text flagged, v0.1 terms named."""
    report = import_file(store, HOSTILE / "text.csv", places=places)
    assert (report.new + report.merged, report.quarantined) == (3, 0)
    venues = stored_venues(store, report.run_id)
    assert venues["t1"].venue.nom == "Espace numéri numérique" and venues["t1"].venue.adresse == "Place Stanislas"
    assert venues["t3"].venue.nom == "Atelier 👩\u200d💻"
    found = {(p.record_id, p.problem.field, p.problem.code) for p in report.problems if p.problem.field != "pivot"}
    assert found == {
        ("t1", "nom", "invisible_characters"),
        ("t1", "adresse", "invisible_characters"),
        ("t2", "nom", "formula_text"),
        ("t2", "presentation_detail", "formula_text"),
        ("t3", "presentation_detail", "formula_text"),
    }
    message = next(p.problem.message for p in report.problems if p.record_id == "t1" and p.problem.field == "nom")
    assert "U+202E" in message and "retirés" in message
    legacy = import_file(store, HOSTILE / "legacy-terms.json", places=places)
    assert (legacy.new + legacy.merged, legacy.quarantined) == (1, 0)
    said = {(p.problem.code, p.problem.value) for p in legacy.problems if p.problem.field != "pivot"}
    assert said == {
        ("legacy_term_implied", "Adultes"),
        ("legacy_term_dropped", "Sur donation"),
        ("unknown_term_dropped", "Réparer des vélos"),
    }
