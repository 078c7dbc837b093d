# SPDX-License-Identifier: Apache-2.0
"""Real harvests over a loopback HTTP server for the back office's tests (``conftest.harvests``): two
CSV sources in the national format, written by the test before each run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from directory.harvest import load_source
from directory.harvest.fetch import Fetcher
from directory.places import Gazetteer
from directory.store import Store

from ..harvest.loopback import Loopback
from ..harvest.test_run import NOW, harvest, rows, source_file, write_csv

__all__ = ["ALL", "COPIED", "Harvests"]


@dataclass
class Harvests:
    """Two sources served on loopback from ``www``: ``hinaura`` (120 venues of the Auvergne-Rhône-Alpes
    demo file) and ``copie``, which repeats six of them under its own ids."""

    store: Store
    places: Gazetteer
    www: Path
    folder: Path
    server: Loopback
    fetcher: Fetcher
    day: int = 0

    def run(self, source: str, records: list[dict[str, str]], **kwargs):
        self.day += 1
        write_csv(self.www / f"{source}.csv", records)
        toml = source_file(self.folder, self.server.url(f"files/{source}.csv"), id=source, publisher=source.title())
        return harvest(
            self.store, load_source(toml), self.fetcher, self.places, now=NOW + timedelta(days=self.day), **kwargs
        )


ALL = rows()[:120]
COPIED = [{**r, "id": f"copie-{r['id']}", "source": "Copie"} for r in ALL[:6]]
