# SPDX-License-Identifier: Apache-2.0
"""National-standard JSON: the flat form (one object per CSV row), the ANCT
model's nested form, or either wrapped in ``{"data": [...]}``-like envelopes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from directory.schema import Problem

from ..encoding import DecodedText
from .base import Reader, ReadError, ReadItem, payload_of
from .table_json import enveloped, load_json

__all__ = ["NationalJsonReader", "flatten_anct"]

_ENVELOPES = ("data", "results", "items", "lieux", "features")


class NationalJsonReader(Reader):
    format = "json"
    media_types = ("application/json",)
    extensions = (".json",)

    def read_text(self, decoded: DecodedText) -> Iterator[ReadItem]:
        records = enveloped(load_json(decoded.text), _ENVELOPES)
        if records is None:
            raise ReadError("le JSON ne contient pas de liste de lieux (attendu un tableau d'objets)")
        for position, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                yield ReadItem(
                    position, None, payload_of(record), [Problem("*", "not_an_object", type(record).__name__)]
                )
                continue
            yield ReadItem(position, flatten_anct(record), payload_of(record))


def flatten_anct(record: dict[str, Any]) -> dict[str, Any]:
    """The ANCT model nests address, position, contact and presentation."""
    flat = dict(record)
    adresse = flat.get("adresse")
    if isinstance(adresse, dict):
        flat.pop("adresse")
        voie = adresse.get("voie") or " ".join(
            str(adresse[k]) for k in ("numero_voie", "repetition", "nom_voie") if adresse.get(k)
        )
        flat.setdefault("adresse", voie)
        for key in ("code_postal", "code_insee", "commune", "complement_adresse"):
            if adresse.get(key) is not None:
                flat.setdefault(key, adresse[key])
    for nested, mapping in (
        ("localisation", {"latitude": "latitude", "longitude": "longitude"}),
        ("contact", {"telephone": "telephone", "courriels": "courriels", "site_web": "site_web"}),
        ("presentation", {"resume": "presentation_resume", "detail": "presentation_detail"}),
    ):
        part = flat.get(nested)
        if isinstance(part, dict):
            flat.pop(nested)
            for key, target in mapping.items():
                if part.get(key) is not None:
                    flat.setdefault(target, part[key])
    if isinstance(flat.get("typologies"), list) and "typologie" not in flat:
        flat["typologie"] = flat.pop("typologies")
    return flat
