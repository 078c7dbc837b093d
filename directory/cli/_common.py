# SPDX-License-Identifier: Apache-2.0
"""Helpers the commands share: opening the store, French errors."""

from __future__ import annotations

import json
import math
from typing import Any

import click
import sqlalchemy as sa

from directory.config import Settings
from directory.store import Store, open_store

__all__ = ["acting_account", "bad_database_address", "echo_json", "json_text", "open_settings_store", "fail"]


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
    except (ValueError, sa.exc.ArgumentError) as err:  # ArgumentError: not even a URL
        raise bad_database_address(settings) from err
    return store


def bad_database_address(settings: Settings) -> click.ClickException:
    """The French error for a ``DATABASE_URL`` that names no database this directory can open."""
    return fail(
        f"adresse de base de données invalide : « {settings.database} » (écrire sqlite:///chemin ou postgresql://…)"
    )


def acting_account(store: Store, login: str) -> str:
    """The login of the person acting (``--par``), once checked: every decision names a real, active
    account of the back office, as it does on the web."""
    account = store.accounts.get(login.strip().lower())
    if account is None:
        raise fail(
            f"« {login} » n'est pas un compte de l'espace de gestion : créez-le d'abord "
            f"(directory users add {login.strip().lower()} --role …)"
        )
    if not account.active:
        raise fail(f"le compte « {account.login} » est désactivé")
    return account.login


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinity written as its name: JSON has no such numbers.

    They only come from what a file said (a JSON source may hold a bare ``NaN``,
    which Python reads): a report echoing it keeps the word, and stays JSON.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


def json_text(value: Any) -> str:
    """Strict JSON (RFC 8259), indented, UTF-8 text as is; dates and other objects as their text."""
    return json.dumps(_finite(value), ensure_ascii=False, indent=2, allow_nan=False, default=str)


def echo_json(value: Any) -> None:
    """What every ``--json`` option prints: ``json_text`` on the standard output."""
    click.echo(json_text(value))
