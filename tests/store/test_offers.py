# SPDX-License-Identifier: Apache-2.0
"""Offers as records of their own (issue 15, item 1), once per backend: merged from every record of a
venue, with provenance, history and the change feed; read by themselves through ``store.offers``."""

from __future__ import annotations

from datetime import UTC, datetime

from directory.schema import ConditionFrais, Service, parse_venue
from directory.store import ChangeFeed, Incoming, SourceInfo

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

ATELIER = {
    "id": "atelier-tablette",
    "nom": "Atelier tablette",
    "description": "Prendre en main sa tablette, en petit groupe.",
    "services": ["Maîtrise des outils numériques du quotidien"],
    "publics_specifiquement_adresses": ["Seniors"],
    "frais_a_charge": ["Gratuit sous condition"],
    "conditions_frais": ["pass-numerique"],
    "modalites_accompagnement": ["Dans un atelier collectif"],
    "horaires": "Tu 09:00-12:00",
    "dates": ["2026-12-08T14:00/2026-12-08T16:00"],
    "prise_rdv": "https://rdv.example.org/atelier",
}
PERMANENCE = {
    "nom": "Permanence démarches CAF",
    "services": ["Aide aux démarches administratives"],
    "frais_a_charge": ["Gratuit"],
    "horaires": "Th 14:00-17:00",
}


def venue(record_id: str, offers: list[dict], **fields):
    record = {
        "id": record_id,
        "nom": "Médiathèque du Bachut",
        "commune": "Lyon",
        "code_postal": "69008",
        "adresse": "2 place du 11 Novembre 1918",
        "date_maj": "2026-01-01",
        "latitude": 45.7374,
        "longitude": 4.8716,
        "offres": offers,
        **fields,
    }
    result = parse_venue(record)
    assert result.venue is not None, result.problems
    return result.venue


def apply(store, source: str, record_id: str, v, at=AT, trust: int = 50):
    with store.writer() as w:
        w.ensure_source(SourceInfo(source, source, trust=trust))
        return w.apply(source, record_id, v, at=at)


def test_a_source_giving_offers_only_gets_a_venue_summarising_them(store):
    outcome = apply(store, "di", "s1", venue("s1", [ATELIER, PERMANENCE]))
    stored = store.get_venue(outcome.venue_id)
    v = stored.venue
    assert [o.nom for o in v.offres] == ["Atelier tablette", "Permanence démarches CAF"]
    assert v.services == [Service.OUTILS_QUOTIDIEN, Service.DEMARCHES]  # the flat fields: the offers' union
    assert v.conditions_frais == [ConditionFrais.PASS_NUMERIQUE]
    assert v.horaires is None  # two offers, two schedules: the venue's own hours are not made up
    assert stored.provenance["offres"].source_id == "di"
    atelier = store.offers.of_venue(outcome.venue_id)[0]
    assert atelier.id == "atelier-tablette" and atelier.source == "di"
    assert atelier.horaires == "Tu 09:00-12:00" and atelier.dates[0].debut == datetime(2026, 12, 8, 14, 0)
    assert atelier.prise_rdv == "https://rdv.example.org/atelier" and atelier.accepts_pass_numerique
    permanence = store.offers.of_venue(outcome.venue_id)[1]
    assert permanence.id.startswith("o-")  # no id given: one made from its name and services, stable
    assert venue("s1", [PERMANENCE]).offres[0].id == permanence.id


def test_offers_of_two_sources_are_merged_each_naming_its_source(store):
    first = apply(store, "di", "s1", venue("s1", [ATELIER]))
    other = venue("r1", [PERMANENCE, {**ATELIER, "nom": "Autre nom"}])
    with store.writer() as w:
        w.ensure_source(SourceInfo("resin", "resin"))
        (second,) = w.apply_many("resin", [Incoming("r1", other, attach_to=first.venue_id)], at=LATER)
    assert second.venue_id == first.venue_id
    offers = store.offers.of_venue(first.venue_id)
    # The same offer id from both: taken from the record ranking first (equal trust and date: source order).
    assert [(o.nom, o.source) for o in offers] == [("Atelier tablette", "di"), ("Permanence démarches CAF", "resin")]
    assert store.get_venue(first.venue_id).provenance["offres"].source_id == "di"


def test_changing_an_offer_is_history_and_reaches_the_change_feed(store):
    outcome = apply(store, "di", "s1", venue("s1", [ATELIER]))
    changed = {**ATELIER, "horaires": "We 09:00-12:00"}
    again = apply(store, "di", "s1", venue("s1", [changed]), at=LATER)
    assert again.action == "updated" and "offres" in again.changed_fields
    (update,) = [row for row in store.history(outcome.venue_id) if row["field"] == "offres"]
    assert update["old"][0]["horaires"] == "Tu 09:00-12:00" and update["new"][0]["horaires"] == "We 09:00-12:00"
    (item,) = ChangeFeed(store).page(0).items
    assert item.venue is not None and item.venue.offres[0].horaires == "We 09:00-12:00"
    assert store.offers.of_venue(outcome.venue_id)[0].horaires == "We 09:00-12:00"
    assert apply(store, "di", "s1", venue("s1", [changed]), at=LATER).action == "unchanged"


def test_find_offers_by_service_and_pass_numerique(store):
    apply(store, "di", "s1", venue("s1", [ATELIER, PERMANENCE]))
    apply(store, "di", "s2", venue("s2", [PERMANENCE], nom="Centre social", adresse="3 rue Z"))
    assert {o.offer.nom for o in store.offers.find(conditions_frais=["pass-numerique"])} == {"Atelier tablette"}
    found = store.offers.find(services=[Service.DEMARCHES.code])
    assert sorted(o.venue_nom for o in found) == ["Centre social", "Médiathèque du Bachut"]


def test_a_venue_without_offers_still_offers_one_per_service(store):
    outcome = apply(store, "csv", "c1", venue("c1", [], services=["Aide aux démarches administratives"]))
    assert store.offers.of_venue(outcome.venue_id) == []
    (derived,) = store.get_venue(outcome.venue_id).venue.offers()
    assert derived.derived and derived.services == [Service.DEMARCHES]
