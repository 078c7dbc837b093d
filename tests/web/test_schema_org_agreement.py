# SPDX-License-Identifier: Apache-2.0
"""The venue page's JSON-LD and the linked-data export say the same of a venue (issue 16, item 4).

Both read their judgements from ``directory.export.schema_org``; this test
builds each description from the real code and fails as soon as one of them
decides something (a type, « free », an address, a description) on its own.
"""

from __future__ import annotations

from typing import Any

import pytest
from rdflib import URIRef

from directory.export import ExportVenue
from directory.export.writers.linked_data import jsonld_node, venue_triples
from directory.schema import Frais, Typologie
from directory.web.venue import json_ld

from .test_venue import complete_venue

URL = "https://annuaire.example/lieux/complet-1"


def _plain(value: Any) -> Any:
    """A JSON-LD value object's value; a list of one as its item."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value["@value"] if isinstance(value, dict) and "@value" in value else value


def _both(**changes: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    venue = complete_venue(**changes)
    page = json_ld(venue, URL)
    node = jsonld_node(venue_triples(ExportVenue(venue), iri=URL), URIRef(URL))
    return page, node


@pytest.mark.parametrize(
    "fees",
    [[Frais.GRATUIT], [Frais.GRATUIT, Frais.PAYANT], [Frais.PAYANT], [Frais.GRATUIT_SOUS_CONDITION], []],
    ids=["free", "free-and-paid", "paid", "on-condition", "unsaid"],
)
def test_free_or_not_is_said_alike(fees):
    page, node = _both(frais_a_charge=fees)
    assert page.get("isAccessibleForFree") == node.get("isAccessibleForFree")


def test_a_venue_free_and_paid_is_accessible_for_free_on_both():
    page, node = _both(frais_a_charge=[Frais.GRATUIT, Frais.PAYANT])
    assert page["isAccessibleForFree"] is True and node["isAccessibleForFree"] is True


@pytest.mark.parametrize("kinds", [[Typologie.BIB], [Typologie.MUNI], [Typologie.ASSO], []])
def test_the_type_is_the_same(kinds):
    page, node = _both(typologie=kinds)
    types = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
    assert page["@type"] in types and "LocalBusiness" in types


@pytest.mark.parametrize("complement", ["Bâtiment B, 2e étage", None])
def test_address_name_contact_and_date_are_the_same(complement):
    page, node = _both(complement_adresse=complement)
    for key in ("streetAddress", "postalCode", "addressLocality", "addressCountry"):
        assert page["address"][key] == _plain(node["address"][key]), key
    for key in ("name", "telephone", "dateModified"):
        assert page[key] == _plain(node[key]), key
    emails = node["email"] if isinstance(node["email"], list) else [node["email"]]
    assert page["email"] in [_plain(email) for email in emails]


@pytest.mark.parametrize(("resume", "detail"), [("Court.", "Long texte."), ("Court.", None), (None, "Long texte.")])
def test_descriptions_are_the_same(resume, detail):
    page, node = _both(presentation_resume=resume, presentation_detail=detail)
    for key in ("description", "disambiguatingDescription"):
        assert page.get(key) == _plain(node.get(key)), key
