# SPDX-License-Identifier: Apache-2.0
"""Offline French commune and postcode gazetteer.

Resolves what a resident types (``"69003"``, ``"Nancy"``, ``"Lyon 3e"``,
``"vandoeuvre"``) into a point, completes names and postcodes, and lets
validation check that a venue's postcode, INSEE code and coordinates agree.
All data ships in ``directory/places/data/`` (INSEE Code officiel géographique
via ``@etalab/decoupage-administratif``, Licence Ouverte 2.0; GeoNames postal
codes, CC-BY 4.0 — see ``data/README.md``); nothing is fetched at run time.

>>> g = load_gazetteer()
>>> g.resolve("Lyon 3e").label
'Lyon 3e Arrondissement (69003)'
"""

from directory.schema import haversine_m

from ._gazetteer import Commune, Gazetteer, Place, Postcode, load_gazetteer
from ._text import fold

__all__ = [
    "Commune",
    "Gazetteer",
    "Place",
    "Postcode",
    "fold",
    "haversine_m",
    "load_gazetteer",
]
