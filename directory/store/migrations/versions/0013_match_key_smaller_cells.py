# SPDX-License-Identifier: Apache-2.0
"""match_key: the grid cells of the venues' points on the ~100 m grid instead of the ~250 m one
(``schema.blocking.CELL_M``): a record looks in nine cells, which covered six times the area

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

#: The side of a cell before this revision, in metres.
_BEFORE_M = 250.0
_CHUNK = 5000


def upgrade() -> None:
    from directory.schema import CELL_M

    _cells(op.get_bind(), CELL_M)


def downgrade() -> None:
    _cells(op.get_bind(), _BEFORE_M)


def _cells(connection: sa.Connection, cell_m: float) -> None:
    """Every active venue with a point holds its cell on the grid of side ``cell_m`` (``schema.blocking.grid_cells``),
    read a chunk at a time (by pk), not all at once. Its other keys do not depend on the grid."""
    from directory.schema import grid_cells

    venue = sa.table("venue", sa.column("pk"), sa.column("status"), sa.column("latitude"), sa.column("longitude"))
    match_key = sa.table("match_key", sa.column("kind"), sa.column("key"), sa.column("venue_pk"))
    connection.execute(match_key.delete().where(match_key.c.kind == "cell"))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(venue.c.pk, venue.c.latitude, venue.c.longitude)
            .where(
                venue.c.status == "active",
                venue.c.pk > last,
                venue.c.latitude.is_not(None),
                venue.c.longitude.is_not(None),
            )
            .order_by(venue.c.pk)
            .limit(_CHUNK)
        ).all()
        if not rows:
            return
        connection.execute(
            match_key.insert(),
            [{"kind": "cell", "key": grid_cells(lat, lon, cell_m)[0], "venue_pk": pk} for pk, lat, lon in rows],
        )
        last = rows[-1].pk
