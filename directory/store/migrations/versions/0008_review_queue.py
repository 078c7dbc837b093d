# SPDX-License-Identifier: Apache-2.0
"""quarantine_decision, raw_record.code_insee and .mapped: quarantined records fixed by hand or
dismissed, found by territory (the « À vérifier » tabs of new venues and quarantined records)

Venues waiting for review need no schema change: they are venues of status ``pending`` (or
``refused``), a column that already holds any short word.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "quarantine_decision",
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("venue_id", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("raw_pk", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"]),
        sa.PrimaryKeyConstraint("source_id", "record_id", "content_hash"),
    )
    with op.batch_alter_table("raw_record") as batch:
        batch.add_column(sa.Column("code_insee", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("mapped", _JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("raw_record") as batch:
        batch.drop_column("mapped")
        batch.drop_column("code_insee")
    op.drop_table("quarantine_decision")
