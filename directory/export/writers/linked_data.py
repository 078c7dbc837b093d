# SPDX-License-Identifier: Apache-2.0
"""Venues as schema.org linked data: JSON-LD and Turtle, built with rdflib.

Each venue is a ``schema:LocalBusiness`` (a ``schema:Place`` that may carry
e-mail, hours and offers), and a ``GovernmentOffice`` or ``Library`` too when
its typologies say so, at ``{base_url}/lieux/{id}``, with (what the venue page
says as well is decided in ``directory.export.schema_org``)

- ``identifier`` (the permanent id; a ``PropertyValue`` SIRET when known),
  ``name``, ``description`` / ``disambiguatingDescription``;
- ``address`` (``PostalAddress``), ``geo`` (``GeoCoordinates``), and how far
  the point can be trusted: an ``additionalProperty`` ``PropertyValue``
  ``precision_position`` (``adresse``, ``rue`` or ``commune``), its
  ``measurementTechnique`` the store's ``geo_method`` (``directory.schema.placement``);
- ``openingHoursSpecification``: one per day and time range, from the OSM
  hours when they have a simple weekly form (``directory.export._hours``);
  holiday rules are left out, anything more complex leaves the hours out;
- ``telephone``, ``email``, ``url`` (first website), ``sameAs`` (the other
  websites, the acceslibre page);
- ``isAccessibleForFree`` from ``frais_a_charge`` (true when « Gratuit » is
  among them, false when only « Payant », absent otherwise);
- ``paymentAccepted`` « Pass numérique » when the venue accepts the cheques
  (``conditions_frais``), and each condition as an ``additionalProperty``
  ``PropertyValue`` ``conditions_frais`` whose ``valueReference`` is its SKOS concept;
- ``makesOffer`` → ``Offer`` → ``itemOffered`` ``Service`` per offer of the
  venue (``schema.offer``; one per national service when it has none), whose
  ``serviceType`` and ``additionalType`` are its services' labels and SKOS
  concepts (``directory.export.vocabularies``); an offer of its own adds its
  ``description``, ``audience`` (``Audience`` per public), ``hoursAvailable``
  (as the venue's hours), the booking link as the ``Offer``'s ``url``, and its
  places (its own, or the stops of itinerant mediation) as ``availableAtOrFrom``;
  ``additionalType`` of the venue: its typologies' concepts;
- ``publicAccess`` false for « Ce lieu n'accueille pas de public »;
- ``dateModified`` = ``date_maj``.

Nested nodes get fragment IRIs (``…/lieux/{id}#adresse``), not blank nodes,
so each venue's triples stand alone and the documents can be written one
venue at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, ClassVar, TextIO
from urllib.parse import quote

from rdflib import DCTERMS, RDF, SDO, SKOS, XSD, Graph, Literal, URIRef

from directory.schema import ConditionFrais, ModaliteAcces, Offer, weekly_ranges

from ..base import DEFAULT_BASE_URL, ExportVenue, Writer, dump_json, venue_iri, write_json_array
from ..schema_org import accessible_for_free, descriptions, street_address, venue_type
from ..vocabularies import concept_iri

__all__ = [
    "venue_graph",
    "venue_triples",
    "turtle_block",
    "jsonld_node",
    "iri_of",
    "JsonLdWriter",
    "TurtleWriter",
    "JSONLD_CONTEXT",
]

_DAY_IRIS = {
    "Mo": SDO.Monday,
    "Tu": SDO.Tuesday,
    "We": SDO.Wednesday,
    "Th": SDO.Thursday,
    "Fr": SDO.Friday,
    "Sa": SDO.Saturday,
    "Su": SDO.Sunday,
}

#: The context of the JSON-LD export: schema.org terms bare, inline (no
#: network fetch is needed to read the file).
JSONLD_CONTEXT: dict[str, Any] = {
    "@vocab": str(SDO),
    "schema": str(SDO),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "xsd": str(XSD),
}

_PREFIXES = {"schema": SDO, "skos": SKOS, "dcterms": DCTERMS, "xsd": XSD}
# Characters a URL may hold that an IRI may not (RFC 3987): percent-encoded.
_IRI_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


def iri_of(url: str) -> URIRef:
    """An IRI for a URL met in the data (``|``, spaces, quotes… percent-encoded)."""
    return URIRef(quote(url, safe=_IRI_SAFE))


Triple = tuple[URIRef, URIRef, URIRef | Literal]
_A = RDF.type
_TRUE, _FALSE = Literal(True), Literal(False)


def _is_type(predicate: URIRef) -> bool:
    return str.__eq__(predicate, _A)  # rdflib's __eq__ is pure Python: hot path


@lru_cache(maxsize=2048)
def _lit(value: str, lang: str | None = None, datatype: URIRef | None = None) -> Literal:
    """Literals are immutable and many repeat (times, postcodes, labels): built once."""
    return Literal(value, lang=lang, datatype=datatype)


def venue_graph(venue: ExportVenue, *, base_url: str = DEFAULT_BASE_URL, iri: str | None = None) -> Graph:
    """The venue's triples as an rdflib ``Graph`` (prefixes bound)."""
    g = Graph(bind_namespaces="none")
    for prefix, namespace in _PREFIXES.items():
        g.bind(prefix, namespace)
    for triple in venue_triples(venue, base_url=base_url, iri=iri):
        g.add(triple)
    return g


