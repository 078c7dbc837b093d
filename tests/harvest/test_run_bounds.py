# SPDX-License-Identifier: Apache-2.0
"""Fetching within bounds (issue 13): a source's redirects and pages stay on its own host (or the
hosts its file allows), a web source never makes the harvester read a local file, and a whole
fetch has a deadline. Each refusal fails the run with a French reason and withdraws nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from directory.harvest import load_source

from .test_run import NOW, harvest, rows, source_file, write_csv


def _with(toml: Path, *lines: str) -> Path:
    """The source file with ``lines`` added before its first table."""
    toml.write_text("\n".join(lines) + "\n" + toml.read_text(encoding="utf-8"), encoding="utf-8")
    return toml


def _other_host(url: str) -> str:
    """The same server under another name: ``localhost`` instead of ``127.0.0.1``."""
    return url.replace("://127.0.0.1:", "://localhost:")


def _harvested_then(store, places, fetcher, tmp_path, server, root, url: str, *extra: str):
    """A first complete harvest of 20 records from the source's own host, then one from ``url``."""
    write_csv(root / "lieux.csv", rows()[:20])
    good = load_source(source_file(tmp_path, server.url("files/lieux.csv")))
    assert harvest(store, good, fetcher, places).status == "complete"
    before = store.sources.state("hinaura")
    config = load_source(_with(source_file(tmp_path, url), *extra))
    return before, harvest(store, config, fetcher, places, now=NOW + timedelta(days=1))


def test_a_redirect_to_another_host_is_refused_and_withdraws_nothing(store, places, served, fetcher, tmp_path):
    root, server = served
    elsewhere = _other_host(server.url("files/autre.csv"))
    write_csv(root / "autre.csv", rows()[40:45])  # what another machine would make us publish
    url = server.url(f"redirect-to?url={quote(elsewhere, safe='')}")
    before, report = _harvested_then(store, places, fetcher, tmp_path, server, root, url)
    assert report.status == "failed" and report.withdrawn == 0
    assert report.notes[0].startswith(
        f"redirection refusée vers {elsewhere} : hors de l'hôte de la source ({urlsplit(url).netloc}) ; "
        f"pour l'autoriser, ajouter « {urlsplit(elsewhere).netloc} » à allowed_hosts dans le fichier de la source"
    )
    assert "rien n'a été retiré de l'annuaire" in report.notes[0]
    assert server.count("files/autre.csv") == 0  # never asked
    assert store.count_venues() == 20
    after = store.sources.state("hinaura")
    assert (after.etag, after.content_hash, after.last_complete_run_id) == (
        before.etag,
        before.content_hash,
        before.last_complete_run_id,
    )


def test_a_redirect_to_a_host_the_source_file_allows_is_followed(store, places, served, fetcher, tmp_path):
    root, server = served
    elsewhere = _other_host(server.url("files/lieux.csv"))
    url = server.url(f"redirect-to?url={quote(elsewhere, safe='')}")
    write_csv(root / "lieux.csv", rows()[:20])
    config = load_source(_with(source_file(tmp_path, url), f'allowed_hosts = ["{urlsplit(elsewhere).netloc}"]'))
    report = harvest(store, config, fetcher, places)
    assert (report.status, report.fetched, report.requests) == ("complete", 20, 2)


