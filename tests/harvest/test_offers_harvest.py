# SPDX-License-Identifier: Apache-2.0
"""Offers harvested where sources have them (issue 15, item 2): a data·inclusion export with several
services per structure, served over loopback, keeps each digital service as an offer of its venue,
with its schedule and audience; the venue's flat fields stay their summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from directory.harvest import harvest_source, load_source
from directory.schema import ConditionFrais, ModaliteAccompagnement, Public, Service

from .test_run import source_file

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def harvest(store, places, loopback, fetcher, tmp_path, now=NOW):
    url = loopback.url("files/dinclusion/lyon-8e.json")
    config = load_source(source_file(tmp_path, url, id="dora", publisher="DORA", fmt="dinclusion"))
    return harvest_source(store, config, fetcher=fetcher, places=places, now=now)


def by_name(store) -> dict[str, object]:
    return {stored.venue.nom: stored.venue for stored in store.iter_venues()}


def test_each_digital_service_of_a_structure_is_an_offer_with_its_schedule_and_audience(
    store, places, loopback, fetcher, tmp_path
):
    report = harvest(store, places, loopback, fetcher, tmp_path)
    assert (report.status, report.new) == ("complete", 2)
    venues = by_name(store)
    bachut, centre = venues["Médiathèque du Bachut"], venues["Centre social des États-Unis"]
    # Three services, two digital: the reading club is not an offer of a digital-mediation venue.
    assert [o.id for o in bachut.offres] == ["dora--bachut-atelier-tablette", "dora--bachut-permanence-demarches"]
    atelier, permanence = bachut.offres
    assert atelier.nom == "Atelier « Ma tablette au quotidien »"
    assert atelier.description.startswith("Six séances en petit groupe")
    assert atelier.services == [Service.OUTILS_QUOTIDIEN]
    assert atelier.horaires == "Tu 10:00-12:00" and permanence.horaires == "We 14:00-17:00; Sa 10:00-12:00"
    assert atelier.publics_specifiquement_adresses == [Public.SENIORS]
    assert atelier.conditions_frais == [ConditionFrais.PASS_NUMERIQUE]
    assert atelier.modalites_accompagnement == [ModaliteAccompagnement.ATELIER]
    assert atelier.prise_rdv == "https://rdv.example.org/bachut/tablette"
    assert atelier.lieu is None  # the service's address is the structure's
    assert (
        permanence.conditions_frais == [] and ModaliteAccompagnement.A_DISTANCE in permanence.modalites_accompagnement
    )
    assert atelier.source == "dora"
    # The venue's flat fields summarise its offers, and its own hours stay the structure's.
    assert bachut.services == [Service.OUTILS_QUOTIDIEN, Service.DEMARCHES]
    assert bachut.conditions_frais == [ConditionFrais.PASS_NUMERIQUE]
    assert bachut.horaires == "Tu-Fr 10:00-19:00; Sa 10:00-18:00"
    # An offer given elsewhere than its structure keeps its own place, which the map can show.
    emploi = next(o for o in centre.offres if o.id == "dora--csc-atelier-emploi")
    assert emploi.lieu is not None and emploi.lieu.adresse == "172 avenue Général Frère"
    assert emploi.lieu.point == (45.7273, 4.8843)
    (place,) = store.offers.places(venue_ids=[centre.id])
    assert (place.offer_id, place.stop.horaires) == ("dora--csc-atelier-emploi", "Fr 09:30-11:30")
    # Read by themselves: the offers accepting the Pass numérique.
    assert [(o.venue_nom, o.offer.nom) for o in store.offers.find(conditions_frais=["pass-numerique"])] == [
        ("Médiathèque du Bachut", "Atelier « Ma tablette au quotidien »")
    ]


def test_harvesting_the_same_export_again_changes_no_offer(store, places, loopback, fetcher, tmp_path):
    harvest(store, places, loopback, fetcher, tmp_path)
    before = {v.id: v.offres for v in by_name(store).values()}
    again = harvest(store, places, loopback, fetcher, tmp_path, now=NOW + timedelta(days=1))
    assert again.status in ("unchanged", "complete") and again.updated == 0
    assert {v.id: v.offres for v in by_name(store).values()} == before
