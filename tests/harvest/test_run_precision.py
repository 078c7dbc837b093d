# SPDX-License-Identifier: Apache-2.0
"""A run tells the matcher how precise each new record's point is (issue 14): a point replaced by its
commune's centre (it lay far from its commune) is no distance, so the same place listed by a second
producer (same name and phone, its address written otherwise) joins the venue instead of being kept
apart by a point 300 km off."""

from __future__ import annotations

import csv

from directory.harvest import import_file

from ..conftest import FIXTURES


def write(path, fields, rows):
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_point_placed_at_its_commune_is_no_distance_when_matching(store, places, tmp_path):
    with (FIXTURES / "demo" / "hinaura-2021.csv").open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = list(reader.fieldnames or [])
        row = next(r for r in reader if r["telephone"] and r["latitude"] and r["commune"] == "Lyon")
    first = import_file(store, write(tmp_path / "reseau-a.csv", fields, [row]), places=places)
    assert first.new == 1
    elsewhere = {**row, "id": "b-1", "adresse": "Quartier des Pentes", "latitude": "43.2965", "longitude": "5.3698"}
    second = import_file(store, write(tmp_path / "reseau-b.csv", fields, [elsewhere]), places=places)
    assert second.placed_at_commune == 1
    assert (second.new, second.merged) == (0, 1)
    assert store.count_venues() == 1
