# SPDX-License-Identifier: Apache-2.0
"""The national standard's enumerations as SKOS concept schemes.

One ``skos:ConceptScheme`` per list field of the standard (plus the
``conditions_frais`` extension), at ``{base_url}/vocabulaires/{field}``; one
``skos:Concept`` per term at ``{base_url}/vocabulaires/{field}/{code}`` with

- ``skos:prefLabel`` (fr): the exact string the national files carry (for
  ``typologie``, whose files carry the code, the label; the code is the notation);
- ``skos:notation``: the code used in this directory's URLs and filters;
- ``skos:altLabel`` (fr): other spellings met in real files;
- ``skos:exactMatch`` / ``skos:closeMatch``: the data·inclusion v1 values of
  ``directory.export.mappings`` (standards.md §4.2), as IRIs
  ``https://api.data.inclusion.gouv.fr/api/v1/doc/{referential}#{value}``
  (data·inclusion publishes no IRIs of its own; this names each value within
  the document that lists it).

The venue exports (JSON-LD, Turtle) point at these concepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from rdflib import DCTERMS, RDF, SKOS, Graph, Literal, URIRef

from directory.schema import LIST_VOCABULARIES, ModaliteAccompagnement, Vocabulary

from .base import DEFAULT_BASE_URL
from .mappings import (
    CLOSE,
    DI_REFERENTIALS,
    EXACT,
    FORMATIONS_RESEAUX,
    FRAIS,
    MODES_MOBILISATION,
    PRISE_EN_CHARGE_PUBLICS,
    PUBLICS,
    RESEAUX_PORTEURS,
    THEMATIQUES,
    TYPES,
    slugs_of,
)

__all__ = ["SCHEMES", "scheme_iri", "concept_iri", "vocabularies_graph", "write_vocabularies"]

#: Every enumeration published, by the national field that uses it.
SCHEMES: dict[str, type[Vocabulary]] = {name: vocabulary for name, (vocabulary, _) in LIST_VOCABULARIES.items()}

# field → (data·inclusion referential, table, closeness when the table does not say)
_MATCHES: dict[str, tuple[tuple[str, Mapping, str], ...]] = {
    "services": (("thematiques", THEMATIQUES, CLOSE),),
    "publics_specifiquement_adresses": (("publics", PUBLICS, CLOSE),),
    "prise_en_charge_specifique": (("publics", PRISE_EN_CHARGE_PUBLICS, CLOSE),),
    "frais_a_charge": (("frais", FRAIS, CLOSE),),
    "modalites_acces": (("modes-mobilisation", MODES_MOBILISATION, CLOSE),),
    "modalites_accompagnement": (
        ("types-services", TYPES, CLOSE),
        ("modes-accueil", {ModaliteAccompagnement.A_DISTANCE: ("a-distance", EXACT)}, EXACT),
    ),
    "dispositif_programmes_nationaux": (("reseaux-porteurs", RESEAUX_PORTEURS, CLOSE),),
    "formations_labels": (("reseaux-porteurs", FORMATIONS_RESEAUX, CLOSE),),
}


def vocabulary_base(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/vocabulaires/"


def scheme_iri(base_url: str, field: str) -> URIRef:
    return URIRef(f"{vocabulary_base(base_url)}{field}")


def concept_iri(base_url: str, field: str, term: Vocabulary) -> URIRef:
    """The IRI of one term, e.g. ``…/vocabulaires/services/aide-aux-demarches-administratives``."""
    return URIRef(f"{vocabulary_base(base_url)}{field}/{term.code}")


def di_value_iri(referential: str, value: str) -> URIRef:
    return URIRef(f"{DI_REFERENTIALS[referential]}#{value}")


def _matches(field: str, term: Vocabulary) -> list[tuple[URIRef, URIRef]]:
    found = []
    for referential, table, default in _MATCHES.get(field, ()):
        entry = table.get(term)
        if entry is None:
            continue
        closeness = entry[1] if isinstance(entry, tuple) and len(entry) == 2 and entry[1] in (EXACT, CLOSE) else default
        prop = SKOS.exactMatch if closeness == EXACT else SKOS.closeMatch
        found += [(prop, di_value_iri(referential, value)) for value in slugs_of(entry)]
    return found


def vocabularies_graph(base_url: str = DEFAULT_BASE_URL) -> Graph:
    """Every scheme and concept, with its labels and data·inclusion matches."""
    g = Graph()
    g.bind("skos", SKOS)
    g.bind("dcterms", DCTERMS)
    for field, vocabulary in SCHEMES.items():
        scheme = scheme_iri(base_url, field)
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
        g.add((scheme, SKOS.prefLabel, Literal(vocabulary.title(), lang="fr")))
        g.add((scheme, DCTERMS.title, Literal(vocabulary.title(), lang="fr")))
        g.add((scheme, SKOS.notation, Literal(field)))
        for term in vocabulary:
            concept = concept_iri(base_url, field, term)
            g.add((concept, RDF.type, SKOS.Concept))
            g.add((concept, SKOS.inScheme, scheme))
            g.add((concept, SKOS.topConceptOf, scheme))
            g.add((scheme, SKOS.hasTopConcept, concept))
            g.add((concept, SKOS.prefLabel, Literal(term.label, lang="fr")))
            g.add((concept, SKOS.notation, Literal(term.code)))
            for alias in term.aliases:
                if alias != term.label:
                    g.add((concept, SKOS.altLabel, Literal(alias, lang="fr")))
            for prop, target in _matches(field, term):
                g.add((concept, prop, target))
    return g


def write_vocabularies(stream: TextIO, base_url: str = DEFAULT_BASE_URL, *, format: str = "turtle") -> None:
    """Serialise ``vocabularies_graph`` (small: a few hundred triples) to ``stream``."""
    stream.write(vocabularies_graph(base_url).serialize(format=format))
