# SPDX-License-Identifier: Apache-2.0
"""Two points for one record: a source that gives its coordinates twice, and disagrees with itself.

A mapping may read a point from several places in turn (``latitude = ["_latitude", "y_wgs84"]``:
a GeoJSON geometry, then the feature's own latitude/longitude properties). The first readable
one is kept; when another lies more than :data:`DISAGREE_KM` away, one of them is wrong and
nothing says which, so the record is flagged for a person to look, naming both points.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from directory.schema import Problem, Severity, haversine_m

__all__ = ["DISAGREE_KM", "disagreeing_points"]

#: Further apart than this, two points of one record are not rounding (two decimals: ~0.7 km).
DISAGREE_KM = 1.0


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(str(value).strip().replace(",", ".")) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        return None
    return number if -180 <= number <= 180 else None


def disagreeing_points(
    latitudes: Sequence[Any], longitudes: Sequence[Any], read: Callable[[Any], Any]
) -> list[Problem]:
    """A warning when the alternatives of a mapping's ``latitude`` and ``longitude`` (read, pair by
    pair, by ``read``) give points more than :data:`DISAGREE_KM` apart; none otherwise."""
    points = []
    for lat_expr, lon_expr in zip(latitudes, longitudes):
        lat, lon = _number(read(lat_expr)), _number(read(lon_expr))
        if lat is not None and lon is not None:
            points.append((lat, lon))
    for other in points[1:]:
        km = haversine_m(*points[0], *other) / 1000
        if km > DISAGREE_KM:
            kept = f"{points[0][0]}, {points[0][1]}"
            params = (("other", f"{other[0]}, {other[1]}"), ("km", f"{km:.1f}".replace(".", ",")))
            return [Problem("latitude", "coordinates_disagree", kept, Severity.WARNING, params)]
    return []
