# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures: each store backend that is available, real data paths.

PostGIS tests need a PostgreSQL server with the PostGIS extension
(``TEST_POSTGRES_URL``, default the local server). On a laptop without one
they are skipped with the reason; under CI (``CI`` set) a missing PostGIS is
a failure, never a skip.

The repository is enough: every file the tests read lies inside it. An audit
hook (``sys.addaudithook``) notes each ``open``, directory listing, SQLite
database and subprocess that reaches a path beside the repository (under its
parent folder but not inside it, such as a data folder kept beside the clone,
which a fresh clone does not have); the run fails at its end, naming them.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from directory.places import load_gazetteer
from directory.store import Store, open_store

from .web.browsing import VIEWPORTS, launch_chromium

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
#: Real data files, copied byte for byte into the repository (origins and
#: licences: fixtures/README.md and each folder's README). ``DATASETS`` keeps the
#: layout of the project's shared data folder: ``hinaura/source.json``…
DATASETS = FIXTURES / "sources"
#: The national standard's official one-row example (LaMednum).
OFFICIAL_EXAMPLE = FIXTURES / "lamednum" / "exemple-valide.csv"
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for a module's browser tests (see ``browsing.py``). Not for the
    session: Playwright's synchronous API keeps an event loop running, which the
    asynchronous tests of other modules could then not start."""
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop page; it bypasses the CSP, which forbids the inline script axe is injected as."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="fr-FR", bypass_csp=True)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def anyio_backend() -> str:
    """Asynchronous tests (``pytest.mark.anyio``) run on asyncio, as the server does."""
    return "asyncio"


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


@contextmanager
def throwaway_postgis(options: str = "") -> Iterator[str]:
    """A database of its own on the test server, with PostGIS, migrated, dropped after: its URL.
    ``options``: what ``CREATE DATABASE`` is given besides its name (a collation)."""
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"directory_test_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as c:
            c.exec_driver_sql(f"CREATE DATABASE {name} {options}")
    except sa.exc.OperationalError as err:
        admin.dispose()
        unavailable(f"PostgreSQL injoignable ({POSTGRES_URL}): {err.orig}")
    except sa.exc.DBAPIError as err:  # options this server lacks (ICU)
        admin.dispose()
        unavailable(f"PostgreSQL refuse la base ({options}) : {err.orig}")
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


@pytest.fixture(scope="session")
def postgis_database() -> Iterator[str]:
    """A throw-away database with PostGIS, migrated once for the session."""
    with throwaway_postgis() as url:
        yield url


def _truncate(store: Store) -> None:
    with store.engine.begin() as c:
        c.exec_driver_sql(
            "TRUNCATE venue, venue_term, offer, source, source_link, raw_record, "
            "field_provenance, change_log, run, match_decision, geocode_cache RESTART IDENTITY CASCADE"
        )


def open_empty_store(request: pytest.FixtureRequest, tmp_path: Path, database: str = "postgis_database") -> Store:
    """An empty, migrated store on the backend ``request.param`` names: a SQLite file in ``tmp_path``, or the
    PostgreSQL database of the fixture ``database``, emptied."""
    if request.param == "sqlite":
        return open_store(f"sqlite:///{tmp_path / 'directory.db'}", upgrade=True)
    s = open_store(request.getfixturevalue(database))
    _truncate(s)
    return s


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated store, once per backend."""
    s = open_empty_store(request, tmp_path)
    yield s
    s.close()


# --- the repository is enough: nothing beside it is read ----------------------

_INSIDE = os.path.join(str(ROOT), "")  # "<parent>/main/"
_BESIDE = os.path.join(str(ROOT.parent), "")  # "<parent>/": its other folders are not in a clone
#: Folders that may lie under the parent without being the project's: the
#: temporary folder, the Python installation, per-user caches and settings (a
#: repository cloned straight into a home folder). Only those inside the parent
#: count: the temporary folder holding the parent (a clone in /tmp/x/) must not
#: excuse the whole parent.
_TEMP = os.path.join(str(Path(tempfile.gettempdir()).resolve()), "")
_ALLOWED = tuple(
    folder
    for folder in {
        os.path.join(str(Path(p).resolve()), "")
        for p in (
            _TEMP,
            sys.prefix,
            sys.base_prefix,
            sys.exec_prefix,
            os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache",
            os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config",
            Path.home() / ".local",
            Path.home() / ".npm",
        )
    }
    if folder.startswith(_BESIDE) and folder != _BESIDE
)
if _TEMP == _BESIDE:  # a clone straight in the temporary folder: pytest's and tempfile's folders there
    _ALLOWED += (_TEMP + "pytest-of-", _TEMP + "tmp")
