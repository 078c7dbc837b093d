# SPDX-License-Identifier: Apache-2.0
"""offers as records (issue 15): venue.offres, the offer table made again, offer_stop

The old ``offer`` table held one row per service code of a venue, written and never read; it is
replaced by one row per offer (``schema.offer``), written from the venue's ``offres``, and its
places on the map (stops of itinerant offers, an offer's own place) in ``offer_stop``.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.add_column("venue", sa.Column("offres", _JSON, nullable=True))
    op.drop_index("ix_offer_service", "offer")
    op.drop_index("ix_offer_venue_pk", "offer")
    op.drop_table("offer")
    op.create_table(
        "offer",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("venue_pk", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("nom", sa.String(), nullable=False),
        sa.Column("services", _JSON, nullable=True),
        sa.Column("conditions_frais", _JSON, nullable=True),
        sa.Column("itinerant", sa.Boolean(), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=True),
        sa.Column("record", _JSON, nullable=True),
        sa.ForeignKeyConstraint(["venue_pk"], ["venue.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("venue_pk", "id", name="uq_offer_venue_id"),
    )
    op.create_index("ix_offer_venue_pk", "offer", ["venue_pk"])
    op.create_table(
        "offer_stop",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("offer_pk", sa.Integer(), nullable=False),
        sa.Column("venue_pk", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("nom", sa.String(), nullable=True),
        sa.Column("adresse", sa.String(), nullable=True),
        sa.Column("code_postal", sa.String(length=5), nullable=True),
        sa.Column("commune", sa.String(), nullable=True),
        sa.Column("code_insee", sa.String(length=5), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("horaires", sa.String(), nullable=True),
        sa.Column("dates", _JSON, nullable=True),
        sa.ForeignKeyConstraint(["offer_pk"], ["offer.pk"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["venue_pk"], ["venue.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index("ix_offer_stop_offer_pk", "offer_stop", ["offer_pk"])
    op.create_index("ix_offer_stop_venue_pk", "offer_stop", ["venue_pk"])
    op.create_index("ix_offer_stop_latitude", "offer_stop", ["latitude"])


def downgrade() -> None:
    op.drop_table("offer_stop")
    op.drop_index("ix_offer_venue_pk", "offer")
    op.drop_table("offer")
    op.create_table(
        "offer",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("venue_pk", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("horaires", sa.String(), nullable=True),
        sa.Column("details", _JSON, nullable=True),
        sa.ForeignKeyConstraint(["venue_pk"], ["venue.pk"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index("ix_offer_service", "offer", ["service"])
    op.create_index("ix_offer_venue_pk", "offer", ["venue_pk"])
    # Not a batch: SQLite (3.35+) drops a column in place, and venue keeps its R*Tree triggers.
    op.drop_column("venue", "offres")
