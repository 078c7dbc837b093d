# SPDX-License-Identifier: Apache-2.0
"""Helpers the commands share: opening the store, French errors."""

from __future__ import annotations

import click
import sqlalchemy as sa

from directory.config import Settings
from directory.store import Store, open_store

__all__ = ["open_settings_store", "fail"]


def fail(message: str) -> click.ClickException:
    return click.ClickException(message)


def open_settings_store(settings: Settings, *, upgrade: bool = False) -> Store:
    """The instance's store; refuses to run on a database that needs migrating."""
    try:
        store = open_store(settings.database, upgrade=upgrade)
        if not store.is_current():
            raise fail("la base de données n'est pas à jour : lancez « directory db upgrade »")
    except sa.exc.OperationalError as err:
        raise fail(f"impossible d'ouvrir la base de données {settings.database} : {err.orig}") from err
    except ValueError as err:
        raise fail(f"adresse de base de données invalide : {err}") from err
    return store