class _Triples(list[Triple]):
    """A plain list of triples with ``Graph.add``'s signature (no store: fast)."""

    def add(self, triple: Triple) -> None:
        self.append(triple)


def venue_triples(venue: ExportVenue, *, base_url: str = DEFAULT_BASE_URL, iri: str | None = None) -> list[Triple]:
    """The triples describing one venue (and its address, point, hours, offers).

    :param iri: the venue's IRI; by default its ``url``, else ``{base_url}/lieux/{id}``.
    """
    v = venue.venue
    node = iri_of(iri or venue.url or venue_iri(base_url, v.id))
    g = _Triples()

    def part(fragment: str, kind: URIRef) -> URIRef:
        child = URIRef(f"{node}#{fragment}")
        g.add((child, _A, kind))
        return child

    def text(subject: URIRef, prop: URIRef, value: str | None, lang: str | None = "fr") -> None:
        if value:
            g.add((subject, prop, _lit(value, lang=lang)))

    g.add((node, _A, SDO.LocalBusiness))
    if (kind := venue_type(v)) != "LocalBusiness":  # a kind of LocalBusiness: both said
        g.add((node, _A, SDO[kind]))
    g.add((node, SDO.identifier, _lit(v.id)))
    if v.siret:  # only a SIRET that passes its check is called one
        siret = part("siret", SDO.PropertyValue)
        g.add((node, SDO.identifier, siret))
        g.add((siret, SDO.propertyID, _lit("SIRET")))
        g.add((siret, SDO.value, _lit(v.siret)))
    text(node, SDO.name, v.nom, lang=None)  # a proper name: no language
    for key, value in descriptions(v).items():
        text(node, SDO[key], value)
    for typologie in v.typologie:
        g.add((node, SDO.additionalType, concept_iri(base_url, "typologie", typologie)))

    address = part("adresse", SDO.PostalAddress)
    g.add((node, SDO.address, address))
    g.add((address, SDO.streetAddress, _lit(street_address(v))))
    g.add((address, SDO.postalCode, _lit(v.code_postal)))
    g.add((address, SDO.addressLocality, _lit(v.commune)))
    g.add((address, SDO.addressCountry, _lit("FR")))

    if v.point is not None:
        geo = part("geo", SDO.GeoCoordinates)
        g.add((node, SDO.geo, geo))
        # xsd:decimal from the float's shortest repr: exact, where doubles are
        # written with 7 significant digits by some serialisers.
        g.add((geo, SDO.latitude, _lit(repr(v.latitude), datatype=XSD.decimal)))
        g.add((geo, SDO.longitude, _lit(repr(v.longitude), datatype=XSD.decimal)))
        placed = part("precision-position", SDO.PropertyValue)
        g.add((node, SDO.additionalProperty, placed))
        g.add((placed, SDO.propertyID, _lit("precision_position")))
        g.add((placed, SDO.value, _lit(venue.position_precision)))
        if venue.geo_method:
            g.add((placed, SDO.measurementTechnique, _lit(venue.geo_method)))

    for index, (day, opens, closes) in enumerate(weekly_ranges(v.horaires) or (), start=1):
        spec = part(f"horaires-{index}", SDO.OpeningHoursSpecification)
        g.add((node, SDO.openingHoursSpecification, spec))
        g.add((spec, SDO.dayOfWeek, _DAY_IRIS[day]))
        g.add((spec, SDO.opens, _lit(opens, datatype=XSD.time)))
        g.add((spec, SDO.closes, _lit(closes, datatype=XSD.time)))

    if v.telephone:
        g.add((node, SDO.telephone, _lit(v.telephone)))
    for email in v.courriels:
        g.add((node, SDO.email, _lit(email)))
    if v.site_web:
        g.add((node, SDO.url, iri_of(v.site_web[0])))
    for other in [*v.site_web[1:], *([v.fiche_acces_libre] if v.fiche_acces_libre else [])]:
        g.add((node, SDO.sameAs, iri_of(other)))

    if (free := accessible_for_free(v)) is not None:
        g.add((node, SDO.isAccessibleForFree, _TRUE if free else _FALSE))
    for condition in v.conditions_frais:
        if condition is ConditionFrais.PASS_NUMERIQUE:
            g.add((node, SDO.paymentAccepted, _lit("Pass numérique", lang="fr")))
        term = part(f"conditions-frais-{condition.code}", SDO.PropertyValue)
        g.add((node, SDO.additionalProperty, term))
        g.add((term, SDO.propertyID, _lit("conditions_frais")))
        g.add((term, SDO.value, _lit(condition.label, lang="fr")))
        g.add((term, SDO.valueReference, concept_iri(base_url, "conditions_frais", condition)))
    if ModaliteAcces.PAS_DE_PUBLIC in v.modalites_acces:
        g.add((node, SDO.publicAccess, _FALSE))

    for offer_of in v.offers():
        key = offer_of.services[0].code if offer_of.derived else quote(offer_of.id, safe="")
        offer = part(f"offre-{key}", SDO.Offer)
        item = part(f"service-{key}", SDO.Service)
        g.add((node, SDO.makesOffer, offer))
        g.add((offer, SDO.itemOffered, item))
        g.add((item, SDO.name, _lit(offer_of.nom, lang="fr")))
        text(item, SDO.description, offer_of.description)
        for service in offer_of.services:
            g.add((item, SDO.serviceType, _lit(service.label, lang="fr")))
            g.add((item, SDO.additionalType, concept_iri(base_url, "services", service)))
        g.add((item, SDO.provider, node))
        if not offer_of.derived:
            _offer_details(g, part, offer_of, offer, item, key)

    g.add((node, SDO.dateModified, _lit(v.date_maj.isoformat(), datatype=XSD.date)))
    return list(dict.fromkeys(g))  # a set of triples, in a stable order


