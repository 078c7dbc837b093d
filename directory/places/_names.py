# SPDX-License-Identifier: Apache-2.0
"""Name resolution for the gazetteer: what a resident types, what a record names.

Split from ``_gazetteer.py`` along its seam: this half reads names (the name
index, ``resolve``, ``suggest``, ``communes_named``), the other half holds the
data and answers codes and points. ``Gazetteer`` inherits this mixin; the
attributes and methods declared below are the gazetteer's.
"""

from __future__ import annotations

import bisect
import heapq
import re
import threading
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from ._text import fold, key_of_folded, name_key, split_cedex

if TYPE_CHECKING:
    from ._gazetteer import Commune, Place

__all__ = ["NameIndex"]

# Column positions in the packaged CSV files (see scripts/build_places.py).
_C_INSEE, _C_NOM, _C_TYPE, _C_PARENT, _C_DEP = range(5)
_C_PCS = 7
_MAIN_TYPES = ("actuelle", "arrondissement")
_SUGGEST_CACHE_MAX = 4096
_POSTCODE_RE = re.compile(r"^\d{5}$")
_SPLIT_POSTCODE_RE = re.compile(r"^(\d{2}) (\d{3})$")
_DEPT_TOKEN_RE = re.compile(r"^(?:\d{2}|2a|2b|9[78]\d)$")


_ARTICLES = ("le ", "la ", "les ", "l ")


def _with_or_without_article(key: str) -> tuple[str, ...]:
    """The other spellings of a name key with its leading article dropped or added."""
    for article in _ARTICLES:
        if key.startswith(article):
            return (key[len(article) :],)
    return tuple(article + key for article in _ARTICLES)


