# SPDX-License-Identifier: Apache-2.0
"""Issue 13, items 5 and 7, through a harvest: the hostile files of ``test_import`` served over HTTP."""

from __future__ import annotations

import copy
import json
import shutil

import sqlalchemy as sa

from directory.harvest import load_source
from directory.harvest.readers.geojson import point_of

from ..conftest import FIXTURES
from .test_run import harvest, source_file

HOSTILE = FIXTURES / "hostile"


def links(store, source_id):
    with store.engine.connect() as c:
        rows = c.execute(
            sa.text(
                "SELECT l.record_id, v.code_insee, v.latitude, v.longitude, v.nom, l.geo_method FROM source_link l "
                "JOIN venue v ON v.pk = l.venue_pk WHERE l.source_id = :s"
            ),
            {"s": source_id},
        ).all()
    return {r[0]: r[1:] for r in rows}


def test_a_harvest_keeps_the_commune_most_values_agree_on(store, places, served, fetcher, tmp_path):
    root, server = served
    shutil.copy(HOSTILE / "communes.csv", root / "communes.csv")
    report = harvest(store, load_source(source_file(tmp_path, server.url("files/communes.csv"))), fetcher, places)
    # k5 is k2 again (same place once its longitude is mended): merged with it
    assert (report.new + report.merged, report.quarantined, report.placed_at_commune) == (5, 0, 0)  # no point moved
    found = links(store, "hinaura")
    assert {k: v[0] for k, v in found.items()} == {
        "k1": "2B033",
        "k2": "69387",
        "k3": "74010",
        "k4": "13089",
        "k5": "69387",
    }
    assert found["k1"][1:3] == (42.693135, 9.44985)  # still in Bastia, not at Ajaccio's centre
    assert found["k4"][1:3] == (43.836317, 4.943599)  # still in Saint-Andiol, not at Saint-Cannat's centre
    assert found["k5"][1:3] == (45.730721, 4.82803) and found["k5"][4] == "producteur"


def test_a_harvest_keeps_rows_with_recoverable_values(store, places, served, fetcher, tmp_path):
    root, server = served
    shutil.copy(HOSTILE / "text.csv", root / "text.csv")
    shutil.copy(HOSTILE / "unknown-codes.csv", root / "unknown-codes.csv")
    report = harvest(store, load_source(source_file(tmp_path, server.url("files/text.csv"))), fetcher, places)
    assert (report.new + report.merged, report.quarantined) == (3, 0)
    with store.engine.connect() as c:
        names = set(c.execute(sa.text("SELECT nom FROM venue")).scalars())
    assert "Espace numéri numérique" in names and not any("\u202e" in name for name in names)
    other = load_source(source_file(tmp_path, server.url("files/unknown-codes.csv"), id="codes", publisher="Codes"))
    assert harvest(store, other, fetcher, places).quarantined == 0  # an unknown term is dropped, not its row


def test_a_geometry_far_from_its_own_coordinates_is_flagged():
    """Grand Lyon's mapping reads the geometry, then y_wgs84/x_wgs84: 2 km apart, one of them is wrong."""
    config = load_source(FIXTURES / "sources" / "grand-lyon.toml")
    feature = copy.deepcopy(
        json.loads((FIXTURES / "sources" / "grand-lyon" / "wfs-grandlyon.json").read_text())["features"][0]
    )
    record = dict(feature["properties"])
    record["_longitude"], record["_latitude"] = point_of(feature["geometry"])
    assert config.mapping.apply(record)[1] == []  # the real feature agrees with itself
    record["y_wgs84"] = float(record["y_wgs84"]) + 0.018
    (problem,) = config.mapping.apply(record)[1]
    assert (problem.field, problem.code) == ("latitude", "coordinates_disagree")
    assert "2,0 km" in problem.message and "gardé" in problem.message
