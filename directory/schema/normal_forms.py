# SPDX-License-Identifier: Apache-2.0
"""Normalised forms of what two records are compared on: names, communes, streets.

Matching (``directory.harvest.matching``) compares them, and the blocking keys
(:mod:`.blocking`, which the store keeps) are made of them. Every function is a
pure string function over :func:`.folding.fold` output, cached because a
harvest compares the same few thousand names many times.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from .folding import fold

__all__ = [
    "SERVICE_KEYWORDS",
    "address_number",
    "commune_key",
    "house_numbers",
    "is_town_hall",
    "name_core",
    "name_keywords",
    "normalise_address",
    "normalise_name",
    "same_commune",
    "same_commune_key",
    "street_part",
]

# ── names ────────────────────────────────────────────────────────────────────
# Each service family becomes one canonical token. Underscores never come out of
# ``fold``, so a canonical token cannot collide with a word of a real name.
# Order matters: longer phrases first (« maison des jeunes et de la culture »
# before « maison »; « centre communal d'action sociale » before « centre »).
_SERVICE_PHRASES: tuple[tuple[str, str], ...] = (
    (r"centre (?:inter)?communal d action sociale|c c a s|c i a s|ccas|cias", "ccas"),
    (r"espaces? publics? numeriques?|epn", "epn"),
    (r"cyber ?base|cyber ?espace|cyber ?centre|cybercentre|espace cyber|point cyber|cyber", "cyber_base"),
    (
        r"maisons? (?:de |des )?services? (?:au |aux )?publics?|msap|"
        r"(?:maison |espace |antenne |bus )?frances? services?|mfs|efs",
        "france_services",
    ),
    (r"maison des jeunes et de la culture|mjc", "mjc"),
    (r"(?:point|bureau|espace) (?:d )?info(?:rmation)? jeune(?:s|sse)?|info jeunes?|pij|bij", "info_jeunesse"),
    (r"espace de vie sociale|evs", "espace_vie_sociale"),
    (
        r"centre (?:sociale?|socio ?culturel(?:le)?|socioculturel(?:le)?)(?: et culturel)?|csc|espace socio ?culturel",
        "centre_social",
    ),
    (r"maisons? de quartier|maison des habitants", "maison_quartier"),
    (r"missions? locales?(?: jeunes?)?", "mission_locale"),
    (r"pole emploi|france travail", "france_travail"),
    (r"fab ?labs?", "fablab"),
    (r"tiers lieux?", "tiers_lieu"),
    (r"mediatheques?|bibliotheques?", "mediatheque"),
    (
        r"maisons? (?:departementales? )?(?:de la |des )?solidarites?(?: departementales?)?|"
        r"poles? (?:de la )?solidarites?(?: departementales?)?|"
        r"maison de la metropole(?: pour les solidarites)?|mdm|mds",
        "maison_solidarites",
    ),
    (r"la poste|bureau de poste|agence postale(?: communale)?", "la_poste"),
    (r"pimms(?: mediation)?", "pimms"),
)
_SERVICE_RE = [(re.compile(rf"\b(?:{pattern})\b"), f" {token} ") for pattern, token in _SERVICE_PHRASES]

#: The canonical service tokens :func:`normalise_name` emits, one per family of
#: surface forms above (« EPN » and « espace public numérique » → ``epn``,
#: « médiathèque » and « bibliothèque » → ``mediatheque``, « MSAP » and « France
#: Services » → ``france_services``, « Pôle emploi » and « France Travail » →
#: ``france_travail``…). Names carrying different ones describe different
#: services (the veto of ``matching.score``).
SERVICE_KEYWORDS: frozenset[str] = frozenset(token for _, token in _SERVICE_PHRASES)

# Administrative wrappers that say who runs the place, not which place it is.
# « ville » and « commune » only as a prefix or before « de » (« Centre-Ville » stays).
_ADMIN_RE = re.compile(
    r"\b(?:mairie(?: annexe)?|hotel de ville|association|assoc|asso|ass)(?: (?:de|d|du|des))?\b"
    r"|\b(?:ville|commune) (?:de|d|du)\b|^ *(?:ville|commune)\b"
)
_ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "sts": "saints",
    "av": "avenue",
    "bd": "boulevard",
    "ctre": "centre",
    "cc": "communaute communes",
    "ca": "communaute agglomeration",
    "agglo": "agglomeration",
}
_ARTICLES = frozenset(
    ["a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "pour", "sur", "un", "une"]
)


@lru_cache(maxsize=8192)
def normalise_name(nom: str) -> str:
    """Fold a venue name and strip what does not tell two venues apart.

    Accents and case are folded; administrative wrappers (« mairie de », « ville
    de », « commune de », « association », « asso »…) and articles are removed;
    ``st`` becomes ``saint``, ``av`` ``avenue``; each service family becomes
    one canonical token from :data:`SERVICE_KEYWORDS` (« centre communal
    d'action sociale » and « CCAS » both give ``ccas``, « MSAP » and « Espace
    France Services » both give ``france_services``).

    >>> normalise_name("Mairie de St-Jean (Espace Public Numérique)")
    'saint jean epn'
    """
    text = f" {fold(nom)} "
    text = " ".join(_ABBREVIATIONS.get(word, word) for word in text.split())
    for pattern, token in _SERVICE_RE:
        text = pattern.sub(token, text)
    text = _ADMIN_RE.sub(" ", text)
    words = [w for w in text.split() if w not in _ARTICLES]
    return " ".join(words)


_TOWN_HALL = re.compile(r"^(?:mairie|hotel de ville|commune|ville)\b(?! (?:annexe|deleguee))")


def is_town_hall(nom: str) -> bool:
    """« Mairie de X », « Commune de X », « Hôtel de ville »: the town hall itself."""
    return bool(_TOWN_HALL.match(fold(nom)))


@lru_cache(maxsize=8192)
def name_keywords(normalised: str) -> frozenset[str]:
    """The service tokens present in an already normalised name."""
    return frozenset(w for w in normalised.split() if w in SERVICE_KEYWORDS)


# Words that qualify a service without naming it (« médiathèque intercommunale »).
_QUALIFIERS = frozenset(
    [
        "municipal",
        "municipale",
        "municipaux",
        "intercommunal",
        "intercommunale",
        "communal",
        "communale",
        "departemental",
        "departementale",
        "agglomeration",
        "communaute",
    ]
)


@lru_cache(maxsize=8192)
def name_core(normalised: str, communes: tuple[str, ...] = ()) -> str:
    """The proper part of a normalised name.

    Service tokens and qualifiers go, and so does the name of the commune when
    it appears whole (``communes``: :func:`commune_key` forms): « Médiathèque
    de Riom » in Riom has no proper part, « Mairie de Bâgé » in Bâgé-Dommartin
    keeps ``bage``.
    """
    text = f" {normalised} "
    for commune in communes:
        if commune:
            text = text.replace(f" {commune} ", " ")
    return " ".join(w for w in text.split() if w not in SERVICE_KEYWORDS and w not in _QUALIFIERS)


# ── communes ─────────────────────────────────────────────────────────────────
_PARENS = re.compile(r"\([^)]*\)")
_COMMUNE_NOISE = re.compile(r"\b(?:cedex(?: \d+)?|\d+(?:e|er|eme)?|arrondissement|arr)\b")


@lru_cache(maxsize=8192)
def commune_key(commune: str) -> str:
    """A commune name folded for comparison: no « (Loire) », CEDEX or arrondissement number."""
    text = _COMMUNE_NOISE.sub(" ", fold(_PARENS.sub(" ", commune)))
    return " ".join(_ABBREVIATIONS.get(w, w) for w in text.split() if w not in _ARTICLES)


@lru_cache(maxsize=8192)
def same_commune(a: str, b: str) -> bool:
    """Whether two commune fields name one commune.

    Equal keys, or the words of one contained in the other (« Cran-Gevrier -
    Annecy » and « Cran-Gevrier », « Lyon 9eme » and « Lyon »), or a one-letter
    typo (« Rion-ès-Montagnes »).
    """
    return same_commune_key(commune_key(a), commune_key(b))


@lru_cache(maxsize=8192)
def same_commune_key(ka: str, kb: str) -> bool:
    """:func:`same_commune` of two :func:`commune_key` forms."""
    if not ka or not kb:
        return True  # unknown: no evidence either way
    if ka == kb:
        return True
    wa, wb = set(ka.split()), set(kb.split())
    return wa <= wb or wb <= wa or fuzz.ratio(ka, kb) >= 90


# ── addresses ────────────────────────────────────────────────────────────────
_STREET_TYPES = {
    "av": "avenue",
    "ave": "avenue",
    "bd": "boulevard",
    "bld": "boulevard",
    "boul": "boulevard",
    "pl": "place",
    "r": "rue",
    "ch": "chemin",
    "chem": "chemin",
    "rte": "route",
    "imp": "impasse",
    "all": "allee",
    "fg": "faubourg",
    "fbg": "faubourg",
    "mte": "montee",
    "sq": "square",
    "crs": "cours",
    "res": "residence",
    "qu": "quai",
    "qua": "quai",
    "pas": "passage",
    "pass": "passage",
    "prom": "promenade",
    "espl": "esplanade",
    "lot": "lotissement",
    "rpt": "rond point",
    "sent": "sentier",
    "che": "chemin",
}
_WORD_ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "gal": "general",
    "gen": "general",
    "pdt": "president",
    "mal": "marechal",
    "dr": "docteur",
    "prof": "professeur",
    "cdt": "commandant",
    "lt": "lieutenant",
    "n": "",
    "no": "",
}
_TAIL = re.compile(r"\b\d{5}\b.*$")  # « … 26000 Valence »: the postcode and what follows
_CEDEX = re.compile(r"\b(?:cedex|bp|cs)\b.*$")
_NUMBER = re.compile(r"^(\d{1,4})(?: ?(?:bis|ter|quater|[a-d]))?\b")
# The house-number group at the start: « 17 », « 27bis », « 27 b », « 28t », « 17 21 » (« 17-21 »,
# « 17 à 21 » once folded), « 11 13 15 »; then the street.
_NUMBERS = re.compile(r"^(\d{1,4}) ?(bis|ter|quater|[a-dt])?\b((?: \d{1,4}(?: ?(?:bis|ter|[a-d]))?\b)*)(?: |$)")
_SUFFIXES = {"b": "bis", "t": "ter", "c": "ter", "d": "quater", "a": ""}
#: Widest « 17-21 » read as the numbers between (a building on several numbers).
MAX_RANGE = 20


@lru_cache(maxsize=8192)
def normalise_address(adresse: str) -> str:
    """Fold a street address: no postcode/commune tail, street types spelled out.

    >>> normalise_address("1242 AV AVENUE DU GENERAL DE GAULLE 26260 SAINT DONAT")
    '1242 avenue general gaulle'
    """
    text = _CEDEX.sub("", _TAIL.sub("", fold(adresse))).strip()
    words = text.split()
    out: list[str] = []
    for i, word in enumerate(words):
        # A street-type abbreviation is only read as such where a type stands:
        # first word, or right after the house number (« 9 pas du pré »).
        at_type = i == 0 or (i == 1 and words[0].isdigit()) or (i == 2 and words[1] in ("bis", "ter", "b", "t"))
        if at_type and word in _STREET_TYPES:
            word = _STREET_TYPES[word]
        else:
            word = _WORD_ABBREVIATIONS.get(word, word)
        if word and word not in _ARTICLES and (not out or out[-1] != word):
            out.append(word)
    return " ".join(out)


@lru_cache(maxsize=8192)
def house_numbers(normalised: str) -> tuple[frozenset[int], str] | None:
    """The house numbers a normalised address starts with, and their suffix (``bis``, ``ter``…, or "").

    « 17-21 avenue … » (folded « 17 21 avenue … ») is the building from 17 to 21: 17, 19, 21;
    « 11-13-15 » those three; « 27 B », « 27b » and « 27bis » are all 27 ``bis``; « 28t » is 28 ``ter``;
    « 2 A » is 2. None without a number.

    >>> house_numbers("22 24 rue dubois meynardie")
    (frozenset({22, 24}), '')
    """
    m = _NUMBERS.match(normalised)
    if m is None:
        return None
    first = int(m.group(1))
    suffix = _SUFFIXES.get(m.group(2) or "", m.group(2) or "")
    numbers = {first}
    others = [int(x) for x in re.findall(r"\d{1,4}", m.group(3) or "")]
    if others:
        numbers.update(others)
        last = others[-1]
        if len(others) == 1 and first < last <= first + MAX_RANGE and (last - first) % 2 == 0:
            numbers.update(range(first, last, 2))
    return frozenset(numbers), suffix


def address_number(normalised: str) -> str | None:
    """The house number at the start of a normalised address (« 12 », « 12 bis »)."""
    m = _NUMBER.match(normalised)
    return m.group(1) if m else None


@lru_cache(maxsize=8192)
def street_part(normalised: str) -> str:
    """A normalised address without its house numbers (« 17 21 avenue x », « 27 b rue y »: the street)."""
    if (m := _NUMBERS.match(normalised)) is not None:
        return normalised[m.end() :].strip()
    return normalised
