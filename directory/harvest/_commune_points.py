# SPDX-License-Identifier: Apache-2.0
"""The fallback of every geocoder: a request's commune, from the offline gazetteer, and its point."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from directory.places import Commune, Gazetteer, fold

from ._geocode_types import NO_GEOCODER, FoundAddress, GeocodeRequest, GeocodeResult


class CommuneGeocoder:
    """Without a BAN: every request gets its commune's point from the offline gazetteer
    (``method="commune"``, reason :data:`NO_GEOCODER`); a request whose commune is unknown is absent."""

    def __init__(self, places: Gazetteer) -> None:
        self.places = places

    def geocode(
        self, requests: Sequence[GeocodeRequest], *, connection: sa.Connection | None = None
    ) -> dict[str, GeocodeResult]:
        results: dict[str, GeocodeResult] = {}
        for req in requests:
            if (point := self.commune_point(self.commune_of(req))) is not None:
                results[req.key] = GeocodeResult(req.key, *point, method="commune", reason=NO_GEOCODER)
        return results

    def search(self, text: str) -> FoundAddress | None:
        """No free-text addresses without a BAN."""
        return None

    def commune_of(self, req: GeocodeRequest) -> Commune | None:
        """The request's commune: by INSEE code, else by postcode and name, else the postcode's first."""
        if req.code_insee and (c := self.places.commune(req.code_insee)) is not None:
            return c
        candidates = self.places.communes_for_postcode(req.code_postal) if req.code_postal.strip() else []
        name = fold(req.commune)
        for c in candidates:
            if name and fold(c.nom) == name:
                return c
        return candidates[0] if candidates else None

    def commune_point(self, commune: Commune | None) -> tuple[float, float] | None:
        """The commune's point; a former or delegated commune without one takes its parent's."""
        if commune is None:
            return None
        if commune.lat is not None and commune.lon is not None:
            return (commune.lat, commune.lon)
        parent = self.places.commune(commune.parent) if commune.parent else None
        if parent is not None and parent.lat is not None and parent.lon is not None:
            return (parent.lat, parent.lon)
        return None
