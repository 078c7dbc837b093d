# SPDX-License-Identifier: Apache-2.0
"""The BAN's answers kept by the store, under the folded address (:func:`address_key`).

Every answer, refused ones included, is kept and never asked again; the acceptance
rules are applied when reading, so changing ``min_score`` takes effect without a request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa

from directory.places import fold
from directory.store import Store, geocode_answers, keep_geocode_answers, utcnow

from ._geocode_types import BanAnswer, GeocodeRequest

_KEY_MAX = 400
_ANSWER_FIELDS = tuple(BanAnswer.__dataclass_fields__)


def address_key(req: GeocodeRequest) -> str:
    """The cache key of an address: ``fold(adresse)|code_postal|code_insee``.

    Case, accents, punctuation and runs of spaces do not matter, so
    ``"12 BIS RUE  de Leclercq"`` and ``"12 bis rue de leclercq"`` share one
    entry. Keys longer than the column (400) end with a hash of the whole.
    """
    key = f"{fold(req.adresse)}|{req.code_postal.strip()}|{(req.code_insee or '').strip().upper()}"
    if len(key) > _KEY_MAX:
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        key = f"{key[: _KEY_MAX - 33]}#{digest}"
    return key


class GeocodeCache:
    """The BAN's answers kept by the store (``geocode_answers``, ``keep_geocode_answers``).

    Each method takes the caller's open transaction (``connection``), whose
    commit keeps what is written; without one, it opens and commits its own.
    """

    def __init__(self, store: Store) -> None:
        self.engine = store.engine

    @contextmanager
    def _through(self, connection: sa.Connection | None) -> Iterator[sa.Connection]:
        if connection is not None:
            yield connection
        else:
            with self.engine.begin() as own:
                yield own

    def get_many(self, keys: Iterable[str], connection: sa.Connection | None = None) -> dict[str, BanAnswer]:
        """The cached answers for those of ``keys`` that have one."""
        with self._through(connection) as c:
            kept = geocode_answers(c, keys)
        return {key: BanAnswer(**{name: row[name] for name in _ANSWER_FIELDS}) for key, row in kept.items()}

    def put_many(
        self, rows: Iterable[BanAnswer], at: datetime | None = None, connection: sa.Connection | None = None
    ) -> int:
        """Store answers, replacing any under the same key; returns the count."""
        latest = {row.address_key: row for row in rows}
        if not latest:
            return 0
        when = at or utcnow()
        values = [{**{name: getattr(a, name) for name in _ANSWER_FIELDS}, "at": when} for a in latest.values()]
        with self._through(connection) as c:
            return keep_geocode_answers(c, values)
