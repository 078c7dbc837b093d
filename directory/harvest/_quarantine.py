# SPDX-License-Identifier: Apache-2.0
"""What a harvest keeps of a quarantined record beyond its payload and problems, for the back office's
« Fiches en quarantaine »: where it is, and what the source's mapping read.

Where: the commune's INSEE code, read from the mapped record (the INSEE code when the gazetteer
knows it, else the commune its postcode serves alone, or the one of its communes named as the record
names it, an arrondissement first as validation does). A
record is quarantined because something in it is wrong, often its place, so this is best effort:
without a readable commune it is shown to administrators only, never to an animator who could not
tell whether it is theirs. It is computed once, at quarantine time, while the source's mapping and
the gazetteer are at hand: the web app has neither the source files nor a reason to read them.

What the mapping read: the national record before validation, so that the form fixing it by hand
starts from the source's values in the standard's fields (kept as JSON text where it holds dates).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson

from directory.schema import INSEE_CODE, POSTCODE, CommuneLookup, clean_text, fold_key

__all__ = ["quarantine_place", "storable"]

_DIGITS = re.compile(r"\D")


def quarantine_place(mapped: Mapping[str, Any] | None, places: CommuneLookup | None) -> str | None:
    """The INSEE code of the commune a (mapped) record names, or None when it cannot be read."""
    if not mapped or places is None:
        return None
    insee = clean_text(str(mapped.get("code_insee") or "")) or ""
    if INSEE_CODE.fullmatch(insee.upper()) and places.commune(insee.upper()) is not None:
        return insee.upper()
    postcode = _DIGITS.sub("", str(mapped.get("code_postal") or ""))
    if len(postcode) == 4:  # a spreadsheet dropped the leading zero
        postcode = "0" + postcode
    if not POSTCODE.fullmatch(postcode):
        return None
    candidates = places.communes_for_postcode(postcode)
    if len(candidates) == 1:
        return candidates[0].insee
    name = fold_key(clean_text(str(mapped.get("commune") or "")) or "")
    # Paris, Lyon, Marseille: the postcode names the arrondissement, the record says « Lyon »
    districts = [c for c in candidates if "arrondissement" in fold_key(c.nom)]
    if len(districts) == 1 and name.split(" ")[0] == fold_key(districts[0].nom).split(" ")[0]:
        return districts[0].insee
    named = [c for c in candidates if fold_key(c.nom) == name]
    return named[0].insee if len(named) == 1 else None


def storable(mapped: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The mapped record as JSON values (dates as ISO text), or None when there is none."""
    if not mapped:
        return None
    try:
        return orjson.loads(orjson.dumps(dict(mapped), default=str, option=orjson.OPT_NON_STR_KEYS))
    except (orjson.JSONEncodeError, TypeError):
        return None
