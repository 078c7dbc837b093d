# SPDX-License-Identifier: Apache-2.0
"""Distances on the sphere: the one formula every stage uses (PostGIS's
geography with ``use_spheroid=false`` computes on the same sphere)."""

from __future__ import annotations

import math

__all__ = ["EARTH_RADIUS_M", "haversine_m"]

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS 84 points (degrees)."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
