# SPDX-License-Identifier: Apache-2.0
"""What the geocoders take and give: a request, a result, the BAN's raw answer, a found free-text
address, the :class:`Geocoder` interface, and when a venue needs placing at all."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import sqlalchemy as sa

from directory.schema import COMMUNE_CENTRE, Venue, ban_method

#: Reason given when the geocoder could not be reached.
UNAVAILABLE = "géocodeur indisponible"
#: Reason given when no geocoder is configured.
NO_GEOCODER = "aucun géocodeur configuré"


@dataclass(frozen=True)
class GeocodeRequest:
    """One address to place. ``key`` is the caller's (a venue or record id)."""

    key: str
    adresse: str
    code_postal: str
    commune: str
    code_insee: str | None = None


@dataclass(frozen=True)
class GeocodeResult:
    """Where a request was placed, and how.

    ``method`` is ``"ban"`` when the BAN's answer was accepted, ``"commune"``
    when the point is the commune's (then ``reason`` says why, in French);
    ``placement`` is what the store keeps (it tells a house number from a street).
    ``score``, ``result_type`` and ``label`` are the BAN's answer, also when
    it was refused (``None`` when there was none).
    """

    key: str
    latitude: float
    longitude: float
    method: Literal["ban", "commune"]
    score: float | None = None
    result_type: str | None = None
    label: str | None = None
    reason: str | None = None

    @property
    def placement(self) -> str:
        """The ``geo_method`` stored with the point: ``ban-housenumber`` or ``ban-street`` from the
        BAN's ``result_type`` (``directory.schema.placement``), else ``commune``."""
        return ban_method(self.result_type) if self.method == "ban" else COMMUNE_CENTRE


@dataclass(frozen=True)
class BanAnswer:
    """The BAN's raw answer for one address, as cached (one ``geocode_cache`` row).

    ``latitude`` is ``None`` when the BAN found nothing for the address.
    """

    address_key: str
    query: str
    citycode: str | None
    latitude: float | None = None
    longitude: float | None = None
    score: float | None = None
    result_type: str | None = None
    label: str | None = None
    result_citycode: str | None = None

    @property
    def found(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class FoundAddress:
    """The geocoder's best answer for a free text (what a person typed), as it read it."""

    latitude: float
    longitude: float
    score: float
    label: str | None = None
    citycode: str | None = None
    postcode: str | None = None


class Geocoder(Protocol):
    """The geocoding edge: requests in, one result per placeable request out; or one free text in,
    its best answer out (the public search's « around an address »)."""

    def geocode(
        self, requests: Sequence[GeocodeRequest], *, connection: sa.Connection | None = None
    ) -> dict[str, GeocodeResult]:
        """Results by request key; a request that cannot be placed at all is absent.

        ``connection``: the caller's open transaction, for anything stored on the way.
        """
        ...

    def search(self, text: str) -> FoundAddress | None:
        """The best answer for a free text; None when there is none, or no readable one, or no geocoder."""
        ...


def needs_geocoding(venue: Venue, flags: Sequence[Mapping[str, Any]]) -> bool:
    """True when the venue has no coordinates, or validation found them far from its commune."""
    if venue.point is None:
        return True
    return any(flag.get("code") == "coordinates_far_from_commune" for flag in flags)
