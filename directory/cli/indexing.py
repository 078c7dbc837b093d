# SPDX-License-Identifier: Apache-2.0
"""``directory reindex``, and keeping the search index in step after writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from directory.config import Settings
from directory.errors import SearchUnavailable
from directory.search import SearchIndex, open_index, rebuild, sync
from directory.store import Store

from ._common import open_settings_store

__all__ = ["checked_index", "reindex", "sync_index"]


@contextmanager
def _search_in_french() -> Iterator[None]:
    """A search server that is down, refuses the key or answers nonsense, at the check or later
    while writing: its French reason and exit code 1, never a traceback."""
    try:
        yield
    except SearchUnavailable as err:
        raise click.ClickException(str(err)) from err


def checked_index(settings: Settings) -> SearchIndex:
    """The index the settings name, once it answers; else the French reason, without a traceback."""
    with _search_in_french():
        return open_index(settings, check=True)


def sync_index(settings: Settings, store: Store) -> int:
    """Bring the search index up to the store's change log (a rebuild the first time)."""
    index = checked_index(settings)
    try:
        with _search_in_french():
            return sync(index, store)
    finally:
        index.close()


@click.command()
@click.pass_obj
def reindex(settings: Settings) -> None:
    """Reconstruit l'index de recherche à partir de la base."""
    store = open_settings_store(settings, upgrade=True)
    index = checked_index(settings)
    try:
        with (
            _search_in_french(),
            Progress(
                SpinnerColumn(),
                TextColumn("Indexation : {task.completed} lieux"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            ) as bar,
        ):
            task = bar.add_task("index", total=None)
            count = rebuild(index, store, progress=lambda n: bar.update(task, completed=n))
    finally:
        index.close()
        store.close()
    click.echo(f"Index reconstruit : {count} lieux.")