def _offer_details(g: _Triples, part: Any, offer_of: Offer, offer: URIRef, item: URIRef, key: str) -> None:
    """What an offer of its own says beyond its services: who it is for, when, where, how to book."""
    for public in offer_of.publics_specifiquement_adresses:
        audience = part(f"service-{key}-public-{public.code}", SDO.Audience)
        g.add((item, SDO.audience, audience))
        g.add((audience, SDO.audienceType, _lit(public.label, lang="fr")))
    for index, (day, opens, closes) in enumerate(weekly_ranges(offer_of.horaires) or (), start=1):
        spec = part(f"service-{key}-horaires-{index}", SDO.OpeningHoursSpecification)
        g.add((item, SDO.hoursAvailable, spec))
        g.add((spec, SDO.dayOfWeek, _DAY_IRIS[day]))
        g.add((spec, SDO.opens, _lit(opens, datatype=XSD.time)))
        g.add((spec, SDO.closes, _lit(closes, datatype=XSD.time)))
    if offer_of.prise_rdv:
        g.add((offer, SDO.url, iri_of(offer_of.prise_rdv)))
    if offer_of.accepts_pass_numerique:
        g.add((offer, SDO.description, _lit("Accepte le Pass numérique", lang="fr")))
    places = [stop.lieu for stop in offer_of.arrets] or ([offer_of.lieu] if offer_of.lieu else [])
    for index, place in enumerate(places, start=1):
        where = part(f"service-{key}-lieu-{index}", SDO.Place)
        g.add((offer, SDO.availableAtOrFrom, where))
        if place.nom:
            g.add((where, SDO.name, _lit(place.nom, lang=None)))
        if place.adresse:
            town = " ".join(bit for bit in (place.code_postal, place.commune) if bit)
            g.add((where, SDO.address, _lit(", ".join(p for p in (place.adresse, town) if p), lang=None)))
        if place.point is not None:
            geo = part(f"service-{key}-lieu-{index}-geo", SDO.GeoCoordinates)
            g.add((where, SDO.geo, geo))
            g.add((geo, SDO.latitude, _lit(repr(place.latitude), datatype=XSD.decimal)))
            g.add((geo, SDO.longitude, _lit(repr(place.longitude), datatype=XSD.decimal)))


