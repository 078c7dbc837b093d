# SPDX-License-Identifier: Apache-2.0
"""The instance's catalogue file: what its DCAT catalogue says about the data.

"How to run" (settings) and "what to publish" are kept apart (STYLE.md §4): a
territory describes its open data in a small TOML file an animator can edit,
``catalogue.toml`` by default (``DIRECTORY_CATALOGUE_FILE``)::

    title = "Lieux de médiation numérique de la Métropole de Lyon"
    description = "Les lieux où l'on aide chacun à utiliser le numérique…"
    keywords = ["médiation numérique", "Lyon"]
    spatial = ["http://id.insee.fr/geo/departement/69"]
    accrual_periodicity = "DAILY"
    issued = 2024-01-15

    [publisher]
    name = "Métropole de Lyon"
    url = "https://www.grandlyon.com"

    [contact]
    name = "Mission inclusion numérique"
    email = "inclusion@example.org"

Every key is optional; a missing file means the defaults. The licence is not
configurable: the national standard publishes under Licence Ouverte 2.0.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from directory.errors import FieldError, InvalidCatalogue

__all__ = ["CatalogueFile", "PERIODICITIES", "read_catalogue_file"]

#: Codes of the EU frequency authority table a catalogue may use.
PERIODICITIES = ("CONT", "DAILY", "WEEKLY", "MONTHLY", "QUARTERLY", "ANNUAL", "IRREG", "UNKNOWN")
_TEXTS = ("title", "description", "landing_page", "identifier")
_LISTS = ("keywords", "spatial", "themes")
_PARTIES = {"publisher": ("name", "url"), "contact": ("name", "email", "url")}


@dataclass(frozen=True, slots=True)
class CatalogueFile:
    """What the file sets; ``None`` (or empty) leaves the default."""

    title: str | None = None
    description: str | None = None
    landing_page: str | None = None
    identifier: str | None = None
    keywords: tuple[str, ...] = ()
    spatial: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    accrual_periodicity: str | None = None
    issued: dt.date | None = None
    publisher: dict[str, str] = field(default_factory=dict)
    contact: dict[str, str] = field(default_factory=dict)


def read_catalogue_file(path: Path) -> CatalogueFile:
    """Read and check the file; a missing file gives the defaults.

    :raises InvalidCatalogue: unreadable TOML, unknown keys or wrong types,
        each named with a French message.
    """
    if not path.exists():
        return CatalogueFile()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise InvalidCatalogue(detail=f"{path} n'est pas un fichier TOML lisible en UTF-8 : {err}") from err
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _TEXTS:
            if isinstance(value, str) and value.strip():
                values[key] = value.strip()
            else:
                errors.append(FieldError(key, "Un texte non vide est attendu.", value))
        elif key in _LISTS:
            if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
                values[key] = tuple(v.strip() for v in value)
            else:
                errors.append(FieldError(key, "Une liste de textes est attendue.", value))
        elif key == "accrual_periodicity":
            if value in PERIODICITIES:
                values[key] = value
            else:
                errors.append(
                    FieldError(key, f"Une de ces fréquences est attendue : {', '.join(PERIODICITIES)}.", value)
                )
        elif key == "issued":
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                values[key] = value
            else:
                errors.append(FieldError(key, "Une date est attendue (ex. 2024-01-15).", str(value)))
        elif key in _PARTIES:
            values[key] = _party(key, value, _PARTIES[key], errors)
        else:
            errors.append(FieldError(key, "Clé inconnue du fichier de catalogue.", key))
    if errors:
        raise InvalidCatalogue(detail=f"Le fichier de catalogue {path} contient des erreurs.", errors=errors)
    return CatalogueFile(**values)


def _party(key: str, value: Any, allowed: tuple[str, ...], errors: list[FieldError]) -> dict[str, str]:
    if not isinstance(value, dict):
        errors.append(FieldError(key, "Une table est attendue ([publisher] ou [contact]).", value))
        return {}
    party: dict[str, str] = {}
    for name, text in value.items():
        if name not in allowed:
            errors.append(FieldError(f"{key}.{name}", f"Clé inconnue ; clés possibles : {', '.join(allowed)}.", name))
        elif not isinstance(text, str) or not text.strip():
            errors.append(FieldError(f"{key}.{name}", "Un texte non vide est attendu.", text))
        else:
            party[name] = text.strip()
    return party
