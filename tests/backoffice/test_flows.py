# SPDX-License-Identifier: Apache-2.0
"""What an animator does in the back office, through the web app over a harvested directory: edit
with validation next to each field, keep a value, give it back, merge, split, revert, decide the
queue; a structure's manager sees their venue only; hostile text is shown escaped everywhere."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
import sqlalchemy as sa

from directory.schema import Service, Venue
from directory.store import SourceInfo, utcnow

from .conftest import csrf_of

pytestmark = pytest.mark.anyio


def lyon8(directory) -> list:
    return [v.venue for v in directory.store.iter_venues() if v.venue.code_insee == "69388"]


def form_of(venue: Venue, **changes: str | list[str]) -> dict:
    """The edit form as the browser sends it for ``venue``, with ``changes``."""
    values: dict = {
        "nom": venue.nom,
        "pivot": venue.pivot,
        "structure_parente": venue.structure_parente or "",
        "presentation_resume": venue.presentation_resume or "",
        "presentation_detail": venue.presentation_detail or "",
        "adresse": venue.adresse,
        "complement_adresse": venue.complement_adresse or "",
        "code_postal": venue.code_postal,
        "commune": venue.commune,
        "code_insee": venue.code_insee or "",
        "latitude": f"{venue.latitude:.6f}".rstrip("0").rstrip(".") if venue.latitude is not None else "",
        "longitude": f"{venue.longitude:.6f}".rstrip("0").rstrip(".") if venue.longitude is not None else "",
        "telephone": venue.telephone or "",
        "courriels": "\n".join(venue.courriels),
        "site_web": "\n".join(venue.site_web),
        "horaires": venue.horaires or "",
        "prise_rdv": venue.prise_rdv or "",
        "fiche_acces_libre": venue.fiche_acces_libre or "",
        "autres_formations_labels": venue.autres_formations_labels or "",
    }
    for name in (
        "typologie",
        "services",
        "publics_specifiquement_adresses",
        "prise_en_charge_specifique",
        "modalites_acces",
        "modalites_accompagnement",
        "frais_a_charge",
        "conditions_frais",
        "itinerance",
        "dispositif_programmes_nationaux",
        "formations_labels",
    ):
        values[name] = [term.code for term in getattr(venue, name)]
    return values | changes


async def test_an_edit_is_validated_field_by_field_then_kept_and_given_back(signed_in, directory):
    venue = lyon8(directory)[0]
    client = await signed_in("alice", "animateur", territories=["69388"])
    page = await client.get(f"/gestion/lieux/{venue.id}")
    assert page.status_code == 200 and "source : Maisons de la Métropole de Lyon" in page.text
    before = directory.store.history(venue.id)

    refused = await client.post(
        f"/gestion/lieux/{venue.id}",
        data={
            **form_of(venue, telephone="pas un numéro", code_postal="69OO8", services=["reparation-de-velos"]),
            "csrf": await csrf_of(client),
        },
    )
    assert refused.status_code == 400
    errors = dict(re.findall(r'<p class="field-error" id="erreur-([a-z_]+)">([^<]+)</p>', refused.text))
    assert set(errors) >= {"telephone", "code_postal", "services"}, errors
    assert 'aria-invalid="true"' in refused.text and 'href="#champ-telephone"' in refused.text
    assert 'value="pas un numéro"' in refused.text  # what the person typed is still there
    assert directory.store.history(venue.id) == before

    saved = await client.post(
        f"/gestion/lieux/{venue.id}",
        data={
            **form_of(venue, telephone="04 72 00 00 01", nom="Espace Zorglub"),
            "verrou": ["horaires"],
            "csrf": await csrf_of(client),
        },
    )
    assert saved.status_code == 303
    stored = directory.store.get_venue(venue.id)
    assert stored.venue.telephone == "+33472000001"
    assert stored.provenance["telephone"].locked and stored.provenance["telephone"].actor == "alice"
    assert stored.provenance["horaires"].locked and stored.venue.horaires == venue.horaires  # kept as it was
    assert not stored.provenance["adresse"].locked  # unchanged fields stay the sources'
    found = (await client.get("/api/lieux?q=zorglub")).json()["resultats"]  # the search index followed
    assert [item["id"] for item in found] == [venue.id]
    page = await client.get(f"/gestion/lieux/{venue.id}")
    assert "valeur gardée par Alice le" in page.text

    given_back = await client.post(
        f"/gestion/lieux/{venue.id}/rendre", data={"champ": "telephone", "csrf": await csrf_of(client)}
    )
    assert given_back.status_code == 303
    stored = directory.store.get_venue(venue.id)
    assert stored.venue.telephone == venue.telephone and not stored.provenance["telephone"].locked


async def test_history_names_the_person_and_a_change_is_reverted(signed_in, directory):
    venue = lyon8(directory)[0]
    client = await signed_in("alice", "animateur", territories=["69388"])
    await client.post(
        f"/gestion/lieux/{venue.id}",
        data={**form_of(venue, nom="Maison de la Métropole Latarjet"), "csrf": await csrf_of(client)},
    )
    page = await client.get(f"/gestion/lieux/{venue.id}/historique")
    assert "Alice (alice)" in page.text and "Maison de la Métropole Latarjet" in page.text
    assert "source « Maisons de la Métropole de Lyon »" in page.text  # the creation
    (seq,) = [
        row["seq"] for row in directory.store.history(venue.id) if row["action"] == "update" and row["field"] == "nom"
    ]
    done = await client.post(
        f"/gestion/lieux/{venue.id}/historique/annuler", data={"seq": str(seq), "csrf": await csrf_of(client)}
    )
    assert done.status_code == 303
    stored = directory.store.get_venue(venue.id)
    assert stored.venue.nom == venue.nom and stored.provenance["nom"].actor == "alice"
    last = directory.store.history(venue.id)[-1]
    assert (last["field"], last["old"], last["new"], last["actor"]) == (
        "nom",
        "Maison de la Métropole Latarjet",
        venue.nom,
        "alice",
    )


async def test_a_merge_keeps_the_absorbed_id_resolving_and_a_split_stands(signed_in, directory):
    survivor, absorbed = lyon8(directory)[:2]
    client = await signed_in("alice", "animateur", territories=["69388"])
    choose = await client.get(f"/gestion/lieux/{survivor.id}/fusionner?q={absorbed.nom.split()[-1]}")
    assert f"?avec={absorbed.id}" in choose.text
    form = await client.get(f"/gestion/lieux/{survivor.id}/fusionner?avec={absorbed.id}")
    assert 'name="champ-nom"' in form.text
    done = await client.post(
        f"/gestion/lieux/{survivor.id}/fusionner",
        data={"avec": absorbed.id, "garder": "ici", "champ-telephone": "autre", "csrf": await csrf_of(client)},
    )
    assert (done.status_code, done.headers["location"]) == (303, f"/gestion/lieux/{survivor.id}?message=fusionne")
    merged = directory.store.get_venue(survivor.id)
    assert merged.venue.telephone == absorbed.telephone and merged.venue.nom == survivor.nom
    assert len(merged.sources) == 2
    for path in (f"/lieux/{absorbed.id}", f"/gestion/lieux/{absorbed.id}"):
        moved = await client.get(path)
        assert moved.status_code in (301, 303) and moved.headers["location"].endswith(f"/lieux/{survivor.id}"), path

    key = ":".join(directory.store.get_venue(survivor.id).sources[1])
    split = await client.post(
        f"/gestion/lieux/{survivor.id}/separer", data={"fiche": key, "csrf": await csrf_of(client)}
    )
    assert split.status_code == 303
    new_id = split.headers["location"].split("/")[-1].split("?")[0]
    assert new_id != survivor.id and directory.store.get_venue(new_id).sources == [tuple(key.split(":", 1))]
    with directory.store.engine.connect() as c:
        decisions = c.execute(sa.text("SELECT decision FROM match_decision")).scalars().all()
    assert decisions == ["distinct"]  # the split stands against the merge's « match »


async def test_the_queue_decides_pairs_as_directory_review_does(signed_in, directory):
    a, b = lyon8(directory)[:2]
    keys = [":".join(directory.store.get_venue(v.id).sources[0]) for v in (a, b)]
    with directory.store.writer() as w:
        w.add_review_items(
            [
                {
                    "left_key": keys[0],
                    "right_key": keys[1],
                    "score": 0.72,
                    "parts": {"name": 0.5, "address": 1.0, "phone": 1.0},
                }
            ],
            None,
            utcnow(),
        )
    client = await signed_in("alice", "animateur", territories=["69388"])
    queue = await client.get("/gestion/a-verifier")
    assert "Ressemblance 72 % : même téléphone, noms différents, même adresse" in queue.text
    assert a.nom in queue.text and b.nom in queue.text
    home = await client.get("/gestion/")
    assert re.search(r'<span class="tile-count">1</span> doublon possible', home.text)
    (pk,) = re.findall(r"/gestion/a-verifier/doublons/(\d+)", queue.text)
    done = await client.post(
        f"/gestion/a-verifier/doublons/{pk}", data={"decision": "meme-lieu", "csrf": await csrf_of(client)}
    )
    assert done.status_code == 303 and "fait=meme-lieu" in done.headers["location"]
    assert directory.store.get_venue(b.id).merged_into == a.id or directory.store.get_venue(a.id).merged_into == b.id
    assert "Rien à vérifier ici" in (await client.get("/gestion/a-verifier")).text
    assert directory.store.match_decisions(keys) == {tuple(sorted(keys)): "match"}


async def test_a_structure_manager_sees_and_edits_their_venue_only(signed_in, directory):
    mine, other = lyon8(directory)[:2]
    client = await signed_in("sam", "structure", venues=[mine.id])
    listing = await client.get("/gestion/lieux")
    assert mine.nom in listing.text and other.nom not in listing.text and "1 lieu" in listing.text
    assert (await client.get(f"/gestion/lieux/{mine.id}")).status_code == 200
    for path in (
        f"/gestion/lieux/{other.id}",
        f"/gestion/lieux/{other.id}/historique",
        f"/gestion/lieux/{other.id}/fusionner",
        f"/gestion/lieux/{mine.id}/fusionner?avec={other.id}",
        "/gestion/comptes",
        "/gestion/lieux/nouveau",
    ):
        refused = await client.get(path)
        assert refused.status_code == 403, path
        assert "Accès refusé" in refused.text


async def test_a_venue_added_by_hand_is_published(signed_in, directory):
    client = await signed_in("alice", "animateur", territories=["69388"])
    count = directory.store.count_venues()
    form = await client.get("/gestion/lieux/nouveau")
    assert form.status_code == 200 and 'name="services"' in form.text
    data = {
        "nom": "Atelier numérique du 8e",
        "adresse": "12 avenue Berthelot",
        "code_postal": "69008",
        "commune": "Lyon",
        "services": ["aide-aux-demarches-administratives"],
        "csrf": await csrf_of(client),
    }
    made = await client.post("/gestion/lieux/nouveau", data=data)
    assert made.status_code == 303, made.text[:1000]
    venue_id = made.headers["location"].split("/")[-1].split("?")[0]
    stored = directory.store.get_venue(venue_id)
    assert (stored.venue.code_insee, stored.venue.nom) == ("69388", "Atelier numérique du 8e")
    with directory.store.engine.connect() as c:  # no point given: its commune's, said to be approximate
        assert (
            c.execute(sa.text("SELECT geo_method FROM venue WHERE id = :id"), {"id": venue_id}).scalar_one()
            == "commune"
        )
    assert stored.venue.point is not None
    assert stored.provenance["nom"].locked and stored.provenance["nom"].actor == "alice"
    public = await client.get(f"/lieux/{venue_id}")
    assert public.status_code == 200 and "Atelier numérique du 8e" in public.text
    elsewhere = await client.post(
        "/gestion/lieux/nouveau",
        data={**data, "code_postal": "54000", "commune": "Nancy", "csrf": await csrf_of(client)},
    )
    assert elsewhere.status_code == 403
    assert directory.store.count_venues() == count + 1


HOSTILE = "<script>alert('x')</script>"


async def test_hostile_text_is_shown_escaped_on_every_back_office_page(signed_in, directory):
    venue = lyon8(directory)[0]
    with directory.store.writer() as w:  # what no validation would let in, straight through the writer
        w.ensure_source(SourceInfo("hostile", f"Source {HOSTILE}"))
        bad = w.apply(
            "hostile",
            "h1",
            Venue(
                id="h1",
                pivot="00000000000000",
                nom=f"Lieu {HOSTILE}",
                commune="Lyon <b>8</b>",
                code_postal="69008",
                code_insee="69388",
                adresse='1 rue "du" <img src=x onerror=alert(1)>',
                date_maj=venue.date_maj,
                latitude=venue.latitude,
                longitude=venue.longitude,
                horaires=f"Mo {HOSTILE}",
                services=[Service.DEMARCHES],
            ),
            at=utcnow(),
        ).venue_id
        keys = [":".join(directory.store.get_venue(venue.id).sources[0]), "hostile:h1"]
        w.add_review_items(
            [{"left_key": keys[0], "right_key": keys[1], "score": 0.7, "parts": {"name": 0.2}}], None, utcnow()
        )
        w.lock_fields(bad, ["telephone"], "alice", utcnow())
    client = await signed_in("alice", "animateur", territories=["69388"])
    with directory.store.writer() as w:
        w.apply(
            "hostile",
            "h1",
            replace(directory.store.get_venue(bad).venue, telephone=f"04 {HOSTILE}", id="h1"),
            at=utcnow(),
        )
    pages = [
        "/gestion/",
        "/gestion/lieux",
        "/gestion/lieux?q=Lieu",
        f"/gestion/lieux/{bad}",
        f"/gestion/lieux/{bad}/historique",
        "/gestion/a-verifier",
        "/gestion/a-verifier?onglet=changements",
        f"/gestion/lieux/{venue.id}/fusionner?avec={bad}",
        f"/gestion/lieux/{venue.id}/fusionner?q=Lieu",
    ]
    for path in pages:
        page = await client.get(path)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text and "<img src=x" not in page.text and "<b>8</b>" not in page.text, path
    assert "Lieu &lt;script&gt;" in (await client.get(f"/gestion/lieux/{bad}")).text
    proposals = (await client.get("/gestion/a-verifier?onglet=changements")).text
    assert "La source « Source &lt;script&gt;" in proposals  # the hostile value is there, escaped
    assert "Lieu &lt;script&gt;" in (await client.get("/gestion/a-verifier")).text


def grid_of(page: str) -> dict[str, str]:
    """The weekly editor's fields as the browser would send them back."""
    found = dict(re.findall(r'<input type="time" id="[^"]+" name="(h-[A-Za-z]{2}-\d-(?:de|a))" value="([^"]*)">', page))
    found["semaine-origine"] = re.search(r'name="semaine-origine" value="([^"]*)"', page).group(1)
    return found


