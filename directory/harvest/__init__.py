# SPDX-License-Identifier: Apache-2.0
"""Getting records in: source files, fetching, readers per format, mapping,
validation, geocoding, matching and merging, runs and their reports."""

from ._parallel import default_processes
from .fetch import Fetcher
from .geocode import BanGeocoder, FoundAddress, GeocodeCache, Geocoder
from .importer import file_source, import_file
from .lock import INTERRUPTED, fail_interrupted_runs, harvest_lock
from .readers import READERS, Reader, ReadError, reader_for
from .report import HarvestReport, RowProblem
from .run import harvest_source
from .sources import SourceConfig, SourceConfigError, check_samples, load_source, load_sources

__all__ = [
    "HarvestReport",
    "READERS",
    "ReadError",
    "Reader",
    "RowProblem",
    "SourceConfig",
    "SourceConfigError",
    "check_samples",
    "default_processes",
    "file_source",
    "harvest_source",
    "import_file",
    "load_source",
    "load_sources",
    "reader_for",
    "BanGeocoder",
    "GeocodeCache",
    "Geocoder",
    "FoundAddress",
    "Fetcher",
    "INTERRUPTED",
    "fail_interrupted_runs",
    "harvest_lock",
]
