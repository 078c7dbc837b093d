# SPDX-License-Identifier: Apache-2.0
"""« Accepte le Pass numérique » crosses from one instance to the one following it.

The national standard's 32 columns cannot say it: the change feed carries the
``conditions_frais`` extension column, so the follower keeps it, and its own
API finds the same venues with ``conditions_frais=pass-numerique``."""

from __future__ import annotations

import csv
from pathlib import Path

import httpx
import sqlalchemy as sa

from directory.harvest import harvest_source, import_file, load_source
from directory.store import Store

from .test_federation import DEMO, follows, instances, write_csv  # noqa: F401 (instances: a fixture)

PASS = "pass-numerique"


def accepting(store: Store) -> int:
    with store.engine.connect() as c:
        return c.execute(
            sa.text(
                "SELECT count(*) FROM venue_term t JOIN venue v ON v.pk = t.venue_pk "
                "WHERE t.field = 'conditions_frais' AND t.code = :c AND v.status = 'active'"
            ),
            {"c": PASS},
        ).scalar_one()


def test_the_following_instance_keeps_pass_numerique(instances, places, fetcher, tmp_path: Path) -> None:  # noqa: F811
    a, b = instances
    rows = list(csv.DictReader(DEMO.open(encoding="utf-8")))
    with_pass = [r for r in rows if "Pass numérique" in r["conditions_frais"]][:12]
    without = [r for r in rows if not r["conditions_frais"]][:8]
    assert len(with_pass) == 12 and len(without) == 8
    data = tmp_path / "lieux.csv"
    write_csv(data, with_pass + without)
    import_file(b.store, data, places=places)
    assert accepting(b.store) == 12

    feed = httpx.get(f"{b.url}/api/changes").json()
    said = [i["venue"]["conditions_frais"].split("|") for i in feed["items"]]
    assert sum("Accepte le Pass numérique" in s for s in said) == 12 and said.count([""]) == 8

    source = load_source(follows(tmp_path / "A", b))
    report = harvest_source(a.store, source, fetcher=fetcher, places=places, instance_name=a.name)
    assert (report.status, report.new) == ("complete", 20)
    assert accepting(a.store) == 12

    # A's own search, as a partner or the page would ask it, finds them (once its index has caught up).
    assert a.counter.app.state.index.catch_up() == 20
    found = httpx.get(f"{a.url}/api/lieux", params={"conditions_frais": PASS, "par_page": 100}).json()
    assert found["total"] == 12
    assert all("Gratuit sous condition" in r["lieu"]["frais_a_charge"] for r in found["resultats"])
