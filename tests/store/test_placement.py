# SPDX-License-Identifier: Apache-2.0
"""A precise point never loses to a coarser one in a merge (issue 13, item 8), on both backends.

Observed: a merge replaced a producer's real point with a commune's centre,
because the point was taken from the most trusted record whatever its precision.
"""

from __future__ import annotations

import pytest

from directory.schema.placement import Precision, ban_method, is_approximate, precision
from directory.store import Incoming, SourceInfo
from directory.store._merge import Contribution, merge_records

from .test_merge import COMMUNE, NETWORK, apply, sources
from .test_store import venue

LYON_CENTRE = (45.7578, 4.8320)  # the commune's point: where no one works
DOOR = (45.7597, 4.8422)  # the producer's: the venue's door


def test_a_producer_point_beats_a_more_trusted_commune_centre(store):
    sources(store)
    # The commune (trust 80) could not place its record: the commune's centre, flagged.
    placed = Incoming("c1", venue("c1", *LYON_CENTRE), geo_method="commune", geo_point=LYON_CENTRE)
    venue_id = apply(store, COMMUNE, placed)[0].venue_id
    assert store.get_venue(venue_id).geo_method == "commune"
    # The network (trust 40) gives the venue's real point.
    apply(store, NETWORK, Incoming("r1", venue("r1", *DOOR), geo_method="producteur", attach_to=venue_id))
    stored = store.get_venue(venue_id)
    assert stored.venue.point == DOOR and stored.geo_method == "producteur"
    assert stored.provenance["latitude"].source_id == "reseau"
    assert stored.venue.nom == "Lieu c1"  # everything else: trust first, as before
    assert {i: v["geo_method"] for i, v in store.venue_values([venue_id]).items()} == {venue_id: "producteur"}


def test_a_house_number_beats_a_more_trusted_street(store):
    sources(store)
    street, number = (45.7601, 4.8430), (45.7597, 4.8422)
    venue_id = apply(store, COMMUNE, Incoming("c1", venue("c1", *street), geo_method="ban-street", geo_point=street))[
        0
    ].venue_id
    apply(
        store,
        NETWORK,
        Incoming("r1", venue("r1", *number), geo_method="ban-housenumber", geo_point=number, attach_to=venue_id),
    )
    stored = store.get_venue(venue_id)
    assert (stored.venue.point, stored.geo_method) == (number, "ban-housenumber")


def test_equally_precise_points_follow_trust(store):
    sources(store)
    near = (45.7598, 4.8423)
    venue_id = apply(store, COMMUNE, Incoming("c1", venue("c1", *DOOR), geo_method="producteur"))[0].venue_id
    apply(
        store,
        NETWORK,
        Incoming("r1", venue("r1", *near), geo_method="ban-housenumber", geo_point=near, attach_to=venue_id),
    )
    assert store.get_venue(venue_id).venue.point == DOOR


def test_a_venue_only_placed_at_its_commune_says_so(store):
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "src"))
    venue_id = apply(
        store,
        SourceInfo("src", "src"),
        Incoming("x1", venue("x1", *LYON_CENTRE), geo_method="commune", geo_point=LYON_CENTRE),
    )[0].venue_id
    assert store.get_venue(venue_id).geo_method == "commune"
    assert [s.geo_method for s in store.iter_venues()] == ["commune"]
    assert {i: v["geo_method"] for i, v in store.venue_values([venue_id, "inconnu"]).items()} == {venue_id: "commune"}


def contribution(source: str, trust: int, point: tuple[float, float], method: str | None) -> Contribution:
    return Contribution(
        source,
        "r",
        trust,
        {"latitude": point[0], "longitude": point[1], "geo_method": method, "nom": source, "date_maj": "2024-01-01"},
    )


@pytest.mark.parametrize(
    ("coarse", "fine"),
    [
        ("commune", "producteur"),
        ("commune", None),
        ("commune", "ban-street"),
        ("ban-street", "ban-housenumber"),
        ("ban", "producteur"),
        ("ban-municipality", "ban-locality"),
    ],
)
def test_merge_takes_the_most_precise_point_first(coarse, fine):
    merged = merge_records(
        [contribution("trusted", 90, (1.0, 1.0), coarse), contribution("other", 10, (2.0, 2.0), fine)]
    )
    assert (merged.values["latitude"], merged.values["geo_method"], merged.winners["latitude"]) == (2.0, fine, "other")
    assert merged.values["nom"] == "trusted"


def test_the_methods_and_their_precision():
    assert [ban_method(t) for t in ("housenumber", "street", "municipality", "locality", None, "weird")] == [
        "ban-housenumber",
        "ban-street",
        "ban-municipality",
        "ban-locality",
        "ban",
        "ban",
    ]
    assert all(len(ban_method(t)) <= 16 for t in ("housenumber", "municipality"))  # the column's length
    assert precision(None) is precision("producteur") is precision("ban-housenumber") is Precision.ADDRESS
    assert precision("ban") is precision("ban-street") is Precision.STREET  # the old value stays readable
    assert is_approximate("commune") and is_approximate("ban-municipality")
    assert not any(is_approximate(m) for m in (None, "producteur", "ban", "ban-street", "ban-housenumber"))


def test_a_stored_form_computed_already_is_stored_as_one_computed_here(store):
    """Validation's workers send a venue's stored form with it (``Incoming.record``): the venue and link it
    makes are those of the same record without it, at the geocoder's point too, and the form sent is copied,
    not changed (a follower applied after its leader shares nothing with it)."""
    from directory.store.codec import venue_record

    sources(store)
    given = venue_record(venue("c1", *DOOR))
    sent = dict(given)
    with_form = Incoming("c1", venue("c1", *DOOR), geo_method="commune", geo_point=LYON_CENTRE, record=sent)
    without = Incoming("c2", venue("c1", *DOOR), geo_method="commune", geo_point=LYON_CENTRE)
    first, second = (o.venue_id for o in apply(store, COMMUNE, with_form, without))
    assert sent == given
    stored = store.venue_values([first, second])
    assert stored[first]["latitude"] == LYON_CENTRE[0]
    assert {k: v for k, v in stored[first].items() if k != "id"} == {
        k: v for k, v in stored[second].items() if k != "id"
    }
