# SPDX-License-Identifier: Apache-2.0
"""venue_term and match_key as SQLite ``WITHOUT ROWID`` tables: each row stored once, in
its primary key's order, instead of once in the table and again in the primary key's index

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: The tables keyed by a composite primary key, whose rowid nothing reads (``tables._WITHOUT_ROWID``).
_TABLES = ("venue_term", "match_key")


def upgrade() -> None:
    _rebuild(with_rowid=False)


def downgrade() -> None:
    _rebuild(with_rowid=True)


def _rebuild(*, with_rowid: bool) -> None:
    """SQLite only: each table made again (rows and indexes copied) with or without its rowid. PostgreSQL's
    tables have no rowid: nothing to do."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in _TABLES:
        with op.batch_alter_table(name, recreate="always", table_kwargs={"sqlite_with_rowid": with_rowid}):
            pass
