# SPDX-License-Identifier: Apache-2.0
"""A doubtful pair in words: what its score is made of, as a person checks it
(« même téléphone », « 40 m », « noms différents »)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from directory.schema.geometry import haversine_m

__all__ = ["pair_evidence"]

#: (part, threshold, words when at or above it), the first that applies wins; then the words below all.
_GRADES: dict[str, tuple[tuple[float, str], ...]] = {
    "name": ((0.95, "même nom"), (0.75, "noms proches"), (0.0, "noms différents")),
    "address": ((0.95, "même adresse"), (0.7, "adresses proches"), (0.0, "adresses différentes")),
}
_IDENTIFIERS = {
    "phone": ("même téléphone", "téléphones différents"),
    "email": ("même courriel", "courriels différents"),
    "website": ("même site web", "sites web différents"),
    "siret": ("même SIRET", "SIRET différents"),
}


def _distance(metres: float) -> str:
    if metres < 1000:
        return f"{round(metres / 10) * 10:.0f} m" if metres >= 10 else "même point"
    return f"{metres / 1000:.1f} km".replace(".", ",")


def _point(record: Mapping[str, Any]) -> tuple[float, float] | None:
    lat, lon = record.get("latitude"), record.get("longitude")
    return (float(lat), float(lon)) if lat is not None and lon is not None else None


def pair_evidence(parts: Mapping[str, float], left: Mapping[str, Any], right: Mapping[str, Any]) -> list[str]:
    """The score's parts in words, strongest signs first; the distance from the records' own points."""
    words: list[str] = []
    for name, (same, different) in _IDENTIFIERS.items():
        if name in parts:
            words.append(same if parts[name] >= 1.0 else different)
    for name, grades in _GRADES.items():
        if name in parts:
            words.append(next(text for threshold, text in grades if parts[name] >= threshold))
    a, b = _point(left), _point(right)
    if a is not None and b is not None:
        words.append(_distance(haversine_m(*a, *b)))
    else:
        words.append("position inconnue pour l'une des fiches")
    if _commune(left) != _commune(right) and left.get("code_postal") != right.get("code_postal"):
        words.append("communes différentes")  # « Lyon » and « Lyon 8e arrondissement » in 69008 are one
    return words


def _commune(record: Mapping[str, Any]) -> str:
    return str(record.get("code_insee") or record.get("commune") or "").strip().lower()
