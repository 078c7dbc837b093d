# SPDX-License-Identifier: Apache-2.0
"""Synonyms of common needs, so a resident's word finds the venues that help with it.

People search with the name of what they need done ("CAF", "impôts", "carte
grise", "smartphone"), venues describe what they offer with the national
standard's service labels ("Aide aux démarches administratives"). Each group
below lists the words people type (folded: no accents, lower case; one or two
words) and the services that answer that need. A query word found in a group
matches any of the group's words, or the label of any of its services, as an
OR group: "caf" finds venues named "CAF" and venues offering "Aide aux
démarches administratives".

Both backends use this table: the embedded index expands the query itself,
Meilisearch receives it as its ``synonyms`` setting (``meili_synonyms()``).
Keep groups narrow: every word of a group makes every other word of it match.
Two-word keys must be written as they appear in text, without stop words
(``_text.STOP_WORDS`` are dropped from queries before keys are looked up).
Keys are also found by their base form (``_forms.base_form``): « tablettes »
finds the group of « tablette », « allocations familiales » that of
« allocation familiale »; and a one-word key is found despite a typo
(``nearest_keys``: « smarphone » is « smartphone »), since people type the
words of this table more than any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from directory.places import fold
from directory.schema import Service

from ._forms import base_form

__all__ = ["GROUPS", "SynonymGroup", "expand", "max_key_words", "meili_synonyms", "nearest_keys"]


@dataclass(frozen=True, slots=True)
class SynonymGroup:
    """Words (folded, one or two each) for one need, and the services answering it."""

    words: tuple[str, ...]
    services: tuple[Service, ...] = ()

    def phrases(self) -> tuple[str, ...]:
        """Every word of the group and the folded label of each service."""
        return tuple(dict.fromkeys(self.words + tuple(fold(s.label) for s in self.services)))


#: The table. Words are folded (see module docstring); services are codes of the standard.
GROUPS: tuple[SynonymGroup, ...] = (
    SynonymGroup(("caf", "allocations familiales", "allocation familiale"), (Service.DEMARCHES,)),
    SynonymGroup(("impots", "impot", "finances publiques"), (Service.DEMARCHES,)),
    SynonymGroup(("demarches", "demarche", "papiers", "administratif", "administratives"), (Service.DEMARCHES,)),
    SynonymGroup(("ants", "carte grise", "permis", "immatriculation"), (Service.DEMARCHES,)),
    SynonymGroup(("ameli", "cpam", "sante", "assurance maladie", "carte vitale"), (Service.DEMARCHES,)),
    SynonymGroup(("retraite", "retraites", "carsat", "cnav"), (Service.DEMARCHES,)),
    SynonymGroup(("smartphone", "portable", "telephone", "mobile", "tablette"), (Service.OUTILS_QUOTIDIEN,)),
    SynonymGroup(("ordinateur", "pc", "informatique"), (Service.ACCES_INTERNET, Service.OUTILS_QUOTIDIEN)),
    SynonymGroup(("internet", "wifi", "connexion"), (Service.ACCES_INTERNET,)),
    SynonymGroup(("mail", "email", "courriel", "messagerie"), (Service.OUTILS_QUOTIDIEN,)),
    SynonymGroup(("cv", "emploi", "pole emploi", "france travail", "candidature"), (Service.INSERTION_PRO,)),
    SynonymGroup(("arnaque", "arnaques", "piratage", "securite"), (Service.SECURITE,)),
)


def _build() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for group in GROUPS:
        for word in group.words:
            table.setdefault(word, [])
            table[word].extend(p for p in group.phrases() if p != word and p not in table[word])
    return {word: tuple(phrases) for word, phrases in table.items()}


def _base(words: str) -> str:
    return " ".join(base_form(w) for w in words.split())


def _by_base(table: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    merged: dict[str, list[str]] = {}
    for key, phrases in table.items():
        found = merged.setdefault(_base(key), [])
        found.extend(p for p in (key, *phrases) if p not in found)
    return {base: tuple(phrases) for base, phrases in merged.items()}


_TABLE = _build()
_BY_BASE = _by_base(_TABLE)
_ONE_WORD_KEYS = sorted(k for k in _TABLE if " " not in k)


def expand(words: str) -> tuple[str, ...]:
    """The other phrases a folded word (or two-word phrase) stands for, by itself or by its
    base form (« tablettes » as « tablette »); () if none.

    >>> "aide aux demarches administratives" in expand("caf")
    True
    >>> "smartphone" in expand("tablettes")
    True
    """
    found = _TABLE.get(words)
    if found is not None:
        return found
    return tuple(p for p in _BY_BASE.get(_base(words), ()) if p != words)


def nearest_keys(word: str, max_edits: int) -> list[tuple[str, int]]:
    """One-word keys within ``max_edits`` edits of ``word`` (and not ``word``; a swap of two
    neighbouring letters is one edit): those at the smallest distance, as ``(key, distance)``."""
    matches = process.extract(word, _ONE_WORD_KEYS, scorer=OSA.distance, score_cutoff=max_edits, limit=None)
    found = [(key, int(distance)) for key, distance, _i in matches if key != word]
    best = min((d for _k, d in found), default=0)
    return sorted((k, d) for k, d in found if d == best)


def max_key_words() -> int:
    """The longest key of the table, in words (2: "carte grise")."""
    return max(len(k.split()) for k in _TABLE)


def meili_synonyms() -> dict[str, list[str]]:
    """The table as Meilisearch's ``synonyms`` setting (one-way, key → phrases), with each key's
    base form as a key too: Meilisearch receives the query's words as base forms (``_text.engine_text``)."""
    table = {word: list(phrases) for word, phrases in _TABLE.items()}
    for base, phrases in _BY_BASE.items():
        if base not in table:
            table[base] = [p for p in phrases if p != base]
    return table
