# SPDX-License-Identifier: Apache-2.0
"""The blocks matching reads from the store (``Writer.match_blocks``), on both backends: a key held by
more venues than the limit is left out by the database, the others come whole, in pk order."""

from __future__ import annotations

from directory.store import Incoming, SourceInfo

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