async def test_hours_are_edited_day_by_day_and_written_as_opening_hours(signed_in, directory):
    venue = next(v for v in lyon8(directory) if v.horaires and "Sa" not in v.horaires)
    client = await signed_in("alice", "animateur", territories=["69388"])
    page = (await client.get(f"/gestion/lieux/{venue.id}")).text
    grid = grid_of(page)
    assert grid["semaine-origine"] == venue.horaires and grid["h-Mo-0-de"]  # the week as it is
    assert grid["h-Sa-0-de"] == grid["h-Sa-0-a"] == ""

    bad = await client.post(
        f"/gestion/lieux/{venue.id}",
        data={**form_of(venue), **grid, "h-Sa-0-de": "12:00", "h-Sa-0-a": "09:00", "csrf": await csrf_of(client)},
    )
    assert bad.status_code == 400
    assert "Samedi : la fermeture (09:00) doit venir après l&#39;ouverture (12:00)." in bad.text
    assert grid_of(bad.text)["h-Sa-0-de"] == "12:00"  # as the person typed it

    saved = await client.post(
        f"/gestion/lieux/{venue.id}",
        data={**form_of(venue), **grid, "h-Sa-0-de": "09:00", "h-Sa-0-a": "12:30", "csrf": await csrf_of(client)},
    )
    assert saved.status_code == 303
    stored = directory.store.get_venue(venue.id)
    assert stored.venue.horaires.endswith("; Sa 09:00-12:30") and stored.venue.horaires.startswith(
        venue.horaires.split(";")[0][:2]
    )
    assert stored.provenance["horaires"].locked

    raw = await client.post(
        f"/gestion/lieux/{venue.id}",
        data={
            **form_of(stored.venue, horaires="Mo-Fr 09:00-12:00; PH off"),
            **grid_of((await client.get(f"/gestion/lieux/{venue.id}")).text),
            "csrf": await csrf_of(client),
        },
    )
    assert raw.status_code == 303  # the grid untouched: the raw field decides
    assert directory.store.get_venue(venue.id).venue.horaires == "Mo-Fr 09:00-12:00; PH off"
    page = (await client.get(f"/gestion/lieux/{venue.id}")).text
    assert "trop détaillés pour le tableau" in page and 'type="time"' not in page


