# SPDX-License-Identifier: Apache-2.0
"""``directory review``: the doubtful pairs matching left for a person."""

from __future__ import annotations

from typing import Any

import click

from directory.config import Settings
from directory.curation import pair_evidence
from directory.store import utcnow

from ._common import acting_account, fail, open_settings_store
from .indexing import sync_index

__all__ = ["review"]


@click.group(invoke_without_command=True)
@click.option("--limit", default=50, show_default=True, help="Nombre de paires affichées.")
@click.pass_context
def review(ctx: click.Context, limit: int) -> None:
    """Paires de fiches peut-être en double, à confirmer ou à séparer."""
    if ctx.invoked_subcommand is not None:
        return
    store = open_settings_store(ctx.obj, upgrade=True)
    items = store.review_items(limit=limit)
    if not items:
        click.echo("Aucune paire à vérifier.")
        return
    for item in items:
        parts = item["parts"] or {}
        numbers = ", ".join(f"{name} {value:.2f}" for name, value in sorted(parts.items()) if name != "signs")
        click.echo(f"{item['score']:.2f}  {item['left_key']}  ⟷  {item['right_key']}  ({numbers})")
        click.echo(f"      {' · '.join(pair_evidence(parts, item['left'], item['right']))}")
        for side in ("left", "right"):
            click.echo(f"      {item[f'{side}_key']} : {_place(item[side])}")
    click.echo(
        "Décider : directory review same GAUCHE DROITE --par COMPTE  |  directory review different GAUCHE DROITE --par COMPTE"
    )


@review.command("fusions")
@click.option("--limit", default=50, show_default=True, help="Nombre de paires affichées.")
@click.pass_obj
def fusions(settings: Settings, limit: int) -> None:
    """Paires fusionnées sans personne, avec ce qui les a fait fusionner."""
    store = open_settings_store(settings, upgrade=True)
    items = store.merged_pairs(limit=limit)
    if not items:
        click.echo("Aucune fusion automatique.")
        return
    for item in items:
        click.echo(f"{item['score']:.2f}  {item['left_key']}  =  {item['right_key']}  → {item['left_venue']}")
        click.echo(f"      {' · '.join(pair_evidence(item['parts'] or {}, item['left'], item['right']))}")
        for side in ("left", "right"):
            click.echo(f"      {item[f'{side}_key']} : {_place(item[side])}")


def _place(record: dict[str, Any]) -> str:
    """« Médiathèque Jean Macé — 2 rue de la Gare, 69003 Lyon »: what a person needs to tell two venues apart."""
    return f"{record['nom']} — {record['adresse']}, {record['code_postal']} {record['commune']}"


def _decide(settings: Settings, left: str, right: str, decision: str, actor: str) -> None:
    if left == right:
        raise fail("les deux clés désignent la même fiche")
    store = open_settings_store(settings, upgrade=True)
    actor = acting_account(store, actor)
    with store.writer() as writer:
        unknown = writer.unknown_records((left, right))
        if unknown:  # a typo, most likely: a person decides about records she has seen
            raise fail(f"fiches inconnues de l'annuaire : {', '.join(unknown)} (clés au format source:identifiant)")
        done = writer.decide(left, right, decision, actor, utcnow())
    click.echo(
        f"Décision enregistrée ({'même lieu' if decision == 'match' else 'lieux différents'}) : "
        "les prochaines moissons la respecteront."
    )
    if done.merged or done.split:
        sync_index(settings, store)  # the search shows the venues as they now are
    if done.merged:
        click.echo(f"Lieux fusionnés : {done.merged[0]} rejoint {done.merged[1]} (son adresse y mène désormais).")
    elif done.split:
        key, old, new = done.split
        click.echo(f"Lieux séparés : {key} quitte {old} et devient le lieu {new}.")


@review.command("same")
@click.argument("left")
@click.argument("right")
@click.option("--par", "actor", required=True, help="Qui décide : l'identifiant de son compte (directory users).")
@click.pass_obj
def same(settings: Settings, left: str, right: str, actor: str) -> None:
    """Ces deux fiches décrivent le même lieu : leurs lieux sont fusionnés (le plus ancien reste)."""
    _decide(settings, left, right, "match", actor)


@review.command("different")
@click.argument("left")
@click.argument("right")
@click.option("--par", "actor", required=True, help="Qui décide : l'identifiant de son compte (directory users).")
@click.pass_obj
def different(settings: Settings, left: str, right: str, actor: str) -> None:
    """Ces deux fiches décrivent deux lieux différents.

    Si elles alimentent le même lieu, celle qui l'a rejoint le plus tard (la seconde nommée, à égalité)
    en sort et devient un nouveau lieu.
    """
    _decide(settings, left, right, "distinct", actor)
