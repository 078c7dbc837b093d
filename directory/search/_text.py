# SPDX-License-Identifier: Apache-2.0
"""From what a person typed to word groups: folding, stop words, word forms, prefix, typos, synonyms.

The result (``TextPlan``) is an AND of groups, each an OR of alternatives
(a word, a prefix or a phrase, all folded), with the number of documents each
is expected to match. The embedded index turns it into an FTS5 ``MATCH``
expression (to find documents) and into ``instr`` patterns over the stored,
space-padded folded text (to check and score documents met another way): the
two agree because folded text holds only ``[a-z0-9]`` words separated by
single spaces, which is also how FTS5's ``unicode61`` tokenizer splits it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from directory.places import fold

from . import synonyms
from ._forms import base_form

__all__ = [
    "Alternative",
    "STOP_WORDS",
    "TextPlan",
    "WordGroup",
    "allowed_key_typos",
    "allowed_typos",
    "analyze",
    "engine_text",
]

#: Elided articles (the tokenizer splits "l'espace" into "l", "espace") and
#: function words: left out of a query of several words, never of the index.
STOP_WORDS = frozenset(
    [
        "l",
        "d",
        "j",
        "qu",
        "s",
        "n",
        "m",
        "c",
        "t",
        "le",
        "la",
        "les",
        "un",
        "une",
        "des",
        "de",
        "du",
        "au",
        "aux",
        "a",
        "et",
        "en",
        "pour",
        "sur",
        "dans",
        "par",
        "avec",
        "ou",
    ]
)

MIN_PREFIX = 3  # shorter last words are matched whole
WEIGHT_EXACT, WEIGHT_FORM, WEIGHT_PREFIX, WEIGHT_SYNONYM = 1.0, 0.9, 0.8, 0.5
WEIGHT_TYPO = {1: 0.6, 2: 0.4}
#: A word found in fewer documents than this (with its forms) is also looked up with one or two
#: typos: « tablete » may be in one description, « tablette » is in a thousand.
FEW_MATCHES = 3
NAME_BOOST = 3.0  # a word in the name counts three times a word in the description
MAX_CORRECTIONS = 5


def allowed_typos(word: str) -> int:
    """One typo in words of 5+ letters, two in 9+; none in words with digits."""
    if any(c.isdigit() for c in word):
        return 0
    return 2 if len(word) >= 9 else 1 if len(word) >= 5 else 0


def allowed_key_typos(word: str) -> int:
    """Typos forgiven against the synonym table's keys, the words people type most: as
    ``allowed_typos``, and one from 4 letters already (« mial », « wfii »)."""
    if any(c.isdigit() for c in word):
        return 0
    return max(allowed_typos(word), 1 if len(word) >= 4 else 0)


@dataclass(frozen=True, slots=True)
class Alternative:
    """One way a query word may match: a whole word, a prefix or a phrase (folded)."""

    text: str
    kind: str  # word | prefix | phrase
    weight: float
    df: int  # documents expected to match (prefixes and phrases: an upper bound)

    def fts(self) -> str:
        """FTS5 query syntax."""
        return f'"{self.text}"*' if self.kind == "prefix" else f'"{self.text}"'

    def pattern(self) -> str:
        """Substring of the space-padded folded text that means a match."""
        return f" {self.text}" if self.kind == "prefix" else f" {self.text} "


@dataclass(frozen=True, slots=True)
class WordGroup:
    """What one typed word (or two-word synonym key) may match: any of its alternatives."""

    typed: str
    alternatives: tuple[Alternative, ...]

    def df(self, n_docs: int) -> int:
        return min(n_docs, sum(a.df for a in self.alternatives))


@dataclass(frozen=True, slots=True)
class TextPlan:
    """An AND of word groups, with document counts to plan by."""

    groups: tuple[WordGroup, ...]
    n_docs: int

    @property
    def estimate(self) -> int:
        """Upper bound of the documents matching every group."""
        return min((g.df(self.n_docs) for g in self.groups), default=self.n_docs)

    def fts_match(self) -> str:
        """The FTS5 ``MATCH`` expression (a prefix alternative makes its exact word redundant)."""
        parts = []
        for group in self.groups:
            prefixes = {a.text for a in group.alternatives if a.kind == "prefix"}
            alts = [a.fts() for a in group.alternatives if not (a.kind == "word" and a.text in prefixes)]
            parts.append(alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")")
        return " AND ".join(parts)

    def idf(self, alternative: Alternative) -> float:
        """BM25's inverse document frequency of an alternative."""
        df = min(alternative.df, self.n_docs)
        return math.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5))


