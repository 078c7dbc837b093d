# SPDX-License-Identifier: Apache-2.0
"""The store: SQL shared by both backends; only nearest-venue search differs."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from directory.schema import EARTH_RADIUS_M, VENUE_FIELDS, Venue, haversine_m

from ._accounts import AccountBook
from ._cards import CARD_COLUMNS, card_of
from ._claims import ClaimBook
from ._code_points import by_code_point
from ._feedback import SourceFeedback, source_feedback
from ._held_withdrawals import HoldBook
from ._merged_pairs import read_merged_page, read_merged_pairs
from ._models import (
    Nearby,
    Provenance,
    RowValues,
    SourceInfo,
    StoredVenue,
    VenueFilter,
    utcnow,
)
from ._offers import OfferBook
from ._prepared import PreparedRead, StatementCache
from ._read_connections import ReadConnections
from ._record_names import read_record_names
from ._review_pairs import read_match_decisions, read_review_item, read_review_items
from ._rows import RowDecoder
from ._scope import Scope
from ._sources import SourceBook
from ._territory import ScopedVenue, scope_sources, scope_venues
from .codec import values_to_venue
from .migrate import current_revision, head_revision, upgrade
from .tables import (
    change_t,
    link_t,
    prov_t,
    raw_t,
    run_t,
    source_t,
    term_t,
    venue_t,
)

if TYPE_CHECKING:
    from ._cards import NearbyCard
    from ._pending import PendingVenue
    from ._proposals import Proposal
    from ._quarantine import QuarantineItem
    from ._writer import Writer

__all__ = ["EARTH_RADIUS_M", "ROW_COLUMNS", "Store", "closest_first", "haversine_m"]


#: What ``iter_venue_rows`` reads unless told otherwise: a venue's fields, its
#: ``pk`` and ``updated_at`` (everything an export needs).
ROW_COLUMNS: tuple[str, ...] = ("pk", *VENUE_FIELDS, "updated_at")
#: What ``venue_values`` reads, id first and status last. The status is checked on the rows read: with ``status =
#: 'active'`` in the query, SQLite walks the status index (every active venue, 3.5 ms at
#: 3,000 venues) rather than look the ids up (0.02 ms).
_PLACED_NAMES: tuple[str, ...] = ("id", *(name for name in VENUE_FIELDS if name != "id"), "geo_method", "status")
_ALL_COLUMNS = tuple(column.name for column in venue_t.c)


class Store(abc.ABC):
    """Persistence of venues, sources, raw records, provenance and history.

    Built by ``open_store``; subclasses only say how to find nearest venues.
    """

    dialect: str

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.sources = SourceBook(engine)
        self.offers = OfferBook(engine)
        self.accounts = AccountBook(engine)
        self.claims = ClaimBook(engine, self.accounts)
        self.holds = HoldBook(engine)
        #: Short frequent reads (search results, nearest venues): kept connections, statements compiled once.
        self._reads = ReadConnections(engine)
        self._statements = StatementCache(engine.dialect)
        self._placed = RowDecoder(engine.dialect, _PLACED_NAMES)

    # -- schema ------------------------------------------------------------

    def upgrade(self) -> None:
        """Apply pending migrations."""
        upgrade(self.engine)

    def is_current(self) -> bool:
        return current_revision(self.engine) == head_revision()

    def close(self) -> None:
        self.engine.dispose()

    # -- writing -----------------------------------------------------------

    @contextmanager
    def writer(self) -> Iterator[Writer]:
        """One transaction: what is written inside appears all at once or not at all."""
        from ._writer import Writer

        with self.engine.begin() as connection, self._writing(connection):
            writer = Writer(connection)
            yield writer
            writer.flush_changes()

    @contextmanager
    def _writing(self, connection: sa.Connection) -> Iterator[None]:
        """What a backend sets on a connection for the length of a write transaction."""
        yield

    def start_run(self, source: SourceInfo, at: datetime | None = None, *, kind: str = "import") -> int:
        """Record the source (created or updated) and open a run for it."""
        with self.writer() as w:
            w.ensure_source(source, at)
            return w.start_run(source.id, at, kind=kind)

    def finish_run(
        self,
        run_id: int,
        status: str,
        counts: Mapping[str, int],
        error: str | None = None,
        report: Mapping[str, Any] | None = None,
    ) -> None:
        with self.engine.begin() as c:
            c.execute(
                run_t.update()
                .where(run_t.c.id == run_id)
                .values(
                    status=status,
                    counts=dict(counts),
                    error=error,
                    report=dict(report or {}) or None,
                    finished_at=utcnow(),
                )
            )

    # -- reading -----------------------------------------------------------

    def get_venue(self, venue_id: str) -> StoredVenue | None:
        """The venue with this id, whatever its status (merged ones point on)."""
        with self.engine.connect() as c:
            row = c.execute(sa.select(venue_t).where(venue_t.c.id == venue_id)).mappings().first()
            if row is None:
                return None
            provenance = {
                p.field: Provenance(p.source_id, p.actor, p.locked, p.at)
                for p in c.execute(sa.select(prov_t).where(prov_t.c.venue_pk == row["pk"]))
            }
            sources = [
                (s.source_id, s.record_id)
                for s in c.execute(
                    sa.select(link_t.c.source_id, link_t.c.record_id)
                    .where(link_t.c.venue_pk == row["pk"])
                    .order_by(by_code_point(link_t.c.source_id), by_code_point(link_t.c.record_id))
                )
            ]
        return StoredVenue(
            venue=values_to_venue(row["id"], row),
            status=row["status"],
            merged_into=row["merged_into"],
            flags=list(row["flags"] or ()),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            provenance=provenance,
            sources=sources,
            geo_method=row["geo_method"],
        )

    def venues(self, ids: Sequence[str]) -> dict[str, Venue]:
        """Active venues by id (missing ids are left out)."""
        return {venue_id: placed[0] for venue_id, placed in self.venues_placed(ids).items()}

    def venues_placed(self, ids: Sequence[str]) -> dict[str, tuple[Venue, str | None, RowValues]]:
        """Active venues by id with how each point was obtained (``geo_method``) and their
        stored values (``venue_values``), in one query; missing ids are left out."""
        return {
            venue_id: (values_to_venue(venue_id, values), values["geo_method"], values)
            for venue_id, values in self.venue_values(ids).items()
        }

    def venue_values(self, ids: Sequence[str]) -> dict[str, RowValues]:
        """Active venues' stored values by id (the model's fields and ``geo_method``, as
        ``iter_venue_rows`` gives them: what ``values_to_venue`` builds a ``Venue`` from, and
        the national row is written from without one); missing ids are left out.

        A page of search results: run on a kept read connection with a statement compiled
        once per number of ids."""
        if not ids:
            return {}
        decoder = self._placed
        prepared = self._statements.get(
            ("venue_values", len(ids)),
            lambda: sa.select(*decoder.columns).where(
                venue_t.c.id.in_(sa.bindparam("ids", [""] * len(ids), expanding=True))
            ),
        )
        values = {f"ids_{i}": venue_id for i, venue_id in enumerate(ids, 1)}
        rows = self._reads.run(lambda cursor: prepared.rows(cursor, values))
        decoder.trim()
        decode = decoder.values
        return {row[0]: decode(row) for row in rows if row[-1] == "active"}  # (id, …, status)

    def iter_venues(self, filter: VenueFilter | None = None, *, batch: int = 1000) -> Iterator[StoredVenue]:
        """Every active venue matching ``filter``, in a stable order, a batch at a time.

        Memory does not grow with the directory (keyset pagination on the
        primary key); provenance is left out, the record keys are in ``sources``.
        """
        for row, sources in self.iter_venue_rows(filter, batch=batch, columns=_ALL_COLUMNS):
            yield StoredVenue(
                venue=values_to_venue(row["id"], row),
                status=row["status"],
                merged_into=row["merged_into"],
                flags=list(row["flags"] or ()),
                created_at=row["created_at"],
                updated_at=row["updated_at"],
                sources=sources,
                geo_method=row["geo_method"],
            )

    def iter_venue_rows(
        self, filter: VenueFilter | None = None, *, batch: int = 1000, columns: Sequence[str] = ROW_COLUMNS
    ) -> Iterator[tuple[dict[str, Any], list[tuple[str, str]]]]:
        """``iter_venues`` without building venues: each venue's row as a dict
        (``columns`` of ``venue``, as ``select(venue_t)`` would give them: JSON
        columns decoded, dates as dates) and its record keys (source id, record
        id) from sources that have not withdrawn it.

        What whole-directory exports read, so the work per row is kept down:
        by default only the model's fields, ``pk`` and ``updated_at``
        (``ROW_COLUMNS``); JSON columns are fetched as text and decoded here
        (``orjson``); a date or time column is fetched raw and each distinct
        raw value decoded once by SQLAlchemy's own processor for the column
        (a batch holds few distinct ``date_maj``: a run stamps its venues
        alike). Each batch is one query on a connection held only while it is read.
        """
        names = ("pk", *(name for name in columns if name != "pk"))
        decoder = RowDecoder(self.engine.dialect, names)
        clauses = self._filter_clauses(filter)
        query = sa.select(*decoder.columns)
        last = 0
        while True:
            with self.engine.connect() as c:
                rows = c.execute(query.where(venue_t.c.pk > last, *clauses).order_by(venue_t.c.pk).limit(batch)).all()
                if not rows:
                    return
                first, last = rows[0][0], rows[-1][0]
                sources: dict[int, list[tuple[str, str]]] = {}
                for venue_pk, source_id, record_id in c.execute(
                    sa.select(link_t.c.venue_pk, link_t.c.source_id, link_t.c.record_id)
                    .where(link_t.c.venue_pk.between(first, last), link_t.c.withdrawn_at.is_(None))
                    .order_by(by_code_point(link_t.c.source_id), by_code_point(link_t.c.record_id))
                ):
                    sources.setdefault(venue_pk, []).append((source_id, record_id))
            decoder.trim()
            for row in rows:
                values = decoder.values(row)
                yield values, sources.get(values["pk"], [])

    def last_change(self) -> tuple[int, datetime | None]:
        """The newest change-log sequence number and its time: a version for caches (ETag)."""
        with self.engine.connect() as c:
            row = c.execute(sa.select(change_t.c.seq, change_t.c.at).order_by(change_t.c.seq.desc()).limit(1)).first()
        return (row.seq, row.at) if row else (0, None)

    def history(self, venue_id: str) -> list[dict[str, Any]]:
        """The change log of one venue, oldest first."""
        with self.engine.connect() as c:
            rows = c.execute(
                sa.select(change_t).where(change_t.c.venue_id == venue_id).order_by(change_t.c.seq)
            ).mappings()
            return [dict(r) for r in rows]

    def scope_venues(
        self, scope: Scope, *, care: str | None = None, text: str = "", today: date, limit: int = 50, offset: int = 0
    ) -> tuple[int, list[ScopedVenue]]:
        """The venues a person answers for (see ``_territory.scope_venues``)."""
        return scope_venues(self.engine, scope, care=care, text=text, today=today, limit=limit, offset=offset)

    def scope_sources(self, scope: Scope) -> dict[str, int]:
        """Source id → active venues of ``scope`` it feeds."""
        return scope_sources(self.engine, scope)

    def proposals(
        self,
        status: str | None = "open",
        *,
        venue_ids: Sequence[str] | None = None,
        scope: sa.ColumnElement[bool] | None = None,
        pk: int | None = None,
        limit: int = 100,
    ) -> list[Proposal]:
        """What harvests would change in locked fields (see ``_proposals``), oldest first: each with
        its venue (id, name), field, source (id, name), the value proposed and the locked one.

        :param status: open (the default: of active venues only), accepted, rejected, obsolete; None: all.
        :param venue_ids: only these venues'.
        :param scope: only venues this boolean clause over the ``venue`` table holds (a territory).
        :param pk: only this proposal.
        """
        from ._proposals import read_proposals

        with self.engine.connect() as c:
            return read_proposals(c, status, venue_ids=venue_ids, scope=scope, pk=pk, limit=limit)

    def pending_venues(
        self, scope: Scope, *, venue_ids: Sequence[str] | None = None, limit: int = 500
    ) -> list[PendingVenue]:
        """New venues waiting for « Publier » / « Refuser » in ``scope``, oldest first (see ``_pending``)."""
        from ._pending import read_pending

        with self.engine.connect() as c:
            return read_pending(c, scope, venue_ids=venue_ids, limit=limit)

    def quarantined(self, scope: Scope, *, pk: int | None = None, limit: int = 500) -> list[QuarantineItem]:
        """Quarantined records of each source's last reading run waiting for a person in ``scope``
        (administrators: also those whose commune could not be read), see ``_quarantine``."""
        from ._quarantine import read_quarantine

        with self.engine.connect() as c:
            return read_quarantine(c, scope, pk=pk, limit=limit)

    def count_venues(self, status: str = "active") -> int:
        with self.engine.connect() as c:
            return c.execute(
                sa.select(sa.func.count()).select_from(venue_t).where(venue_t.c.status == status)
            ).scalar_one()

    def stats(self) -> dict[str, Any]:
        """Counts a person running the directory wants to see."""
        with self.engine.connect() as c:
            by_status: dict[str, int] = dict(
                c.execute(sa.select(venue_t.c.status, sa.func.count()).group_by(venue_t.c.status)).all()
            )
            dept = sa.func.substr(venue_t.c.code_postal, 1, 2)
            by_dept = c.execute(
                sa.select(dept, sa.func.count())
                .where(venue_t.c.status == "active")
                .group_by(dept)
                .order_by(sa.func.count().desc(), dept)
                .limit(10)
            ).all()
            with_point = c.execute(
                sa.select(sa.func.count()).where(venue_t.c.status == "active", venue_t.c.latitude.is_not(None))
            ).scalar_one()
            flagged = c.execute(
                sa.select(sa.func.count()).where(venue_t.c.status == "active", venue_t.c.flags != sa.JSON.NULL)
            ).scalar_one()
            raw: dict[str, int] = dict(
                c.execute(sa.select(raw_t.c.status, sa.func.count()).group_by(raw_t.c.status)).all()
            )
            sources = c.execute(sa.select(sa.func.count()).select_from(source_t)).scalar_one()
            runs = c.execute(sa.select(sa.func.count()).select_from(run_t)).scalar_one()
            changes = c.execute(sa.select(sa.func.count()).select_from(change_t)).scalar_one()
        return {
            "venues": by_status,
            "with_coordinates": with_point,
            "flagged": flagged,
            "top_postcode_prefixes": [(d, n) for d, n in by_dept],
            "raw_records": raw,
            "sources": sources,
            "runs": runs,
            "changes": changes,
        }

    # -- matching ----------------------------------------------------------

    def match_projection(self) -> Iterator[tuple[str, Venue, list[str]]]:
        """Every active venue with the keys (``source:record``) of its records, for matching."""
        with self.engine.connect() as c:
            keys: dict[int, list[str]] = {}
            for r in c.execute(
                sa.select(link_t.c.venue_pk, link_t.c.source_id, link_t.c.record_id)
                .where(link_t.c.withdrawn_at.is_(None))
                .order_by(by_code_point(link_t.c.source_id), by_code_point(link_t.c.record_id))
            ):
                keys.setdefault(r.venue_pk, []).append(f"{r.source_id}:{r.record_id}")
            for row in c.execute(
                sa.select(venue_t).where(venue_t.c.status == "active").order_by(venue_t.c.pk)
            ).mappings():
                yield row["id"], values_to_venue(row["id"], row), keys.get(row["pk"], [])

    def feedback(self, source_id: str, since: datetime | None = None) -> SourceFeedback:
        """What to send back to a source's producer: quarantined records of the
        last run that read its records, and curators' corrections since ``since`` (see ``_feedback``).

        :raises UnknownSource: no source has this id.
        """
        return source_feedback(self.engine, source_id, since)

    def match_decisions(self, keys: Sequence[str]) -> dict[tuple[str, str], str]:
        """People's decisions (match / distinct) on pairs involving these record keys."""
        if not keys:
            return {}
        with self.engine.connect() as c:
            return read_match_decisions(c, keys)

    def review_item(self, pk: int) -> dict[str, Any] | None:
        """The open pair ``pk`` as ``review_items`` gives it, or None (decided, obsolete, or one of its
        records no longer feeds an active venue)."""
        with self.engine.connect() as c:
            return read_review_item(c, pk)

    def review_items(self, limit: int = 100, scope: Scope | None = None) -> list[dict[str, Any]]:
        """The open pairs, best score first, whose two records still feed an active venue (a pair with
        a withdrawn record waits for nobody), each with ``left`` and ``right``: the values its
        records give (``nom``, ``adresse``, ``code_postal``, ``commune``…), and ``left_venue`` and
        ``right_venue``: the ids of the venues they feed. With ``scope``, only pairs one of whose
        venues is in it."""
        with self.engine.connect() as c:
            return read_review_items(c, limit, scope)

    def record_names(self, venue_ids: Sequence[str]) -> dict[str, list[str]]:
        """Venue id → the distinct names its current records give (a merged venue has several:
        search finds it by each)."""
        with self.engine.connect() as c:
            return read_record_names(c, venue_ids)

    def merged_pairs(self, limit: int = 100) -> list[dict[str, Any]]:
        """The pairs matching merged without a person, best score first, as ``review_items`` gives
        them: with the parts and the signs that made them one venue (their evidence)."""
        with self.engine.connect() as c:
            return read_merged_pairs(c, limit)

    def merged_page(self, scope: Scope, *, limit: int = 20, offset: int = 0) -> tuple[list[dict[str, Any]], bool]:
        """A page of the pairs merged without a person still one venue of ``scope``, newest first; more follow?"""
        with self.engine.connect() as c:
            return read_merged_page(c, scope, limit, offset)

    # -- nearest -----------------------------------------------------------

    #: Options of the connection ``nearest`` reads on (PostgreSQL: autocommit, no BEGIN/ROLLBACK round trips).
    _read_options: Mapping[str, Any] = {}

    def nearest(
        self,
        lat: float,
        lon: float,
        *,
        limit: int = 10,
        radius_km: float | None = None,
        filter: VenueFilter | None = None,
    ) -> list[Nearby]:
        """The ``limit`` active venues nearest to (lat, lon), closest first.

        :param radius_km: leave out venues further than this.
        :param filter: restrict by vocabulary codes and territory.
        :returns: venues with their great-circle distance in metres; ties are
            broken by venue id so both backends give the same order.
        """
        with self.engine.connect().execution_options(**self._read_options) as c:
            with closing(c.connection.dbapi_connection.cursor()) as cursor:  # type: ignore[union-attr]  # live
                found = self._nearest_rows(cursor, lat, lon, limit, radius_km, filter, ())
            return self._load(c, [(d, row[0]) for d, row in found])

    def nearest_cards(
        self,
        lat: float,
        lon: float,
        *,
        limit: int = 10,
        radius_km: float | None = None,
        filter: VenueFilter | None = None,
    ) -> list[NearbyCard]:
        """``nearest`` as the cards a list of results shows (``_cards``), read by the same query on the
        kept read connections: the same venues in the same order, each with its distance in metres."""
        found = self._reads.run(
            lambda cursor: self._nearest_rows(cursor, lat, lon, limit, radius_km, filter, CARD_COLUMNS)
        )
        return [card_of(row, d) for d, row in found]

    def nearest_sql(
        self,
        lat: float,
        lon: float,
        *,
        limit: int = 10,
        radius_km: float | None = None,
        filter: VenueFilter | None = None,
    ) -> tuple[str, list[Any] | dict[str, Any]]:
        """The first statement ``nearest`` runs and its parameters (for EXPLAIN: bench/nearest.py)."""
        read, values = self._first_read(lat, lon, limit, radius_km, filter)
        return read.sql, read.parameters(values)

    @abc.abstractmethod
    def _first_read(
        self, lat: float, lon: float, limit: int, radius_km: float | None, filter: VenueFilter | None
    ) -> tuple[PreparedRead, dict[str, Any]]:
        """The first statement ``_nearest_rows`` runs (without extra columns), and its values."""

    @abc.abstractmethod
    def _nearest_rows(
        self,
        cursor: Any,
        lat: float,
        lon: float,
        limit: int,
        radius_km: float | None,
        filter: VenueFilter | None,
        columns: tuple[sa.ColumnElement[Any], ...],
    ) -> list[tuple[float, tuple[Any, ...]]]:
        """(distance, row) of the nearest venues on a DBAPI cursor; a row starts (pk, id, latitude,
        longitude, *columns)."""

    def _active(self) -> sa.ColumnElement[bool]:
        return venue_t.c.status == "active"

    def _filter_clauses(self, filter: VenueFilter | None) -> list[sa.ColumnElement[bool]]:
        clauses: list[sa.ColumnElement[bool]] = [self._active()]
        if filter is None:
            return clauses
        for name, codes in filter.terms.items():
            if codes:
                clauses.append(
                    sa.exists().where(
                        term_t.c.venue_pk == venue_t.c.pk,
                        term_t.c.field == name,
                        term_t.c.code.in_(list(codes)),
                    )
                )
        if filter.code_insee:
            clauses.append(venue_t.c.code_insee == filter.code_insee)
        if filter.code_postal:
            clauses.append(venue_t.c.code_postal == filter.code_postal)
        if filter.departement:
            clauses.append(venue_t.c.code_postal.startswith(_postcode_prefix(filter.departement)))
        if filter.communes:
            clauses.append(venue_t.c.code_insee.in_(list(filter.communes)))
        if filter.bbox is not None:
            south, west, north, east = filter.bbox
            clauses += [venue_t.c.latitude.between(south, north), venue_t.c.longitude.between(west, east)]
        return clauses

    def _load(self, c: sa.Connection, scored: Sequence[tuple[float, int]]) -> list[Nearby]:
        if not scored:
            return []
        rows = c.execute(sa.select(venue_t).where(venue_t.c.pk.in_([pk for _, pk in scored]))).mappings()
        by_pk = {r["pk"]: r for r in rows}
        return [Nearby(values_to_venue(by_pk[pk]["id"], by_pk[pk]), d) for d, pk in scored]


def closest_first(distances: Sequence[float], rows: Sequence[tuple[Any, ...]]) -> list[tuple[float, tuple[Any, ...]]]:
    """(distance, row) pairs nearest first, ties broken by the row's venue id (``row[1]``), so that
    both backends give the same order."""
    order = sorted((d, row[1], i) for i, (d, row) in enumerate(zip(distances, rows)))
    return [(d, rows[i]) for d, _id, i in order]


def _postcode_prefix(departement: str) -> str:
    """Postcodes of Corsica start with 20; others with the département code."""
    return "20" if departement.upper() in ("2A", "2B") else departement
