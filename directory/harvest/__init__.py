# SPDX-License-Identifier: Apache-2.0
"""Getting records in: readers per format, file import (harvest runs later)."""

from .importer import ImportReport, RowProblem, import_file, source_for_file
from .readers import READERS, ReadError, Reader, reader_for

__all__ = ["ImportReport", "READERS", "ReadError", "Reader", "RowProblem", "import_file", "reader_for", "source_for_file"]
