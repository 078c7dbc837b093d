# SPDX-License-Identifier: Apache-2.0
"""``directory import`` of a workbook as a commune sends it (issue 13, item 6): title rows, merged
commune cells, serial dates, phones typed as numbers, blank rows; every venue stored, none rejected."""

from __future__ import annotations

import json
from datetime import date

from directory.config import Settings
from directory.store import open_store

from ..conftest import FIXTURES


def test_directory_import_reads_a_communes_workbook(run, tmp_path):
    result = run("import", str(FIXTURES / "spreadsheets" / "grand-nancy.xlsx"))
    assert result.exit_code == 0, result.output
    assert "6 reçus, 6 nouveaux" in result.output and "0 en quarantaine" in result.output
    assert "en-tête lu ligne 4, les lignes au-dessus laissées de côté" in result.output
    assert "[reader] header_row = …" in result.output  # said as written, not taken for markup
    assert "lue comme le 2024-01-01" in result.output
    assert json.loads(run("stats", "--json").output)["venues"] == {"active": 6}
    store = open_store(Settings(data_dir=tmp_path).database)
    try:
        venues = {v.venue.nom: v.venue for v in store.nearest(48.6921, 6.1844, limit=10, radius_km=20)}
    finally:
        store.close()
    buisson = venues["Buisson Ardent"]  # below a blank row inside the commune's merged cells
    assert (buisson.commune, buisson.code_postal, buisson.telephone, buisson.date_maj) == (
        "Nancy",
        "54000",
        "+33383963516",
        date(2024, 2, 1),
    )
    assert venues["AVEC"].commune == "Vandœuvre-lès-Nancy"
