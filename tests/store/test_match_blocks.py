# SPDX-License-Identifier: Apache-2.0
"""The blocks matching reads from the store (``Writer.match_blocks``), on both backends: a key held by
more venues than the limit is left out by the database, the others come whole, in pk order."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from directory.store import Incoming, SourceInfo

from .test_match_keys import held_keys
from .test_store import AT, venue

PHONE = "tel:+33478000000"


def test_a_block_larger_than_the_limit_is_left_out_and_the_others_come_whole(store):
    shared = [venue(f"r{i}", 45.70 + i / 10, 4.80, telephone="0478000000", code_insee="69383") for i in range(3)]
    alone = venue("r9", 43.30, 5.40, telephone="0491000000", code_insee="13055")
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "src"))
        w.apply_many("src", [Incoming(v.id, v) for v in [*shared, alone]], at=AT)
    with store.writer() as w:
        at_three = w.match_blocks([PHONE, "tel:+33491000000", "tel:+33100000000"], 3)
        at_two = w.match_blocks([PHONE, "tel:+33491000000"], 2)
    assert sorted(at_three) == [PHONE, "tel:+33491000000"]  # a key no venue holds is left out
    assert len(at_three[PHONE]) == 3 and at_three[PHONE] == sorted(at_three[PHONE])
    assert list(at_two) == ["tel:+33491000000"] and len(at_two["tel:+33491000000"]) == 1


def test_the_blocks_of_keys_of_every_kind_are_those_match_key_holds(store):
    """Keys of several kinds, one held by more venues than the limit, some nobody holds, more than a
    statement's 2,000 values of one kind, one given twice: each block is exactly the ascending pks
    ``match_key`` holds for its key, and only the blocks no larger than the limit."""
    shared = [
        venue(f"r{i}", 45.70 + i / 1000, 4.80, telephone="0478000000", code_insee="69383", courriels=[f"{i}@lyon.fr"])
        for i in range(3)
    ]
    apart = venue(
        "r9",
        43.30,
        5.40,
        commune="Marseille",
        code_postal="13002",
        adresse="2 place de la Major",
        telephone="0491000000",
        code_insee="13055",
        site_web=["https://bib.marseille.fr"],
    )
    with store.writer() as w:
        w.ensure_source(SourceInfo("src", "src"))
        w.apply_many("src", [Incoming(v.id, v) for v in [*shared, apart]], at=AT)
    holders: dict[str, list[int]] = {}
    for pk, keys in sorted(held_keys(store).items()):
        for key in keys:
            holders.setdefault(key, []).append(pk)
    kinds = {key.partition(":")[0] for key in holders}
    assert {"insee", "tel", "mail", "web", "cell", "nom", "adr"} <= kinds
    nobody = ["tel:+33100000000", "mail:personne@nulle.part", "zzz:unknown kind"]
    # cells sorting before the real ones: those come in a second statement of the kind
    empty_cells = [f"cell:-{n:04d}:0" for n in range(2500)]
    asked = [*holders, *nobody, *empty_cells, PHONE]

    with store.writer() as w:
        at_two = w.match_blocks(asked, 2)
        at_three = w.match_blocks(asked, 3)

    street = "adr:69003:rue gare"  # the address of the three in Lyon: over the limit of 2
    assert len(holders[PHONE]) == len(holders[street]) == 3
    assert at_two == {key: pks for key, pks in holders.items() if len(pks) <= 2}
    assert at_three == holders
    assert PHONE not in at_two and street not in at_two and len(at_three[PHONE]) == 3
    assert {key.partition(":")[0] for key in at_two} == kinds


def test_an_error_of_the_database_is_raised_as_sqlalchemys(store):
    """The blocks are read on the driver's own cursor: its errors still come as ``Connection.execute``'s."""
    with pytest.raises(sa.exc.DBAPIError, match="match_key"), store.writer() as w:
        w.c.exec_driver_sql("ALTER TABLE match_key RENAME TO match_key_gone")
        w.match_blocks([PHONE], 2)
