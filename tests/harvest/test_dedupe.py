# SPDX-License-Identifier: Apache-2.0
"""Resolution of new records against known venues: one match joins, several go to a person."""

from __future__ import annotations

import dataclasses
from datetime import date

from directory.harvest.dedupe import SEVERAL, MatchIndex, resolve
from directory.schema import PLACEHOLDER_PIVOT, Venue
from directory.schema.placement import Precision

HALL = Venue(
    id="hall",
    pivot=PLACEHOLDER_PIVOT,
    nom="Maison des initiatives et des services",
    commune="Marennes-Hiers-Brouage",
    code_postal="17320",
    adresse="22-24 rue Dubois Meynardie",
    date_maj=date(2022, 1, 1),
    latitude=45.82235,
    longitude=-1.10834,
    telephone="+33546850000",
)


def index_of(*venues: tuple[str, Venue]) -> MatchIndex:
    index = MatchIndex()
    for venue_id, venue in venues:
        index.add(venue_id, venue, [f"a:{venue.id}"])
    return index


def test_one_match_joins_and_keeps_its_evidence():
    fs = dataclasses.replace(HALL, id="fs", nom="France Services Marennes Oléron", adresse="24 rue Dubois Meynardie")
    result = resolve(index_of(("v1", HALL)), "b", [("fs", fs)], {})
    assert result.attach_to == {"fs": "v1"} and result.doubtful == []
    (merge,) = result.merges
    assert (merge["left_key"], merge["right_key"]) == ("b:fs", "a:hall")
    assert {"same_address", "hosted:france_services"} <= set(merge["parts"]["signs"])


def test_a_record_matching_two_venues_joins_neither_and_both_pairs_go_to_review():
    twin = dataclasses.replace(HALL, id="twin", nom="Maison des initiatives et des services (MIS)")
    index = index_of(("v1", HALL), ("v2", twin))  # two venues a person has not yet seen as one
    record = dataclasses.replace(HALL, id="r")
    result = resolve(index, "b", [("r", record)], {})
    assert result.attach_to == {} and result.merges == []
    assert {(p["left_key"], p["right_key"]) for p in result.doubtful} == {("b:r", "a:hall"), ("b:r", "a:twin")}
    assert all(SEVERAL in p["parts"]["signs"] for p in result.doubtful)


def test_a_point_at_the_commune_centre_is_not_counted_as_a_distance():
    far = dataclasses.replace(HALL, id="far", adresse="Place de la mairie", latitude=45.8300, longitude=-1.1000)
    exact = resolve(index_of(("v1", HALL)), "b", [("far", far)], {})
    coarse = resolve(index_of(("v1", HALL)), "b", [("far", far)], {}, precisions={"far": Precision.COMMUNE})
    assert exact.attach_to == {} and coarse.attach_to == {"far": "v1"}
    assert "approximate_point" in coarse.merges[0]["parts"]["signs"]
