# SPDX-License-Identifier: Apache-2.0
"""What a person's scope holds, for the back office's home: its venues, filtered by what needs care,
and the sources that feed them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ._scope import Scope
from .tables import link_t, venue_t

__all__ = ["CARE_FILTERS", "ScopedVenue", "scope_sources", "scope_venues"]

#: What an animator looks for among their venues, as named to people.
CARE_FILTERS = {
    "ancienne": "pas mise à jour depuis plus d'un an",
    "sans-horaires": "sans horaires",
    "position-approximative": "position approximative",
    "retires": "retirés de l'annuaire",
}


@dataclass(frozen=True, slots=True)
class ScopedVenue:
    id: str
    nom: str
    adresse: str
    code_postal: str
    commune: str
    status: str
    date_maj: date
    geo_method: str | None
    has_hours: bool
    updated_at: datetime


def _care(name: str | None, today: date) -> list[sa.ColumnElement[bool]]:
    v = venue_t.c
    if name == "retires":
        return [v.status == "withdrawn"]
    active = [v.status == "active"]
    if name == "ancienne":
        return [*active, v.date_maj < today - timedelta(days=365)]
    if name == "sans-horaires":
        return [*active, sa.or_(v.horaires.is_(None), v.horaires == "")]
    if name == "position-approximative":
        return [*active, sa.or_(v.latitude.is_(None), v.geo_method == "commune")]
    return active


def scope_venues(
    engine: sa.Engine,
    scope: Scope,
    *,
    care: str | None = None,
    text: str = "",
    today: date,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[ScopedVenue]]:
    """(how many, this page of them by name) of the venues in ``scope`` that ``care`` selects; ``text``
    narrows to names containing it (case ignored)."""
    v = venue_t.c
    where = [scope.clause(), *_care(care, today)]
    if text.strip():
        where.append(sa.func.lower(v.nom).contains(text.strip().lower(), autoescape=True))
    columns = (
        v.id,
        v.nom,
        v.adresse,
        v.code_postal,
        v.commune,
        v.status,
        v.date_maj,
        v.geo_method,
        sa.and_(v.horaires.is_not(None), v.horaires != "").label("has_hours"),
        v.updated_at,
    )
    with engine.connect() as c:
        total = c.execute(sa.select(sa.func.count()).select_from(venue_t).where(*where)).scalar_one()
        rows = c.execute(sa.select(*columns).where(*where).order_by(v.nom, v.id).limit(limit).offset(offset)).all()
    return total, [ScopedVenue(*row) for row in rows]


def scope_sources(engine: sa.Engine, scope: Scope) -> dict[str, int]:
    """Source id → how many active venues of ``scope`` it feeds."""
    query = (
        sa.select(link_t.c.source_id, sa.func.count(sa.distinct(link_t.c.venue_pk)))
        .join(venue_t, venue_t.c.pk == link_t.c.venue_pk)
        .where(scope.clause(), venue_t.c.status == "active", link_t.c.withdrawn_at.is_(None))
        .group_by(link_t.c.source_id)
    )
    with engine.connect() as c:
        return dict(c.execute(query).all())
