# SPDX-License-Identifier: Apache-2.0
"""What every part of ``Writer`` stands on: the transaction's connection, the change-log buffer, and
the seams between parts.

``Writer`` is one class made of parts, a module each (``_writer``). Each part's class derives from
``WriterBase``, so that a part's methods are typed against what they may use: the shared state set
here, and the few methods one part calls on another, declared below for the type checker with the
part that defines each. mypy checks every definition against its declaration, so the two cannot
drift apart; at run time only the definitions exist.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from directory.schema import CommuneLookup

    from ._curation import Curated
    from ._models import ApplyOutcome, RowValues
    from ._venues import Prepared

__all__ = ["WriterBase"]


class WriterBase:
    """The connection every write goes through, and the change-log rows waiting to be written."""

    def __init__(self, connection: sa.Connection) -> None:
        self.c = connection
        self._changes: list[dict[str, Any]] = []
        self._ordered = False
        #: Venues (pks) whose values, status, blocking keys or records this writer changed: a reader that
        #: keeps venues between its calls (a harvest's ``StoredIndex``) forgets these.
        self.changed_venues: set[int] = set()

    if TYPE_CHECKING:
        # The change log (_changelog).
        def _log(self, *rows: Mapping[str, Any]) -> None: ...

        # Links and provenance (_links).
        def _seen_again(self, source_id: str, unchanged: list[Prepared], at: datetime) -> None: ...
        def _link_values(self, p: Prepared, venue_pk: int, at: datetime) -> dict[str, Any]: ...
        def _first_provenance(self, pks: list[int], source_id: str | None, at: datetime) -> None: ...

        # Matching's keys (_match_keys).
        def _set_match_keys(
            self,
            venues: Mapping[int, RowValues | None],
            *,
            replace: bool = True,
            given: Mapping[int, frozenset[str]] | None = None,
        ) -> None: ...
        def venue_pks(self, venue_ids: Iterable[str]) -> dict[str, int]: ...

        # Venues fed by records (_venues).
        def _new_venues(
            self,
            source_id: str | None,
            records: Sequence[Mapping[str, Any]],
            at: datetime,
            actor: str | None = None,
            *,
            status: str = "active",
            keys: Sequence[frozenset[str] | None] = (),
        ) -> list[tuple[str, int, tuple[str, ...]]]: ...
        def _write_terms(self, venues: Mapping[int, Mapping[str, Any]], *, replace: bool) -> None: ...
        def _venue_id(self, pk: int) -> str: ...

        # Merging (_merging).
        def _remerge(
            self,
            pks: set[int],
            source_id: str | None,
            at: datetime,
            actor: str | None = None,
            fixed: Mapping[int, Mapping[str, Any]] | None = None,
            settled: str | None = None,
        ) -> dict[int, ApplyOutcome]: ...
        def _redirect(
            self, pk: int, into_pk: int, source_id: str | None, at: datetime, actor: str | None = None
        ) -> None: ...

        # Withdrawal (_withdrawal).
        def withdraw_missing(
            self,
            source_id: str,
            seen: set[str],
            at: datetime,
            merged_into: Mapping[str, str] | None = None,
            *,
            seen_since: datetime | None = None,
            only: set[str] | None = None,
            actor: str | None = None,
        ) -> list[str]: ...

        # A person's edits (_edits).
        def create_venue(
            self, values: Mapping[str, Any], actor: str, at: datetime, *, places: CommuneLookup | None = None
        ) -> Curated: ...
        def withdraw_venue(self, venue_id: str, actor: str, at: datetime, reason: str | None = None) -> None: ...
        def restore_venue(self, venue_id: str, actor: str, at: datetime) -> Curated: ...
        def _active_row(self, venue_id: str) -> RowValues: ...
        def _lock(self, pk: int, fields: Collection[str], actor: str, at: datetime) -> None: ...
        def _correct(
            self,
            row: RowValues,
            raw: Mapping[str, Any],
            actor: str,
            at: datetime,
            *,
            places: CommuneLookup | None,
            keep: Collection[str] = (),
            extra: Mapping[str, Any] | None = None,
        ) -> Curated: ...