class Vocabulary(Protocol):
    """What text analysis asks of the index's vocabulary (see ``_vocab.IndexStats``)."""

    @property
    def n_docs(self) -> int: ...
    def df(self, word: str) -> int: ...
    def forms(self, word: str) -> tuple[str, ...]: ...
    def prefix_df(self, prefix: str) -> int: ...
    def correct(self, word: str, max_edits: int) -> list[tuple[str, int]]: ...


def _phrase(text: str, weight: float, vocab: Vocabulary) -> Alternative:
    words = text.split()
    if len(words) == 1:
        return Alternative(text, "word", weight, vocab.df(text))
    return Alternative(text, "phrase", weight, min(vocab.df(w) for w in words))


def _corrections(word: str, vocab: Vocabulary) -> list[tuple[str, int]]:
    """The nearest words of the vocabulary and of the synonym table's keys, at their smallest distance."""
    edits, key_edits = allowed_typos(word), allowed_key_typos(word)
    found = vocab.correct(word, edits) if edits else []
    if key_edits:
        found += [(k, d) for k, d in synonyms.nearest_keys(word, key_edits) if not vocab.df(k)]
    best = min((d for _t, d in found), default=0)
    return [(t, d) for t, d in found if d == best][:MAX_CORRECTIONS]


def _word_group(word: str, last: bool, vocab: Vocabulary) -> WordGroup:
    alts: dict[tuple[str, str], Alternative] = {}

    def add(alt: Alternative) -> None:
        known = alts.get((alt.text, alt.kind))
        if known is None or known.weight < alt.weight:
            alts[(alt.text, alt.kind)] = alt

    for form in vocab.forms(word):  # « tablettes » finds « tablette » (``_forms``)
        add(Alternative(form, "word", WEIGHT_EXACT if form == word else WEIGHT_FORM, vocab.df(form)))
    df = vocab.df(word)
    if last and len(word) >= MIN_PREFIX:
        prefix_df = vocab.prefix_df(word)
        if prefix_df > df:
            add(Alternative(word, "prefix", WEIGHT_PREFIX, prefix_df))
    synonyms_of = list(synonyms.expand(word))
    if not synonyms_of and sum(a.df for a in alts.values()) < FEW_MATCHES:
        for term, distance in _corrections(word, vocab):
            weight = WEIGHT_TYPO[distance]
            for form in vocab.forms(term) or (term,):
                add(Alternative(form, "word", weight, vocab.df(form)))
            for phrase in synonyms.expand(term):  # « smarphone » is « smartphone », with its synonyms
                add(_phrase(phrase, min(weight, WEIGHT_SYNONYM), vocab))
    for phrase in synonyms_of:
        add(_phrase(phrase, WEIGHT_SYNONYM, vocab))
    if not alts:  # nothing can match: keep the word, its group matches nothing
        add(Alternative(word, "word", WEIGHT_EXACT, 0))
    return WordGroup(word, tuple(alts.values()))


def analyze(text: str, vocab: Vocabulary) -> TextPlan | None:
    """Word groups for ``text``; None when it holds no word at all."""
    tokens = fold(text).split()
    if not tokens:
        return None
    if not all(t in STOP_WORDS for t in tokens):
        tokens = [t for t in tokens if t not in STOP_WORDS]
    groups: list[WordGroup] = []
    i = 0
    while i < len(tokens):
        pair = " ".join(tokens[i : i + 2]) if i + 1 < len(tokens) else ""
        if pair and synonyms.expand(pair):
            alts = [_phrase(pair, WEIGHT_EXACT, vocab)]
            alts += [_phrase(p, WEIGHT_SYNONYM, vocab) for p in synonyms.expand(pair)]
            groups.append(WordGroup(pair, tuple(alts)))
            i += 2
            continue
        groups.append(_word_group(tokens[i], i == len(tokens) - 1, vocab))
        i += 1
    return TextPlan(tuple(groups), max(1, vocab.n_docs))


def engine_text(text: str) -> str:
    """The query as an engine that has its own vocabulary and typo tolerance receives it
    (Meilisearch): folded, a word one or two typos away from a key of the synonym table
    replaced by that key (« smarphone » → « smartphone »), every word as its base form
    (« tablettes » → « tablette »), to be matched against the documents' base forms."""
    words = []
    for word in fold(text).split():
        edits = allowed_key_typos(word)
        if edits and not synonyms.expand(word):
            nearest = synonyms.nearest_keys(word, edits)
            if nearest:
                word = nearest[0][0]
        words.append(base_form(word))
    return " ".join(words)
