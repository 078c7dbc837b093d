# SPDX-License-Identifier: Apache-2.0
"""A complete run that would withdraw more than a share of a source's records (20 % unless its file
says otherwise) withdraws nothing until a person confirms, and the reference it is compared with does
not move: two shrunk files in a row cannot take away what one could not (issue 13, item 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from directory.harvest import import_file, load_source
from directory.schema import CUT_SHORT
from directory.store import HoldClosed, Scope, UnknownHold

from .test_run import NOW, harvest, rows, source_file, write_csv


def _run(store, places, fetcher, root, config, records, day, **kwargs):
    write_csv(root / "lieux.csv", records)
    return harvest(store, config, fetcher, places, now=NOW + timedelta(days=day), **kwargs)


def test_losing_more_than_a_fifth_withdraws_nothing_until_confirmed(store, places, served, fetcher, tmp_path):
    root, server = served
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    all_rows = rows()[:120]
    assert _run(store, places, fetcher, root, config, all_rows, 0).status == "complete"
    assert store.count_venues() == 120

    shrunk = _run(store, places, fetcher, root, config, all_rows[:94], 1)  # 26 of 120 gone: 22 %
    assert (shrunk.status, shrunk.withdrawn) == ("partial", 0)
    assert any("26 des 120 fiches de la source n'y sont plus" in note for note in shrunk.notes)
    assert store.count_venues() == 120

    # The observed case: 602 then 500 of 955 withdrew 478 venues. Here 84 then 75 of 120: each is
    # above half the last complete run (the older guard let both through), and neither moves it.
    for day, kept in ((2, 84), (3, 75)):
        again = _run(store, places, fetcher, root, config, all_rows[:kept], day)
        assert (again.status, again.withdrawn) == ("partial", 0), kept
    assert store.sources.state("hinaura").last_complete_count == 120
    assert store.count_venues() == 120

    confirmed = _run(store, places, fetcher, root, config, all_rows[:75], 4, confirm_withdrawals=True)
    assert (confirmed.status, confirmed.withdrawn) == ("complete", 45)
    assert store.count_venues() == 75


def test_a_small_loss_withdraws_and_a_source_may_allow_more(store, places, served, fetcher, tmp_path):
    root, server = served
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    all_rows = rows()[:120]
    _run(store, places, fetcher, root, config, all_rows, 0)
    small = _run(store, places, fetcher, root, config, all_rows[:100], 1)  # 20 of 120: 17 %
    assert (small.status, small.withdrawn) == ("complete", 20)

    toml = source_file(tmp_path, server.url("files/lieux.csv"))
    toml.write_text(toml.read_text(encoding="utf-8") + "withdraw_limit = 0.5\n", encoding="utf-8")
    allowing = load_source(toml)
    assert allowing.withdraw_limit == 0.5 and allowing.fingerprint == config.fingerprint  # no re-merge for it
    larger = _run(store, places, fetcher, root, allowing, all_rows[:60], 2)  # 40 of 100: 40 %
    assert (larger.status, larger.withdrawn) == ("complete", 40)


def test_a_body_cut_mid_record_without_content_length_withdraws_nothing_and_applies_nothing_cut(
    store, places, served, fetcher, tmp_path
):
    """Observed: 380 of 955 venues withdrawn and the half-written last row applied, emptying fields."""
    root, server = served
    all_rows = rows()[:120]
    write_csv(root / "lieux.csv", all_rows)
    config = load_source(source_file(tmp_path, server.url("cut/lieux.csv")))
    assert harvest(store, config, fetcher, places).status == "complete"
    data = (root / "lieux.csv").read_bytes()
    # cut inside the 70th record (past its first cells): 69 whole records, one half-written
    line_starts = [i + 1 for i, byte in enumerate(data) if byte == ord("\n")]
    server.cut_at["lieux.csv"] = line_starts[69] + 40
    cut = harvest(store, config, fetcher, places, now=NOW + timedelta(days=1))
    assert (cut.status, cut.withdrawn, cut.fetched) == ("partial", 0, 70)
    assert any("fichier coupé en cours de transfert" in note for note in cut.notes)
    assert store.count_venues() == 120
    half = all_rows[69]
    with store.engine.connect() as c:
        problems = (
            c.execute(
                sa.text("SELECT problems FROM raw_record WHERE run_id = :run AND status = 'quarantined'"),
                {"run": cut.run_id},
            )
            .scalars()
            .all()
        )
    assert len(problems) == 1 and any(code in str(problems[0]) for code in CUT_SHORT)
    (venue,) = [v.venue for v in store.iter_venues() if ("hinaura", half["id"]) in v.sources]
    assert venue.nom == half["nom"] and venue.commune == half["commune"]  # nothing of the cut row applied


def test_a_held_run_keeps_what_it_would_withdraw_and_its_confirmation_withdraws_the_same(
    store, places, served, fetcher, tmp_path
):
    """What a person confirms in the back office (``Writer.confirm_hold``) is what the run would have
    withdrawn with ``--confirmer-retraits``: the same venues, now in their name; a later run supersedes
    a hold nobody decided."""
    root, server = served
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    all_rows = rows()[:120]
    _run(store, places, fetcher, root, config, all_rows, 0)
    everything = Scope(everything=True)

    first = _run(store, places, fetcher, root, config, all_rows[:84], 1)
    (held,) = store.holds.find(everything)
    assert (held.run_id, held.reason, held.fetched, held.previous, held.live, held.leaving) == (
        first.run_id,
        "share",
        84,
        120,
        120,
        36,
    )
    assert len(held.venues) == 36 and not any(v.stays for v in held.venues)
    second = _run(store, places, fetcher, root, config, all_rows[:75], 2)  # « fewer »: no, 75 ≥ 60; « share »
    (again,) = store.holds.find(everything)
    assert again.run_id == second.run_id and again.leaving == 45
    assert store.holds.get(held.pk).status == "superseded"
    with pytest.raises(HoldClosed, match="remplacés par une moisson plus récente"), store.writer() as w:
        w.confirm_hold(held.pk, "camille", NOW)

    with store.engine.connect() as c:
        gone = {
            row.record_id: row.id
            for row in c.execute(
                sa.text("SELECT l.record_id, v.id FROM source_link l JOIN venue v ON v.pk = l.venue_pk")
            )
        }
    lost = {gone[r["id"]] for r in all_rows[75:]}  # what --confirmer-retraits withdraws (the first test)
    assert {v.id for v in again.venues} == lost
    with store.writer() as w:
        withdrawn = w.confirm_hold(again.pk, "camille", NOW + timedelta(days=3))
    assert set(withdrawn) == lost and store.count_venues() == 75
    for venue_id in withdrawn:
        (row,) = [r for r in store.history(venue_id) if r["action"] == "withdraw"]
        assert (row["actor"], row["source_id"]) == ("camille", "hinaura")
    assert store.sources.state("hinaura").last_complete_count == 75
    with pytest.raises(UnknownHold), store.writer() as w:
        w.keep_hold(again.pk + 100, "camille", NOW)

    # the source as it now is: a complete run, nothing more to withdraw, nothing held
    confirmed = _run(store, places, fetcher, root, config, all_rows[:75], 4)
    assert (confirmed.status, confirmed.withdrawn) == ("complete", 0)
    assert store.holds.find(everything) == []


def test_a_fewer_records_hold_and_a_run_that_withdraws_nothing_hold_nothing(store, places, served, fetcher, tmp_path):
    root, server = served
    config = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    all_rows = rows()[:120]
    _run(store, places, fetcher, root, config, all_rows, 0)
    few = _run(store, places, fetcher, root, config, all_rows[:50], 1)  # fewer than half of 120
    assert few.status == "partial"
    (held,) = store.holds.find(Scope(everything=True))
    assert (held.reason, held.fetched, held.previous, held.leaving) == ("fewer", 50, 120, 70)
    confirmed = _run(store, places, fetcher, root, config, all_rows[:50], 2, confirm_withdrawals=True)
    assert (confirmed.status, confirmed.withdrawn) == ("complete", 70)
    assert store.holds.get(held.pk).status == "superseded"  # the CLI's confirmation answered it
    assert store.holds.find(Scope(everything=True)) == []


def test_an_import_that_shrinks_is_held_as_an_import(store, places, tmp_path):
    """``directory import`` takes a harvest's path: its held withdrawals are kept, and said to be an import's."""
    path = tmp_path / "lieux.csv"
    all_rows = rows()[:120]
    write_csv(path, all_rows)
    assert import_file(store, path, places=places, now=NOW).status == "complete"
    write_csv(path, all_rows[:90])  # 30 of 120 gone: 25 %
    shrunk = import_file(store, path, places=places, now=NOW + timedelta(days=1))
    assert (shrunk.status, shrunk.withdrawn) == ("partial", 0)
    (held,) = store.holds.find(Scope(everything=True))
    assert (held.run_id, held.run_kind, held.leaving, held.live) == (shrunk.run_id, "import", 30, 120)
