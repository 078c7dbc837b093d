# SPDX-License-Identifier: Apache-2.0
"""The tables, declared once with SQLModel for both backends.

Dialect-specific pieces (SQLite's R*Tree and its triggers, PostGIS's
geography column and GiST index) live in the migrations, so the application
only ever writes ``latitude``/``longitude``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

__all__ = [
    "VenueRow",
    "OfferRow",
    "OfferStopRow",
    "VenueTermRow",
    "SourceRow",
    "SourceStateRow",
    "SourceLinkRow",
    "RawRecordRow",
    "FieldProvenanceRow",
    "ChangeRow",
    "RunRow",
    "GeocodeCacheRow",
    "MatchDecisionRow",
    "MatchKeyRow",
    "ReviewItemRow",
    "FieldProposalRow",
    "QuarantineDecisionRow",
    "AccountRow",
    "AccountEventRow",
    "LoginFailureRow",
    "metadata",
    "account_t",
    "account_event_t",
    "login_failure_t",
    "ClaimRow",
    "claim_t",
    "WithdrawalHoldRow",
    "hold_t",
    "venue_t",
    "offer_t",
    "offer_stop_t",
    "term_t",
    "source_t",
    "state_t",
    "link_t",
    "raw_t",
    "prov_t",
    "change_t",
    "run_t",
    "geocode_t",
    "decision_t",
    "review_t",
    "match_key_t",
    "proposal_t",
    "quarantine_decision_t",
]

Json = sa.JSON().with_variant(JSONB(), "postgresql")

#: Table arguments of a table keyed by a composite primary key whose rowid nothing reads: on SQLite a row is
#: then stored once, in the key's order, instead of once in the table and again in the key's index
#: (a new venue writes ~13 rows of venue_term and match_key, migration 0014, and ~18 of field_provenance, 0015).
#: PostgreSQL ignores it.
_WITHOUT_ROWID = {"sqlite_with_rowid": False}


def _json(**kwargs: Any) -> Any:
    return Field(default=None, sa_column=sa.Column(Json, **kwargs))


class VenueRow(SQLModel, table=True):
    """A venue as this directory publishes it (the merged, curated view)."""

    __tablename__ = "venue"
    pk: int | None = Field(default=None, primary_key=True)
    id: str = Field(max_length=32, unique=True, description="permanent opaque id minted here")
    # active | withdrawn | merged | pending (new, from a source whose new venues a person reviews) | refused
    status: str = Field(default="active", max_length=16, index=True)
    merged_into: str | None = Field(default=None, max_length=32)
    pivot: str = Field(max_length=14)
    nom: str
    commune: str
    code_postal: str = Field(max_length=5, index=True)
    code_insee: str | None = Field(default=None, max_length=5, index=True)
    adresse: str
    complement_adresse: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    typologie: list[str] | None = _json()
    telephone: str | None = None
    courriels: list[str] | None = _json()
    site_web: list[str] | None = _json()
    horaires: str | None = None
    presentation_resume: str | None = None
    presentation_detail: str | None = None
    source: str | None = None
    itinerance: list[str] | None = _json()
    structure_parente: str | None = None
    date_maj: date
    services: list[str] | None = _json()
    publics_specifiquement_adresses: list[str] | None = _json()
    prise_en_charge_specifique: list[str] | None = _json()
    frais_a_charge: list[str] | None = _json()
    conditions_frais: list[str] | None = _json()
    dispositif_programmes_nationaux: list[str] | None = _json()
    formations_labels: list[str] | None = _json()
    autres_formations_labels: str | None = None
    modalites_acces: list[str] | None = _json()
    modalites_accompagnement: list[str] | None = _json()
    fiche_acces_libre: str | None = None
    prise_rdv: str | None = None
    offres: list[dict[str, Any]] | None = _json()  # the venue's offers, stored form (``schema.offer``)
    flags: list[dict[str, Any]] | None = _json()  # warnings found by validation
    geo_method: str | None = Field(default=None, max_length=16)  # producteur | ban | commune
    created_at: datetime
    updated_at: datetime


class OfferRow(SQLModel, table=True):
    """One offer of a venue (``schema.offer``), written from the venue's merged ``offres`` (``_offers``):
    what reads offers by themselves queries (the venue's ``offres`` column is what merges and logs)."""

    __tablename__ = "offer"
    pk: int | None = Field(default=None, primary_key=True)
    venue_pk: int = Field(foreign_key="venue.pk", index=True, ondelete="CASCADE")
    id: str = Field(max_length=120)  # the offer's id within its venue (its source's, or made from its name)
    position: int  # its order among the venue's offers
    nom: str
    services: list[str] | None = _json()
    conditions_frais: list[str] | None = _json()
    itinerant: bool = False
    source_id: str | None = Field(default=None, max_length=80)
    record: dict[str, Any] | None = _json()  # the whole offer, stored form (``schema.offer.offer_record``)
    __table_args__ = (sa.UniqueConstraint("venue_pk", "id", name="uq_offer_venue_id"),)


class OfferStopRow(SQLModel, table=True):
    """One place of an offer on the map: a stop of an itinerant offer, or an offer's own place."""

    __tablename__ = "offer_stop"
    pk: int | None = Field(default=None, primary_key=True)
    offer_pk: int = Field(foreign_key="offer.pk", index=True, ondelete="CASCADE")
    venue_pk: int = Field(foreign_key="venue.pk", index=True, ondelete="CASCADE")
    position: int  # its order among the offer's stops
    nom: str | None = None
    adresse: str | None = None
    code_postal: str | None = Field(default=None, max_length=5)
    commune: str | None = None
    code_insee: str | None = Field(default=None, max_length=5)
    latitude: float | None = Field(default=None, index=True)
    longitude: float | None = None
    horaires: str | None = None
    dates: list[dict[str, Any]] | None = _json()


class VenueTermRow(SQLModel, table=True):
    """(venue, list field, vocabulary code): what filters query."""

    __tablename__ = "venue_term"
    venue_pk: int = Field(foreign_key="venue.pk", primary_key=True, ondelete="CASCADE")
    field: str = Field(max_length=40, primary_key=True)
    code: str = Field(max_length=80, primary_key=True)
    __table_args__ = (sa.Index("ix_venue_term_field_code", "field", "code", "venue_pk"), _WITHOUT_ROWID)


class SourceRow(SQLModel, table=True):
    """Where records come from: a file, a commune, a network, another instance."""

    __tablename__ = "source"
    id: str = Field(primary_key=True, max_length=80)
    name: str
    kind: str = Field(max_length=32)  # file | commune | association | network | instance
    publisher: str | None = None
    url: str | None = None
    format: str | None = Field(default=None, max_length=32)
    licence: str | None = None
    trust: int = 50
    config: dict[str, Any] | None = _json()
    created_at: datetime


class SourceStateRow(SQLModel, table=True):
    """What the harvester remembers of a source between runs."""

    __tablename__ = "source_state"
    source_id: str = Field(foreign_key="source.id", primary_key=True, max_length=80)
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = Field(default=None, max_length=64)
    config_hash: str | None = Field(default=None, max_length=64)  # the source file as last harvested
    cursor: str | None = None  # position in another instance's change feed
    last_run_id: int | None = None
    last_complete_run_id: int | None = None
    last_complete_count: int | None = None  # records read by the last complete run
    next_due_at: datetime | None = None


class SourceLinkRow(SQLModel, table=True):
    """(source, record id in that source) → the venue it feeds, and what it says."""

    __tablename__ = "source_link"
    source_id: str = Field(foreign_key="source.id", primary_key=True, max_length=80)
    record_id: str = Field(primary_key=True, max_length=200)
    venue_pk: int = Field(foreign_key="venue.pk", index=True)
    fingerprint: str = Field(max_length=64)  # hash of the normalised record last applied
    raw_hash: str | None = Field(default=None, max_length=64)  # hash of the record as last read, before parsing
    record: dict[str, Any] | None = _json()  # the normalised values this source gives
    origin: str | None = Field(default=None, max_length=200)  # first publisher of the record
    lineage: list[str] | None = _json()  # aggregators it came through, origin first
    geo_method: str | None = Field(default=None, max_length=16)
    geo_score: float | None = None
    geo_latitude: float | None = None  # the geocoder's point, beside the producer's in `record`
    geo_longitude: float | None = None
    first_seen: datetime
    last_seen: datetime
    withdrawn_at: datetime | None = None


class RawRecordRow(SQLModel, table=True):
    """A record exactly as received, kept whatever happens to it next."""

    __tablename__ = "raw_record"
    pk: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="run.id", index=True)
    source_id: str = Field(foreign_key="source.id", max_length=80)
    record_id: str | None = Field(default=None, max_length=200)
    position: int  # row number in the file (1 = first data row)
    payload: str
    content_hash: str = Field(max_length=64)
    fetched_at: datetime
    status: str = Field(max_length=16)  # stored | quarantined | unchanged
    problems: list[dict[str, Any]] | None = _json()
    # A quarantined record: its commune when the record names one (who answers for it), and what the
    # source's mapping read (the form that fixes it by hand starts from it).
    code_insee: str | None = Field(default=None, max_length=5)
    mapped: dict[str, Any] | None = _json()
    __table_args__ = (sa.Index("ix_raw_record_source_record", "source_id", "record_id"),)