def _pages(root: Path, url: str, first: list[dict], next_url: str) -> Path:
    """A one-page JSON API whose page points to ``next_url``; its source file."""
    (root / "page-1.json").write_text(json.dumps({"results": first, "next": next_url}), encoding="utf-8")
    toml = root.parent / "api.toml"
    toml.write_text(
        "\n".join(
            [
                'id = "api"',
                'name = "API"',
                'publisher = "Réseau"',
                'kind = "network"',
                f'url = "{url}"',
                'format = "national-json"',
                'licence = "etalab-2.0"',
                "",
                "[pagination]",
                'next = "next"',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return toml


@pytest.mark.parametrize("where", ["other-host", "local-file"])
def test_a_next_page_on_another_host_or_in_a_local_file_is_refused(store, places, served, fetcher, tmp_path, where):
    root, server = served
    secret = rows()[40:45]  # what an internal service, or a file of this machine, would make us publish
    (root / "page-2.json").write_text(json.dumps({"results": secret, "next": None}), encoding="utf-8")
    (tmp_path / "secret.json").write_text(json.dumps({"results": secret, "next": None}), encoding="utf-8")
    ok = _pages(root, server.url("files/page-1.json"), rows()[:20], "page-2.json")
    assert harvest(store, load_source(ok), fetcher, places).status == "complete"
    assert store.count_venues() == 25
    elsewhere = (
        _other_host(server.url("files/page-2.json")) if where == "other-host" else (tmp_path / "secret.json").as_uri()
    )
    config = load_source(_pages(root, server.url("files/page-1.json"), rows()[:20], elsewhere))
    server.reset()
    report = harvest(store, config, fetcher, places, now=NOW + timedelta(days=1))
    assert report.status == "failed" and report.withdrawn == 0
    why = (
        f"hors de l'hôte de la source ({urlsplit(server.base_url).netloc}) ; pour l'autoriser, ajouter "
        f"« {urlsplit(elsewhere).netloc} » à allowed_hosts dans le fichier de la source"
        if where == "other-host"
        else "une source web ne peut pas faire lire un fichier de cette machine"
    )
    assert report.notes[0].startswith(f"page suivante refusée : {elsewhere} : {why}"), report.notes[0]
    assert server.count("files/page-2.json") == 0
    assert store.count_venues() == 25  # the five of the first run's second page are not withdrawn
    assert store.sources.run(report.run_id).report["notes"] == report.notes


def test_a_local_source_reads_its_next_pages_in_its_own_folder_only(store, places, tmp_path, fetcher):
    folder = tmp_path / "donnees"
    folder.mkdir()
    (folder / "page-2.json").write_text(json.dumps({"results": rows()[20:22], "next": None}), encoding="utf-8")
    (tmp_path / "secret.json").write_text(json.dumps({"results": rows()[40:45], "next": None}), encoding="utf-8")
    lines = [
        'id = "local"',
        'name = "Local"',
        'publisher = "Réseau"',
        'kind = "file"',
        'path = "donnees/page-1.json"',
        'format = "national-json"',
        'licence = "etalab-2.0"',
        "",
        "[pagination]",
        'next = "next"',
    ]
    (tmp_path / "local.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = load_source(tmp_path / "local.toml")
    (folder / "page-1.json").write_text(json.dumps({"results": rows()[:20], "next": "page-2.json"}), encoding="utf-8")
    assert (harvest(store, config, fetcher, places).fetched, store.count_venues()) == (22, 22)
    (folder / "page-1.json").write_text(
        json.dumps({"results": rows()[:20], "next": "../secret.json"}), encoding="utf-8"
    )
    report = harvest(store, config, fetcher, places, now=NOW + timedelta(days=1))
    assert report.status == "failed" and store.count_venues() == 22
    assert report.notes[0].startswith(
        f"page suivante refusée : {tmp_path / 'secret.json'} : hors du dossier de la source ({folder})"
    ), report.notes[0]


def test_a_source_trickling_past_its_deadline_fails_cleanly(store, places, served, fetcher, tmp_path):
    """100 bytes every 0.2 s: each read comes well within the read timeout, the whole never ends in time."""
    root, server = served
    url = server.url("trickle/0.2/lieux.csv")
    before, report = _harvested_then(store, places, fetcher, tmp_path, server, root, url, 'deadline = "1s"')
    assert report.status == "failed" and report.withdrawn == 0
    assert report.notes[0] == (
        "délai total dépassé : la source n'a pas tout envoyé en 1 s, la limite « deadline » de son fichier "
        f"({url}) — rien n'a été retiré de l'annuaire ; nouvel essai dans 1 h"
    )
    assert store.count_venues() == 20
    after = store.sources.state("hinaura")
    assert (after.etag, after.last_modified, after.content_hash) == (
        before.etag,
        before.last_modified,
        before.content_hash,
    )
    assert after.next_due_at == NOW + timedelta(days=1, hours=1)
