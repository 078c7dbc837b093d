# SPDX-License-Identifier: Apache-2.0
"""Word forms: « tablettes » and « tablette », « démarches » and « démarche » are one word to search.

``base_form`` takes a folded word (``directory.places.fold``: lower case, no
accents) to the form its plural and feminine share: plural ``-s``/``-x``
dropped, ``-aux`` → ``-al`` (« locaux » → « local »), ``-eaux`` → ``-eau``,
then the common feminine endings (« administrative » → « administratif »,
« personnelle » → « personnel », « sociale » → « social »). It is a light
stemmer on purpose: it never cuts a word to a root (« numérique » stays
« numerique », « informatique » is not « informer »), so a query finds the
forms of the word typed and nothing else.

Both backends use it the same way, so they agree: the embedded index matches
every word of its vocabulary that has the typed word's base form
(``IndexStats.forms``); Meilisearch gets each document's base forms as one
more searchable attribute and the query's words as base forms
(``meili.to_meili``, ``_text.engine_text``). Base forms are symmetric: when
the rule is wrong for a word, it is wrong the same way for the query and the
documents, so nothing is lost, at worst a rare word joins another. Words
ending in ``-us``, ``-is``, ``-ss`` keep their ``s`` (« bus », « paris », « pass »).
"""

from __future__ import annotations

from functools import lru_cache

__all__ = ["MIN_LENGTH", "base_form"]

#: Shorter words are left as typed (« ants », « bus », « cv », « des »): acronyms more than plurals.
MIN_LENGTH = 5

# Feminine endings → masculine, longest first; applied after the plural is dropped.
_FEMININE = (
    ("iennes", "ien"),
    ("ienne", "ien"),
    ("elle", "el"),
    ("ive", "if"),
    ("ale", "al"),
)


@lru_cache(maxsize=65536)
def base_form(word: str) -> str:
    """The form shared by a folded word's plural and feminine forms.

    >>> [base_form(w) for w in ("tablettes", "demarches", "locaux", "bureaux", "administratives", "pass", "cv")]
    ['tablette', 'demarche', 'local', 'bureau', 'administratif', 'pass', 'cv']
    """
    if len(word) < MIN_LENGTH or not word.isalpha():
        return word
    if word.endswith("eaux"):
        word = word[:-1]
    elif word.endswith("aux"):
        word = word[:-3] + "al"
    elif word.endswith(("eux", "oux")) or (word.endswith("s") and not word.endswith(("ss", "us", "is"))):
        word = word[:-1]
    for ending, replacement in _FEMININE:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)] + replacement
    return word