class FieldProvenanceRow(SQLModel, table=True):
    """Who gave the current value of one field of one venue, and when."""

    __tablename__ = "field_provenance"
    venue_pk: int = Field(foreign_key="venue.pk", primary_key=True, ondelete="CASCADE")
    field: str = Field(primary_key=True, max_length=40)
    source_id: str | None = Field(default=None, max_length=80)
    actor: str | None = Field(default=None, max_length=120)  # a person, when curated
    locked: bool = False  # a curator's value that harvests must not overwrite
    at: datetime
    __table_args__ = (_WITHOUT_ROWID,)


class ChangeRow(SQLModel, table=True):
    """One change to one venue: the history, and later the change feed."""

    __tablename__ = "change_log"
    seq: int | None = Field(default=None, primary_key=True)
    venue_pk: int = Field(foreign_key="venue.pk", index=True)
    venue_id: str = Field(max_length=32)
    at: datetime
    action: str = Field(max_length=16)  # create | update | withdraw | restore | merge
    field: str | None = Field(default=None, max_length=40)
    old: Any = _json()
    new: Any = _json()
    source_id: str | None = Field(default=None, max_length=80)
    actor: str | None = Field(default=None, max_length=120)


class RunRow(SQLModel, table=True):
    """One import or harvest of one source."""

    __tablename__ = "run"
    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(foreign_key="source.id", index=True, max_length=80)
    started_at: datetime
    finished_at: datetime | None = None
    status: str = Field(default="running", max_length=16)  # running | complete | failed | partial
    kind: str = Field(default="import", max_length=16)  # import | harvest
    counts: dict[str, int] | None = _json()
    report: dict[str, Any] | None = _json()  # per-source quality report
    error: str | None = None


