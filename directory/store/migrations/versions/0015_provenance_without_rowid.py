# SPDX-License-Identifier: Apache-2.0
"""field_provenance as a SQLite ``WITHOUT ROWID`` table: each row stored once, in its primary key's
order (venue, field), instead of once in the table and again in the primary key's index

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rebuild(with_rowid=False)


def downgrade() -> None:
    _rebuild(with_rowid=True)


def _rebuild(*, with_rowid: bool) -> None:
    """SQLite only: the table made again (rows, primary key and foreign key copied) with or without its
    rowid. Every read and write of it names a venue, the key's first column. PostgreSQL's tables have no
    rowid: nothing to do."""
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("field_provenance", recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}):
        pass
