# SPDX-License-Identifier: Apache-2.0
"""Instance settings, read once (by the CLI or the app factory) and passed down.

Every setting comes from an environment variable ``DIRECTORY_<NAME>``, except
``DATABASE_URL`` which keeps its conventional name. Nothing below ``web/``
and ``cli/`` reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

__all__ = ["Settings", "SETTINGS_HELP"]

#: Each setting with its help text (French, for people running an instance).
SETTINGS_HELP: dict[str, str] = {
    "database_url": "Base de données : sqlite:///chemin (défaut, dans le dossier de données) ou postgresql://… (PostGIS).",
    "data_dir": "Dossier des données de l'instance (base SQLite, index).",
    "sources_dir": "Dossier des fichiers de sources (un fichier TOML par source moissonnée).",
    "catalogue_file": "Fichier TOML décrivant les données publiées (titre, éditeur, contact du catalogue DCAT) ; absent : valeurs par défaut.",
    "instance_name": "Nom de cette instance dans la lignée des enregistrements (évite de reprendre ce qu'elle a publié).",
    "host": "Adresse d'écoute du serveur web.",
    "port": "Port du serveur web.",
    "public_url": "Adresse publique de l'instance (liens absolus, flux, exports).",
    "contact_email": "Adresse électronique de l'équipe de l'instance, pour « Signaler une erreur » sur les fiches ; vide : les fiches renvoient vers le lieu lui-même.",
    "tile_url": "Modèle d'URL des tuiles de la carte ({z}/{x}/{y}) ; vide : pas de fond de carte.",
    "tile_attribution": "Mention des sources du fond de carte.",
    "geocoder_url": "Adresse de l'API de géocodage BAN (api-adresse) ; vide : table des communes hors ligne seulement (les lieux sans coordonnées sûres sont placés au centre de leur commune).",
    "meili_url": "Adresse d'un serveur Meilisearch (profil serveur) ; vide : index embarqué.",
    "meili_key": "Clé de l'API Meilisearch.",
    "secret_key": "Clé secrète qui signe les sessions de l'espace de gestion ; vide : une clé aléatoire gardée dans le dossier de données (fichier secret_key).",
    "smtp_url": "Serveur d'envoi de courriels pour les invitations et les liens de mot de passe (smtp://utilisateur:motdepasse@hôte:port ou smtps://…) ; vide : les liens sont affichés à l'administrateur.",
    "mail_from": "Adresse d'expéditeur des courriels de l'espace de gestion.",
}


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path = Path("data")
    sources_dir: Path = Path("sources")
    catalogue_file: Path = Path("catalogue.toml")
    instance_name: str = ""
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""
    contact_email: str = ""
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = "© les contributeurs d'OpenStreetMap"
    geocoder_url: str = ""
    meili_url: str = ""
    meili_key: str = ""
    secret_key: str = ""
    smtp_url: str = ""
    mail_from: str = ""

    @property
    def database(self) -> str:
        """The database URL, defaulting to a SQLite file in the data folder."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'directory.db').resolve()}"

    def to_env(self) -> dict[str, str]:
        """The environment variables that ``from_env`` reads back into these settings: how
        ``directory serve`` hands settings given on its command line to its worker processes."""
        return {
            "DATABASE_URL" if f.name == "database_url" else f"DIRECTORY_{f.name.upper()}": str(getattr(self, f.name))
            for f in fields(self)
        }

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            key = "DATABASE_URL" if f.name == "database_url" else f"DIRECTORY_{f.name.upper()}"
            if key in environ:
                raw = environ[key]
                values[f.name] = (
                    Path(raw) if f.name.endswith(("_dir", "_file")) else int(raw) if f.name == "port" else raw
                )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