class GeocodeCacheRow(SQLModel, table=True):
    """Answers of the geocoder, by normalised address: never ask twice."""

    __tablename__ = "geocode_cache"
    address_key: str = Field(primary_key=True, max_length=400)
    query: str
    citycode: str | None = Field(default=None, max_length=5)
    latitude: float | None = None
    longitude: float | None = None
    score: float | None = None
    result_type: str | None = Field(default=None, max_length=32)  # housenumber | street | locality | municipality
    label: str | None = None
    result_citycode: str | None = Field(default=None, max_length=5)
    at: datetime


class MatchDecisionRow(SQLModel, table=True):
    """A person's decision on a pair of records: sticky, harvests never undo it."""

    __tablename__ = "match_decision"
    left_key: str = Field(primary_key=True, max_length=300)  # "source:record" keys, left < right
    right_key: str = Field(primary_key=True, max_length=300)
    decision: str = Field(max_length=16)  # match | distinct
    actor: str = Field(max_length=120)
    at: datetime


class MatchKeyRow(SQLModel, table=True):
    """A blocking key of an active venue (``harvest.matching.stored_block_keys``): the harvest looks up
    the keys of a batch's new records here instead of holding every venue in memory."""

    __tablename__ = "match_key"
    kind: str = Field(primary_key=True, max_length=8)  # insee | cp | tel | mail | web | siret | cell
    key: str = Field(primary_key=True, max_length=320)
    venue_pk: int = Field(foreign_key="venue.pk", primary_key=True, index=True, ondelete="CASCADE")
    __table_args__ = (_WITHOUT_ROWID,)


