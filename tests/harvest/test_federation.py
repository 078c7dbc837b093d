# SPDX-License-Identifier: Apache-2.0
"""Two real instances on loopback following each other's change feed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from directory.config import Settings
from directory.harvest import harvest_source, import_file, load_source
from directory.schema import parse_venue
from directory.store import Incoming, Store, open_store, utcnow
from directory.web import create_app

from ..conftest import FIXTURES
from ..serving import ServerThread
from .conftest import PROXY_VARIABLES

DEMO = FIXTURES / "demo" / "hinaura-2021.csv"
IMPORTED = "fichier-lieux"  # the source id import_file gives to lieux.csv


class Counting:
    """ASGI wrapper counting the requests an instance receives."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app, self.paths = app, []

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] == "http":
            self.paths.append(scope["path"])
        await self.app(scope, receive, send)


@dataclass
class Instance:
    name: str
    store: Store
    counter: Counting
    url: str = ""
    server: ServerThread | None = field(default=None, repr=False)


@pytest.fixture
def instances(tmp_path: Path, places, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Instance, Instance]]:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    made: list[Instance] = []
    try:
        for name in ("A", "B"):
            folder = tmp_path / name
            folder.mkdir()
            store = open_store(f"sqlite:///{folder / 'directory.db'}", upgrade=True)
            settings = Settings(data_dir=folder, instance_name=name, public_url="http://127.0.0.1")
            counter = Counting(create_app(settings, store, places))
            instance = Instance(name, store, counter)
            made.append(instance)
            instance.server = ServerThread(counter, name=f"instance-{name}")
            instance.url = instance.server.start()
        yield made[0], made[1]
    finally:
        for instance in made:
            if instance.server is not None:
                instance.server.stop()
            instance.store.close()


def rows(count: int) -> list[dict[str, str]]:
    return list(csv.DictReader(DEMO.open(encoding="utf-8")))[:count]


def write_csv(path: Path, records: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]), quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(records)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def follows(folder: Path, other: Instance, query: str = "") -> Path:
    toml = folder / f"instance-{other.name.lower()}.toml"
    toml.write_text(
        f'id = "instance-{other.name.lower()}"\nname = "Instance {other.name}"\npublisher = "{other.name}"\n'
        f'kind = "instance"\nformat = "instance-feed"\nurl = "{other.url}/api/changes{query}"\n'
        'licence = "etalab-2.0"\ninterval = "1h"\n',
        encoding="utf-8",
    )
    return toml


def venue_of(store: Store, source_id: str, record_id: str) -> tuple[str, str]:
    """(venue id, status) of the venue a record feeds."""
    with store.engine.connect() as c:
        row = c.execute(
            sa.text(
                "SELECT v.id, v.status FROM source_link l JOIN venue v ON v.pk = l.venue_pk "
                "WHERE l.source_id = :s AND l.record_id = :r"
            ),
            {"s": source_id, "r": record_id},
        ).one()
    return row[0], row[1]


def telephone(store: Store, venue_id: str) -> str | None:
    with store.engine.connect() as c:
        return c.execute(sa.text("SELECT telephone FROM venue WHERE id = :v"), {"v": venue_id}).scalar_one()


