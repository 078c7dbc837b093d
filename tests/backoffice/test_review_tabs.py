# SPDX-License-Identifier: Apache-2.0
"""« À vérifier », tabs « Nouveaux lieux à publier » and « Fiches en quarantaine », through the web app
over real harvests: a low-trust source's new venues wait unpublished until « Publier » or « Refuser »,
its quarantined records are fixed by hand or dismissed, each decision holding through later
harvests, every list scoped to the person's territory (unplaced records: administrators only)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest

from directory.store import ChangeFeed, Scope

from .conftest import NOW, csrf_of, harvest

pytestmark = pytest.mark.anyio

COLUMNS = ["id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj", "services"]
RECORDS = [
    [
        "n1",
        "00000000000000",
        "Atelier numérique des États-Unis",
        "Lyon",
        "69008",
        "40 boulevard des États-Unis",
        "2026-10-01",
        "Aide aux démarches administratives",
    ],
    [
        "n2",
        "00000000000000",
        "Point numérique Monplaisir",
        "Lyon",
        "69008",
        "12 rue Saint-Maurice",
        "2026-10-01",
        "Aide aux démarches administratives",
    ],
    [
        "n3",
        "00000000000000",
        "Espace numérique de Nancy",
        "Nancy",
        "54000",
        "1 place Stanislas",
        "2026-10-01",
        "Aide aux démarches administratives",
    ],
    [
        "q1",
        "00000000000000",
        "Fablab sans adresse",
        "Lyon",
        "69008",
        "",
        "2026-10-01",
        "Aide aux démarches administratives",
    ],
    ["q2", "00000000000000", "Lieu de nulle part", "", "", "", "2026-10-01", ""],
]


def low_trust_source(folder: Path, records: list[list[str]] = RECORDS) -> Path:
    """A small network's file, trusted 20 (below the threshold): its new venues wait for a person."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(records)
    (folder / "petit-reseau.csv").write_text(buffer.getvalue(), encoding="utf-8")
    toml = folder / "petit-reseau.toml"
    toml.write_text(
        "\n".join(
            [
                'id = "petit-reseau"',
                'name = "Petit réseau"',
                'publisher = "Petit réseau"',
                'kind = "network"',
                'path = "petit-reseau.csv"',
                'format = "national-csv"',
                'licence = "etalab-2.0"',
                "trust = 20",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return toml


async def published_nowhere(client, directory, venue_ids) -> None:
    """None of these venues reaches a reader: pages, API, search, map, exports, the change feed."""
    answers = [
        await client.get("/api/lieux", params={"q": "numérique", "lieu": "Lyon"}),
        await client.get("/api/lieux", params={"q": "Monplaisir"}),
        await client.get("/api/carte"),
        await client.get("/api/changes"),
        await client.get("/export/lieux.csv"),
    ]
    assert [a.status_code for a in answers] == [200] * 5
    assert "Maison de la Métropole" in answers[-1].text  # the export holds the published venues
    everywhere = "".join(a.text for a in answers)
    for venue_id in venue_ids:
        assert (await client.get(f"/lieux/{venue_id}")).status_code == 404
        assert (await client.get(f"/api/lieux/{venue_id}")).status_code == 404
        assert (await client.get(f"/carte/lieux/{venue_id}")).status_code == 404
        assert venue_id not in everywhere
    assert not {i.venue_id for i in ChangeFeed(directory.store).page(0, 1000).items} & set(venue_ids)


def by_name(store, status: str) -> dict[str, str]:
    with store.engine.connect() as c:
        import sqlalchemy as sa

        return dict(c.execute(sa.text("SELECT nom, id FROM venue WHERE status = :s"), {"s": status}).all())


async def test_new_venues_wait_until_a_person_publishes_or_refuses_them(directory, places, signed_in, anonymous):
    toml = low_trust_source(directory.sources)
    report = harvest(directory.store, toml, places)
    assert (report.new, report.quarantined) == (3, 2)
    waiting = by_name(directory.store, "pending")
    assert set(waiting) == {
        "Atelier numérique des États-Unis",
        "Point numérique Monplaisir",
        "Espace numérique de Nancy",
    }
    await published_nowhere(anonymous, directory, waiting.values())

    alice = await signed_in("alice", "animateur", territories=["69388"])
    assert "2</span> nouveaux lieux à publier" in (await alice.get("/gestion/")).text
    tab = (await alice.get("/gestion/a-verifier?onglet=nouveaux")).text
    assert "Atelier numérique des États-Unis" in tab and "Point numérique Monplaisir" in tab
    assert "Espace numérique de Nancy" not in tab  # another territory
    assert "Fiche de « Petit réseau »" in tab and "40 boulevard des États-Unis" in tab

    nancy = waiting["Espace numérique de Nancy"]
    refused = await alice.post(
        f"/gestion/a-verifier/nouveaux/{nancy}", data={"decision": "publier", "csrf": await csrf_of(alice)}
    )
    assert refused.status_code == 403
    published = await alice.post(
        f"/gestion/a-verifier/nouveaux/{waiting['Atelier numérique des États-Unis']}",
        data={"decision": "publier", "csrf": await csrf_of(alice)},
    )
    assert (published.status_code, published.headers["location"]) == (
        303,
        "/gestion/a-verifier?onglet=nouveaux&fait=publie",
    )
    assert "Lieu publié" in (await alice.get(published.headers["location"])).text
    monplaisir = waiting["Point numérique Monplaisir"]
    done = await alice.post(
        f"/gestion/a-verifier/nouveaux/{monplaisir}",
        data={"decision": "refuser", "raison": "fermé depuis 2024", "csrf": await csrf_of(alice)},
    )
    assert done.status_code == 303
    again = await alice.post(
        f"/gestion/a-verifier/nouveaux/{monplaisir}", data={"decision": "publier", "csrf": await csrf_of(alice)}
    )
    assert again.status_code == 400 and "n&#39;attend plus de décision" in again.text

    atelier = waiting["Atelier numérique des États-Unis"]
    assert (await anonymous.get(f"/lieux/{atelier}")).status_code == 200
    assert atelier in (await anonymous.get("/api/lieux", params={"q": "Atelier numérique des États-Unis"})).text
    await published_nowhere(anonymous, directory, [monplaisir, nancy])
    item = next(i for i in ChangeFeed(directory.store).page(0, 1000).items if i.venue_id == atelier)
    assert (item.action, item.venue.nom) == ("upsert", "Atelier numérique des États-Unis")
    history = directory.store.history(atelier)
    assert [(h["action"], h["actor"]) for h in history][-1] == ("publish", "alice")
    assert "publication" in (await alice.get(f"/gestion/lieux/{atelier}/historique")).text

    changed = [[*r[:2], r[2] + " (nouveau nom)", *r[3:]] for r in RECORDS]  # every record changed
    later = harvest(directory.store, low_trust_source(directory.sources, changed), places, NOW + timedelta(days=1))
    assert later.new == 0  # the refused record is not made again
    assert directory.store.get_venue(monplaisir).status == "refused"
    assert directory.store.get_venue(atelier).status == "active"
    assert directory.store.get_venue(atelier).venue.nom == "Atelier numérique des États-Unis (nouveau nom)"
    assert directory.store.get_venue(nancy).status == "pending"  # it still waits, for Nancy's animators
    assert "Rien à vérifier ici" in (await alice.get("/gestion/a-verifier?onglet=nouveaux")).text


async def test_quarantined_records_are_fixed_by_hand_or_dismissed(directory, places, signed_in):
    toml = low_trust_source(directory.sources)
    harvest(directory.store, toml, places)
    alice = await signed_in("alice", "animateur", territories=["69388"])
    assert "1</span> fiche en quarantaine" in (await alice.get("/gestion/")).text
    tab = (await alice.get("/gestion/a-verifier?onglet=quarantaine")).text
    assert "Fiche q1 de « Petit réseau »" in tab and "Fablab sans adresse" in tab  # a raw cell
    assert (
        "Adresse (numéro et voie)</strong> : ce champ est obligatoire et il est vide" in tab
    )  # the reason, on its field
    assert "Fiche q2" not in tab and "traitées par les administrateurs" in tab
    (q1,) = directory.store.quarantined(Scope(communes=frozenset({"69388"})))
    (q2,) = [q for q in directory.store.quarantined(Scope(everything=True)) if q.record_id == "q2"]
    assert q2.code_insee is None
    assert (await alice.get(f"/gestion/a-verifier/quarantaine/{q2.pk}")).status_code == 403

    form_page = (await alice.get(f"/gestion/a-verifier/quarantaine/{q1.pk}")).text
    assert 'name="nom" type="text" value="Fablab sans adresse"' in form_page  # read through the mapping
    assert 'value="69008"' in form_page
    fields = {
        "nom": "Fablab sans adresse",
        "code_postal": "69008",
        "commune": "Lyon",
        "services": ["aide-aux-demarches-administratives"],
    }
    bad = await alice.post(
        f"/gestion/a-verifier/quarantaine/{q1.pk}", data={**fields, "adresse": "", "csrf": await csrf_of(alice)}
    )
    assert bad.status_code == 400 and 'id="erreur-adresse"' in bad.text
    fixed = await alice.post(
        f"/gestion/a-verifier/quarantaine/{q1.pk}",
        data={**fields, "adresse": "3 rue Antoine Lumière", "csrf": await csrf_of(alice)},
    )
    assert fixed.status_code == 303 and "fait=corrige&lieu=" in fixed.headers["location"]
    venue_id = fixed.headers["location"].rsplit("=", 1)[1]
    stored = directory.store.get_venue(venue_id)
    assert (stored.status, stored.venue.adresse, stored.provenance["adresse"].actor) == (
        "active",
        "3 rue Antoine Lumière",
        "alice",
    )
    assert "Voir le lieu publié" in (await alice.get(fixed.headers["location"])).text

    admin = await signed_in("chloe", "admin")
    tab = (await admin.get("/gestion/a-verifier?onglet=quarantaine")).text
    assert "Fiche q2 de « Petit réseau »" in tab and "Fiche q1" not in tab
    dismissed = await admin.post(
        f"/gestion/a-verifier/quarantaine/{q2.pk}/ecarter", data={"raison": "pas un lieu", "csrf": await csrf_of(admin)}
    )
    assert dismissed.status_code == 303
    assert "Rien à vérifier ici" in (await admin.get("/gestion/a-verifier?onglet=quarantaine")).text

    harvest(directory.store, toml, places, NOW + timedelta(days=1))  # the same records, quarantined again
    assert directory.store.quarantined(Scope(everything=True)) == []
    changed = [r if r[0] != "q1" else [*r[:2], "Fablab toujours sans adresse", *r[3:]] for r in RECORDS]
    harvest(directory.store, low_trust_source(directory.sources, changed), places, NOW + timedelta(days=2))
    assert [q.record_id for q in directory.store.quarantined(Scope(everything=True))] == ["q1"]  # changed: back
