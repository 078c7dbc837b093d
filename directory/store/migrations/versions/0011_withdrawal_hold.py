# SPDX-License-Identifier: Apache-2.0
"""withdrawal_hold: what a suspect complete run would have withdrawn, for a person to confirm or keep

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "withdrawal_hold",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("previous", sa.Integer(), nullable=True),
        sa.Column("live", sa.Integer(), nullable=False),
        sa.Column("records", _JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"]),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index("ix_withdrawal_hold_source_id", "withdrawal_hold", ["source_id"])
    op.create_index("ix_withdrawal_hold_status", "withdrawal_hold", ["status"])


def downgrade() -> None:
    op.drop_index("ix_withdrawal_hold_status", "withdrawal_hold")
    op.drop_index("ix_withdrawal_hold_source_id", "withdrawal_hold")
    op.drop_table("withdrawal_hold")
