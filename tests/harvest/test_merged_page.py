# SPDX-License-Identifier: Apache-2.0
"""The pairs matching merged without a person, as the back office pages them (``Store.merged_page``), on
every backend: newest first, within a scope, the record that joined named, a split pair gone."""

from __future__ import annotations

from datetime import timedelta

from directory.harvest import load_source
from directory.store import Scope

from .test_run import NOW, harvest, rows, source_file, write_csv


def test_merged_pairs_are_paged_scoped_and_leave_when_split(store, places, served, fetcher, tmp_path):
    root, server = served
    base = rows()[:30]
    write_csv(root / "a.csv", base)
    write_csv(root / "b.csv", [{**r, "id": f"copie-{r['id']}"} for r in base[:4]])
    write_csv(root / "c.csv", [{**r, "id": f"autre-{r['id']}"} for r in base[4:6]])
    for day, (name, file) in enumerate((("hinaura", "a.csv"), ("copie", "b.csv"), ("autre", "c.csv"))):
        config = load_source(source_file(tmp_path, server.url(f"files/{file}"), id=name))
        assert harvest(store, config, fetcher, places, now=NOW + timedelta(days=day)).status == "complete"

    everything = Scope(everything=True)
    items, more = store.merged_page(everything, limit=3)
    assert len(items) == 3 and more
    assert [item["joined"].split(":")[0] for item in items[:2]] == ["autre", "autre"]  # the newest first
    assert all(item["left_venue"] == item["right_venue"] for item in items)
    rest, more = store.merged_page(everything, limit=3, offset=3)
    assert len(rest) == 3 and not more
    assert {item["joined"] for item in rest} | {item["joined"] for item in items} == {
        *(f"copie:copie-{r['id']}" for r in base[:4]),
        *(f"autre:autre-{r['id']}" for r in base[4:6]),
    }

    first = items[0]
    commune = first["left"]["code_insee"] or first["right"]["code_insee"]
    mine, _ = store.merged_page(Scope(communes=frozenset({commune})))
    assert 1 <= len(mine) < 6 and first["pk"] in {item["pk"] for item in mine}
    assert store.merged_page(Scope(communes=frozenset({"29019"}))) == ([], False)

    with store.writer() as w:
        w.split_record(first["left_venue"], first["joined"], "camille", NOW + timedelta(days=5))
    items, _ = store.merged_page(everything)
    assert len(items) == 5 and first["pk"] not in {item["pk"] for item in items}
    assert len(store.merged_pairs()) == 5  # ``directory review fusions`` leaves out a pair a person decided too