class ReviewItemRow(SQLModel, table=True):
    """A doubtful pair waiting for a person, with the score and its parts."""

    __tablename__ = "review_item"
    pk: int | None = Field(default=None, primary_key=True)
    left_key: str = Field(max_length=300, index=True)
    right_key: str = Field(max_length=300, index=True)
    score: float
    parts: dict[str, Any] | None = _json()
    status: str = Field(default="open", max_length=16, index=True)  # open | decided | obsolete
    run_id: int | None = Field(default=None, foreign_key="run.id")
    created_at: datetime
    __table_args__ = (sa.UniqueConstraint("left_key", "right_key", name="uq_review_item_pair"),)


class FieldProposalRow(SQLModel, table=True):
    """What a source would change in a field a person locked: a person accepts or rejects it.

    One row per (venue, field, source, value): a rejected value is never proposed again by that
    source; the point and the address are proposed whole, under their group's first field.
    """

    __tablename__ = "field_proposal"
    pk: int | None = Field(default=None, primary_key=True)
    venue_pk: int = Field(foreign_key="venue.pk", ondelete="CASCADE")
    field: str = Field(max_length=40)  # a field, or the first field of its group (latitude, adresse)
    source_id: str = Field(foreign_key="source.id", max_length=80)
    record_id: str | None = Field(default=None, max_length=200)
    value: Any = _json()  # what the source gives (stored form; a dict of the group's fields for a group)
    current: Any = _json()  # the locked value when it was proposed
    value_hash: str = Field(max_length=64)
    status: str = Field(default="open", max_length=16, index=True)  # open | accepted | rejected | obsolete
    reason: str | None = None  # why it was rejected, in the person's words
    actor: str | None = Field(default=None, max_length=120)  # who accepted or rejected it
    decided_at: datetime | None = None
    created_at: datetime
    __table_args__ = (sa.UniqueConstraint("venue_pk", "field", "source_id", "value_hash", name="uq_field_proposal"),)


class QuarantineDecisionRow(SQLModel, table=True):
    """A person's decision on a quarantined record: fixed by hand (the venue made from it) or dismissed.

    Keyed by (source, record id, content hash) rather than by raw row: each harvest stores a new raw
    row of the same record, and the decision must hold for it as long as the record reads the same;
    a changed record has another hash and comes back to the queue. A record without an id has ``""``.
    """

    __tablename__ = "quarantine_decision"
    source_id: str = Field(foreign_key="source.id", primary_key=True, max_length=80)
    record_id: str = Field(primary_key=True, max_length=200)
    content_hash: str = Field(primary_key=True, max_length=64)
    decision: str = Field(max_length=16)  # resolved | dismissed
    venue_id: str | None = Field(default=None, max_length=32)  # the venue made from it (resolved)
    reason: str | None = None  # why it was dismissed, in the person's words
    raw_pk: int | None = None  # the raw row the person saw
    actor: str = Field(max_length=120)
    at: datetime


class AccountRow(SQLModel, table=True):
    """A person who signs in to the back office: an administrator, a network animator or a structure's manager."""

    __tablename__ = "account"
    pk: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=80, unique=True)
    name: str  # how the person is named in histories
    email: str | None = Field(default=None, max_length=320)  # where invitations and links go, when SMTP is set
    role: str = Field(max_length=16)  # admin | animateur | structure
    territories: list[str] | None = _json()  # "commune:69383", "epci:200046977", "departement:69"
    venues: list[str] | None = _json()  # venue ids a structure manager answers for
    password_hash: str | None = None  # Argon2; None until the person chose one
    active: bool = True
    session_version: int = 0  # bumped when sessions must end (new password, account disabled)
    token_hash: str | None = Field(default=None, max_length=64)  # SHA-256 of the one-time link's token
    token_expires_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None = None


