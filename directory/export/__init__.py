# SPDX-License-Identifier: Apache-2.0
"""Open data out: writers per format (more formats and the change feed come later)."""

from .national import national_row, write_national_csv

__all__ = ["national_row", "write_national_csv"]
