# SPDX-License-Identifier: Apache-2.0
"""FileIds tells a repeated record from another one with the same id by the run's raw hash when it is given,
as it does by the record itself."""

from __future__ import annotations

from directory.harvest._identity import CONFLICT, FIRST, REPEAT, FileIds
from directory.harvest.run import _raw_hash

FIRST_RECORD = {"id": "a", "nom": "Médiathèque", "commune": "Lyon"}
SAME_IN_ANOTHER_ORDER = {"commune": "Lyon", "nom": "Médiathèque", "id": "a"}
ANOTHER = {"id": "a", "nom": "Mairie", "commune": "Lyon"}


def _kinds(with_hash: bool) -> list[str]:
    ids = FileIds()
    records = (FIRST_RECORD, SAME_IN_ANOTHER_ORDER, ANOTHER)
    return [
        ids.see("a", position, record, _raw_hash(record, ["Bench"], None) if with_hash else None).kind
        for position, record in enumerate(records, start=1)
    ]


def test_the_raw_hash_judges_as_the_record_does() -> None:
    assert _kinds(with_hash=True) == _kinds(with_hash=False) == [FIRST, REPEAT, CONFLICT]
