# SPDX-License-Identifier: Apache-2.0
"""Offers cross from one instance to the one following it (issue 15, item 1): the change feed
carries each venue's offers, and the follower keeps them whole — names, schedules, audiences,
Pass numérique, an offer's own place — as offers of its own venues."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx

from directory.harvest import harvest_source, load_source
from directory.schema.offer import offer_record

from .test_federation import follows, instances  # noqa: F401 (instances: a fixture)
from .test_run import source_file

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def offers_by_venue(store) -> dict[str, list[dict]]:
    """Venue name → its offers in stored form, without the source (each instance names its own)."""
    return {
        s.venue.nom: [{k: v for k, v in offer_record(o).items() if k != "source"} for o in s.venue.offres]
        for s in store.iter_venues()
    }


def test_the_following_instance_keeps_every_offer(instances, places, loopback, fetcher, tmp_path: Path) -> None:  # noqa: F811
    a, b = instances
    url = loopback.url("files/dinclusion/lyon-8e.json")
    dora = load_source(source_file(tmp_path, url, id="dora", publisher="DORA", fmt="dinclusion"))
    assert harvest_source(b.store, dora, fetcher=fetcher, places=places, now=NOW).new == 2
    given = offers_by_venue(b.store)
    assert sum(len(offers) for offers in given.values()) == 4

    feed = httpx.get(f"{b.url}/api/changes").json()
    assert sorted(len(item["venue"]["offres"]) for item in feed["items"]) == [2, 2]

    report = harvest_source(a.store, load_source(follows(tmp_path / "A", b)), fetcher=fetcher, places=places)
    assert (report.status, report.new) == ("complete", 2)
    assert offers_by_venue(a.store) == given
    followed = {o.offer.nom: o for o in a.store.offers.find(conditions_frais=["pass-numerique"])}
    assert list(followed) == ["Atelier « Ma tablette au quotidien »"]
    assert followed["Atelier « Ma tablette au quotidien »"].offer.source == "instance-b"
    assert [p.offer_id for p in a.store.offers.places()] == ["dora--csc-atelier-emploi"]
