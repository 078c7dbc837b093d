# SPDX-License-Identifier: Apache-2.0
"""match_key: the keys of every active venue computed again, with the street (``adr``), the name
(``nom``) and the imprecise venues of a postcode (``approx``), so that a record with a precise point
no longer reads its whole commune (``schema.blocking``)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""


from collections.abc import Callable, Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_COLUMNS = (
    "pk",
    "pivot",
    "code_insee",
    "code_postal",
    "telephone",
    "courriels",
    "site_web",
    "latitude",
    "longitude",
    "nom",
    "commune",
    "adresse",
    "geo_method",
)
_JSON = ("courriels", "site_web")
_CHUNK = 5000


def upgrade() -> None:
    """Every venue's keys as the writer now computes them (``schema.stored_block_keys``)."""
    from directory.schema import stored_block_keys

    _recompute(op.get_bind(), stored_block_keys)


def downgrade() -> None:
    """The kinds of keys there were: the commune, contacts and cell. Every venue held its commune's key
    before and after, so dropping the new kinds is enough (the cells are 0013's)."""
    match_key = sa.table("match_key", sa.column("kind"))
    op.get_bind().execute(match_key.delete().where(match_key.c.kind.in_(_NEW)))


_NEW = ("adr", "nom", "approx")


def _recompute(connection: sa.Connection, keys_of: Callable[[Mapping[str, Any]], Iterable[str]]) -> None:
    """Replace every key, reading the active venues a chunk at a time (by pk), not all at once."""
    venue = sa.table("venue", sa.column("status"), *(sa.column(n, sa.JSON() if n in _JSON else None) for n in _COLUMNS))
    match_key = sa.table("match_key", sa.column("kind"), sa.column("key"), sa.column("venue_pk"))
    connection.execute(match_key.delete())
    last = 0
    while True:
        rows = connection.execute(
            sa.select(*(venue.c[name] for name in _COLUMNS))
            .where(venue.c.status == "active", venue.c.pk > last)
            .order_by(venue.c.pk)
            .limit(_CHUNK)
        ).all()
        if not rows:
            return
        batch = [
            {"kind": kind, "key": value, "venue_pk": row["pk"]}
            for row in (stored._asdict() for stored in rows)
            for kind, _, value in (key.partition(":") for key in sorted(keys_of(row)))
        ]
        if batch:
            connection.execute(match_key.insert(), batch)
        last = rows[-1].pk