class AccountEventRow(SQLModel, table=True):
    """What was done to an account, and by whom: the accounts' history."""

    __tablename__ = "account_event"
    seq: int | None = Field(default=None, primary_key=True)
    at: datetime
    login: str = Field(max_length=80, index=True)  # the account concerned
    actor: str = Field(max_length=120)  # who did it (a login, or « ligne de commande »)
    action: str = Field(max_length=24)  # create | update | reset | disable | enable | password | login
    details: dict[str, Any] | None = _json()


class LoginFailureRow(SQLModel, table=True):
    """A failed sign-in, by account and by address: throttling reads the recent ones (every worker sees them)."""

    __tablename__ = "login_failure"
    pk: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=160, index=True)  # "login:alice" or "addr:192.0.2.1"
    at: datetime = Field(index=True)


class ClaimRow(SQLModel, table=True):
    """A structure's manager asks to answer for a venue; a person approves or refuses (``_claims``)."""

    __tablename__ = "venue_claim"
    pk: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=80)
    venue_id: str = Field(max_length=32)
    message: str
    status: str = Field(max_length=16, index=True)  # open | approved | refused
    created_at: datetime
    decided_by: str | None = Field(default=None, max_length=120)
    reason: str | None = None
    decided_at: datetime | None = None


class WithdrawalHoldRow(SQLModel, table=True):
    """What a complete run would have withdrawn when it looked suspect and withdrew nothing
    (``harvest.withdrawals``): a person confirms it or keeps the venues (``_held_withdrawals``)."""

    __tablename__ = "withdrawal_hold"
    pk: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(foreign_key="source.id", max_length=80, index=True)
    run_id: int = Field(foreign_key="run.id")
    held_at: datetime  # the run's time: its records' last_seen, what a confirmation compares with
    reason: str = Field(max_length=16)  # fewer (records read) | unusable (none kept) | share (too many leaving)
    fetched: int  # records the run read
    previous: int | None = None  # records the last complete run read
    live: int  # records of the source feeding the directory before the run
    records: list[str] = Field(sa_column=sa.Column(Json, nullable=False))  # the record ids it would withdraw
    status: str = Field(default="open", max_length=16, index=True)  # open | confirmed | kept | superseded
    decided_by: str | None = Field(default=None, max_length=120)
    decided_at: datetime | None = None


metadata = SQLModel.metadata


def _table(row: type[SQLModel]) -> sa.Table:
    """The Core table SQLModel made for a row class (SQLModel declares no ``__table__`` to type checkers)."""
    table = sa.inspect(row).local_table
    if not isinstance(table, sa.Table):
        raise TypeError(f"{row.__name__} is not mapped to a table")
    return table


#: The tables themselves, for the statements written with SQLAlchemy Core.
venue_t = _table(VenueRow)
offer_t = _table(OfferRow)
offer_stop_t = _table(OfferStopRow)
term_t = _table(VenueTermRow)
source_t = _table(SourceRow)
state_t = _table(SourceStateRow)
link_t = _table(SourceLinkRow)
raw_t = _table(RawRecordRow)
prov_t = _table(FieldProvenanceRow)
change_t = _table(ChangeRow)
run_t = _table(RunRow)
geocode_t = _table(GeocodeCacheRow)
decision_t = _table(MatchDecisionRow)
review_t = _table(ReviewItemRow)
proposal_t = _table(FieldProposalRow)
quarantine_decision_t = _table(QuarantineDecisionRow)
match_key_t = _table(MatchKeyRow)
account_t = _table(AccountRow)
account_event_t = _table(AccountEventRow)
login_failure_t = _table(LoginFailureRow)
claim_t = _table(ClaimRow)
hold_t = _table(WithdrawalHoldRow)
