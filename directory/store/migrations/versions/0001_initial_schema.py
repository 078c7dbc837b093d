# SPDX-License-Identifier: Apache-2.0
"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('source',
    sa.Column('id', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('publisher', sa.String(), nullable=True),
    sa.Column('url', sa.String(), nullable=True),
    sa.Column('format', sa.String(length=32), nullable=True),
    sa.Column('licence', sa.String(), nullable=True),
    sa.Column('trust', sa.Integer(), nullable=False),
    sa.Column('config', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('venue',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('merged_into', sa.String(length=32), nullable=True),
    sa.Column('pivot', sa.String(length=14), nullable=False),
    sa.Column('nom', sa.String(), nullable=False),
    sa.Column('commune', sa.String(), nullable=False),
    sa.Column('code_postal', sa.String(length=5), nullable=False),
    sa.Column('code_insee', sa.String(length=5), nullable=True),
    sa.Column('adresse', sa.String(), nullable=False),
    sa.Column('complement_adresse', sa.String(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('typologie', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('telephone', sa.String(), nullable=True),
    sa.Column('courriels', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('site_web', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('horaires', sa.String(), nullable=True),
    sa.Column('presentation_resume', sa.String(), nullable=True),
    sa.Column('presentation_detail', sa.String(), nullable=True),
    sa.Column('source', sa.String(), nullable=True),
    sa.Column('itinerance', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('structure_parente', sa.String(), nullable=True),
    sa.Column('date_maj', sa.Date(), nullable=False),
    sa.Column('services', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('publics_specifiquement_adresses', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('prise_en_charge_specifique', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('frais_a_charge', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('conditions_frais', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('dispositif_programmes_nationaux', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('formations_labels', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('autres_formations_labels', sa.String(), nullable=True),
    sa.Column('modalites_acces', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('modalites_accompagnement', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('fiche_acces_libre', sa.String(), nullable=True),
    sa.Column('prise_rdv', sa.String(), nullable=True),
    sa.Column('flags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('pk'),
    sa.UniqueConstraint('id')
    )
    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venue_code_insee'), ['code_insee'], unique=False)
        batch_op.create_index(batch_op.f('ix_venue_code_postal'), ['code_postal'], unique=False)
        batch_op.create_index(batch_op.f('ix_venue_status'), ['status'], unique=False)

    op.create_table('change_log',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('venue_pk', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=True),
    sa.Column('old', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('new', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('source_id', sa.String(length=80), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['venue_pk'], ['venue.pk'], ),
    sa.PrimaryKeyConstraint('seq')
    )
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_log_venue_pk'), ['venue_pk'], unique=False)

    op.create_table('field_provenance',
    sa.Column('venue_pk', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('source_id', sa.String(length=80), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=True),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['venue_pk'], ['venue.pk'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('venue_pk', 'field')
    )
    op.create_table('offer',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('venue_pk', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(length=80), nullable=False),
    sa.Column('description', sa.String(), nullable=True),
    sa.Column('horaires', sa.String(), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['venue_pk'], ['venue.pk'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk')
    )
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_service'), ['service'], unique=False)
        batch_op.create_index(batch_op.f('ix_offer_venue_pk'), ['venue_pk'], unique=False)

    op.create_table('run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(length=80), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('counts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('error', sa.String(), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_run_source_id'), ['source_id'], unique=False)

    op.create_table('source_link',
    sa.Column('source_id', sa.String(length=80), nullable=False),
    sa.Column('record_id', sa.String(length=200), nullable=False),
    sa.Column('venue_pk', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ),
    sa.ForeignKeyConstraint(['venue_pk'], ['venue.pk'], ),
    sa.PrimaryKeyConstraint('source_id', 'record_id')
    )
    with op.batch_alter_table('source_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_link_venue_pk'), ['venue_pk'], unique=False)

    op.create_table('venue_term',
    sa.Column('venue_pk', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['venue_pk'], ['venue.pk'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('venue_pk', 'field', 'code')
    )
    with op.batch_alter_table('venue_term', schema=None) as batch_op:
        batch_op.create_index('ix_venue_term_field_code', ['field', 'code', 'venue_pk'], unique=False)

    op.create_table('raw_record',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(length=80), nullable=False),
    sa.Column('record_id', sa.String(length=200), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('payload', sa.String(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('problems', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['run.id'], ),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ),
    sa.PrimaryKeyConstraint('pk')
    )
    with op.batch_alter_table('raw_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_raw_record_run_id'), ['run_id'], unique=False)
        batch_op.create_index('ix_raw_record_source_record', ['source_id', 'record_id'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_rtree()
    elif dialect == "postgresql":
        _postgis_point()


def _sqlite_rtree() -> None:
    """An R*Tree of venue points, kept in step with ``venue`` by triggers.

    This Python's sqlite3 cannot load SpatiaLite; an R*Tree (32-bit floats,
    boxes rounded outwards) finds candidates and exact distances are rechecked.
    """
    op.execute("CREATE VIRTUAL TABLE venue_rtree USING rtree(pk, min_lat, max_lat, min_lon, max_lon)")
    point = "new.pk, new.latitude, new.latitude, new.longitude, new.longitude"
    has_point = "new.latitude IS NOT NULL AND new.longitude IS NOT NULL"
    op.execute(
        "CREATE TRIGGER venue_rtree_insert AFTER INSERT ON venue "
        f"WHEN {has_point} BEGIN INSERT INTO venue_rtree VALUES ({point}); END"
    )
    op.execute(
        "CREATE TRIGGER venue_rtree_update AFTER UPDATE OF latitude, longitude ON venue BEGIN "
        "DELETE FROM venue_rtree WHERE pk = old.pk; "
        f"INSERT INTO venue_rtree SELECT {point} WHERE {has_point}; END"
    )
    op.execute("CREATE TRIGGER venue_rtree_delete AFTER DELETE ON venue BEGIN DELETE FROM venue_rtree WHERE pk = old.pk; END")


def _postgis_point() -> None:
    """A geography point derived from latitude/longitude, with a GiST index for KNN."""
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.add_column(
        "venue",
        sa.Column(
            "geog",
            Geography(geometry_type="POINT", srid=4326, spatial_index=False),
            sa.Computed(
                "CASE WHEN latitude IS NULL OR longitude IS NULL THEN NULL "
                "ELSE ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography END",
                persisted=True,
            ),
        ),
    )
    op.create_index("ix_venue_geog", "venue", ["geog"], postgresql_using="gist")



def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE venue_rtree")
    with op.batch_alter_table('raw_record', schema=None) as batch_op:
        batch_op.drop_index('ix_raw_record_source_record')
        batch_op.drop_index(batch_op.f('ix_raw_record_run_id'))

    op.drop_table('raw_record')
    with op.batch_alter_table('venue_term', schema=None) as batch_op:
        batch_op.drop_index('ix_venue_term_field_code')

    op.drop_table('venue_term')
    with op.batch_alter_table('source_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_link_venue_pk'))

    op.drop_table('source_link')
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_run_source_id'))

    op.drop_table('run')
    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_venue_pk'))
        batch_op.drop_index(batch_op.f('ix_offer_service'))

    op.drop_table('offer')
    op.drop_table('field_provenance')
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_log_venue_pk'))

    op.drop_table('change_log')
    with op.batch_alter_table('venue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_venue_status'))
        batch_op.drop_index(batch_op.f('ix_venue_code_postal'))
        batch_op.drop_index(batch_op.f('ix_venue_code_insee'))

    op.drop_table('venue')
    op.drop_table('source')

