# SPDX-License-Identifier: Apache-2.0
"""``directory import FILE``: a file read as the whole current snapshot of one source.

An import is a harvest whose file a person hands over: the same readers, validation, matching
against the whole directory, merge with provenance, lineage, and withdrawals under the same
guards (:func:`~directory.harvest.run.harvest_source`). The file is the source's own when its
id names a configured source (``--source``), else a source of its own, named after the file, so
that importing the next day's file of the same name updates what changed and withdraws what
left.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from directory.schema import CommuneLookup
from directory.store import Store

from .fetch import Fetcher
from .geocode import Geocoder
from .readers import reader_for
from .report import HarvestReport
from .run import harvest_source
from .sources import SourceConfig

__all__ = ["file_source", "import_file"]

#: The licence of a file imported without a source file saying it.
UNKNOWN_LICENCE = "non précisée"
#: A date or a timestamp in a file name: 2024-05-02, 20240502, 02-05-2024, 2024_05_02T0930.
_DATE = re.compile(
    r"(?<![0-9])(?:(?:19|20)\d\d[-_.]?[01]\d[-_.]?[0-3]\d|[0-3]\d[-_.][01]\d[-_.](?:19|20)\d\d)(?:[t_-]?\d{4,6})?(?![0-9])"
)


def file_source(path: Path, *, source_id: str | None = None, format: str | None = None) -> SourceConfig:
    """The source a file imported by hand stands for: ``source_id``, by default ``fichier-`` and the
    file's name without its dates, so that each day's export of a producer is the next snapshot of
    the same source (« lieux-2024-05-02.csv » → ``fichier-lieux``); the format guessed from the
    extension.

    :raises ReadError: the format cannot be guessed.
    :raises pydantic.ValidationError: ``source_id`` is not a short identifier.
    """
    if source_id is None:
        undated = _DATE.sub("-", path.stem.lower())
        slug = re.sub(r"[^a-z0-9]+", "-", undated).strip("-")[:60]
        source_id = f"fichier-{slug}" if slug else "fichier"
    return SourceConfig.model_validate(
        {
            "id": source_id,
            "name": path.name,
            "publisher": source_id,  # what lineages name: the same from one day's file to the next
            "kind": "file",
            "path": str(path.resolve()),
            "format": reader_for(path, format).format,
            "licence": UNKNOWN_LICENCE,
        }
    )


def import_file(
    store: Store,
    path: Path,
    *,
    source: SourceConfig | None = None,
    format: str | None = None,
    places: CommuneLookup | None = None,
    geocoder: Geocoder | None = None,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    confirm_withdrawals: bool = False,
    direct_origins: frozenset[str] = frozenset(),
    instance_name: str | None = None,
) -> HarvestReport:
    """Import ``path`` as the whole current snapshot of ``source`` (by default :func:`file_source`):
    a harvest of that file. A file that cannot be read gives a failed run, and nothing is written.

    :param format: the file's format, when its extension does not say it (or says another).
    """
    config = source.reading(path, format) if source is not None else file_source(path, format=format)
    with Fetcher() as fetcher:
        return harvest_source(
            store,
            config,
            fetcher=fetcher,
            places=places,
            geocoder=geocoder,
            now=now,
            direct_origins=direct_origins,
            instance_name=instance_name,
            progress=progress,
            confirm_withdrawals=confirm_withdrawals,
            imported=True,
        )
