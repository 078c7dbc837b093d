# SPDX-License-Identifier: Apache-2.0
"""``directory stats``: what the directory holds."""

from __future__ import annotations

import click

from directory.config import Settings

from ._common import echo_json, open_settings_store

__all__ = ["stats"]

_STATUS = {
    "active": "publiés",
    "withdrawn": "retirés",
    "merged": "fusionnés",
    "pending": "en attente de publication",
    "refused": "refusés",
}


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Sortie en JSON.")
@click.pass_obj
def stats(settings: Settings, as_json: bool) -> None:
    """Chiffres clés : lieux, sources, enregistrements reçus, historique."""
    figures = open_settings_store(settings).stats()
    if as_json:
        echo_json(figures)
        return
    venues = figures["venues"]
    click.echo(f"Base : {settings.database}")
    click.echo("Lieux : " + (", ".join(f"{n} {_STATUS.get(s, s)}" for s, n in sorted(venues.items())) or "aucun"))
    click.echo(f"  dont {figures['with_coordinates']} avec coordonnées, {figures['flagged']} signalés à vérifier")
    click.echo(
        "Départements (2 premiers chiffres du code postal) : "
        + ", ".join(f"{d} ({n})" for d, n in figures["top_postcode_prefixes"])
    )
    raw = figures["raw_records"]
    click.echo(f"Enregistrements reçus : {sum(raw.values())} ({', '.join(f'{n} {s}' for s, n in sorted(raw.items()))})")
    click.echo(
        f"Sources : {figures['sources']} ; imports/moissons : {figures['runs']} ; modifications journalisées : {figures['changes']}"
    )
