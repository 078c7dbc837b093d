# SPDX-License-Identifier: Apache-2.0
"""Needs in plain words, mapped to the national standard's services: the one home of that mapping.

A professional orienting someone (``/orienter``) picks a need as people say it
(« Faire ses démarches en ligne : CAF, impôts, santé… ») or types it in their
own words (« aide pour faire ses démarches CAF »). Each ``Need`` names the
services of the standard that answer it, the words that mean it, and the
national programmes that make a place especially fit for it (a Point
d'accès numérique CAF for CAF paperwork). Free text is understood with these
words and with the search's synonym groups (``synonyms.GROUPS``: « caf »,
« impôts », « ameli »… → services), so a word the search understands the
orientation path understands too.

>>> [n.slug for n in understand("aide pour faire ses démarches CAF").needs]
['demarches']
>>> understand("aide pour faire ses démarches CAF").topics
('CAF',)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from directory.places import fold
from directory.schema import DispositifProgramme, Service

from . import synonyms

__all__ = ["NEEDS", "Need", "Understood", "need", "understand"]


@dataclass(frozen=True, slots=True)
class Need:
    """One need as a professional says it.

    :param slug: its value in the address (``besoin=demarches``).
    :param label: the choice as the form shows it.
    :param reason: what a matching place is said to offer (« aide aux démarches administratives »).
    :param services: the standard's services that answer it (a place offering any of them fits).
    :param words: folded words and two-word phrases that mean this need in free text, beyond the
        search's synonym groups (a word of a group names the first need answering the group's
        services; a need lists it only to claim it for itself, as « mail » for ``courriel``).
    :param programmes: national programmes that make a place especially fit for it.
    """

    slug: str
    label: str
    reason: str
    services: tuple[Service, ...]
    words: tuple[str, ...] = ()
    programmes: tuple[DispositifProgramme, ...] = ()


#: The needs, in the order the form offers them.
NEEDS: tuple[Need, ...] = (
    Need(
        "demarches",
        "Faire ses démarches administratives en ligne (CAF, impôts, santé, retraite, carte grise…)",
        "aide aux démarches administratives",
        (Service.DEMARCHES,),
        ("administrative", "dossier"),  # « démarches », « papiers », « CAF »… are the search's synonyms
        (DispositifProgramme.FRANCE_SERVICES, DispositifProgramme.AIDANTS_CONNECT, DispositifProgramme.CAF),
    ),
    Need(
        "appareils",
        "Se servir d'un téléphone, d'une tablette ou d'un ordinateur",
        "prise en main du téléphone, de la tablette ou de l'ordinateur",
        (Service.OUTILS_QUOTIDIEN,),
        ("appareil", "debuter", "debutant", "apprendre", "clavier", "souris", "applications", "application"),
    ),
    Need(
        "courriel",
        "Créer ou utiliser une adresse e-mail, envoyer un document",
        "aide pour les e-mails et les documents",
        (Service.OUTILS_QUOTIDIEN,),
        ("mail", "mails", "e mail", "email", "courriel", "adresse mail", "piece jointe", "document", "scanner"),
    ),
    Need(
        "acces",
        "Utiliser un ordinateur et internet sur place, imprimer",
        "ordinateurs et internet sur place",
        (Service.ACCES_INTERNET,),
        ("imprimer", "impression", "photocopie", "poste", "acces internet"),
    ),
    Need(
        "emploi",
        "Chercher un emploi, faire un CV",
        "aide à la recherche d'emploi en ligne",
        (Service.INSERTION_PRO,),
        ("travail", "chomage", "lettre motivation", "job"),
    ),
    Need(
        "equipement",
        "S'équiper d'un ordinateur ou d'un téléphone à petit prix",
        "matériel informatique à prix solidaire",
        (Service.MATERIEL_SOLIDAIRE,),
        ("acheter", "equiper", "equipement", "reconditionne", "petit prix", "solidaire"),
        (DispositifProgramme.EMMAUS_CONNECT, DispositifProgramme.RELAIS_EMMAUS),
    ),
    Need(
        "securite",
        "Se protéger des arnaques et du piratage",
        "sécurité en ligne et arnaques",
        (Service.SECURITE,),
        ("escroquerie", "virus", "mot de passe", "mots de passe", "pirate"),
    ),
    Need(
        "parentalite",
        "Suivre la scolarité de ses enfants en ligne (Pronote, ENT)",
        "parentalité et école numérique",
        (Service.PARENTALITE,),
        ("pronote", "ent", "ecole", "college", "lycee", "enfant", "enfants", "parents"),
    ),
    Need(
        "comprendre",
        "Comprendre le numérique, ses droits, l'intelligence artificielle",
        "comprendre le monde numérique",
        (Service.COMPREHENSION,),
        ("comprendre", "intelligence artificielle", "ia", "reseaux sociaux"),
    ),
    Need(
        "loisirs",
        "Photos, création, loisirs numériques",
        "loisirs et créations numériques",
        (Service.LOISIRS,),
        ("photo", "photos", "video", "videos", "musique", "jeux", "creation", "impression 3d"),
    ),
)

_BY_SLUG = {n.slug: n for n in NEEDS}
_WORD = re.compile(r"\w+", re.UNICODE)


def need(slug: str) -> Need | None:
    """The need of an address's ``besoin=`` value, or None when unknown."""
    return _BY_SLUG.get(slug)


@dataclass(frozen=True, slots=True)
class Understood:
    """What a free text was understood to ask.

    :param needs: the needs it names, in ``NEEDS`` order.
    :param topics: the person's own words that name something more precise than the
        need (« CAF », « impôts »), as they typed them: the results repeat them.
    """

    needs: tuple[Need, ...] = ()
    topics: tuple[str, ...] = ()


def _phrases(text: str) -> list[tuple[str, str]]:
    """Each word and each pair of neighbouring words: (as typed, folded)."""
    words = [(w, fold(w)) for w in _WORD.findall(text)]
    words = [(w, f) for w, f in words if f]
    pairs = [(f"{a} {b}", f"{fa} {fb}") for (a, fa), (b, fb) in pairwise(words)]
    return pairs + words


def _synonym_services(folded: str) -> tuple[Service, ...]:
    return tuple(s for group in synonyms.GROUPS if folded in group.words for s in group.services)


def _same_stem(a: str, b: str) -> bool:
    """« demarche » and « demarches », « administratif » and « administratives »: a crude French stem."""
    return a == b or (min(len(a), len(b)) >= 6 and a[:6] == b[:6])


def understand(text: str) -> Understood:
    """The needs a free text names (its words, or a synonym group of the search), and its precise topics."""
    found: set[str] = set()
    topics: list[str] = []
    for typed, folded in _phrases(text):
        own = {n.slug for n in NEEDS if folded in n.words or folded == n.slug}
        if own:
            found |= own
            continue
        # A synonym of the search names services: the first need answered by each.
        named = [next(n for n in NEEDS if s in n.services) for s in _synonym_services(folded)]
        found |= {n.slug for n in named}
        # A word the need's own reason already says (« démarches ») is no topic; « CAF » is.
        generic = any(_same_stem(folded, word) for n in named for word in fold(n.reason).split())
        if named and not generic and not any(folded in fold(t) for t in topics):
            topics.append(typed)
    return Understood(tuple(n for n in NEEDS if n.slug in found), tuple(topics))
