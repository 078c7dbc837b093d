# SPDX-License-Identifier: Apache-2.0
"""Which venues a person answers for: an animator's territories, a structure's own venues, or all.

Unlike ``VenueFilter`` (every clause must hold), a scope is a union: a venue is in it when its
commune is one of the scope's, or its département is, or it is one of the scope's venues.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from directory.schema import departement_of_insee

from .tables import venue_t

__all__ = ["Scope"]


@dataclass(frozen=True, slots=True)
class Scope:
    everything: bool = False
    communes: frozenset[str] = frozenset()  # INSEE codes, arrondissements and an EPCI's members included
    departements: frozenset[str] = frozenset()
    venue_ids: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.everything or self.communes or self.departements or self.venue_ids)

    def contains(self, venue_id: str, code_insee: str | None) -> bool:
        if self.everything or venue_id in self.venue_ids:
            return True
        if not code_insee:
            return False
        return code_insee in self.communes or departement_of_insee(code_insee) in self.departements

    def clause(self, venue: sa.TableClause | sa.Table = venue_t) -> sa.ColumnElement[bool]:
        """SQL over the ``venue`` table (or an alias of it) for ``contains``."""
        if self.everything:
            return sa.true()
        parts: list[sa.ColumnElement[bool]] = []
        if self.venue_ids:
            parts.append(venue.c.id.in_(sorted(self.venue_ids)))
        if self.communes:
            parts.append(venue.c.code_insee.in_(sorted(self.communes)))
        parts += [venue.c.code_insee.startswith(code) for code in sorted(self.departements)]
        return sa.or_(*parts) if parts else sa.false()