# -- writing one venue's graph ------------------------------------------------
#
# rdflib's Turtle and JSON-LD serialisers cost 4–6 ms for a venue's ~70
# triples (mostly prefix look-ups), i.e. minutes for a national export. The
# graph is small and its shape known, so it is written here: terms are
# rendered by rdflib (``Literal.n3`` escapes), prefixes by a table.

_PN_LOCAL = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_BY_NAMESPACE = sorted(((str(ns), prefix) for prefix, ns in _PREFIXES.items()), key=lambda p: -len(p[0]))


@lru_cache(maxsize=1024)
def _pname(iri: str) -> str | None:
    for namespace, prefix in _BY_NAMESPACE:
        if iri.startswith(namespace) and _PN_LOCAL.match(iri[len(namespace) :]):
            return f"{prefix}:{iri[len(namespace) :]}"
    return None


def _turtle_term(term: Any) -> str:
    if isinstance(term, URIRef):
        return _pname(str(term)) or term.n3()
    if term.datatype is not None:  # typed literal: the datatype as a prefixed name
        return f"{Literal(str(term)).n3()}^^{_pname(str(term.datatype)) or term.datatype.n3()}"
    return term.n3()


def _by_subject(triples: Iterable[Triple], root: URIRef) -> dict[URIRef, list[tuple[URIRef, Any]]]:
    """Predicate-object pairs per subject, the root first, then in IRI order."""
    grouped: dict[URIRef, list[tuple[URIRef, Any]]] = {root: []}
    for s, p, o in triples:
        grouped.setdefault(s, []).append((p, o))
    order = sorted(grouped, key=lambda s: (s != root, len(s), str(s)))
    return {s: grouped[s] for s in order if grouped[s]}


def turtle_block(triples: Iterable[Triple], root: URIRef) -> str:
    """Triples as Turtle statements (no prefix declarations), the root first."""
    statements = []
    for subject, pairs in _by_subject(triples, root).items():
        pairs.sort(key=lambda po: (not _is_type(po[0]), str(po[0]), str(po[1])))
        lines = [f"{'a' if _is_type(p) else _turtle_term(p)} {_turtle_term(o)}" for p, o in pairs]
        statements.append(f"{_turtle_term(subject)}\n    " + " ;\n    ".join(lines) + " .")
    return "\n\n".join(statements)


