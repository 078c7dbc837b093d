# SPDX-License-Identifier: Apache-2.0
"""The ``directory`` command: one click group, one module per command group."""

from __future__ import annotations

from pathlib import Path

import click

from directory.config import Settings

from . import db, exporting, harvesting, importing, indexing, reviewing, serving, stats, users, venues

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database",
    "database_url",
    envvar="DATABASE_URL",
    help="URL de la base (défaut : SQLite dans le dossier de données).",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    envvar="DIRECTORY_DATA_DIR",
    help="Dossier des données (défaut : ./data).",
)
@click.version_option(package_name="directory")
@click.pass_context
def main(ctx: click.Context, database_url: str | None, data_dir: str | None) -> None:
    """Annuaire fédéré des lieux de médiation numérique."""
    ctx.obj = Settings.from_env(database_url=database_url, data_dir=Path(data_dir) if data_dir else None)


main.add_command(db.db)
main.add_command(importing.import_)
main.add_command(exporting.export)
main.add_command(serving.serve)
main.add_command(serving.demo)
main.add_command(stats.stats)
main.add_command(harvesting.sources)
main.add_command(harvesting.harvest)
main.add_command(harvesting.worker)
main.add_command(reviewing.review)
main.add_command(venues.lieu)
main.add_command(indexing.reindex)
main.add_command(users.users)
