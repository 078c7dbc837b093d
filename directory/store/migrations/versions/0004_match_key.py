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
    # The keys of the venues already there are computed by 0012, which computes them all again.


def downgrade() -> None:
    with op.batch_alter_table("match_key") as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_key_venue_pk"))
    op.drop_table("match_key")
