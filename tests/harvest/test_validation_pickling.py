# SPDX-License-Identifier: Apache-2.0
"""What validation's workers send back to the run's process (``_batches.validate``: problems, the venue, its
features) crosses a pipe pickled: it must come back whole, equal to what the worker computed."""

from __future__ import annotations

import pickle
from dataclasses import fields
from datetime import date, datetime
from pathlib import Path

import pytest

from directory.harvest import load_source
from directory.harvest._batches import validate
from directory.schema import (
    ConditionFrais,
    DispositifProgramme,
    FormationLabel,
    Frais,
    Itinerance,
    ModaliteAcces,
    ModaliteAccompagnement,
    Offer,
    PriseEnCharge,
    Problem,
    Public,
    Service,
    Severity,
    Typologie,
    Venue,
)
from directory.schema.offer import Place, Session, Stop

SOURCES = Path(__file__).resolve().parents[2] / "fixtures" / "sources"
TODAY = date(2026, 11, 25)


def _crossed(value: object) -> object:
    """``value`` as the run's process gets it from a worker (``multiprocessing`` pickles with the default protocol)."""
    return pickle.loads(pickle.dumps(value, protocol=pickle.DEFAULT_PROTOCOL))


def _full_venue() -> Venue:
    """A venue with every field given, offers with a place, stops and sessions included."""
    place = Place("Salle des fêtes", "1 place de la Mairie", "1er étage", "74360", "Abondance", "74001", 46.28, 6.72)
    session = Session(datetime(2026, 12, 8, 9), datetime(2026, 12, 8, 12))
    offer = Offer(
        id="atelier",
        nom="Atelier",
        description="Prendre en main sa tablette",
        services=[Service.ACCES_INTERNET],
        publics_specifiquement_adresses=[Public.SENIORS],
        prise_en_charge_specifique=[PriseEnCharge.SURDITE],
        frais_a_charge=[Frais.GRATUIT],
        conditions_frais=[ConditionFrais.PASS_NUMERIQUE],
        modalites_acces=[ModaliteAcces.SE_PRESENTER],
        modalites_accompagnement=[ModaliteAccompagnement.INDIVIDUEL],
        horaires="Tu 09:00-12:00",
        dates=[session],
        prise_rdv="https://rdv.example.org",
        lieu=place,
        arrets=[Stop(place, "We 14:00-17:00", [session])],
        source="hinaura",
        derived=True,
    )
    venue = Venue(
        id="0",
        pivot="78543886244801",
        nom="Maison France Services d'Abondance",
        commune="Abondance",
        code_postal="74360",
        adresse="Place du Champ de Foire",
        date_maj=date(2026, 9, 20),
        code_insee="74001",
        complement_adresse="Rez-de-chaussée",
        latitude=46.27947,
        longitude=6.72003,
        typologie=[Typologie.ASSO],
        telephone="+33450000000",
        courriels=["contact@example.org"],
        site_web=["https://example.org"],
        horaires="Tu-Fr 09:00-12:00",
        presentation_resume="Résumé",
        presentation_detail="Détail",
        source="Hinaura",
        itinerance=[Itinerance.FIXE],
        structure_parente="Commune d'Abondance",
        services=[Service.ACCES_INTERNET, Service.DEMARCHES],
        publics_specifiquement_adresses=[Public.SENIORS],
        prise_en_charge_specifique=[PriseEnCharge.SURDITE],
        frais_a_charge=[Frais.GRATUIT],
        conditions_frais=[ConditionFrais.PASS_NUMERIQUE],
        dispositif_programmes_nationaux=[DispositifProgramme.FRANCE_SERVICES],
        formations_labels=[FormationLabel.DUPLEX],
        autres_formations_labels="Label maison",
        modalites_acces=[ModaliteAcces.SE_PRESENTER],
        modalites_accompagnement=[ModaliteAccompagnement.INDIVIDUEL],
        fiche_acces_libre="https://acceslibre.beta.gouv.fr/x",
        prise_rdv="https://rdv.example.org",
        offres=[offer],
    )
    assert all(getattr(venue, f.name) for f in fields(Venue)), "every field is given"
    assert all(getattr(offer, f.name) for f in fields(Offer)), "every field of the offer is given"
    return venue


def test_a_venue_comes_back_whole() -> None:
    venue = _full_venue()
    back = _crossed(venue)
    assert type(back) is Venue and back == venue
    for f in fields(Venue):
        assert getattr(back, f.name) == getattr(venue, f.name), f.name
        assert type(getattr(back, f.name)) is type(getattr(venue, f.name)), f.name
    offer, original = back.offres[0], venue.offres[0]
    for f in fields(Offer):
        assert getattr(offer, f.name) == getattr(original, f.name), f.name
    assert offer.arrets[0].lieu == original.lieu and offer.arrets[0].dates == original.dates


def test_a_problem_comes_back_whole() -> None:
    problem = Problem(
        "horaires", "hours_converted", "lundi 9h-12h", Severity.WARNING, (("converted", "Mo 09:00-12:00"),)
    )
    back = _crossed(problem)
    assert type(back) is Problem and back == problem and back.severity is Severity.WARNING
    assert back.message == problem.message


def _validated(toml: Path, places: object) -> list[object]:
    source = load_source(toml)
    data = Path(source.location())
    if not data.is_file():
        pytest.skip(f"{data.name} is not among the fixtures")
    results = []
    for item in source.make_reader().read(data.read_bytes()):
        if item.record is not None:
            mapped, _ = source.map(item.record, today=TODAY)
            results.append(validate(mapped, places, TODAY))  # type: ignore[arg-type]
    return results


@pytest.mark.parametrize("toml", sorted(SOURCES.glob("*.toml")), ids=lambda p: p.stem)
def test_what_validation_gives_for_the_real_files_comes_back_equal(toml: Path, places: object) -> None:
    results = _validated(toml, places)
    assert results
    assert _crossed(results) == results
