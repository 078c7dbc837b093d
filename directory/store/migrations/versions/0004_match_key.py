# SPDX-License-Identifier: Apache-2.0
"""match_key: the blocking keys of active venues, so a harvest looks up candidates per batch
instead of holding every venue in memory

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_COLUMNS = ("pk", "pivot", "code_insee", "code_postal", "telephone", "courriels", "site_web", "latitude", "longitude")


def upgrade() -> None:
    op.create_table(
        "match_key",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("venue_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["venue_pk"], ["venue.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("kind", "key", "venue_pk"),
    )
    with op.batch_alter_table("match_key") as batch_op:
        batch_op.create_index(batch_op.f("ix_match_key_venue_pk"), ["venue_pk"], unique=False)
    _backfill(op.get_bind())


def _backfill(connection: sa.Connection) -> None:
    """Keys of the venues already there, as the writer computes them."""
    from directory.schema import stored_block_keys

    json = ("courriels", "site_web")
    venue = sa.table("venue", sa.column("status"), *(sa.column(n, sa.JSON() if n in json else None) for n in _COLUMNS))
    match_key = sa.table("match_key", sa.column("kind"), sa.column("key"), sa.column("venue_pk"))
    rows = connection.execute(sa.select(*(venue.c[name] for name in _COLUMNS)).where(venue.c.status == "active"))
    batch: list[dict[str, object]] = []
    for row in (stored._asdict() for stored in rows.all()):
        for key in sorted(stored_block_keys(row)):
            kind, value = key.split(":", 1)
            batch.append({"kind": kind, "key": value, "venue_pk": row["pk"]})
        if len(batch) >= 5000:
            connection.execute(match_key.insert(), batch)
            batch = []
    if batch:
        connection.execute(match_key.insert(), batch)


def downgrade() -> None:
    with op.batch_alter_table("match_key") as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_key_venue_pk"))
    op.drop_table("match_key")
