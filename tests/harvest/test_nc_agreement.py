# SPDX-License-Identifier: Apache-2.0
"""The committed Nouvelle-Calédonie agreement report is what ``scripts/compare_nc.py`` writes today."""

from __future__ import annotations

import importlib.util
import sys

from ..conftest import ROOT


def test_the_committed_agreement_report_is_up_to_date():
    spec = importlib.util.spec_from_file_location("compare_nc", ROOT / "scripts" / "compare_nc.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = script  # its dataclasses look their module up
    try:
        spec.loader.exec_module(script)
        expected = script.report()
    finally:
        del sys.modules[spec.name]
    committed = script.OUT.read_text(encoding="utf-8")
    assert committed == expected, "rapport périmé : relancer .venv/bin/python scripts/compare_nc.py"
