# SPDX-License-Identifier: Apache-2.0
"""Persistence: venues, sources, raw records, provenance, history.

``open_store(url)`` picks the backend from the URL: ``sqlite:///path`` (the
embedded default) or ``postgresql+psycopg://…`` (PostGIS).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
import psycopg.types.json
import sqlalchemy as sa

from ._accounts import Account, AccountBook, AccountEvent, AccountExists, UnknownAccount
from ._advisory_lock import advisory_lock
from ._base import EARTH_RADIUS_M, ROW_COLUMNS, Store, haversine_m
from ._cards import NearbyCard
from ._claims import Claim, ClaimBook, ClaimClosed
from ._curation import (
    CORRECTABLE,
    Curated,
    InvalidValue,
    NotRevertible,
    NotSplittable,
    ProposalClosed,
    UnknownField,
    UnknownProposal,
    UnknownVenue,
    locked_with,
)
from ._feed import ChangeFeed, FeedItem, FeedPage, decode_cursor, encode_cursor
from ._feedback import Correction, QuarantinedRecord, SourceFeedback, UnknownSource
from ._geocode_cache import geocode_answers, keep_geocode_answers
from ._held_withdrawals import HeldVenue, HeldWithdrawal, HoldClosed, UnknownHold
from ._models import ApplyOutcome, Nearby, Provenance, RawRecord, SourceInfo, StoredVenue, VenueFilter, utcnow
from ._offers import OfferBook, OfferPlace, StoredOffer
from ._pending import NotPending, PendingVenue
from ._postgis import PostgisStore
from ._proposals import Proposal
from ._quarantine import QuarantineItem, UnknownQuarantined
from ._raw_records import raw_payload
from ._scope import Scope
from ._sources import RunSummary, SourceBook, SourceState
from ._sqlite import SqliteStore
from ._territory import CARE_FILTERS, ScopedVenue
from ._writer import Decided, Incoming, Writer
from .codec import values_to_venue, venue_record, venue_to_values
from .ids import is_venue_id, new_venue_id
from .migrate import current_revision, head_revision

__all__ = [
    "advisory_lock",
    "ApplyOutcome",
    "ChangeFeed",
    "EARTH_RADIUS_M",
    "FeedItem",
    "FeedPage",
    "HeldVenue",
    "HeldWithdrawal",
    "HoldClosed",
    "UnknownHold",
    "decode_cursor",
    "encode_cursor",
    "Incoming",
    "Nearby",
    "PostgisStore",
    "Provenance",
    "ROW_COLUMNS",
    "RawRecord",
    "RunSummary",
    "SourceBook",
    "SourceInfo",
    "SourceState",
    "SqliteStore",
    "Store",
    "StoredVenue",
    "VenueFilter",
    "Writer",
    "haversine_m",
    "is_venue_id",
    "new_venue_id",
    "open_store",
    "utcnow",
    "Correction",
    "QuarantinedRecord",
    "SourceFeedback",
    "UnknownSource",
    "Decided",
    "CORRECTABLE",
    "Curated",
    "InvalidValue",
    "UnknownField",
    "UnknownVenue",
    "locked_with",
    "NotRevertible",
    "NotSplittable",
    "Proposal",
    "ProposalClosed",
    "UnknownProposal",
    "NotPending",
    "PendingVenue",
    "QuarantineItem",
    "UnknownQuarantined",
    "Account",
    "AccountBook",
    "AccountEvent",
    "AccountExists",
    "UnknownAccount",
    "Scope",
    "CARE_FILTERS",
    "ScopedVenue",
    "Claim",
    "ClaimBook",
    "ClaimClosed",
    "OfferBook",
    "OfferPlace",
    "StoredOffer",
    "geocode_answers",
    "keep_geocode_answers",
    "raw_payload",
    "NearbyCard",
    "current_revision",
    "head_revision",
    "values_to_venue",
    "venue_record",
    "venue_to_values",
]


#: Backends by URL dialect.
BACKENDS: dict[str, type[Store]] = {"sqlite": SqliteStore, "postgresql": PostgisStore}


def open_store(url: str, *, upgrade: bool = False) -> Store:
    """Connect to the database at ``url``; with ``upgrade``, apply migrations first."""
    parsed = sa.make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = BACKENDS.get(parsed.get_backend_name())
    if backend is None:
        raise ValueError(f"unsupported database: {parsed.get_backend_name()}")
    if backend is SqliteStore:
        engine = _sqlite_engine(parsed)
    else:
        # JIT compilation costs ~100 ms on short spatial queries and saves nothing.
        engine = sa.create_engine(
            parsed, pool_pre_ping=True, connect_args={"options": "-c jit=off"}, json_serializer=_dumps
        )
        psycopg.types.json.set_json_loads(orjson.loads)  # jsonb values arrive decoded by the driver
    store = backend(engine)
    if upgrade:
        store.upgrade()
    return store


def _dumps(value: object) -> str:
    """JSON columns, encoded by orjson: venues carry 14 of them (10× faster than json)."""
    return orjson.dumps(value).decode()


def _sqlite_loads(value: str | float) -> object:
    """SQLite gives JSON columns numeric affinity: a JSON number (a point's latitude in the change
    log) is stored, and read back, as a number."""
    return value if isinstance(value, (int, float)) else orjson.loads(value)


def _sqlite_engine(url: sa.URL) -> sa.Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url, connect_args={"check_same_thread": False}, json_serializer=_dumps, json_deserializer=_sqlite_loads
    )

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    return engine