_WATCHED = frozenset({"open", "os.listdir", "os.scandir", "sqlite3.connect", "subprocess.Popen"})
#: Every (event, path) that reached beside the repository, once each, in order.
OUTSIDE_ACCESSES: dict[tuple[str, str], None] = {}


def _as_text(path: object) -> str | None:
    if isinstance(path, int):  # a file descriptor
        return None
    try:
        return os.fsdecode(os.fspath(path))
    except TypeError:
        return None


def _beside(path: str, cwd: str | None = None) -> str | None:
    """``path`` made absolute if it lies under the repository's parent folder
    but not inside the repository, else None."""
    if not path.startswith(os.sep):
        if path in ("", ":memory:") or path.startswith("file:"):  # SQLite's memory databases and URIs
            return None
        path = os.path.join(cwd or os.getcwd(), path)
    elif "/." not in path and (not path.startswith(_BESIDE[:-1]) or path.startswith(_INSIDE)):
        return None  # the common case, decided without normalising
    path = os.path.normpath(path)  # "main/../data" is "data"
    folder = os.path.join(path, "")  # "<parent>/main2/" does not start with "<parent>/main/"
    if folder.startswith(_BESIDE) and not folder.startswith(_INSIDE) and not folder.startswith(_ALLOWED):
        return path
    return None


def _audit(event: str, args: tuple) -> None:
    if event not in _WATCHED:  # every other audited event costs one set lookup
        return
    if event == "subprocess.Popen":  # its working folder and the arguments that look like paths
        _executable, argv, cwd, _env = args
        cwd = _as_text(cwd) if cwd is not None else None
        argv = [argv] if isinstance(argv, (str, bytes, os.PathLike)) else argv or ()
        paths = [cwd] if cwd else []
        paths += [a for a in map(_as_text, argv) if a and a.startswith(("/", "./", "../"))]
        found = [_beside(p, cwd) for p in paths]
    else:  # open, os.listdir, os.scandir, sqlite3.connect: the path is the first argument
        path = "." if args[0] is None else _as_text(args[0])
        found = [_beside(path)] if path is not None else []
    for path in found:
        if path is not None:
            OUTSIDE_ACCESSES[(event, path)] = None


#: Under ``make mutate`` the tests run from mutmut's copy (``mutants/``) in the process that walks the
#: repository around it: its reads are mutmut's, not the tests'.
_MUTATING = "MUTANT_UNDER_TEST" in os.environ
if ROOT.parent != ROOT.parent.parent and not _MUTATING:  # a repository at the root has nothing beside it to guard
    sys.addaudithook(_audit)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if anything beside the repository was read (paths listed)."""
    if not OUTSIDE_ACCESSES:
        return
    lines = [f"{event} {path}" for event, path in OUTSIDE_ACCESSES]
    message = (
        f"{len(lines)} accès à côté du dépôt ({_BESIDE}… hors de {_INSIDE}) : un clone neuf "
        "n'a pas ces fichiers ; copiez-les dans fixtures/ (voir fixtures/README.md)"
    )
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write("\n")
        reporter.write_sep("=", "le dépôt doit suffire", red=True)
        reporter.write_line(message, red=True)
        for line in lines:
            reporter.write_line(f"  {line}")
        if hasattr(reporter, "_add_stats"):  # "N passed, 1 accès hors du dépôt" on the last line, too
            reporter._add_stats("accès hors du dépôt", [SimpleNamespace(event=e, path=p) for e, p in OUTSIDE_ACCESSES])
    else:
        print(message, *lines, sep="\n  ", file=sys.stderr)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
