# SPDX-License-Identifier: Apache-2.0
"""``directory import`` and identity inside a file (issue 13, item 4): a verbatim repeat is said as a
warning and stored once; a second venue with a known id is rejected naming both, the first is kept."""

from __future__ import annotations

import json

from ..conftest import FIXTURES


def test_directory_import_keeps_a_repeat_once_and_the_first_of_two_venues_sharing_an_id(run):
    result = run("import", str(FIXTURES / "hostile" / "same-id.csv"))
    assert result.exit_code == 1  # a row was rejected
    assert "5 reçus, 3 nouveaux" in result.output and "1 en quarantaine" in result.output
    assert (
        "ligne 3 id=d1 · avertissement · id : ligne répétée à l'identique : l'identifiant « d1 » est déjà celui "
        "de la ligne 1 ; gardée une fois"
    ) in result.output
    assert (
        "ligne 4 id=d2 · rejet · id : l'identifiant « d2 » est déjà celui de la ligne 2, qui dit autre chose : "
        "nom « Maison de quartier des Trois Maisons » ligne 2, « Centre social La Clairière » ici"
    ) in result.output
    assert "Traceback" not in result.output
    stats = json.loads(run("stats", "--json").output)
    assert stats["venues"] == {"active": 3}
    assert stats["raw_records"] == {"quarantined": 1, "skipped": 1, "stored": 3}