def _json_key(predicate: URIRef) -> str:
    iri = str(predicate)
    if iri.startswith(str(SDO)) and _PN_LOCAL.match(iri[len(str(SDO)) :]):
        return iri[len(str(SDO)) :]  # @vocab
    return _pname(iri) or iri


def _json_value(term: Any) -> Any:
    if isinstance(term, URIRef):
        return {"@id": str(term)}
    if term.language:
        return {"@value": str(term), "@language": term.language}
    if term.datatype is None or term.datatype == XSD.string:
        return str(term)
    if term.datatype == XSD.boolean:
        return bool(term.toPython())
    if term.datatype == XSD.decimal:
        return float(term.toPython())  # a JSON number: what map clients expect
    return {"@value": str(term), "@type": _pname(str(term.datatype)) or str(term.datatype)}


def jsonld_node(triples: Iterable[Triple], root: URIRef) -> dict[str, Any]:
    """The root node, compacted against ``JSONLD_CONTEXT``, with the nodes
    it owns (``#fragment`` IRIs) embedded where they are referenced."""
    grouped = _by_subject(triples, root)
    owned = {s for s in grouped if s != root and str(s).startswith(f"{root}#")}

    def node(subject: URIRef) -> dict[str, Any]:
        out: dict[str, Any] = {"@id": str(subject)}
        pairs = sorted(grouped.get(subject, ()), key=lambda po: (str(po[0]), str(po[1])))
        types = [_json_key(o) for p, o in pairs if _is_type(p)]
        if types:
            out["@type"] = types[0] if len(types) == 1 else types
        values: dict[str, list[Any]] = {}
        for p, o in pairs:
            if _is_type(p):
                continue
            if isinstance(o, URIRef) and o in owned:
                owned.discard(o)
                value = node(o)
            else:
                value = _json_value(o)
            values.setdefault(_json_key(p), []).append(value)
        for key, items in values.items():
            out[key] = items[0] if len(items) == 1 else items
        return out

    return node(root)


class TurtleWriter(Writer):
    """RDF Turtle: the prefixes once, then each venue's statements in turn."""

    name: ClassVar[str] = "ttl"
    media_type: ClassVar[str] = "text/turtle"
    extension: ClassVar[str] = "ttl"
    title: ClassVar[str] = "Lieux de médiation numérique, schema.org (RDF Turtle)"
    conforms_to: ClassVar[str | None] = "https://schema.org/"

    def write(self, venues: Iterable[ExportVenue], stream: TextIO) -> Iterator[int]:
        for prefix, namespace in _PREFIXES.items():
            stream.write(f"@prefix {prefix}: <{namespace}> .\n")
        for count, venue in enumerate(venues, start=1):
            iri = iri_of(self.url_of(venue))
            stream.write("\n" + turtle_block(venue_triples(venue, base_url=self.base_url, iri=iri), iri) + "\n")
            yield count


class JsonLdWriter(Writer):
    """JSON-LD: ``{"@context": …, "@graph": [venue, venue, …]}``, one venue a line.

    Each element is the venue node with its address, point, hours and offers
    embedded, compacted against the inline ``JSONLD_CONTEXT``.
    """

    name: ClassVar[str] = "jsonld"
    media_type: ClassVar[str] = "application/ld+json"
    extension: ClassVar[str] = "jsonld"
    title: ClassVar[str] = "Lieux de médiation numérique, schema.org (JSON-LD)"
    conforms_to: ClassVar[str | None] = "https://schema.org/"

    def write(self, venues: Iterable[ExportVenue], stream: TextIO) -> Iterator[int]:
        nodes = (
            jsonld_node(venue_triples(venue, base_url=self.base_url, iri=iri), iri)
            for venue in venues
            for iri in (iri_of(self.url_of(venue)),)
        )
        prefix = '{"@context":' + dump_json(JSONLD_CONTEXT) + ',\n"@graph":['
        yield from write_json_array(nodes, stream, prefix=prefix, suffix="]}")
