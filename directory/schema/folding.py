# SPDX-License-Identifier: Apache-2.0
"""Accent and case folding: the one routine every comparison of French text uses.

Vocabulary look-ups (``Vocabulary.parse``, column names of a mapping), place
names (the gazetteer and its build script), venue names for matching and the
search index all fold text the same way, so that what one part wrote another
reads back: ``fold("Vandœuvre-lès-Nancy") == "vandoeuvre les nancy"``.
``unaccent`` is the same folding without touching punctuation, for parsers
that read it (« 9h-12h ; sam. »).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["fold", "fold_key", "unaccent"]

# Letters that Unicode decomposition does not reduce to ASCII.
_SPECIAL = str.maketrans(
    {
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        "ß": "ss",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
    }
)
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def unaccent(text: str) -> str:
    """Lower-cased, accents and diacritics removed, ``œ``/``æ``/``ß``… expanded; punctuation kept.

    ``unaccent("Du Lundi au Vendredi, 9h–12h") == "du lundi au vendredi, 9h–12h"``.
    """
    if text.isascii():
        return text.lower()
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text.translate(_SPECIAL)))
    return text.lower().translate(_SPECIAL)


@lru_cache(maxsize=8192)  # real files repeat the same few hundred values
def fold(text: str) -> str:
    """Fold ``text`` for matching: the form used by every name and term comparison.

    :func:`unaccent`, then any character that is neither an ASCII letter nor a
    digit (apostrophes, hyphens, « », ’…) becomes a space, and runs of spaces
    collapse. ``fold("L’Haÿ-les-Roses") == "l hay les roses"``.
    """
    return _NON_WORD.sub(" ", unaccent(text)).strip()


#: The name vocabulary look-ups and column names know the folding by: the same function.
fold_key = fold