def test_two_instances_follow_each_other_without_echo(instances, places, fetcher, tmp_path: Path) -> None:
    a, b = instances
    records = rows(20)
    data = tmp_path / "lieux.csv"
    write_csv(data, records)
    assert import_file(b.store, data, places=places).run_id
    assert b.store.count_venues() == 20
    b_ids = {r["id"]: venue_of(b.store, IMPORTED, r["id"])[0] for r in records}
    a_follows_b = load_source(follows(tmp_path / "A", b, "?limite=7"))  # pages of 7: three requests
    b_follows_a = load_source(follows(tmp_path / "B", a))

    def sync(instance: Instance, source):  # type: ignore[no-untyped-def]
        return harvest_source(instance.store, source, fetcher=fetcher, places=places, instance_name=instance.name)

    # 1. A takes everything B has, B's name in the lineage.
    first = sync(a, a_follows_b)
    assert (first.status, first.fetched, first.new, first.withdrawn, first.requests) == ("complete", 20, 20, 0, 3)
    assert a.store.count_venues() == 20
    assert a.store.sources.state("instance-b").cursor
    with a.store.engine.connect() as c:
        lineages = c.execute(sa.text("SELECT lineage FROM source_link WHERE source_id = 'instance-b'")).scalars().all()
    assert len(lineages) == 20 and all(lineage and "B" in lineage for lineage in lineages)
    feed = httpx.get(f"{a.url}/api/changes").json()
    assert all("B" in i["venue"]["lignee"].split("|") for i in feed["items"])

    # 2. On B: one change, one withdrawal, one merge.
    changed, gone, merged, survivor = records[0], records[1], records[2], records[3]
    records[0] = {**changed, "telephone": "0478000000"}
    write_csv(data, records)
    import_file(b.store, data, places=places)
    with b.store.writer() as writer:
        assert writer.withdraw_missing(IMPORTED, {r["id"] for r in records} - {gone["id"]}, utcnow()) == [
            b_ids[gone["id"]]
        ]
        venue = parse_venue(dict(merged), places=places).venue
        assert venue is not None
        writer.apply_many(IMPORTED, [Incoming(merged["id"], venue, attach_to=b_ids[survivor["id"]])], at=utcnow())
    assert venue_of(b.store, IMPORTED, merged["id"]) == (b_ids[survivor["id"]], "active")
    assert b.store.count_venues() == 18 and b.store.count_venues("merged") == 1

    a_version = a.store.last_change()[0]
    second = sync(a, a_follows_b)
    assert second.status == "complete" and second.new == 0 and second.withdrawn == 1
    assert second.updated >= 1 and second.fetched == second.updated + second.unchanged <= 2
    assert any("fusion" in note for note in second.notes)
    changed_on_a = venue_of(a.store, "instance-b", b_ids[changed["id"]])[0]
    assert telephone(a.store, changed_on_a) == telephone(b.store, b_ids[changed["id"]]) is not None
    assert venue_of(a.store, "instance-b", b_ids[gone["id"]])[1] == "withdrawn"
    # B's merge is a merge on A too: the absorbed venue's address leads to the survivor's.
    merged_on_a = a.store.get_venue(venue_of(a.store, "instance-b", b_ids[merged["id"]])[0])
    assert merged_on_a is not None and merged_on_a.status == "merged"
    assert merged_on_a.merged_into == venue_of(a.store, "instance-b", b_ids[survivor["id"]])[0]
    assert (
        a.store.count_venues() == 18 and a.store.count_venues("withdrawn") == 1 and a.store.count_venues("merged") == 1
    )
    with a.store.engine.connect() as c:
        moved = set(c.execute(sa.text("SELECT venue_id FROM change_log WHERE seq > :s"), {"s": a_version}).scalars())
    touched = {venue_of(a.store, "instance-b", b_ids[r["id"]])[0] for r in (changed, gone, merged, survivor)}
    assert moved <= touched and len(moved) >= 3  # nothing else moves

    # 3. B follows A: what B published does not come back.
    b_version = b.store.last_change()[0]
    back = sync(b, b_follows_a)
    assert back.status == "complete" and back.new == 0 and back.updated == 0 and back.withdrawn == 0
    assert back.skipped == 18
    assert b.store.count_venues() == 18 and b.store.last_change()[0] == b_version

    # 4. Nothing new on B: one request, nothing changes on A.
    cursor = a.store.sources.state("instance-b").cursor
    a_version = a.store.last_change()[0]
    b.counter.paths.clear()
    third = sync(a, a_follows_b)
    assert third.status == "unchanged" and third.requests == 1 and b.counter.paths == ["/api/changes"]
    assert (third.new, third.updated, third.withdrawn, third.fetched) == (0, 0, 0, 0)
    assert a.store.last_change()[0] == a_version and a.store.sources.state("instance-b").cursor == cursor
    assert a.store.count_venues() == 18
