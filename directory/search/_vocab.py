# SPDX-License-Identifier: Apache-2.0
"""Counts the embedded index plans with: documents per word, per filter code, per département.

Loaded once from the index (words from an ``fts5vocab`` table, codes and
départements with ``GROUP BY``), then kept current by the index's own writes
(``apply``); a write by another connection makes the index reload them.
Typos are corrected against this vocabulary (a few thousand to a few tens of
thousands of words), never by scanning names (reference/performance.md §2.4);
the forms of a word (« tablettes », « tablette ») are found in it by their
shared base form (``_forms``).
"""

from __future__ import annotations

import bisect
import itertools
import threading
from collections.abc import Iterable
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import OSA

from ._forms import base_form

__all__ = ["IndexStats"]


class IndexStats:
    """Document counts by word, by (field, code) and by département."""

    def __init__(
        self,
        n_docs: int,
        words: dict[str, int],
        terms: dict[tuple[str, str], int],
        departements: dict[str, int],
    ) -> None:
        self.n_docs = n_docs
        self.words = words
        self.terms = terms
        self.departements = departements
        self._lock = threading.Lock()
        self._corrections: dict[tuple[str, int], list[tuple[str, int]]] = {}

    # -- reading ---------------------------------------------------------------

    def df(self, word: str) -> int:
        """Documents holding ``word``."""
        return self.words.get(word, 0)

    def prefix_df(self, prefix: str) -> int:
        """Upper bound of the documents holding a word that starts with ``prefix``."""
        ordered, cumulative = self._sorted
        lo = bisect.bisect_left(ordered, prefix)
        hi = bisect.bisect_left(ordered, prefix + "\uffff", lo)
        return min(self.n_docs, cumulative[hi] - cumulative[lo])

    def forms(self, word: str) -> tuple[str, ...]:
        """The words of the vocabulary sharing ``word``'s base form (``word`` itself if present)."""
        return self._by_base.get(base_form(word), ())

    def term_count(self, name: str, codes: Iterable[str]) -> int:
        """Upper bound of the documents having any of ``codes`` in field ``name``."""
        return min(self.n_docs, sum(self.terms.get((name, c), 0) for c in codes))

    def correct(self, word: str, max_edits: int) -> list[tuple[str, int]]:
        """Words of the vocabulary within ``max_edits`` edits of ``word`` (a letter added, dropped,
        replaced, or two neighbours swapped: « tbalette »), those at the smallest distance found,
        most frequent first, as ``(word, distance)``."""
        key = (word, max_edits)
        found = self._corrections.get(key)
        if found is None:
            by_length = self._by_length
            candidates: list[tuple[str, int]] = []
            for length in range(len(word) - max_edits, len(word) + max_edits + 1):
                choices = by_length.get(length)
                if choices:
                    matches = process.extract(word, choices, scorer=OSA.distance, score_cutoff=max_edits, limit=None)
                    candidates.extend((term, int(distance)) for term, distance, _i in matches if term != word)
            best = min((d for _t, d in candidates), default=0)
            found = sorted(((t, d) for t, d in candidates if d == best), key=lambda td: (-self.df(td[0]), td[0]))
            with self._lock:
                self._corrections[key] = found
        return found

    # -- derived tables, rebuilt lazily after writes ------------------------------

    @cached_property
    def _sorted(self) -> tuple[list[str], list[int]]:
        ordered = sorted(w for w, n in self.words.items() if n > 0)
        cumulative = [0, *itertools.accumulate(self.words[w] for w in ordered)]
        return ordered, cumulative

    @cached_property
    def _by_base(self) -> dict[str, tuple[str, ...]]:
        table: dict[str, list[str]] = {}
        for word, n in self.words.items():
            if n > 0:
                table.setdefault(base_form(word), []).append(word)
        return {base: tuple(sorted(words)) for base, words in table.items()}

    @cached_property
    def _by_length(self) -> dict[int, list[str]]:
        table: dict[int, list[str]] = {}
        for word, n in self.words.items():
            if n > 0 and not any(c.isdigit() for c in word):
                table.setdefault(len(word), []).append(word)
        return table

    # -- writing -------------------------------------------------------------------

    def apply(self, words: Iterable[str], terms: Iterable[tuple[str, str]], departement: str | None, sign: int) -> None:
        """Count one document in (``sign`` = 1) or out (-1)."""
        with self._lock:
            self.n_docs += sign
            for w in words:
                self.words[w] = self.words.get(w, 0) + sign
            for t in terms:
                self.terms[t] = self.terms.get(t, 0) + sign
            if departement:
                self.departements[departement] = self.departements.get(departement, 0) + sign
            for name in ("_sorted", "_by_length", "_by_base"):
                self.__dict__.pop(name, None)
            self._corrections.clear()
