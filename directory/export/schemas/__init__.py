# SPDX-License-Identifier: Apache-2.0
"""Copies of the official schemas the exports conform to (see README.md here)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["NATIONAL_SCHEMA_PATH", "NATIONAL_SCHEMA_URI", "NATIONAL_SCHEMA_VERSION"]

#: The national standard's Table Schema, byte for byte as published.
NATIONAL_SCHEMA_PATH = Path(__file__).with_name("national-standard.schema.json")

#: The schema's own ``uri`` (its IRI for ``dct:conformsTo``) and ``version``.
NATIONAL_SCHEMA_URI = "https://raw.githubusercontent.com/LaMednum/standard-mediation-num/v1.0.2/schema.json"
NATIONAL_SCHEMA_VERSION = "v1.0.2"
