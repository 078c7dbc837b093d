# SPDX-License-Identifier: Apache-2.0
"""source_link.raw_hash: the record as last read, so an unchanged one is not parsed again

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("source_link") as batch:
        batch.add_column(sa.Column("raw_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_link") as batch:
        batch.drop_column("raw_hash")
