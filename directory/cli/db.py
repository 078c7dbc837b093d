# SPDX-License-Identifier: Apache-2.0
"""``directory db …``: schema migrations."""

from __future__ import annotations

import click

from directory.config import Settings
from directory.store import current_revision, head_revision

from ._common import open_settings_store

__all__ = ["db"]


@click.group()
def db() -> None:
    """Base de données : migrations du schéma."""


@db.command()
@click.pass_obj
def upgrade(settings: Settings) -> None:
    """Crée ou met à jour le schéma de la base (migrations Alembic)."""
    store = open_settings_store(settings, upgrade=True)
    click.echo(f"Base à jour (révision {current_revision(store.engine)}) : {settings.database}")


@db.command()
@click.pass_obj
def status(settings: Settings) -> None:
    """Affiche la révision du schéma et celle attendue."""
    from directory.store import open_store

    store = open_store(settings.database)
    current, head = current_revision(store.engine), head_revision()
    click.echo(f"révision actuelle : {current or 'aucune'} ; attendue : {head}")
    if current != head:
        raise SystemExit(1)
