# SPDX-License-Identifier: Apache-2.0
"""Search fixtures: the demo store, and each available index backend built from it.

``index`` yields the embedded index, then Meilisearch when ``MEILI_URL`` is
set (``MEILI_KEY`` optional): the parity suite is every test that uses it.
Without ``MEILI_URL`` the Meilisearch run is skipped with that reason (no
server can be installed on the development machines); with it, an
unreachable server is ``unavailable`` (a failure under CI).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from directory.places import fold
from directory.schema import Venue
from directory.search import Fts5Index, IndexDocument, MeiliIndex, SearchIndex, rebuild, with_record_names
from directory.store import Store

from ..conftest import unavailable

MEILI_URL = os.environ.get("MEILI_URL", "")
MEILI_KEY = os.environ.get("MEILI_KEY") or None


@dataclass(frozen=True)
class DemoVenue:
    """A venue of the demo store with what brute-force checks need."""

    id: str
    venue: Venue
    text: str  # folded name + description, as the index sees it

    @property
    def codes(self) -> dict[str, set[str]]:
        return {name: {t.code for t in getattr(self.venue, name)} for name in _FIELDS}


_FIELDS = ("services", "frais_a_charge", "publics_specifiquement_adresses", "typologie", "modalites_accompagnement")


@pytest.fixture(scope="session")
def demo_venues(demo_store: Store) -> list[DemoVenue]:
    venues = {venue_id: venue for venue_id, venue, _keys in demo_store.match_projection()}
    docs = (IndexDocument.from_venue(venue_id, venue) for venue_id, venue in venues.items())
    # As the index sees them: a merged venue's name text carries every name its records give.
    return [
        DemoVenue(doc.id, venues[doc.id], f" {doc.name_text}  {doc.body_text} ")
        for doc in with_record_names(demo_store, docs)
    ]


@pytest.fixture(scope="session")
def embedded_demo(tmp_path_factory: pytest.TempPathFactory, demo_store: Store) -> Iterator[Fts5Index]:
    """The demo store in the embedded index (read-only for tests)."""
    index = Fts5Index(tmp_path_factory.mktemp("index") / "search.db")
    rebuild(index, demo_store)
    yield index
    index.close()


def _meilisearch(store: Store) -> Iterator[SearchIndex]:
    if not MEILI_URL:
        pytest.skip("Meilisearch : MEILI_URL non défini (aucun serveur sur cette machine)")
    index = MeiliIndex(MEILI_URL, MEILI_KEY, uid=f"test_{uuid.uuid4().hex[:8]}")
    try:
        index.client.health()
    except Exception as err:
        unavailable(f"Meilisearch injoignable ({MEILI_URL}) : {err}")
    rebuild(index, store)
    yield index
    for uid in (index.uid, f"{index.uid}_meta"):
        index.client.delete_index(uid)


@pytest.fixture(scope="session", params=["embedded", "meilisearch"])
def index(request: pytest.FixtureRequest, demo_store: Store) -> Iterator[SearchIndex]:
    """The demo store indexed by each available backend (read-only for tests)."""
    if request.param == "embedded":
        yield request.getfixturevalue("embedded_demo")
    else:
        yield from _meilisearch(demo_store)


@pytest.fixture(params=["embedded", "meilisearch"])
def blank(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    """An empty index of each available backend, for tests that write."""
    if request.param == "embedded":
        index: SearchIndex = Fts5Index(tmp_path / "search.db")
        yield index
        index.close()
        return
    if not MEILI_URL:
        pytest.skip("Meilisearch : MEILI_URL non défini (aucun serveur sur cette machine)")
    meili = MeiliIndex(MEILI_URL, MEILI_KEY, uid=f"test_{uuid.uuid4().hex[:8]}")
    yield meili
    for uid in (meili.uid, f"{meili.uid}_meta"):
        meili.client.delete_index(uid)


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[Fts5Index]:
    """An empty embedded index of one's own, for tests that write."""
    index = Fts5Index(tmp_path / "search.db")
    yield index
    index.close()


def words_of(text: str) -> str:
    """Folded text between spaces: ``" mediatheque " in words_of(name)`` tests a whole word."""
    return f" {fold(text)} "


def make_venue(venue_id: str, nom: str, **values: object) -> Venue:
    """A minimal valid venue for write tests."""
    base: dict[str, object] = dict(
        pivot="00000000000000",
        commune="Nancy",
        code_postal="54000",
        adresse="1 rue Test",
        date_maj=date(2026, 1, 1),
        latitude=48.69,
        longitude=6.18,
    )
    base.update(values)
    return Venue(id=venue_id, nom=nom, **base)  # type: ignore[arg-type]


def doc(venue_id: str, nom: str, **values: object) -> IndexDocument:
    return IndexDocument.from_venue(venue_id, make_venue(venue_id, nom, **values))
