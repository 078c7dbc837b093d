# SPDX-License-Identifier: Apache-2.0
"""The back office for network animators and structures, under ``/gestion/``: French,
server-rendered, usable without JavaScript.

Every route but signing in goes through ``guard.guarded`` (a live session, the CSRF token on writes,
the role); handlers then check that the venue is in the person's scope (``guard.check_venue``).
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from . import (
    accounts,
    automatic_merges,
    claims,
    editing,
    held_withdrawals,
    history,
    home,
    queue,
    reshaping,
    review,
    signin,
)
from .guard import guarded
from .links import PASSWORD_PATH, mailer_for, password_url
from .session import SessionCodec, load_secret

__all__ = ["SessionCodec", "load_secret", "mailer_for", "password_url", "routes"]

GET, POST = ["GET"], ["POST"]
ADMIN = {"admin"}
CURATORS = {"admin", "animateur"}  # who may add a venue, and decide claims (a structure's manager has their own)
STRUCTURE = {"structure"}

routes: list[BaseRoute] = [
    Route("/gestion/connexion", signin.login_form, methods=GET, name="gestion_login"),
    Route("/gestion/connexion", signin.login, methods=POST, name="gestion_login_post"),
    Route(PASSWORD_PATH, signin.password_form, methods=GET, name="gestion_password"),
    Route(PASSWORD_PATH, signin.set_password, methods=POST, name="gestion_password_post"),
    Route("/gestion/deconnexion", guarded(signin.logout), methods=POST, name="gestion_logout"),
    Route("/gestion/", guarded(home.home), methods=GET, name="gestion_home"),
    Route("/gestion/a-verifier", guarded(queue.queue), methods=GET, name="gestion_queue"),
    Route(
        "/gestion/a-verifier/doublons/{pk:int}", guarded(queue.decide_pair), methods=POST, name="gestion_decide_pair"
    ),
    Route(
        "/gestion/a-verifier/changements/{pk:int}",
        guarded(queue.decide_proposal),
        methods=POST,
        name="gestion_decide_proposal",
    ),
    Route(
        "/gestion/a-verifier/nouveaux/{venue_id}",
        guarded(review.decide_new, roles=CURATORS),
        methods=POST,
        name="gestion_decide_new",
    ),
    Route(
        "/gestion/a-verifier/quarantaine/{pk:int}",
        guarded(review.fix_form, roles=CURATORS),
        methods=GET,
        name="gestion_quarantine",
    ),
    Route(
        "/gestion/a-verifier/quarantaine/{pk:int}",
        guarded(review.fix_quarantined, roles=CURATORS),
        methods=POST,
        name="gestion_quarantine_fix",
    ),
    Route(
        "/gestion/a-verifier/quarantaine/{pk:int}/ecarter",
        guarded(review.dismiss_quarantined, roles=CURATORS),
        methods=POST,
        name="gestion_quarantine_dismiss",
    ),
    Route(
        "/gestion/fusions-automatiques",
        guarded(automatic_merges.automatic_merges),
        methods=GET,
        name="gestion_merges",
    ),
    Route(
        "/gestion/retraits-en-attente",
        guarded(held_withdrawals.held_withdrawals, roles=CURATORS),
        methods=GET,
        name="gestion_holds",
    ),
    Route(
        "/gestion/retraits-en-attente/{pk:int}",
        guarded(held_withdrawals.decide_hold, roles=CURATORS),
        methods=POST,
        name="gestion_hold_decide",
    ),
    Route("/gestion/lieux", guarded(home.venue_list), methods=GET, name="gestion_venues"),
    Route("/gestion/lieux/nouveau", guarded(editing.new_form, roles=CURATORS), methods=GET, name="gestion_venue_new"),
    Route(
        "/gestion/lieux/nouveau", guarded(editing.create, roles=CURATORS), methods=POST, name="gestion_venue_new_post"
    ),
    Route("/gestion/lieux/{venue_id}", guarded(editing.edit_form), methods=GET, name="gestion_venue"),
    Route("/gestion/lieux/{venue_id}", guarded(editing.save), methods=POST, name="gestion_venue_save"),
    Route("/gestion/lieux/{venue_id}/rendre", guarded(editing.unlock), methods=POST, name="gestion_unlock"),
    Route("/gestion/lieux/{venue_id}/retirer", guarded(editing.withdraw), methods=POST, name="gestion_withdraw"),
    Route("/gestion/lieux/{venue_id}/restaurer", guarded(editing.restore), methods=POST, name="gestion_restore"),
    Route("/gestion/lieux/{venue_id}/fusionner", guarded(reshaping.merge_form), methods=GET, name="gestion_merge"),
    Route("/gestion/lieux/{venue_id}/fusionner", guarded(reshaping.merge), methods=POST, name="gestion_merge_post"),
    Route("/gestion/lieux/{venue_id}/separer", guarded(reshaping.split), methods=POST, name="gestion_split"),
    Route("/gestion/lieux/{venue_id}/historique", guarded(history.history), methods=GET, name="gestion_history"),
    Route(
        "/gestion/lieux/{venue_id}/historique/annuler",
        guarded(history.revert_change),
        methods=POST,
        name="gestion_revert",
    ),
    Route(
        "/gestion/lieux/{venue_id}/historique/revenir",
        guarded(history.revert_to),
        methods=POST,
        name="gestion_revert_to",
    ),
    Route("/gestion/demander", guarded(claims.claim_form, roles=STRUCTURE), methods=GET, name="gestion_claim"),
    Route("/gestion/demander", guarded(claims.ask, roles=STRUCTURE), methods=POST, name="gestion_claim_post"),
    Route("/gestion/demandes", guarded(claims.claims, roles=CURATORS), methods=GET, name="gestion_claims"),
    Route(
        "/gestion/demandes/{pk:int}", guarded(claims.decide, roles=CURATORS), methods=POST, name="gestion_claim_decide"
    ),
    Route("/gestion/comptes", guarded(accounts.accounts, roles=ADMIN), methods=GET, name="gestion_accounts"),
    Route("/gestion/comptes", guarded(accounts.add, roles=ADMIN), methods=POST, name="gestion_account_add"),
    Route(
        "/gestion/comptes/{login}", guarded(accounts.change, roles=ADMIN), methods=POST, name="gestion_account_change"
    ),
    Route(
        "/gestion/comptes/{login}/lien",
        guarded(accounts.new_link, roles=ADMIN),
        methods=POST,
        name="gestion_account_link",
    ),
    Route(
        "/gestion/comptes/{login}/desactiver",
        guarded(accounts.disable, roles=ADMIN),
        methods=POST,
        name="gestion_account_disable",
    ),
    Route(
        "/gestion/comptes/{login}/reactiver",
        guarded(accounts.enable, roles=ADMIN),
        methods=POST,
        name="gestion_account_enable",
    ),
]
