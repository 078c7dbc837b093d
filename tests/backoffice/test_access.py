# SPDX-License-Identifier: Apache-2.0
"""Who may do what in the back office: every route that writes refuses an anonymous request, a
request without this session's CSRF token, and a person of another territory; sign-in is throttled,
sessions are renewed at sign-in and end with the account; the cookie's flags are right."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from starlette.routing import Route

from directory.config import Settings
from directory.curation import disable_account, issue_link
from directory.store import Incoming, RawRecord, Scope, SourceInfo, utcnow
from directory.web import create_app
from directory.web.app import routes

from .conftest import CSRF, NOW, PASSWORD, csrf_of, make_account, sign_in

pytestmark = pytest.mark.anyio

BACKOFFICE = [r for r in routes if isinstance(r, Route) and r.path.startswith("/gestion")]
#: Open without a session (their forms still need the CSRF token of the visitor's cookie).
OPEN = {"gestion_login", "gestion_login_post", "gestion_password", "gestion_password_post"}
WRITES = sorted((r for r in BACKOFFICE if "POST" in (r.methods or ()) and r.name not in OPEN), key=lambda r: r.name)
#: Writes that concern the person alone, not a venue: no scope to refuse.
PERSONAL = {"gestion_logout"}
#: Writes of a structure's manager about a venue that is not (yet) theirs: asking to manage it.
ASKING = {"gestion_claim_post"}


def test_every_back_office_route_but_signing_in_is_guarded():
    assert {r.name for r in BACKOFFICE} >= OPEN
    unguarded = [r.path for r in BACKOFFICE if r.name not in OPEN and not getattr(r.endpoint, "guarded", False)]
    assert unguarded == []
    assert len(WRITES) >= 8


def _target(route: Route, directory, places) -> tuple[str, dict[str, str]]:
    """The address and a form that an allowed person would send to this route, on a Lyon venue."""
    store = directory.store
    lyon8 = [v.venue.id for v in store.iter_venues() if v.venue.code_insee == "69388"]
    venue_id = lyon8[0]
    split_key = ":".join(store.get_venue(lyon8[2]).sources[0])
    stored = store.get_venue(venue_id)
    pair = (
        [venue_id, lyon8[1]]
        if route.name != "gestion_restore"
        else [v.venue.id for v in store.iter_venues() if v.venue.code_insee == "69388"][1:3]
    )
    keys = [f"{s}:{r}" for one in pair for s, r in store.get_venue(one).sources]
    with store.writer() as w:
        w.add_review_items(
            [{"left_key": keys[0], "right_key": keys[1], "score": 0.7, "parts": {"name": 0.5}}], None, utcnow()
        )
        if route.name == "gestion_restore":
            w.withdraw_venue(venue_id, "test", utcnow(), "fermé")
        if route.name in ("gestion_revert", "gestion_revert_to", "gestion_unlock", "gestion_decide_proposal"):
            w.correct(venue_id, "nom", stored.venue.nom + " bis", "test", utcnow())
        if route.name == "gestion_split":  # a venue of two records
            w.merge_venues(venue_id, lyon8[2], {}, "test", utcnow())
        if route.name == "gestion_decide_proposal":  # the source then renames the venue: a proposal
            source_id, record_id = stored.sources[0]
            w.apply(source_id, record_id, replace(stored.venue, nom="Nouveau nom"), at=utcnow())
    if route.name == "gestion_decide_proposal":
        (proposal,) = store.proposals()
        pk = proposal.pk
    else:
        pk = store.review_items(limit=1)[0]["pk"]
    history = store.history(venue_id)
    forms = {
        "gestion_decide_pair": {"decision": "lieux-differents"},
        "gestion_decide_proposal": {"decision": "refuser", "raison": "la source se trompe"},
        "gestion_venue_save": {
            "nom": stored.venue.nom + " (corrigé)",
            "adresse": stored.venue.adresse,
            "code_postal": stored.venue.code_postal,
            "commune": stored.venue.commune,
        },
        "gestion_unlock": {"champ": "nom"},
        "gestion_withdraw": {"raison": "fermé"},
        "gestion_restore": {},
        "gestion_revert": {"seq": str(history[-1]["seq"])},
        "gestion_revert_to": {"date": NOW.date().isoformat()},
        "gestion_logout": {},
        "gestion_account_add": {"login": "nouveau", "name": "Nouveau", "role": "animateur", "territories": "69388"},
        "gestion_account_change": {"role": "animateur", "territories": "69388"},
        "gestion_merge_post": {"avec": lyon8[1], "garder": "ici", "champ-nom": "autre"},
        "gestion_split": {"fiche": split_key},
        "gestion_claim_post": {"lieu": venue_id, "message": "Je dirige ce lieu."},
        "gestion_claim_decide": {"decision": "approuver"},
        "gestion_venue_new_post": {
            "nom": "Espace numérique Latarjet",
            "adresse": "1 place Latarjet",
            "code_postal": "69008",
            "commune": "Lyon",
            "services": ["aide-aux-demarches-administratives"],
        },
        "gestion_decide_new": {"decision": "publier"},
        "gestion_quarantine_fix": {
            "nom": "Espace numérique Latarjet",
            "adresse": "1 place Latarjet",
            "code_postal": "69008",
            "commune": "Lyon",
        },
        "gestion_quarantine_dismiss": {"raison": "ce lieu a fermé"},
        "gestion_hold_decide": {"decision": "confirmer"},
    }
    make_account(store, places, "cible", "admin")
    venue_id, pk = _review_target(route, store, stored.venue, venue_id, pk)
    if route.name == "gestion_claim_decide":
        make_account(store, places, "demandeur", "structure")
        pk = store.claims.ask("demandeur", venue_id, "Je dirige ce lieu.", utcnow()).pk
    if route.name == "gestion_account_enable":
        disable_account(store, "cible", actor="test", at=utcnow())
    if route.name == "gestion_hold_decide":  # a harvest held back withdrawing this venue
        source_id, record_id = stored.sources[0]
        run_id = store.sources.state(source_id).last_run_id
        with store.writer() as w:
            pk = w.hold_withdrawals(
                source_id, run_id, utcnow(), reason="share", fetched=60, previous=61, live=61, records=[record_id]
            )
    path = route.path.replace("{venue_id}", venue_id).replace("{pk:int}", str(pk)).replace("{login}", "cible")
    return path, forms.get(route.name, {})


def _review_target(route: Route, store, venue, venue_id: str, pk: int) -> tuple[str, int]:
    """For the tabs « nouveaux » and « quarantaine »: a new venue of a low-trust source waiting in Lyon 8e,
    or a record quarantined there (its commune read); the venue id or record number the route acts on."""
    if route.name == "gestion_decide_new":
        with store.writer() as w:
            w.ensure_source(SourceInfo("petit-reseau", "Petit réseau", trust=20))
            (made,) = w.apply_many(
                "petit-reseau", [Incoming("p1", replace(venue, nom="Nouveau lieu"))], at=utcnow(), pending=True
            )
        return made.venue_id, pk
    if route.name in ("gestion_quarantine_fix", "gestion_quarantine_dismiss"):
        source = SourceInfo("petit-reseau", "Petit réseau", trust=20)
        run_id = store.start_run(source, utcnow(), kind="harvest")
        problem = {
            "field": "adresse",
            "code": "required",
            "severity": "error",
            "value": None,
            "message": "champ obligatoire",
        }
        with store.writer() as w:
            w.add_raw_records(
                run_id,
                source.id,
                [
                    RawRecord(
                        1,
                        "q1",
                        '{"id": "q1", "nom": "Latarjet", "cp": "69008"}',
                        "quarantined",
                        [problem],
                        "69388",
                        {"nom": "Latarjet"},
                    )
                ],
                utcnow(),
            )
        store.finish_run(run_id, "complete", {"quarantined": 1})
        return venue_id, store.quarantined(Scope(everything=True))[0].pk
    return venue_id, pk


def _written(store) -> tuple:
    """What a refused request must leave as it was."""
    everything = Scope(everything=True)
    open_items = len(store.review_items(limit=1000)) + len(store.proposals())
    open_items += len(store.pending_venues(everything)) + len(store.quarantined(everything)) + len(store.claims.list())
    return store.last_change()[0], open_items, len(store.accounts.events(limit=1000))


@pytest.mark.parametrize("route", WRITES, ids=lambda r: r.name)
async def test_a_write_is_refused_without_session_token_or_scope(route, directory, places, anonymous, signed_in):
    path, form = _target(route, directory, places)
    before = _written(directory.store)

    refused = await anonymous.post(path, data={**form, "csrf": "x" * 64})
    assert refused.status_code == 403, "anonymous"

    admin = await signed_in("chloe", "admin")
    admin_token = await csrf_of(admin)
    for token in (None, "", "0" * 64, CSRF.search((await anonymous.get("/gestion/connexion")).text).group(1)):
        data = form if token is None else {**form, "csrf": token}
        refused = await admin.post(path, data=data)
        assert refused.status_code == 403, f"csrf {token!r}"
        assert "Formulaire expiré" in refused.text
    if route.name not in PERSONAL:
        nancy = await signed_in("nina", "animateur", territories=["54395"])
        refused = await nancy.post(path, data={**form, "csrf": await csrf_of(nancy)})
        assert refused.status_code == 403, "another territory"
        assert "Accès refusé" in refused.text, refused.text[:800]
        structure = await signed_in("sam", "structure", venues=[v.venue.id for v in directory.store.iter_venues()][-1:])
        if route.name not in ASKING:
            refused = await structure.post(path, data={**form, "csrf": await csrf_of(structure)})
            assert refused.status_code == 403, "a structure's manager, another venue"
    after_events = len(directory.store.accounts.events(limit=1000))
    assert _written(directory.store)[:2] == before[:2]
    assert after_events > before[2]  # only the accounts made and signed in above

    if route.name in PERSONAL:
        return
    marker = _written(directory.store)
    if route.name in ASKING:  # a structure's manager asks; an administrator has nothing to ask
        admin, admin_token = structure, await csrf_of(structure)
    allowed = await admin.post(path, data={**form, "csrf": admin_token})  # the same request, allowed, works
    assert allowed.status_code in (200, 303), allowed.text[:800]
    assert _written(directory.store) != marker


async def test_an_anonymous_page_goes_to_sign_in_and_back(anonymous, directory, places):
    make_account(directory.store, places, "alice", "animateur", territories=["69388"])
    page = await anonymous.get("/gestion/lieux?filtre=sans-horaires")
    assert page.status_code == 303
    assert page.headers["location"] == "/gestion/connexion?suite=%2Fgestion%2Flieux%3Ffiltre%3Dsans-horaires"
    form = await anonymous.get(page.headers["location"])
    token = CSRF.search(form.text).group(1)
    done = await anonymous.post(
        "/gestion/connexion",
        data={"csrf": token, "login": "alice", "password": PASSWORD, "suite": "/gestion/lieux?filtre=sans-horaires"},
    )
    assert (done.status_code, done.headers["location"]) == (303, "/gestion/lieux?filtre=sans-horaires")
    for elsewhere in ("https://example.org/", "//example.org/", "/\\example.org", "/lieux"):
        await anonymous.post("/gestion/deconnexion", data={"csrf": await csrf_of(anonymous)})
        token = CSRF.search((await anonymous.get("/gestion/connexion")).text).group(1)
        done = await anonymous.post(
            "/gestion/connexion", data={"csrf": token, "login": "alice", "password": PASSWORD, "suite": elsewhere}
        )
        assert done.headers["location"] == "/gestion/", elsewhere


async def test_sign_in_is_throttled_per_account_and_per_address(app, anonymous, directory, places):
    make_account(directory.store, places, "alice", "animateur", territories=["69388"])
    for _ in range(5):
        wrong = await sign_in(anonymous, "alice", "pas le bon mot de passe")
        assert wrong.status_code == 400
        assert "Identifiant ou mot de passe incorrect." in wrong.text
    blocked = await sign_in(anonymous, "alice")  # the right password, too late
    assert blocked.status_code == 429
    assert "Trop de tentatives de connexion" in blocked.text
    assert "gestion" not in blocked.cookies or (await anonymous.get("/gestion/")).status_code == 303

    make_account(directory.store, places, "bruno", "admin")
    for n in range(15):  # 5 above + 15 here: the address has failed 20 times, with logins of all kinds
        await sign_in(anonymous, f"inconnu{n}", "nimporte quoi du tout")
    assert (await sign_in(anonymous, "bruno")).status_code == 429
    elsewhere = httpx.ASGITransport(app=app, client=("192.0.2.7", 123))
    async with (
        httpx.AsyncClient(transport=elsewhere, base_url="http://testserver") as one,
        httpx.AsyncClient(transport=elsewhere, base_url="http://testserver") as two,
    ):
        assert (await sign_in(one, "bruno")).status_code == 303
        assert (await sign_in(two, "alice")).status_code == 429  # the account still waits


async def test_unknown_login_and_wrong_password_get_the_same_answer(anonymous, directory, places):
    make_account(directory.store, places, "alice", "admin")
    unknown, wrong = await sign_in(anonymous, "personne"), await sign_in(anonymous, "alice", "mauvais mot de passe")
    assert unknown.status_code == wrong.status_code == 400
    assert unknown.text.replace("personne", "alice") == wrong.text.replace(
        CSRF.search(wrong.text).group(1), CSRF.search(unknown.text).group(1)
    )


async def test_the_session_is_renewed_at_sign_in_and_its_cookie_is_locked_down(anonymous, directory, places):
    make_account(directory.store, places, "alice", "admin")
    form = await anonymous.get("/gestion/connexion")
    before = anonymous.cookies["gestion"]
    header = form.headers["set-cookie"]
    for flag in ("HttpOnly", "SameSite=lax", "Path=/gestion", "Max-Age=28800"):
        assert flag in header
    assert "Secure" not in header
    done = await anonymous.post(
        "/gestion/connexion", data={"csrf": CSRF.search(form.text).group(1), "login": "alice", "password": PASSWORD}
    )
    after = anonymous.cookies["gestion"]
    assert after != before
    old_token = CSRF.search(form.text).group(1)
    assert old_token != await csrf_of(anonymous)  # the token of the anonymous form is worth nothing now
    assert "HttpOnly" in done.headers["set-cookie"]
    async with httpx.AsyncClient(
        transport=anonymous._transport, base_url="http://testserver", cookies={"gestion": before}
    ) as old:
        assert (await old.get("/gestion/")).status_code == 303  # the cookie from before signing in is anonymous


async def test_the_cookie_is_secure_when_the_site_is_https(directory, places):
    app = create_app(Settings(data_dir=directory.data, public_url="https://lieux.example.org"), directory.store, places)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as client:
        page = await client.get("/gestion/connexion")
    assert "Secure" in page.headers["set-cookie"]


async def test_a_disabled_account_or_a_new_password_ends_open_sessions(signed_in, directory):
    client = await signed_in("alice", "animateur", territories=["69388"])
    assert (await client.get("/gestion/")).status_code == 200
    disable_account(directory.store, "alice", actor="test", at=utcnow())
    assert (await client.get("/gestion/")).status_code == 303
    assert (await sign_in(client, "alice")).status_code == 400

    other = await signed_in("bruno", "admin")
    token = issue_link(directory.store, "bruno", actor="test", at=utcnow())
    async with httpx.AsyncClient(transport=other._transport, base_url="http://testserver") as fresh:
        form = await fresh.get(f"/gestion/mot-de-passe/{token}")
        assert form.headers["referrer-policy"] == "no-referrer"
        chosen = await fresh.post(
            f"/gestion/mot-de-passe/{token}",
            data={
                "csrf": CSRF.search(form.text).group(1),
                "password": "une toute autre phrase",
                "confirmation": "une toute autre phrase",
            },
        )
        assert chosen.status_code == 303
        assert (await fresh.get("/gestion/")).status_code == 200
        again = await fresh.get(f"/gestion/mot-de-passe/{token}")  # a link works once
        assert again.status_code == 404 and "n'est plus valable" in again.text
    assert (await other.get("/gestion/")).status_code == 303  # the session from before the new password ended


async def test_a_weak_or_mistyped_password_is_refused_with_the_reason(anonymous, directory, places):
    from directory.curation import add_account

    add_account(directory.store, "alice", "Alice", "admin", places=places, actor="test", at=utcnow())
    token = issue_link(directory.store, "alice", actor="test", at=utcnow())
    form = await anonymous.get(f"/gestion/mot-de-passe/{token}")
    csrf = CSRF.search(form.text).group(1)
    for password, confirmation, reason in [
        ("court", "court", "au moins 12 caractères"),
        ("alice alice alice", "alice alice alice", "ne doit pas contenir l&#39;identifiant"),
        ("une phrase assez longue", "une phrase assez longu", "pas identiques"),
    ]:
        refused = await anonymous.post(
            f"/gestion/mot-de-passe/{token}", data={"csrf": csrf, "password": password, "confirmation": confirmation}
        )
        assert refused.status_code == 400 and reason in refused.text, reason
    assert directory.store.accounts.get("alice").password_hash is None
