# SPDX-License-Identifier: Apache-2.0
"""``directory export --format F [territoire] [-o FICHIER]``: the open-data files, offline."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from directory.config import Settings
from directory.errors import InvalidQuery
from directory.export import DEFAULT_BASE_URL, WRITERS, Writer, export_chunks, get_writer, read_territory
from directory.places import load_gazetteer
from directory.store import Store, VenueFilter

from ._common import fail, open_settings_store

__all__ = ["export"]


@click.command("export")
@click.option("--format", "format_", type=click.Choice(list(WRITERS)), required=True, help="Format du fichier.")
@click.option("--departement", help="Numéro de département : 69, 2A, 974.")
@click.option("--commune", help="Code INSEE d'une commune (ses arrondissements compris).")
@click.option("--code-postal", help="Code postal.")
@click.option("--epci", help="Numéro SIREN d'une intercommunalité (toutes ses communes).")
@click.option("--bbox", help="Rectangle sud,ouest,nord,est en degrés.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fichier à écrire (défaut : la sortie standard).",
)
@click.pass_obj
def export(
    settings: Settings,
    format_: str,
    departement: str | None,
    commune: str | None,
    code_postal: str | None,
    epci: str | None,
    bbox: str | None,
    output: Path | None,
) -> None:
    """Exporte les lieux actifs dans un format de données ouvertes.

    Sans filtre, tout l'annuaire ; les filtres de territoire se combinent.
    La progression s'affiche sur la sortie d'erreur.
    """
    values = {"departement": departement, "commune": commune, "code_postal": code_postal, "epci": epci, "bbox": bbox}
    try:
        territory, venue_filter = read_territory(values, load_gazetteer())
    except InvalidQuery as err:
        raise fail("\n".join(f"--{e.field.replace('_', '-')} : {e.message}" for e in err.errors)) from err
    store = open_settings_store(settings)
    console = Console(stderr=True, soft_wrap=True)
    if not settings.public_url:
        console.print(
            f"[dim]Liens vers {DEFAULT_BASE_URL} : indiquez l'adresse publique dans DIRECTORY_PUBLIC_URL.[/dim]"
        )
    base_url = settings.public_url or DEFAULT_BASE_URL
    writer = get_writer(format_, base_url=base_url)
    total = store.count_venues() if territory.everything else None
    if output is None:
        count = _write(store, writer, venue_filter, base_url, sys.stdout.buffer, console, total)
    else:
        count = _write_file(store, writer, venue_filter, base_url, output, console, total)
    plural = "x exportés" if count > 1 else " exporté"
    console.print(f"[green]✓[/green] {count} lieu{plural} ({format_})" + (f" dans {output}." if output else "."))


def _write(
    store: Store,
    writer: Writer,
    venue_filter: VenueFilter,
    base_url: str,
    stream: BinaryIO,
    console: Console,
    total: int | None,
) -> int:
    """Stream the document to ``stream`` under a progress bar; returns the number of venues."""
    written = 0

    with Progress(
        TextColumn(f"[bold]Export {writer.name}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("export", total=total)

        def advance(count: int) -> None:
            nonlocal written
            written = count
            bar.update(task, completed=count)

        for chunk in export_chunks(store, writer, venue_filter, base_url=base_url, progress=advance):
            stream.write(chunk)
    stream.flush()
    return written


def _write_file(
    store: Store,
    writer: Writer,
    venue_filter: VenueFilter,
    base_url: str,
    output: Path,
    console: Console,
    total: int | None,
) -> int:
    """Into a temporary file beside ``output``, renamed at the end: never half a file."""
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    except OSError as err:
        raise fail(f"impossible d'écrire dans {output.parent} : {err.strerror}") from err
    try:
        with os.fdopen(handle, "wb") as stream:
            count = _write(store, writer, venue_filter, base_url, stream, console, total)
        os.chmod(temporary, 0o644)
        os.replace(temporary, output)
    except OSError as err:
        Path(temporary).unlink(missing_ok=True)
        raise fail(f"impossible d'écrire {output} : {err.strerror}") from err
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count
