# SPDX-License-Identifier: Apache-2.0
"""``directory lieu``: see a venue field by field with where each comes from; a person corrects a field
(locked: harvests no longer change it) or gives it back to the sources."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import click

from directory.config import Settings
from directory.places import load_gazetteer
from directory.store import CORRECTABLE, InvalidValue, Provenance, Store, StoredVenue, utcnow

from ._common import acting_account, fail, open_settings_store
from .indexing import sync_index

__all__ = ["lieu"]


@click.group()
def lieu() -> None:
    """Un lieu champ par champ ; corrections des animateurs (verrouillées) et retour aux sources."""


def _active(store: Store, venue_id: str) -> StoredVenue:
    stored = store.get_venue(venue_id)
    if stored is None:
        raise fail(f"lieu inconnu : {venue_id}")
    if stored.status == "merged":
        raise fail(
            f"le lieu {venue_id} a été fusionné dans le lieu {stored.merged_into} : "
            f"voir « directory lieu voir {stored.merged_into} »"
        )
    if stored.status != "active":
        raise fail(f"le lieu {venue_id} a été retiré de l'annuaire (plus aucune source ne le décrit)")
    return stored


def _check_field(name: str) -> None:
    if name not in CORRECTABLE:
        raise fail(f"champ inconnu : {name} (champs possibles : {', '.join(CORRECTABLE)})")


def _text(value: Any) -> str:
    """A field's value for a person: vocabulary terms by their label, lists joined by « | »."""
    if isinstance(value, list):
        return " | ".join(str(getattr(item, "label", item)) for item in value)
    return value.isoformat() if isinstance(value, date) else str(value)


def _origin(provenance: Provenance | None, names: Mapping[str, str]) -> str:
    if provenance is None:
        return "aucune source"
    if provenance.locked:
        return f"corrigé par {provenance.actor} le {provenance.at:%d/%m/%Y} (verrouillé)"
    return names.get(provenance.source_id or "", provenance.source_id or "aucune source")


def _show(store: Store, venue_id: str, fields: tuple[str, ...] | None = None) -> None:
    """These fields (all: those filled or locked empty) with where their value comes from."""
    stored, names = _active(store, venue_id), store.sources.names()
    for name in fields or CORRECTABLE:
        value, provenance = getattr(stored.venue, name), stored.provenance.get(name)
        empty = value in (None, "", [])
        if fields or not empty or (provenance and provenance.locked):
            click.echo(f"  {name} : {'(vide)' if empty else _text(value)}  [{_origin(provenance, names)}]")


@lieu.command("voir")
@click.argument("venue_id")
@click.pass_obj
def show(settings: Settings, venue_id: str) -> None:
    """Chaque champ rempli du lieu, avec sa source ou la correction qui le verrouille."""
    store = open_settings_store(settings, upgrade=True)
    stored = _active(store, venue_id)
    click.echo(f"Lieu {venue_id} — {stored.venue.nom}")
    _show(store, venue_id)


@lieu.command("corriger")
@click.argument("venue_id")
@click.argument("field")
@click.argument("value")
@click.option("--par", "actor", required=True, help="Qui corrige : l'identifiant de son compte (directory users).")
@click.pass_obj
def correct(settings: Settings, venue_id: str, field: str, value: str, actor: str) -> None:
    """Corrige un champ (listes séparées par « | ») ; les moissons ne le changeront plus.

    L'adresse (adresse, complément, code postal, commune, code INSEE) et le point (latitude,
    longitude) se verrouillent d'un bloc : corriger l'un de leurs champs verrouille les autres tels
    qu'ils sont. « directory lieu rendre » rend le champ aux sources.
    """
    _check_field(field)
    store = open_settings_store(settings, upgrade=True)
    actor = acting_account(store, actor)
    _active(store, venue_id)
    try:
        with store.writer() as writer:
            done = writer.correct(venue_id, field, value, actor, utcnow(), places=load_gazetteer())
    except InvalidValue as err:
        reasons = "; ".join(
            message if name == field else f"{name} : {message}"
            for name, messages in err.by_field().items()
            for message in messages
        )
        raise fail(f"valeur refusée pour {field} : {reasons}") from err
    if done.changed:
        sync_index(settings, store)  # the search shows the venue as it now is
        click.echo(f"Lieu {venue_id} corrigé par {actor} :")
        _show(store, venue_id, done.changed)
    else:
        click.echo(f"{field} : valeur inchangée.")
    together = f" (avec {', '.join(name for name in done.fields if name != field)})" if len(done.fields) > 1 else ""
    click.echo(
        f"Verrouillé : {field}{together} ; les moissons ne le changeront plus "
        f"(« directory lieu rendre {venue_id} {field} --par COMPTE » le rend aux sources)."
    )
    for problem in done.warnings:
        click.echo(f"Attention — {problem.field} : {problem.message}")


@lieu.command("rendre")
@click.argument("venue_id")
@click.argument("field")
@click.option("--par", "actor", required=True, help="Qui rend le champ aux sources : l'identifiant de son compte.")
@click.pass_obj
def unlock(settings: Settings, venue_id: str, field: str, actor: str) -> None:
    """Rend un champ corrigé aux sources : sa valeur est de nouveau celle des fiches moissonnées."""
    _check_field(field)
    store = open_settings_store(settings, upgrade=True)
    actor = acting_account(store, actor)
    _active(store, venue_id)
    with store.writer() as writer:
        done = writer.unlock(venue_id, field, actor, utcnow())
    if not done.fields:
        click.echo(f"{field} n'était pas verrouillé : rien à rendre.")
        return
    click.echo(f"Rendu aux sources : {', '.join(done.fields)}.")
    if done.changed:
        sync_index(settings, store)
        _show(store, venue_id, done.changed)
    else:
        click.echo("Valeurs inchangées : les sources disaient la même chose.")
