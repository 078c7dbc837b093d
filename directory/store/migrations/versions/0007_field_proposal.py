# SPDX-License-Identifier: Apache-2.0
"""field_proposal: what a harvest would change in a field a person locked, for a person to accept or reject

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "field_proposal",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("venue_pk", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=True),
        sa.Column("value", _JSON, nullable=True),
        sa.Column("current", _JSON, nullable=True),
        sa.Column("value_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["venue_pk"], ["venue.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"]),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("venue_pk", "field", "source_id", "value_hash", name="uq_field_proposal"),
    )
    op.create_index("ix_field_proposal_status", "field_proposal", ["status"])


def downgrade() -> None:
    op.drop_index("ix_field_proposal_status", "field_proposal")
    op.drop_table("field_proposal")
