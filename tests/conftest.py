# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures: each store backend that is available, real data paths.

PostGIS tests need a PostgreSQL server with the PostGIS extension
(``TEST_POSTGRES_URL``, default the local server). On a laptop without one
they are skipped with the reason; under CI (``CI`` set) a missing PostGIS is
a failure, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from directory.places import load_gazetteer
from directory.store import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = bool(os.environ.get("CI"))


def unavailable(reason: str) -> None:
    """Skip on a laptop; fail under CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI: this must be available)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def places():
    return load_gazetteer()


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory, places) -> Iterator[Store]:
    """The demo fixtures (~3,400 real venues) imported as a harvest would, once per
    session; tests only read it."""
    from directory.harvest import import_file

    folder = tmp_path_factory.mktemp("demo-store")
    store = open_store(f"sqlite:///{folder / 'directory.db'}", upgrade=True)
    for path in sorted((FIXTURES / "demo").glob("*.csv")):
        import_file(store, path, places=places)
    yield store
    store.close()


@pytest.fixture(scope="session")
def postgis_database() -> Iterator[str]:
    """A throw-away database with PostGIS, migrated once for the session."""
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"directory_test_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.OperationalError as err:
        admin.dispose()
        unavailable(f"PostgreSQL injoignable ({POSTGRES_URL}): {err.orig}")
    url = sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        engine = sa.create_engine(url)
        try:
            with engine.begin() as c:
                c.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
        except sa.exc.SQLAlchemyError as err:
            unavailable(f"PostGIS absent de ce PostgreSQL : {err}")
        finally:
            engine.dispose()
        store = open_store(url, upgrade=True)  # the migrations are tested here too
        store.close()
        yield url
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def _truncate(store: Store) -> None:
    with store.engine.begin() as c:
        c.exec_driver_sql(
            "TRUNCATE venue, venue_term, offer, source, source_link, raw_record, "
            "field_provenance, change_log, run, match_decision, geocode_cache RESTART IDENTITY CASCADE"
        )


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated store, once per backend."""
    if request.param == "sqlite":
        s = open_store(f"sqlite:///{tmp_path / 'directory.db'}", upgrade=True)
    else:
        s = open_store(request.getfixturevalue("postgis_database"))
        _truncate(s)
    yield s
    s.close()


@pytest.fixture
def shared_datasets() -> Path:
    if not SHARED_DATASETS.is_dir():
        unavailable(f"données partagées absentes : {SHARED_DATASETS}")
    return SHARED_DATASETS
