# SPDX-License-Identifier: Apache-2.0
"""Any JSON holding a list of records: a bare array, or the array found at a
dotted path (``[pagination] items = "data.structures"``).

Records are given as they are, nested objects included; a ``[mapping]``
reaches inside them with dotted paths (``address.street``, ``coord.0``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from directory.schema import Problem

from ..encoding import DecodedText
from .base import Reader, ReadError, ReadItem, payload_of

__all__ = ["TableJsonReader", "enveloped", "load_json", "records_at"]

_ENVELOPES = ("data", "results", "items", "features", "records", "structures", "lieux")


class TableJsonReader(Reader):
    format = "table-json"
    media_types = ("application/json",)
    extensions = (".json",)
    options = ("items",)

    def __init__(self, *, items: str | None = None) -> None:
        super().__init__()
        self.items = items

    def read_text(self, decoded: DecodedText) -> Iterator[ReadItem]:
        document = load_json(decoded.text)
        records = records_at(document, self.items)
        for position, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                yield ReadItem(
                    position, None, payload_of(record), [Problem("*", "not_an_object", type(record).__name__)]
                )
                continue
            yield ReadItem(position, record, payload_of(record))


def load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ReadError(f"JSON illisible ligne {err.lineno}, colonne {err.colno} : {err.msg}") from err


def records_at(document: Any, items: str | None) -> list[Any]:
    """The list of records: at ``items`` (dotted path) if given, else the
    document itself or the first list under a usual envelope key."""
    if items:
        found: Any = document
        for part in items.split("."):
            if isinstance(found, dict) and part in found:
                found = found[part]
            elif isinstance(found, list) and part.lstrip("-").isdigit() and -len(found) <= int(part) < len(found):
                found = found[int(part)]
            else:
                raise ReadError(f"le JSON n'a pas de liste à l'emplacement « {items} » (partie « {part} » introuvable)")
        if not isinstance(found, list):
            raise ReadError(f"l'emplacement « {items} » du JSON ne contient pas une liste mais {type(found).__name__}")
        return found
    records = enveloped(document, _ENVELOPES)
    if records is None:
        raise ReadError("le JSON ne contient pas de liste d'enregistrements (indiquer son emplacement avec items = …)")
    return records


def enveloped(document: Any, envelopes: tuple[str, ...]) -> list[Any] | None:
    """The document if it is a list, else the first list under one of the ``envelopes`` keys."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in envelopes:
            if isinstance(document.get(key), list):
                return document[key]
    return None
