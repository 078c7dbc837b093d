# SPDX-License-Identifier: Apache-2.0
"""A venue merged from records of two names is found by both (issue 14: alternative names)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from directory.harvest import file_source, import_file
from directory.search import Fts5Index, SearchQuery, rebuild, sync
from directory.store import ChangeFeed, Store, open_store

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _rows(tmp_path: Path, name: str, rename: dict[str, str], first: dict[str, str] | None = None) -> Path:
    reader = csv.DictReader(io.StringIO((FIXTURES / "demo" / "hinaura-2021.csv").read_text(encoding="utf-8")))
    out = io.StringIO()
    writer = csv.DictWriter(out, reader.fieldnames or [], quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writeheader()
    for i, row in enumerate(reader):
        if i == 3:
            break
        row["nom"] = rename.get(row["id"], row["nom"])
        row.update((first or {}) if i == 0 else {})
        row["id"] = f"{name}-{i}"
        writer.writerow(row)
    path = tmp_path / f"{name}.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_a_merged_venue_is_found_by_each_of_its_names_and_keeps_every_label(tmp_path: Path, places):
    store = open_store(f"sqlite:///{tmp_path / 'directory.db'}", upgrade=True)
    index = Fts5Index(tmp_path / "search.db")
    try:
        labels = {"dispositif_programmes_nationaux": "France Services", "formations_labels": "Fabriques de Territoire"}
        import_file(store, _rows(tmp_path, "commune", {}, labels), places=places)
        assert sync(index, store) == 3
        shown = index.query(SearchQuery(text="abondance")).hits
        assert len(shown) == 1
        venue_id = shown[0].venue_id
        # The same place in a second file under another name, with other labels: one venue, found by
        # both names, with the labels and programmes of both.
        other = {
            "dispositif_programmes_nationaux": "Aidants Connect",
            "formations_labels": "Formé à « Mon Espace Santé »",
        }
        renamed = {"hinaura-0": "France Services Zéphyrine d'Abondance"}
        import_file(store, _rows(tmp_path, "reseau", renamed, other), places=places)
        assert store.count_venues() == 3
        assert sync(index, store) >= 1
        assert [h.venue_id for h in index.query(SearchQuery(text="zephyrine")).hits] == [venue_id]
        assert [h.venue_id for h in index.query(SearchQuery(text="abondance")).hits] == [venue_id]
        assert len(store.record_names([venue_id])[venue_id]) == 2
        venue = store.get_venue(venue_id).venue
        assert {p.label for p in venue.dispositif_programmes_nationaux} == {"France Services", "Aidants Connect"}
        assert len(venue.formations_labels) == 2
        # A rebuild (directory reindex) reads every name too.
        assert rebuild(index, store) == 3
        assert [h.venue_id for h in index.query(SearchQuery(text="zephyrine")).hits] == [venue_id]
    finally:
        index.close()
        store.close()


def test_a_record_joining_without_changing_what_the_venue_shows_is_found_by_its_name_without_a_reindex(
    store: Store, tmp_path: Path, places
):
    """The second source's record loses every field (it is trusted less), so the merge changes nothing
    the venue shows: the change log still says its records changed, and ``sync`` (what follows
    harvests and edits) makes its name searchable, with no ``directory reindex``."""
    index = Fts5Index(tmp_path / "search.db")
    try:
        first = _rows(tmp_path, "mairie", {})
        import_file(store, first, source=file_source(first).model_copy(update={"trust": 90}), places=places)
        assert sync(index, store) == 3
        (venue_id,) = [h.venue_id for h in index.query(SearchQuery(text="abondance")).hits]
        before = store.get_venue(venue_id).venue
        assert index.query(SearchQuery(text="zephyrine")).hits == []
        feed = ChangeFeed(store)
        published = feed.last_seq()
        second = _rows(tmp_path, "reseau", {"hinaura-0": "France Services Zéphyrine d'Abondance"})
        import_file(store, second, source=file_source(second).model_copy(update={"trust": 60}), places=places)
        assert store.count_venues() == 3
        assert store.get_venue(venue_id).venue == before  # nothing it shows changed
        assert [row["action"] for row in store.history(venue_id)] == ["create", "records"]
        # The change feed's readers (partner sites, other instances) see nothing new: the venue is as it was.
        assert feed.last_seq() > published and feed.page(published).items == []
        assert sync(index, store) == 1
        assert [h.venue_id for h in index.query(SearchQuery(text="zephyrine")).hits] == [venue_id]
        assert [h.venue_id for h in index.query(SearchQuery(text="abondance")).hits] == [venue_id]
        # Read again as it was, the second file changes nothing: no further row, nothing to sync.
        import_file(store, second, source=file_source(second).model_copy(update={"trust": 60}), places=places)
        assert sync(index, store) == 0
    finally:
        index.close()
