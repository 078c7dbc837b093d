# SPDX-License-Identifier: Apache-2.0
"""``directory review``: the doubtful pairs matching left for a person."""

from __future__ import annotations

import click

from directory.config import Settings
from directory.store import utcnow

from ._common import fail, open_settings_store

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
        parts = ", ".join(f"{name} {value:.2f}" for name, value in sorted((item["parts"] or {}).items()))
        click.echo(f"{item['score']:.2f}  {item['left_key']}  ⟷  {item['right_key']}  ({parts})")
    click.echo("Décider : directory review same GAUCHE DROITE --par NOM  |  directory review different GAUCHE DROITE --par NOM")


def _decide(settings: Settings, left: str, right: str, decision: str, actor: str) -> None:
    store = open_settings_store(settings, upgrade=True)
    known = {key for item in store.review_items(limit=100_000) for key in (item["left_key"], item["right_key"])}
    if left not in known or right not in known:
        raise fail("ces fiches ne sont pas dans la liste à vérifier (clés au format source:identifiant)")
    with store.writer() as writer:
        writer.decide(left, right, decision, actor, utcnow())
    click.echo(f"Décision enregistrée ({'même lieu' if decision == 'match' else 'lieux différents'}) : "
               "les prochaines moissons la respecteront.")  # fmt: skip


@review.command("same")
@click.argument("left")
@click.argument("right")
@click.option("--par", "actor", required=True, help="Qui décide (nom de l'animatrice ou de l'animateur).")
@click.pass_obj
def same(settings: Settings, left: str, right: str, actor: str) -> None:
    """Ces deux fiches décrivent le même lieu."""
    _decide(settings, left, right, "match", actor)


@review.command("different")
@click.argument("left")
@click.argument("right")
@click.option("--par", "actor", required=True, help="Qui décide.")
@click.pass_obj
def different(settings: Settings, left: str, right: str, actor: str) -> None:
    """Ces deux fiches décrivent deux lieux différents."""
    _decide(settings, left, right, "distinct", actor)
