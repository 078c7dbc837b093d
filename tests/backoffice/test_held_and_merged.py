# SPDX-License-Identifier: Apache-2.0
"""« Retraits en attente » and « Fusions automatiques », end to end: real harvests over a loopback
HTTP server, the back office's pages, its forms (CSRF and all), and what the store says afterwards.

- A complete harvest that shrinks too much withdraws nothing and keeps what it would have withdrawn;
  the page names the source, the run, how many of how many and the venues; a curator confirms and
  the venues are withdrawn in her name, as ``--confirmer-retraits`` would have; or keeps them, and
  the next run holds them again.
- A second source repeating records of the first is merged without a person; the page shows each
  pair with its evidence; « Séparer » takes the record out, and the next harvests keep it apart.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from directory.store import Scope, Store
from directory.store.tables import hold_t

from .conftest import Directory, csrf_of
from .harvesting import ALL, COPIED, Harvests

pytestmark = pytest.mark.anyio

EVERYTHING = Scope(everything=True)


@pytest.fixture
def directory(harvests: Harvests, tmp_path: Path) -> Directory:
    """The back office's app (``conftest.app``) over the harvests' store."""
    assert harvests.run("hinaura", ALL).status == "complete"
    return Directory(harvests.store, tmp_path / "sources", tmp_path / "data")


def _venue_ids(store: Store, records: list[dict[str, str]]) -> dict[str, str]:
    """Record id → the venue it feeds."""
    with store.engine.connect() as c:
        found = c.execute(
            sa.text(
                "SELECT l.record_id, v.id FROM source_link l JOIN venue v ON v.pk = l.venue_pk "
                "WHERE l.source_id = 'hinaura'"
            )
        ).all()
    wanted = {r["id"] for r in records}
    return {record_id: venue_id for record_id, venue_id in found if record_id in wanted}


async def test_a_shrunk_harvest_is_held_then_confirmed_in_the_curators_name(harvests, signed_in):
    gone = _venue_ids(harvests.store, ALL[75:])
    shrunk = harvests.run("hinaura", ALL[:75])  # 45 of 120 gone: more than the 20 % a run withdraws alone
    assert (shrunk.status, shrunk.withdrawn) == ("partial", 0)
    assert any("« Retraits en attente »" in note for note in shrunk.notes)
    assert harvests.store.count_venues() == 120

    admin = await signed_in("camille", "admin")
    home = await admin.get("/gestion/")
    assert 'href="/gestion/retraits-en-attente"' in home.text
    assert re.search(r'tile-count">1</span> moisson retenue : retraits à confirmer', home.text)
    page = await admin.get("/gestion/retraits-en-attente")
    assert page.status_code == 200
    assert "Source « hinaura » : 45 fiches sur 120 ne figurent plus" in page.text
    assert f"Moisson n° {shrunk.run_id} du" in page.text
    assert "45 lieux retirés si vous confirmez" in page.text
    for venue_id in gone.values():
        assert f'href="/gestion/lieux/{venue_id}"' in page.text
    name = ALL[80]["nom"]
    assert name.replace("'", "&#39;") in page.text

    (hold,) = harvests.store.holds.find(EVERYTHING)
    token = await csrf_of(admin, "/gestion/retraits-en-attente")
    refused = await admin.post(f"/gestion/retraits-en-attente/{hold.pk}", data={"decision": "confirmer"})
    assert refused.status_code == 403 and harvests.store.count_venues() == 120  # no CSRF token, no withdrawal
    done = await admin.post(f"/gestion/retraits-en-attente/{hold.pk}", data={"csrf": token, "decision": "confirmer"})
    assert done.status_code == 303
    after = await admin.get(done.headers["location"])
    assert "Retraits confirmés : 45 lieux retirés de l'annuaire à votre nom (source « hinaura »)" in after.text
    assert "Aucun retrait en attente" in after.text

    assert harvests.store.count_venues() == 75
    for venue_id in gone.values():
        stored = harvests.store.get_venue(venue_id)
        assert stored is not None and stored.status == "withdrawn"
        (last,) = [row for row in harvests.store.history(venue_id) if row["action"] == "withdraw"]
        assert (last["actor"], last["source_id"]) == ("camille", "hinaura")
    history = await admin.get(f"/gestion/lieux/{gone[ALL[80]['id']]}/historique")
    assert "Camille (camille)" in history.text
    state = harvests.store.sources.state("hinaura")
    assert (state.last_complete_run_id, state.last_complete_count) == (shrunk.run_id, 75)
    assert harvests.store.holds.get(hold.pk).status == "confirmed"

    # the source as it now is: nothing held, nothing more withdrawn
    again = harvests.run("hinaura", ALL[:75])
    assert again.status in ("complete", "unchanged") and again.withdrawn == 0
    assert harvests.store.holds.find(EVERYTHING) == []


async def test_keeping_the_venues_dismisses_the_hold_and_the_next_run_holds_them_again(harvests, signed_in):
    harvests.run("hinaura", ALL[:75])
    (hold,) = harvests.store.holds.find(EVERYTHING)
    admin = await signed_in("camille", "admin")
    token = await csrf_of(admin, "/gestion/retraits-en-attente")
    kept = await admin.post(f"/gestion/retraits-en-attente/{hold.pk}", data={"csrf": token, "decision": "garder"})
    after = await admin.get(kept.headers["location"])
    assert "Retraits écartés : les lieux restent publiés. La prochaine moisson de « hinaura »" in after.text
    assert harvests.store.count_venues() == 120
    assert harvests.store.holds.get(hold.pk).status == "kept"
    twice = await admin.post(f"/gestion/retraits-en-attente/{hold.pk}", data={"csrf": token, "decision": "garder"})
    assert twice.status_code == 400 and "déjà été écartés" in twice.text

    harvests.run("hinaura", ALL[:75])
    (again,) = harvests.store.holds.find(EVERYTHING)
    assert again.pk != hold.pk and again.leaving == 45
    assert harvests.store.count_venues() == 120


async def test_an_animator_decides_only_holds_within_her_territory(harvests, signed_in, places):
    harvests.run("hinaura", ALL[:75])
    (hold,) = harvests.store.holds.find(EVERYTHING)
    some = next(v for v in hold.venues if v.code_insee)
    animator = await signed_in("alice", "animateur", territories=[f"commune:{some.code_insee}"])
    page = await animator.get("/gestion/retraits-en-attente")
    assert some.nom.replace("'", "&#39;") in page.text
    assert "hors de vos territoires" in page.text and "Confirmer les retraits" not in page.text
    token = await csrf_of(animator, "/gestion/retraits-en-attente")
    refused = await animator.post(
        f"/gestion/retraits-en-attente/{hold.pk}", data={"csrf": token, "decision": "confirmer"}
    )
    assert refused.status_code == 403 and harvests.store.count_venues() == 120
    elsewhere = await signed_in("bob", "animateur", territories=["commune:29019"])  # Brest: none of them
    assert "Aucun retrait en attente" in (await elsewhere.get("/gestion/retraits-en-attente")).text
    structure = await signed_in("sam", "structure")
    assert (await structure.get("/gestion/retraits-en-attente")).status_code == 403


async def test_an_automatic_merge_is_listed_with_its_evidence_and_undone_for_good(harvests, signed_in):
    merged = harvests.run("copie", COPIED)
    assert merged.merged == 6
    admin = await signed_in("camille", "admin")
    queue = await admin.get("/gestion/a-verifier")
    assert 'href="/gestion/fusions-automatiques"' in queue.text
    page = await admin.get("/gestion/fusions-automatiques")
    assert page.text.count('class="pair"') == 6 and "Page suivante" not in page.text
    assert "Ressemblance 100 % : même" in page.text
    assert "Fiche de « copie »" in page.text and "Fiche de « hinaura »" in page.text

    record = COPIED[0]
    key = f"copie:{record['id']}"
    venue_id = _venue_ids(harvests.store, [ALL[0]])[ALL[0]["id"]]
    assert f'name="fiche" value="{key}"' in page.text  # the record that joined leaves, not the first one
    token = await csrf_of(admin, "/gestion/fusions-automatiques")
    split = await admin.post(f"/gestion/lieux/{venue_id}/separer", data={"csrf": token, "fiche": key})
    assert split.status_code == 303
    new_id = split.headers["location"].split("/gestion/lieux/")[1].split("?")[0]
    assert new_id != venue_id
    after = await admin.get("/gestion/fusions-automatiques")
    assert after.text.count('class="pair"') == 5 and f'value="{key}"' not in after.text
    decisions = harvests.store.match_decisions([key])
    assert decisions == {(key, f"hinaura:{ALL[0]['id']}"): "distinct"}  # what matching consults

    # the next harvests read both sources again (each file changed): the pair stays apart
    assert harvests.run("copie", [{**r, "horaires": "Mo 09:00-12:00"} for r in COPIED]).status == "complete"
    changed = [{**r, "horaires": "Mo 10:00-12:00"} if r is ALL[0] else r for r in ALL]
    assert harvests.run("hinaura", changed).status == "complete"
    assert harvests.store.get_venue(venue_id).sources == [("hinaura", ALL[0]["id"])]
    assert harvests.store.get_venue(new_id).sources == [("copie", record["id"])]
    # the record leaves its source, then comes back: to its own venue, not to the one it was merged into
    assert harvests.run("copie", COPIED[1:]).withdrawn == 1
    assert harvests.store.get_venue(new_id).status == "withdrawn"
    back = harvests.run("copie", COPIED)
    assert back.status == "complete" and back.merged == 0
    assert harvests.store.get_venue(venue_id).sources == [("hinaura", ALL[0]["id"])]
    returned = harvests.store.get_venue(new_id)
    assert returned.status == "active" and returned.sources == [("copie", record["id"])]
    items, more = harvests.store.merged_page(EVERYTHING)
    assert (len(items), more) == (5, False)


async def test_the_merges_page_is_scoped_and_paged(harvests, signed_in):
    harvests.run("copie", [{**r, "id": f"copie-{r['id']}"} for r in ALL[:30]])
    everything, _ = harvests.store.merged_page(EVERYTHING, limit=100)
    total = len(everything)
    items, more = harvests.store.merged_page(EVERYTHING, limit=20)
    assert total >= 21 and len(items) == 20 and more
    admin = await signed_in("camille", "admin")
    first = await admin.get("/gestion/fusions-automatiques")
    assert "Fusions 1 à 20, page 1 ; d'autres, plus anciennes, suivent." in first.text and "?page=2" in first.text
    second = await admin.get("/gestion/fusions-automatiques?page=2")
    assert second.text.count('class="pair"') == total - 20 and "Page suivante" not in second.text
    assert f"Fusions 21 à {total}, page 2." in second.text
    assert "Plus de fusion automatique" in (await admin.get("/gestion/fusions-automatiques?page=3")).text
    some = items[0]["left"]
    animator = await signed_in("alice", "animateur", territories=[f"commune:{some['code_insee']}"])
    mine = await animator.get("/gestion/fusions-automatiques")
    shown = mine.text.count('class="pair"')
    assert 1 <= shown < total
    with harvests.store.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(hold_t)).scalar_one() == 0
