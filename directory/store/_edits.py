# SPDX-License-Identifier: Apache-2.0
"""``Writer``'s part for a person's edits: correct fields, keep or give them back, withdraw, restore
or make a venue by hand.

A person's withdrawal, and a venue a person made or restored, are held by a locked provenance row
on the pseudo-field ``status`` (``HELD``), in the person's name. It is the same rule as a locked
field, so no new column or table is needed, and who decided and when is kept where provenance
already is: a merge never changes the status of a held venue. A held venue that is withdrawn stays
so whatever its records say (harvests leave it alone until a person restores it); a held venue
that is active stands without records: a venue made by hand has none, a venue a person restored
after its sources withdrew it has none left, and neither is withdrawn as emptied. Every field of a
venue made by hand is locked too, so a record matching attaches to it later proposes its values
instead of replacing the person's.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from directory.schema import CommuneLookup, Severity, parse_venue

from ._bulk import insert_rows
from ._curation import (
    CORRECTABLE,
    DROPPED,
    HELD,
    Curated,
    InvalidValue,
    NotRevertible,
    UnknownVenue,
    corrected_many,
    locked_with,
)
from ._models import RowValues
from ._writer_base import WriterBase
from .codec import venue_record
from .tables import prov_t, venue_t

__all__ = ["EditsMixin"]

#: Why a source's value for a field a person just set is recorded as rejected (``_proposals``).
CORRECTED = "remplacée par une correction"
KEPT = "valeur actuelle gardée"


class EditsMixin(WriterBase):
    """A person's edits of venues: what ``Writer`` offers the back office and the CLI."""

    def correct(
        self,
        venue_id: str,
        field: str,
        raw_value: Any,
        actor: str,
        at: datetime,
        *,
        places: CommuneLookup | None = None,
    ) -> Curated:
        """A person fixes one field of an active venue; harvests never change it again (until ``unlock``).

        ``correct_many`` for one field, locked even when its value does not change (naming a field
        is a decision about it).

        :raises UnknownVenue: no active venue has this id.
        :raises UnknownField: not a field of the standard.
        :raises InvalidValue: the value is refused, with validation's problems; nothing is written.
        """
        return self.correct_many(venue_id, {field: raw_value}, actor, at, places=places, lock_all=True)

    def correct_many(
        self,
        venue_id: str,
        values: Mapping[str, Any],
        actor: str,
        at: datetime,
        *,
        places: CommuneLookup | None = None,
        lock_all: bool = False,
    ) -> Curated:
        """A person sets several fields of an active venue at once (field → value as typed).

        The venue with all the values replaced is validated once, as a harvested record (phones in
        E.164, vocabularies by label or code…), and every problem of every field is reported at
        once. Only fields whose value changes are locked, each with its group (the address, the
        point), unless ``lock_all``: then every field given is. The venue is merged again once (its
        terms, offers, matching keys follow; the change log names ``actor``); what the sources say
        of the fields locked counts as rejected by the person (``_proposals``).

        :raises UnknownVenue: no active venue has this id.
        :raises UnknownField: a field a person may not correct.
        :raises InvalidValue: a value is refused, with every problem; nothing is written.
        """
        row = self._active_row(venue_id)
        return self._correct(row, values, actor, at, places=places, keep=tuple(values) if lock_all else ())

    def lock_fields(self, venue_id: str, fields: Iterable[str], actor: str, at: datetime) -> Curated:
        """« Garder ma valeur » : lock these fields (and their groups) at their current value, in
        ``actor``'s name; what the sources say of them counts as rejected by the person.

        :raises UnknownVenue: no active venue has this id.
        :raises UnknownField: a field a person may not correct.
        """
        row = self._active_row(venue_id)
        names = list(dict.fromkeys(member for name in fields for member in locked_with(name)))
        if not names:
            return Curated(venue_id, (), ())
        self._lock(row["pk"], names, actor, at)
        merged = self._remerge(
            {row["pk"]}, None, at, actor, fixed={row["pk"]: {n: row[n] for n in names}}, settled=KEPT
        )
        return Curated(venue_id, tuple(names), merged[row["pk"]].changed_fields)

    def unlock(self, venue_id: str, field: str, actor: str, at: datetime) -> Curated:
        """The field (and those locked with it) goes back to the merge: the venue is computed again
        from its records, what changes logged by ``actor``. ``fields`` is empty when none was locked.

        :raises UnknownVenue: no active venue has this id.
        :raises UnknownField: not a field of the standard.
        """
        group = locked_with(field)
        row = self._active_row(venue_id)
        unlocked = self.c.execute(
            prov_t.delete().where(prov_t.c.venue_pk == row["pk"], prov_t.c.field.in_(group), prov_t.c.locked.is_(True))
        ).rowcount
        if not unlocked:
            return Curated(venue_id, (), ())
        merged = self._remerge({row["pk"]}, None, at, actor)[row["pk"]]
        return Curated(venue_id, group, merged.changed_fields)

    def withdraw_venue(self, venue_id: str, actor: str, at: datetime, reason: str | None = None) -> None:
        """A person takes an active venue out of the directory; harvests never bring it back (its
        records still follow their sources), only ``restore_venue`` does. The change log keeps
        ``actor`` and ``reason`` (``new``: ``{"reason": …}``).

        :raises UnknownVenue: no active venue has this id.
        """
        row = self._active_row(venue_id)
        self.c.execute(venue_t.update().where(venue_t.c.pk == row["pk"]).values(status="withdrawn", updated_at=at))
        self._lock(row["pk"], [HELD], actor, at)
        self._set_match_keys({row["pk"]: None})
        self._log(
            {
                "venue_pk": row["pk"],
                "venue_id": venue_id,
                "at": at,
                "action": "withdraw",
                "actor": actor,
                "new": {"reason": reason} if reason else None,
            }
        )

    def restore_venue(self, venue_id: str, actor: str, at: datetime) -> Curated:
        """A person brings a withdrawn venue back, whoever withdrew it: it is merged again from the
        records it still has (``changed``) and stands even with none (held in ``actor``'s name).

        :raises UnknownVenue: no venue has this id.
        :raises NotRevertible: the venue is not withdrawn (active, or merged into another).
        """
        row = self.c.execute(sa.select(venue_t).where(venue_t.c.id == venue_id)).mappings().first()
        if row is None:
            raise UnknownVenue(venue_id)
        if row["status"] != "withdrawn":
            where = f" dans le lieu {row['merged_into']}" if row["status"] == "merged" else ""
            state = "fusionné" if row["status"] == "merged" else "dans l'annuaire"
            raise NotRevertible(f"le lieu {venue_id} n'est pas retiré : il est {state}{where}")
        pk = row["pk"]
        self.c.execute(
            venue_t.update().where(venue_t.c.pk == pk).values(status="active", merged_into=None, updated_at=at)
        )
        self._lock(pk, [HELD], actor, at)
        self._log({"venue_pk": pk, "venue_id": venue_id, "at": at, "action": "restore", "actor": actor})
        merged = self._remerge({pk}, None, at, actor)[pk]
        self._set_match_keys({pk: self.c.execute(sa.select(venue_t).where(venue_t.c.pk == pk)).mappings().one()})
        return Curated(venue_id, (HELD,), merged.changed_fields)

    def create_venue(
        self, values: Mapping[str, Any], actor: str, at: datetime, *, places: CommuneLookup | None = None
    ) -> Curated:
        """A venue made by a person (field → value as typed), validated as a harvested record: every
        field is locked in ``actor``'s name, the venue stands without records (``HELD``), matching
        may attach a source's record to it later. Its change log starts with ``create`` by ``actor``.

        :returns: the new venue's id, its fields filled, and validation's warnings.
        :raises UnknownField: a field a person may not give.
        :raises InvalidValue: a value is refused, with every problem; nothing is written.
        """
        for name in values:
            locked_with(name)
        # a venue made today is up to date today, unless the person says otherwise
        result = parse_venue(
            {"date_maj": at.date().isoformat(), **values, "id": "lieu-saisi"}, places=places, today=at.date()
        )
        refused = [p for p in result.problems if p.severity is Severity.ERROR or p.code in DROPPED]
        if refused or result.venue is None:
            raise InvalidValue(refused)
        record = venue_record(result.venue)
        record.update(flags=[p.as_dict() for p in result.problems] or None, geo_method="producteur")
        if result.venue.point is None:  # no point given: its commune's, said to be approximate, as a harvest does
            commune = places.commune(result.venue.code_insee) if places and result.venue.code_insee else None
            if commune is not None and commune.lat is not None and commune.lon is not None:
                record.update(latitude=commune.lat, longitude=commune.lon, geo_method="commune")
            else:
                record["geo_method"] = None
        ((venue_id, pk, filled),) = self._new_venues(None, [record], at, actor)
        self._lock(pk, [*CORRECTABLE, "geo_method", HELD], actor, at)
        return Curated(venue_id, filled, filled, tuple(result.problems))

    # -- shared by the person's edits --------------------------------------------

    def _active_row(self, venue_id: str) -> RowValues:
        row = (
            self.c.execute(sa.select(venue_t).where(venue_t.c.id == venue_id, venue_t.c.status == "active"))
            .mappings()
            .first()
        )
        if row is None:
            raise UnknownVenue(venue_id)
        return row

    def _lock(self, pk: int, fields: Collection[str], actor: str, at: datetime) -> None:
        """These fields of venue ``pk`` are ``actor``'s from now on (their provenance replaced)."""
        self.c.execute(prov_t.delete().where(prov_t.c.venue_pk == pk, prov_t.c.field.in_(list(fields))))
        insert_rows(
            self.c,
            prov_t,
            [
                {"venue_pk": pk, "field": name, "source_id": None, "actor": actor, "locked": True, "at": at}
                for name in fields
            ],
        )

    def _correct(
        self,
        row: RowValues,
        raw: Mapping[str, Any],
        actor: str,
        at: datetime,
        *,
        places: CommuneLookup | None,
        keep: Collection[str] = (),
        extra: Mapping[str, Any] | None = None,
    ) -> Curated:
        """``correct_many`` on a venue row already read (see ``corrected_many`` for ``keep`` and ``extra``)."""
        fixed, warnings = corrected_many(row, raw, places=places, today=at.date(), keep=keep, extra=extra)
        if not fixed:
            return Curated(row["id"], (), (), warnings)
        self._lock(row["pk"], list(fixed), actor, at)
        merged = self._remerge({row["pk"]}, None, at, actor, fixed={row["pk"]: fixed}, settled=CORRECTED)[row["pk"]]
        return Curated(row["id"], tuple(fixed), merged.changed_fields, warnings)