class NameIndex:
    """The name half of :class:`~directory.places.Gazetteer` (a mixin: it owns no data)."""

    _rows: list[tuple[str, ...]]
    _main: dict[str, int]
    _children: dict[str, list[str]]
    _departements: frozenset[str]
    _regular_codes: list[str]
    _cedex_codes: list[str]
    _suggest_cache: dict[str, list[int]]
    _lock: threading.Lock
    _names_ready: bool
    _by_key: dict[str, tuple[int, ...]]
    _prefix_keys: list[str]
    _prefix_ids: list[int]

    if TYPE_CHECKING:

        def _at(self, i: int) -> Commune: ...
        def _commune_place(self, c: Commune, postcode: str | None = None) -> Place | None: ...
        def _postcode_place(self, code: str) -> Place | None: ...
        def communes_for_postcode(self, postcode: str) -> list[Commune]: ...
        def departement_of_postcode(self, postcode: str) -> str | None: ...

    def _ensure_names(self) -> None:
        if not self._names_ready:
            with self._lock:
                if not self._names_ready:
                    self._build_name_index()
                    self._names_ready = True

    # ------------------------------------------------------------------ index
    def _build_name_index(self) -> None:
        rows = self._rows
        main = self._main
        by_key: dict[str, list[int]] = {}
        pairs: list[tuple[str, int]] = []
        for i, r in enumerate(rows):
            folded = fold(r[_C_NOM])
            key = key_of_folded(folded)
            if r[_C_TYPE] not in _MAIN_TYPES:
                p = main.get(r[_C_PARENT])
                if p is not None and name_key(rows[p][_C_NOM]) == key:
                    continue  # the chef-lieu déléguée repeats its commune nouvelle
            by_key.setdefault(key, []).append(i)
            pairs.append((folded, i))
            if key != folded:
                pairs.append((key, i))
        pairs.sort()
        self._prefix_keys = [k for k, _ in pairs]
        self._prefix_ids = [i for _, i in pairs]
        self._by_key = {key: tuple(found) for key, found in by_key.items()}

    # ------------------------------------------------------------- resolution
    def communes_named(self, name: str, departements: Collection[str] | None = None) -> list[Commune]:
        """Every commune, arrondissement, commune déléguée or associée called ``name``, best rank first.

        For checking what a record says rather than guessing what a resident meant: the whole name
        only (case, accents, hyphens, Saint/St and CEDEX mentions aside: « ST ANDIOL » is Saint-Andiol, « Lyon 07 »
        Lyon 7e, « LYON CEDEX 07 » Lyon), never a prefix; a leading article may be missing or extra in a département where no name
        matches exactly (« Mont-Dore » in New Caledonia is Le Mont-Dore); within ``departements`` when given.
        """
        key = name_key(split_cedex(name)[0])
        if not key:
            return []
        self._ensure_names()
        rows = self._rows
        found = [i for i in self._by_key.get(key, ()) if departements is None or rows[i][_C_DEP] in departements]
        matched = {rows[i][_C_DEP] for i in found}
        for other in _with_or_without_article(key):  # « Mont-Dore » for Le Mont-Dore, where nothing matches better
            found += [
                i
                for i in self._by_key.get(other, ())
                if rows[i][_C_DEP] not in matched and (departements is None or rows[i][_C_DEP] in departements)
            ]
        return [self._at(i) for i in found]

    def _name_candidates(self, folded: str) -> Sequence[int]:
        """Row indices (rank order) for a folded name: exact key, then word prefix."""
        self._ensure_names()
        ids = self._by_key.get(name_key(folded))
        if ids:
            return ids
        out: list[int] = []
        for q in dict.fromkeys((folded, name_key(folded))):
            lo = bisect.bisect_left(self._prefix_keys, q + " ")
            hi = bisect.bisect_left(self._prefix_keys, q + " \uffff")
            out.extend(self._prefix_ids[lo:hi])
        return sorted(set(out))

    def _resolve_name(self, folded: str, departement: str | None = None) -> Place | None:
        ids = self._name_candidates(folded)
        if departement is not None:
            ids = [i for i in ids if self._rows[i][_C_DEP] == departement]
        for i in ids:  # best rank first: current communes by population
            place = self._commune_place(self._at(i))
            if place is not None:
                return place
        return None

    def resolve(self, text: str) -> Place | None:
        """Resolve what a resident typed into a :class:`Place`, or ``None``.

        Understands a postcode (``"69003"``, ``"69 003"``, CEDEX codes), a
        commune name with accents, case, hyphens, apostrophes and ``œ`` folded
        and ``Saint``/``St`` equated (``"vandoeuvre les nancy"``,
        ``"st etienne"``), a word prefix of a name (``"vandoeuvre"``),
        arrondissements (``"Lyon 3"``, ``"Lyon 3e"``, ``"Paris 19e"``,
        ``"Marseille 1er"``), a name with a postcode (``"Nancy 54000"``) or
        with a département (``"Saint-Denis 974"``). An ambiguous name resolves
        to its most populous commune.
        """
        cleaned, _ = split_cedex(text or "")
        folded = fold(cleaned)
        if not folded:
            return None
        m = _SPLIT_POSTCODE_RE.match(folded)
        if m:
            folded = m.group(1) + m.group(2)
        tokens = folded.split()
        while len(tokens) > 1 and tokens[-1] == "france":  # "Nancy, France"
            tokens.pop()
            folded = " ".join(tokens)
        codes = [t for t in tokens if _POSTCODE_RE.match(t)]
        rest = " ".join(t for t in tokens if not _POSTCODE_RE.match(t))
        if codes:
            code = codes[0]
            if not rest:
                return self._postcode_place(code)
            return self._resolve_name_with_postcode(rest, code)
        place = self._resolve_name(folded)
        if place is not None:
            return place
        if len(tokens) > 1 and _DEPT_TOKEN_RE.match(tokens[-1]):
            dep = tokens[-1].upper()
            if dep in self._departements:
                return self._resolve_name(" ".join(tokens[:-1]), dep)
        return None

    def _resolve_name_with_postcode(self, folded: str, code: str) -> Place | None:
        self._ensure_names()
        key = name_key(folded)
        served = self.communes_for_postcode(code)
        for c in served:
            if name_key(c.nom) == key:
                if c.insee in self._children:  # "Lyon 69003": the arrondissement
                    return self._postcode_place(code)
                return self._commune_place(c, code)
        served_ids = {c.insee for c in served}
        for i in self._by_key.get(key, ()):  # a déléguée of a commune the code serves
            c = self._at(i)
            if c.parent in served_ids or c.insee in served_ids:
                return self._commune_place(c, code)
        for c in served:
            if fold(c.nom).startswith(folded + " "):
                return self._commune_place(c, code)
        dep = self.departement_of_postcode(code)
        place = self._resolve_name(folded, dep) if dep else None
        return place or self._postcode_place(code) or self._resolve_name(folded)

    # ----------------------------------------------------------- suggestions
    def _prefix_range(self, q: str) -> list[int]:
        self._ensure_names()
        lo = bisect.bisect_left(self._prefix_keys, q)
        hi = bisect.bisect_left(self._prefix_keys, q + "\uffff")
        return self._prefix_ids[lo:hi]

    def _top_for_prefix(self, q: str, n: int) -> list[int]:
        cached = self._suggest_cache.get(q)
        if cached is not None and len(cached) >= n:
            return cached[:n]
        ids: set[int] = set()
        for query in dict.fromkeys((q, name_key(q))):
            ids.update(self._prefix_range(query))
        top = heapq.nsmallest(max(n, 20), ids)
        if len(ids) > 64:  # only big ranges are worth caching
            if len(self._suggest_cache) >= _SUGGEST_CACHE_MAX:
                self._suggest_cache.clear()
            self._suggest_cache[q] = top
        return top[:n]

    def suggest(self, text: str, limit: int = 10) -> list[Place]:
        """Autocompletion: postcodes by prefix, or communes by name prefix.

        Digits alone complete postcodes (ordinary codes first, then CEDEX). A
        name prefix gives communes (arrondissements and déléguées included),
        most populous first; digits after a name narrow to that département or
        postcode prefix (``"saint denis 97"``).
        """
        if limit <= 0:
            return []
        cleaned, _ = split_cedex(text or "")
        folded = fold(cleaned)
        if not folded:
            return []
        compact = folded.replace(" ", "")
        if compact.isdigit():
            if len(compact) > 5:
                return []
            out: list[Place] = []
            for codes in (self._regular_codes, self._cedex_codes):
                i = bisect.bisect_left(codes, compact)
                while i < len(codes) and codes[i].startswith(compact) and len(out) < limit:
                    place = self._postcode_place(codes[i])
                    if place is not None:
                        out.append(place)
                    i += 1
            return out
        tokens = folded.split()
        digits = [t for t in tokens if t.isdigit()]
        name = " ".join(t for t in tokens if not t.isdigit())
        if not name:
            return []
        if digits and self._prefix_range(folded):  # "lyon 3", "paris 1"
            digits, name = [], folded
        if digits:
            prefix = digits[0]
            ids: set[int] = set()
            for query in dict.fromkeys((name, name_key(name))):
                ids.update(self._prefix_range(query))
            keep = [
                i
                for i in sorted(ids)
                if self._rows[i][_C_DEP].startswith(prefix)
                or any(pc.startswith(prefix) for pc in self._rows[i][_C_PCS].split())
            ]
        else:
            keep = self._top_for_prefix(name, limit + 8)
        out = []
        for i in keep:
            c = self._at(i)
            code = next((pc for pc in c.postcodes if digits and pc.startswith(digits[0])), None)
            place = self._commune_place(c, code)
            if place is not None:
                out.append(place)
                if len(out) >= limit:
                    break
        return out
