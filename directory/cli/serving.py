# SPDX-License-Identifier: Apache-2.0
"""``directory serve`` and ``directory demo``."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from directory.config import Settings
from directory.errors import DirectoryError
from directory.harvest import import_file
from directory.places import load_gazetteer

from ._common import open_settings_store
from .indexing import sync_index

__all__ = ["serve", "demo", "DEMO_DIR"]

#: The demo data shipped with the repository (see fixtures/README.md).
DEMO_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "demo"


def _run(settings: Settings, host: str | None, port: int | None) -> None:
    import uvicorn

    from directory.web import create_app

    store = open_settings_store(settings)
    try:
        app = create_app(settings, store, load_gazetteer())
    except DirectoryError as err:  # a faulty catalogue file: say which keys, in French
        lines = [str(err), *(f"  {e.field} : {e.message}" for e in err.errors)]
        raise click.ClickException("\n".join(lines)) from err
    host, port = host or settings.host, port or settings.port
    click.echo(f"Annuaire en ligne : http://{host}:{port}/  (Ctrl+C pour arrêter)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@click.command()
@click.option("--host", help="Adresse d'écoute (défaut : 127.0.0.1).")
@click.option("--port", type=int, help="Port (défaut : 8000).")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Lance le site et l'API."""
    _run(settings, host, port)


@click.command()
@click.option("--host", help="Adresse d'écoute (défaut : 127.0.0.1).")
@click.option("--port", type=int, help="Port (défaut : 8000).")
@click.option("--no-serve", is_flag=True, help="Charger les données sans lancer le serveur.")
@click.pass_obj
def demo(settings: Settings, host: str | None, port: int | None, no_serve: bool) -> None:
    """Charge les lieux de démonstration (si la base est vide), puis lance le site."""
    store = open_settings_store(settings, upgrade=True)
    console = Console(soft_wrap=True)
    if store.count_venues() == 0:
        files = sorted(DEMO_DIR.glob("*.csv"))
        if not files:
            raise click.ClickException(f"données de démonstration introuvables dans {DEMO_DIR}")
        places = load_gazetteer()
        with console.status("Chargement des lieux de démonstration…"):
            for path in files:
                report = import_file(store, path, places=places)
                console.print(f"  {path.name} : {report.stored} lieux, {report.rejected} rejetés")
    sync_index(settings, store)
    console.print(f"{store.count_venues()} lieux dans l'annuaire.")
    if not no_serve:
        _run(settings, host, port)
