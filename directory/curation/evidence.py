# SPDX-License-Identifier: Apache-2.0
"""A pair in words: what its score is made of, as a person checks it (« même téléphone », « 40 m »,
« noms différents »), and what weighed beyond the parts (« même adresse », « France Services
hébergée », « unité mobile »): for the pairs waiting for a person and for those merged without one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from directory.schema import haversine_m

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


#: The signs matching leaves in a pair's parts (``parts["signs"]``, see ``harvest.matching.Score``), in words.
_SIGNS = {
    "same_address": "même adresse",
    "far_points_same_address": "même adresse, points éloignés (l'un est mal placé)",
    "approximate_point": "position approximative (centre de la commune) : distance non comptée",
    "mobile_unit": "unité mobile",
    "annex": "annexe ou antenne d'un côté",
    "two_places": "deux adresses à plus d'un kilomètre",
    "several_venues": "correspond à plusieurs lieux",
}
#: A hosted service's words (``hosted:<service words>``): what is hosted, by whom it does not say.
_HOSTED = {
    "france_services": "France Services hébergée",
    "epn": "espace public numérique hébergé",
    "cyber_base": "cyber-base hébergée",
    "fablab": "fablab hébergé",
    "tiers_lieu": "tiers-lieu hébergé",
    "info_jeunesse": "point information jeunesse hébergé",
    "mission_locale": "mission locale hébergée",
    "pimms": "PIMMS hébergé",
}


def _signs(signs: Sequence[str]) -> list[str]:
    words = []
    if "far_points_same_address" in signs:  # says « même adresse » itself
        signs = [sign for sign in signs if sign != "same_address"]
    for sign in signs:
        if sign.startswith("hosted:"):
            found = [_HOSTED[w] for w in sign[7:].split("+") if w in _HOSTED]
            words.append(found[0] if found else "service hébergé")
        elif sign in _SIGNS:
            words.append(_SIGNS[sign])
    return words


def _distance(metres: float) -> str:
    if metres < 1000:
        return f"{round(metres / 10) * 10:.0f} m" if metres >= 10 else "même point"
    return f"{metres / 1000:.1f} km".replace(".", ",")


def _point(record: Mapping[str, Any]) -> tuple[float, float] | None:
    lat, lon = record.get("latitude"), record.get("longitude")
    return (float(lat), float(lon)) if lat is not None and lon is not None else None


def pair_evidence(parts: Mapping[str, Any], left: Mapping[str, Any], right: Mapping[str, Any]) -> list[str]:
    """The score's parts in words, strongest signs first (what weighed beyond the parts, then the
    identifiers, names, addresses); the distance from the records' own points."""
    signs = _signs(parts.get("signs") or ())
    words: list[str] = list(signs)
    for name, (same, different) in _IDENTIFIERS.items():
        if name in parts:
            words.append(same if parts[name] >= 1.0 else different)
    for name, grades in _GRADES.items():
        if name in parts:
            text = next(text for threshold, text in grades if parts[name] >= threshold)
            if not any(sign.startswith(text) for sign in signs):  # « même adresse » once
                words.append(text)
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
