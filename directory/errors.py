# SPDX-License-Identifier: Apache-2.0
"""Errors that reach people, each with an HTTP status, a stable code and a French title.

    DirectoryError
    ├── InvalidQuery          400  a parameter is out of range or unknown
    ├── Forbidden             403  signed in, but this is not yours to see or change
    ├── CsrfRefused           403  a form without this session's security token
    ├── VenueNotFound         404  no venue has this id
    ├── PlaceNotFound         404  the place typed matches no commune or postcode
    ├── SourceUnavailable     502  a harvest source failed
    ├── StoreNotReady         503  the database needs ``directory db upgrade``
    ├── SearchUnavailable     503  the search server (Meilisearch) is down or refuses the key
    └── InvalidCatalogue      500  the instance's catalogue file has errors (at start)

The web layer renders them as problem+json (RFC 9457) for the API and as an
accessible French page for people; the CLI prints the title and detail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = [
    "DirectoryError",
    "InvalidQuery",
    "Forbidden",
    "CsrfRefused",
    "VenueNotFound",
    "PlaceNotFound",
    "SourceUnavailable",
    "StoreNotReady",
    "SearchUnavailable",
    "InvalidCatalogue",
    "FieldError",
]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One parameter or field at fault."""

    field: str
    message: str
    value: Any = None


@dataclass
class DirectoryError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "erreur-interne"
    title: ClassVar[str] = "Erreur interne"

    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.title} : {self.detail}" if self.detail else self.title

    def as_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"/erreurs/{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail or self.title,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [{"field": e.field, "message": e.message, "value": e.value} for e in self.errors]
        return body


@dataclass
class InvalidQuery(DirectoryError):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "requete-invalide"
    title: ClassVar[str] = "Requête invalide"


@dataclass
class Forbidden(DirectoryError):
    status: ClassVar[int] = 403
    code: ClassVar[str] = "acces-refuse"
    title: ClassVar[str] = "Accès refusé"


@dataclass
class CsrfRefused(DirectoryError):
    status: ClassVar[int] = 403
    code: ClassVar[str] = "jeton-invalide"
    title: ClassVar[str] = "Formulaire expiré"


@dataclass
class VenueNotFound(DirectoryError):
    status: ClassVar[int] = 404
    code: ClassVar[str] = "lieu-introuvable"
    title: ClassVar[str] = "Lieu introuvable"


@dataclass
class PlaceNotFound(DirectoryError):
    status: ClassVar[int] = 404
    code: ClassVar[str] = "localisation-introuvable"
    title: ClassVar[str] = "Commune ou code postal introuvable"


@dataclass
class SourceUnavailable(DirectoryError):
    status: ClassVar[int] = 502
    code: ClassVar[str] = "source-indisponible"
    title: ClassVar[str] = "Source indisponible"


@dataclass
class StoreNotReady(DirectoryError):
    status: ClassVar[int] = 503
    code: ClassVar[str] = "base-non-initialisee"
    title: ClassVar[str] = "Base de données non initialisée"


@dataclass
class SearchUnavailable(DirectoryError):
    """The search server named by the settings cannot be used (at start, in ``directory reindex``)."""

    status: ClassVar[int] = 503
    code: ClassVar[str] = "recherche-indisponible"
    title: ClassVar[str] = "Moteur de recherche indisponible"


@dataclass
class InvalidCatalogue(DirectoryError):
    """The instance's catalogue file cannot be used (found when the app starts)."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "catalogue-invalide"
    title: ClassVar[str] = "Fichier de catalogue invalide"
