# SPDX-License-Identifier: Apache-2.0
"""A complete run that would withdraw more than a share of a source's records (20 % unless its file
says otherwise) withdraws nothing until a person confirms, and the reference it is compared with does
not move: two shrunk files in a row cannot take away what one could not (issue 13, item 2)."""

from __future__ import annotations

from datetime import timedelta

from directory.harvest import load_source

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
