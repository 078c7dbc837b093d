# SPDX-License-Identifier: Apache-2.0
"""Name keys shared by the gazetteer and its build script (the folding is ``schema.fold``).

Nothing here knows about the data: these are pure string functions, so that
the build script (``scripts/build_places.py``) and the run-time gazetteer
compute exactly the same keys.
"""

from __future__ import annotations

import re
from functools import lru_cache

from directory.schema import fold

__all__ = ["arrondissement_key", "fold", "key_of_folded", "name_key", "split_cedex"]

_SAINTS = {"saint": "st", "sainte": "ste", "saints": "sts", "saintes": "stes"}
_ARR_CITIES = ("paris", "lyon", "marseille")
_ARR = re.compile(
    r"^(paris|lyon|marseille) 0*([1-9][0-9]?) ?"
    r"(?:er|ere|e|eme|ieme|em|me|nd|d)?"
    r"(?: (?:arrondissement|arrondissements|arr|arrt|arrdt|ardt))?$"
)


def arrondissement_key(folded: str) -> str | None:
    """``"lyon 3"`` for ``"lyon 3e arrondissement"``, ``"lyon 03"``, ``"lyon 3eme"``…

    Takes an already folded string; returns ``None`` when it does not name
    a municipal arrondissement of Paris, Lyon or Marseille.
    """
    if not folded.startswith(_ARR_CITIES):
        return None
    m = _ARR.match(folded)
    if m is None:
        return None
    return f"{m.group(1)} {int(m.group(2))}"


@lru_cache(maxsize=8192)
def name_key(text: str) -> str:
    """Canonical key of a place name, for exact comparisons between sources.

    The folded text with ``saint``/``sainte`` shortened to ``st``/``ste``
    and arrondissement spellings reduced to ``"<city> <n>"``, so that
    ``"Saint-Étienne"``, ``"st etienne"`` and ``"ST ETIENNE"`` share a key, as
    do ``"Lyon 3e Arrondissement"`` (INSEE), ``"Lyon 03"`` (GeoNames) and
    ``"lyon 3"`` (a resident).
    """
    return key_of_folded(fold(text))


def key_of_folded(folded: str) -> str:
    """:func:`name_key` of a string that is already :func:`fold`-ed."""
    arr = arrondissement_key(folded)
    if arr is not None:
        return arr
    if "saint" not in folded:
        return folded
    return " ".join(_SAINTS.get(tok, tok) for tok in folded.split())


_CEDEX = re.compile(r"\b(?:cedex|cdx)(?: ?[0-9]{1,3})?\b", re.IGNORECASE)


def split_cedex(text: str) -> tuple[str, bool]:
    """Remove ``CEDEX``/``Cedex 08`` mentions; tell whether one was present."""
    cleaned, n = _CEDEX.subn(" ", text)
    return " ".join(cleaned.split()), n > 0