async def test_a_structure_asks_for_its_venue_and_an_animator_of_its_territory_approves(signed_in, directory):
    venue = lyon8(directory)[0]
    structure = await signed_in("sam", "structure")  # no venue yet: they ask for theirs
    assert "Vous ne gérez encore aucun lieu" in (await structure.get("/gestion/")).text
    assert (await structure.get(f"/gestion/lieux/{venue.id}")).status_code == 403
    found = await structure.get("/gestion/demander?q=" + venue.nom.split()[-1])
    assert f'name="lieu" value="{venue.id}"' in found.text
    empty = await structure.post(
        "/gestion/demander", data={"lieu": venue.id, "message": " ", "csrf": await csrf_of(structure)}
    )
    assert empty.status_code == 400 and "pourquoi vous répondez de ce lieu" in empty.text
    asked = await structure.post(
        "/gestion/demander",
        data={"lieu": venue.id, "message": "Je dirige la Maison de la Métropole.", "csrf": await csrf_of(structure)},
    )
    assert asked.status_code == 303
    assert "en attente" in (await structure.get("/gestion/demander")).text

    nancy = await signed_in("nina", "animateur", territories=["54395"])
    assert "Je dirige" not in (await nancy.get("/gestion/demandes")).text  # not her territory
    (claim,) = directory.store.claims.list()
    refused = await nancy.post(
        f"/gestion/demandes/{claim.pk}", data={"decision": "approuver", "csrf": await csrf_of(nancy)}
    )
    assert refused.status_code == 403

    lyon = await signed_in("alice", "animateur", territories=["69388"])
    page = await lyon.get("/gestion/demandes")
    assert (
        "Je dirige la Maison de la Métropole." in page.text
        and "1</span> demande de gestion" in (await lyon.get("/gestion/")).text
    )
    done = await lyon.post(f"/gestion/demandes/{claim.pk}", data={"decision": "approuver", "csrf": await csrf_of(lyon)})
    assert done.status_code == 303
    assert directory.store.accounts.get("sam").venues == (venue.id,)
    assert directory.store.accounts.events("sam")[0].actor == "alice"  # the accounts' history says who
    assert (await structure.get(f"/gestion/lieux/{venue.id}")).status_code == 200
    assert "acceptée" in (await structure.get("/gestion/demander")).text
