# SPDX-License-Identifier: Apache-2.0
"""``directory serve`` and ``directory demo``."""

from __future__ import annotations

import os
import socket
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


#: The app factory each worker process calls (``web.app.app_from_environment``).
APP_FACTORY = "directory.web.app:app_from_environment"


def _run(settings: Settings, host: str | None, port: int | None, workers: int | None = None) -> None:
    """Check what every worker needs once, here, so that a fault is one French message and
    not a traceback per worker; then serve through uvicorn's factory, one app per worker."""
    import uvicorn

    from directory.export import read_catalogue_file
    from directory.web import load_secret

    store = open_settings_store(settings)
    try:
        read_catalogue_file(settings.catalogue_file)
    except DirectoryError as err:  # a faulty catalogue file: say which keys, in French
        lines = [str(err), *(f"  {e.field} : {e.message}" for e in err.errors)]
        raise click.ClickException("\n".join(lines)) from err
    sync_index(settings, store)  # the search server answers, and workers start in step with the store
    store.close()
    load_secret(settings)  # made once here: the workers read the same key
    host, port = host or settings.host, port or settings.port
    workers = workers or default_workers()
    os.environ.update({**settings.to_env(), "DIRECTORY_HOST": host, "DIRECTORY_PORT": str(port)})
    click.echo(f"Annuaire en ligne : http://{host}:{port}/  ({workers} processus ; Ctrl+C pour arrêter)")
    if workers == 1:
        uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, log_level="warning")
        return
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(APP_FACTORY, factory=True, host=host, port=port, workers=workers, log_level="warning")
    Multiprocess(config, sockets=[tcp_socket(config.bind_socket())]).run()  # what uvicorn.run does, but the socket


def tcp_socket(sock: socket.socket) -> socket.socket:
    """The same listening socket, saying it speaks TCP.

    uvicorn binds its workers' socket without a protocol number (``proto`` 0);
    asyncio turns Nagle's algorithm off only on connections whose socket says
    TCP, so every response written in two sends (head, then body) waited for
    the client's delayed acknowledgement: 40 ms. With 2 workers, one client got
    18 requests/s where one worker gave 119 (``bench/load.py``)."""
    return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


def default_workers() -> int:
    """One worker process per core: each answers on its own core, reading the same store and index."""
    return os.cpu_count() or 1


@click.command()
@click.option("--host", help="Adresse d'écoute (défaut : 127.0.0.1).")
@click.option("--port", type=int, help="Port (défaut : 8000).")
@click.option("--workers", type=click.IntRange(min=1), help="Processus qui répondent (défaut : un par cœur).")
@click.pass_obj
def serve(settings: Settings, host: str | None, port: int | None, workers: int | None) -> None:
    """Lance le site et l'API."""
    _run(settings, host, port, workers)


@click.command()
@click.option("--host", help="Adresse d'écoute (défaut : 127.0.0.1).")
@click.option("--port", type=int, help="Port (défaut : 8000).")
@click.option("--workers", type=click.IntRange(min=1), help="Processus qui répondent (défaut : un par cœur).")
@click.option("--no-serve", is_flag=True, help="Charger les données sans lancer le serveur.")
@click.pass_obj
def demo(settings: Settings, host: str | None, port: int | None, workers: int | None, no_serve: bool) -> None:
    """Charge les lieux de démonstration (si la base est vide), puis lance le site."""
    store = open_settings_store(settings, upgrade=True)
    console = Console(soft_wrap=True)
    if store.count_venues() == 0:
        files = sorted(DEMO_DIR.glob("*.csv"))
        if not files:
            raise click.ClickException(f"données de démonstration introuvables dans {DEMO_DIR}")
        places = load_gazetteer()
        with console.status("Chargement des lieux de démonstration…"):
            for path in files:  # each file a source, matched against the ones before, as `directory import` does
                report = import_file(store, path, places=places)
                console.print(
                    f"  {path.name} : {report.fetched} fiches, {report.new} lieux nouveaux, "
                    f"{report.merged} rapprochées d'un lieu déjà là, {report.to_review} paires à vérifier, "
                    f"{report.quarantined} en quarantaine",
                    highlight=False,
                )
    sync_index(settings, store)
    console.print(f"{store.count_venues()} lieux dans l'annuaire.")
    if not no_serve:
        _run(settings, host, port, workers)
