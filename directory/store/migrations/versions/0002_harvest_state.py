# SPDX-License-Identifier: Apache-2.0
"""harvest state, geocoding cache, matching decisions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('geocode_cache',
    sa.Column('address_key', sa.String(length=400), nullable=False),
    sa.Column('query', sa.String(), nullable=False),
    sa.Column('citycode', sa.String(length=5), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('result_type', sa.String(length=32), nullable=True),
    sa.Column('label', sa.String(), nullable=True),
    sa.Column('result_citycode', sa.String(length=5), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('address_key')
    )
    op.create_table('match_decision',
    sa.Column('left_key', sa.String(length=300), nullable=False),
    sa.Column('right_key', sa.String(length=300), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('left_key', 'right_key')
    )
    op.create_table('source_state',
    sa.Column('source_id', sa.String(length=80), nullable=False),
    sa.Column('etag', sa.String(), nullable=True),
    sa.Column('last_modified', sa.String(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('cursor', sa.String(), nullable=True),
    sa.Column('last_run_id', sa.Integer(), nullable=True),
    sa.Column('last_complete_run_id', sa.Integer(), nullable=True),
    sa.Column('last_complete_count', sa.Integer(), nullable=True),
    sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ),
    sa.PrimaryKeyConstraint('source_id')
    )
    op.create_table('review_item',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('left_key', sa.String(length=300), nullable=False),
    sa.Column('right_key', sa.String(length=300), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('parts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['run.id'], ),
    sa.PrimaryKeyConstraint('pk'),
    sa.UniqueConstraint('left_key', 'right_key', name='uq_review_item_pair')
    )
    with op.batch_alter_table('review_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_item_left_key'), ['left_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_item_right_key'), ['right_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_item_status'), ['status'], unique=False)

    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
    # Plain ADD COLUMN (no batch copy): the venue table carries SQLite triggers.
    op.add_column('run', sa.Column('kind', sa.String(length=16), nullable=False, server_default='import'))
    op.add_column('run', sa.Column('report', json, nullable=True))
    op.add_column('source_link', sa.Column('record', json, nullable=True))
    op.add_column('source_link', sa.Column('origin', sa.String(length=200), nullable=True))
    op.add_column('source_link', sa.Column('lineage', json, nullable=True))
    op.add_column('source_link', sa.Column('geo_method', sa.String(length=16), nullable=True))
    op.add_column('source_link', sa.Column('geo_score', sa.Float(), nullable=True))
    op.add_column('source_link', sa.Column('geo_latitude', sa.Float(), nullable=True))
    op.add_column('source_link', sa.Column('geo_longitude', sa.Float(), nullable=True))
    op.add_column('venue', sa.Column('geo_method', sa.String(length=16), nullable=True))


def downgrade() -> None:
    for table, column in [
        ('venue', 'geo_method'), ('source_link', 'geo_longitude'), ('source_link', 'geo_latitude'),
        ('source_link', 'geo_score'), ('source_link', 'geo_method'), ('source_link', 'lineage'),
        ('source_link', 'origin'), ('source_link', 'record'), ('run', 'report'), ('run', 'kind'),
    ]:
        op.drop_column(table, column)
    op.drop_table('review_item')
    op.drop_table('source_state')
    op.drop_table('match_decision')
    op.drop_table('geocode_cache')
