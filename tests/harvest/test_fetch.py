# SPDX-License-Identifier: Apache-2.0
"""The fetcher against a real, misbehaving HTTP server on 127.0.0.1 (no mocks)."""

from __future__ import annotations

import hashlib
import json
import socket
import time
import tracemalloc
from collections.abc import Callable, Iterator
from urllib.parse import quote

import httpx
import pytest

from directory.errors import SourceUnavailable
from directory.harvest.bounds import Bounds
from directory.harvest.encoding import decode, detect_encoding, encoding_note
from directory.harvest.fetch import DEFAULT_USER_AGENT, Fetcher, FetchResult

from .loopback import FIXTURES, Loopback

CSV = "demo/hinaura-2021.csv"
CSV_BYTES = (FIXTURES / CSV).read_bytes()
CSV_HASH = hashlib.sha256(CSV_BYTES).hexdigest()


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the fetcher asked for, instead of waiting."""
    return []


@pytest.fixture
def make_fetcher(sleeps: list[float]) -> Iterator[Callable[..., Fetcher]]:
    """Build fetchers that record their waits instead of sleeping; closed after the test."""
    built: list[Fetcher] = []

    def make(**options: object) -> Fetcher:
        fetcher = Fetcher(sleep=sleeps.append, **options)  # type: ignore[arg-type]
        built.append(fetcher)
        return fetcher

    yield make
    for fetcher in built:
        fetcher.close()


@pytest.fixture
def fetcher(make_fetcher: Callable[..., Fetcher]) -> Fetcher:
    return make_fetcher()


def unavailable(fetcher: Fetcher, location: str, **options: object) -> SourceUnavailable:
    with pytest.raises(SourceUnavailable) as caught:
        fetcher.fetch(location, **options)  # type: ignore[arg-type]
    assert caught.value.detail, "the error must say what happened"
    return caught.value


# -- conditional requests -------------------------------------------------------


def test_etag_round_trip(loopback: Loopback, fetcher: Fetcher):
    url = loopback.url(f"files/{CSV}")
    first = fetcher.fetch(url)
    assert (first.status, first.body, first.content_hash) == ("ok", CSV_BYTES, CSV_HASH)
    assert first.etag and first.last_modified and first.requests == 1
    assert first.content_type == "text/csv" and first.url == url

    second = fetcher.fetch(url, etag=first.etag)
    assert (second.status, second.body, second.content_hash) == ("not_modified", b"", "")
    assert second.requests == 1 and loopback.count(url) == 2
    assert second.etag == first.etag
    assert loopback.requests_to(url)[-1].headers["if-none-match"] == first.etag


def test_a_changed_etag_gets_the_body(loopback: Loopback, fetcher: Fetcher):
    result = fetcher.fetch(loopback.url(f"files/{CSV}"), etag='"une-autre-version"')
    assert (result.status, result.body) == ("ok", CSV_BYTES)


def test_last_modified_round_trip(loopback: Loopback, fetcher: Fetcher):
    url = loopback.url(f"files/{CSV}")
    first = fetcher.fetch(url)
    second = fetcher.fetch(url, last_modified=first.last_modified)
    assert (second.status, second.body, second.requests) == ("not_modified", b"", 1)
    sent = loopback.requests_to(url)[-1].headers
    assert sent["if-modified-since"] == first.last_modified and "if-none-match" not in sent
    assert second.last_modified == first.last_modified


def test_unchanged_body_without_validators_is_not_modified_by_hash(loopback: Loopback, fetcher: Fetcher):
    url = loopback.url(f"no-etag/{CSV}")
    first = fetcher.fetch(url)
    assert first.etag is None and first.last_modified is None and first.content_hash == CSV_HASH
    # The server ignores validators: the body comes again, but nothing changed.
    second = fetcher.fetch(url, etag='"x"', previous_hash=first.content_hash)
    assert (second.status, second.body, second.requests) == ("not_modified", b"", 1)
    assert loopback.count(url) == 2
    changed = fetcher.fetch(url, previous_hash="0" * 64)
    assert changed.status == "ok" and changed.body == CSV_BYTES


# -- failures and retries ---------------------------------------------------------


def test_500_is_retried_then_fails_in_french(loopback: Loopback, fetcher: Fetcher, sleeps: list[float]):
    url = loopback.url("status/500")
    error = unavailable(fetcher, url)
    assert loopback.count(url) == fetcher.retries + 1 == 4
    assert sleeps == [1.0, 2.0, 4.0]  # exponential backoff
    assert "le serveur a répondu 500" in error.detail and "quatre fois" in error.detail
    assert isinstance(error.__cause__, httpx.HTTPStatusError)
    assert error.status == 502 and error.as_problem()["title"] == "Source indisponible"


def test_404_is_not_retried(loopback: Loopback, fetcher: Fetcher, sleeps: list[float]):
    url = loopback.url("status/404")
    error = unavailable(fetcher, url)
    assert loopback.count(url) == 1 and sleeps == []
    assert "404" in error.detail


def test_429_honours_retry_after(loopback: Loopback, make_fetcher, sleeps: list[float]):
    fetcher = make_fetcher(retries=1)
    unavailable(fetcher, loopback.url("status/429?retry_after=7"))
    assert loopback.count("status/429") == 2 and sleeps == [7.0]


def test_429_asking_too_long_a_wait_is_not_retried(loopback: Loopback, fetcher: Fetcher, sleeps: list[float]):
    error = unavailable(fetcher, loopback.url("status/429?retry_after=3600"))
    assert loopback.count("status/429") == 1 and sleeps == []
    assert "3600 s" in error.detail


def test_flaky_503_twice_then_ok(loopback: Loopback, fetcher: Fetcher, sleeps: list[float]):
    url = loopback.url(f"flaky/2/{CSV}")
    result = fetcher.fetch(url)
    assert (result.status, result.body, result.requests) == ("ok", CSV_BYTES, 3)
    assert loopback.count(url) == 3 and sleeps == [1.0, 2.0]


def test_timeout_says_how_long_it_waited(loopback: Loopback, make_fetcher):
    fetcher = make_fetcher(timeout_s=0.5, retries=1)
    url = loopback.url(f"slow/3/{CSV}")
    started = time.perf_counter()
    error = unavailable(fetcher, url)
    assert time.perf_counter() - started < 2.5
    assert "délai dépassé après 0,5 s" in error.detail
    assert isinstance(error.__cause__, httpx.ReadTimeout)
    assert loopback.count(url) == 2


def test_refused_connection(make_fetcher, sleeps: list[float]):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    error = unavailable(make_fetcher(retries=1), f"http://127.0.0.1:{port}/x.csv")
    assert "connexion impossible" in error.detail and sleeps == [1.0]
    assert isinstance(error.__cause__, httpx.ConnectError)


def test_truncated_body_fails(loopback: Loopback, make_fetcher):
    error = unavailable(make_fetcher(retries=0), loopback.url(f"truncated/{CSV}"))
    received, announced = f"{len(CSV_BYTES) // 2:,}", f"{len(CSV_BYTES):,}"
    expected = f"réponse tronquée : {received} octets reçus sur {announced} annoncés".replace(",", " ")
    assert error.detail.startswith(expected)
    assert isinstance(error.__cause__, httpx.RemoteProtocolError)


def test_huge_stream_stops_at_the_limit_without_filling_memory(loopback: Loopback, fetcher: Fetcher):
    fetcher = Fetcher(max_bytes=5_000_000, sleep=lambda s: None)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(SourceUnavailable) as caught:
            fetcher.fetch(loopback.url("huge/50"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        fetcher.close()
    assert time.perf_counter() - started < 5
    assert peak < 10_000_000, f"peak {peak:,} bytes"
    assert caught.value.detail.startswith("fichier trop gros : plus de 5 Mo")
    assert loopback.count("huge/50") == 1  # not retried


def test_a_large_body_within_its_limit_is_spooled_to_disk_not_memory(loopback: Loopback, fetcher: Fetcher):
    tracemalloc.start()
    try:
        result = fetcher.fetch(loopback.url("huge/30"), max_bytes=40_000_000)  # beyond the fetcher's 20 MB
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.status == "ok" and result.content.size == 30_000_000
    assert peak < 5_000_000, f"peak {peak:,} bytes"
    with result.content.open() as stream:
        hashed = hashlib.sha256()
        while chunk := stream.read(1 << 20):
            hashed.update(chunk)
    assert result.content_hash == hashed.hexdigest()
    result.content.close()


def test_huge_announced_length_is_refused_before_reading(loopback: Loopback, make_fetcher):
    error = unavailable(make_fetcher(max_bytes=5_000_000), loopback.url("huge/50?content_length=1"))
    assert "fichier trop gros : plus de 5 Mo, 50 Mo annoncés" in error.detail


def test_redirects_are_followed_and_bounded(loopback: Loopback, fetcher: Fetcher):
    result = fetcher.fetch(loopback.url(f"redirect/2/{CSV}"))
    assert result.body == CSV_BYTES and result.url == loopback.url(f"files/{CSV}")
    assert result.requests == 3  # two redirects, then the file
    error = unavailable(fetcher, loopback.url(f"redirect/20/{CSV}"))
    assert "trop de redirections" in error.detail


def test_a_redirect_leaves_neither_the_host_nor_the_web(loopback: Loopback, fetcher: Fetcher, tmp_path):
    """Without bounds, the fetch stays on the host it was asked: another host, a downgrade or a
    file are refused before any request (issue 13)."""
    elsewhere = loopback.url(f"files/{CSV}").replace("127.0.0.1", "localhost")
    for target, why in [
        (elsewhere, "hors de l'hôte de la source"),
        ((tmp_path / "secret.csv").as_uri(), "une source web ne peut pas faire lire un fichier de cette machine"),
    ]:
        error = unavailable(fetcher, loopback.url("redirect-to?url=") + quote(target, safe=""))
        assert error.detail.startswith("redirection refusée vers ") and f" : {why}" in error.detail, error.detail
    assert loopback.count(f"files/{CSV}") == 0
    allowed = Bounds.of(loopback.base_url, local=False, allowed_hosts=(elsewhere.split("/")[2],))
    assert fetcher.fetch(loopback.url("redirect-to?url=") + quote(elsewhere, safe=""), bounds=allowed).body == CSV_BYTES


def test_bounds_of_a_web_source():
    bounds = Bounds.of(
        "http://data.exemple.fr/lieux.csv", local=False, allowed_hosts=("cdn.exemple.fr", "api.exemple.fr:8443")
    )
    within = [
        "http://data.exemple.fr/p2",
        "https://data.exemple.fr/p2",
        "http://DATA.exemple.fr:80/x",
        "https://cdn.exemple.fr/x",
        "http://cdn.exemple.fr/x",
        "https://api.exemple.fr:8443/x",
    ]
    assert [bounds.refusal(url) for url in within] == [None] * len(within)
    assert "hors de l'hôte" in bounds.refusal("http://data.exemple.fr:6379/")
    assert "hors de l'hôte" in bounds.refusal("http://169.254.169.254/latest/meta-data/")
    assert "ajouter « api.exemple.fr » à allowed_hosts" in bounds.refusal("https://api.exemple.fr/x")
    assert "fichier de cette machine" in bounds.refusal("file:///etc/passwd")
    assert "fichier de cette machine" in bounds.refusal("/etc/passwd")
    assert "protocole « gopher » refusé" in bounds.refusal("gopher://data.exemple.fr/")
    secure = Bounds.of("https://data.exemple.fr/lieux.csv", local=False, allowed_hosts=("cdn.exemple.fr",))
    assert "passage de https à http refusé" in secure.refusal("http://data.exemple.fr/lieux.csv")
    assert "passage de https à http refusé" in secure.refusal("http://cdn.exemple.fr/lieux.csv")


def test_retries_stop_at_the_deadline_without_waiting_past_it(loopback: Loopback, make_fetcher, sleeps: list[float]):
    fetcher = make_fetcher(retries=5, backoff_s=30)
    error = unavailable(
        fetcher, loopback.url("status/503"), bounds=Bounds.of(loopback.base_url, local=False, deadline_s=20)
    )
    assert loopback.count("status/503") == 1 and sleeps == []  # a second try could not start in time
    assert error.detail.startswith(
        "délai total dépassé : la source n'a pas tout envoyé en 20 s, la limite « deadline » de son fichier, "
        "après : le serveur a répondu 503"
    ), error.detail


def test_unsupported_scheme(fetcher: Fetcher):
    assert "protocole non pris en charge" in unavailable(fetcher, "ftp://example.org/lieux.csv").detail


# -- bytes, files, headers -------------------------------------------------------------


def test_lying_encoding_keeps_the_bytes_and_decode_finds_the_text(loopback: Loopback, fetcher: Fetcher):
    path = "hostile/cp1252.csv"
    result = fetcher.fetch(loopback.url(f"lying-encoding/{path}"))
    assert result.declared_encoding == "utf-8"
    assert result.body == (FIXTURES / path).read_bytes()  # as received, untouched
    decoded = decode(result.body, result.declared_encoding)
    assert decoded.encoding == "cp1252"
    assert "Médiathèque de l'Île — Œuvre sociale" in decoded.text


def test_a_utf8_file_served_as_cp1252_with_a_utf8_label(loopback: Loopback, fetcher: Fetcher):
    result = fetcher.fetch(loopback.url("lying-encoding/hostile/script-tags.json"))
    assert b"M\xe9diath\xe8que" in result.body
    assert "Médiathèque" in decode(result.body, result.declared_encoding).text


def test_a_utf8_file_labelled_latin1_is_read_as_utf8(loopback: Loopback, fetcher: Fetcher):
    """Latin-1 decodes any bytes: the label must not win over text that is valid UTF-8."""
    result = fetcher.fetch(loopback.url("charset/ISO-8859-1/hostile/script-tags.json"))
    assert result.declared_encoding == "iso-8859-1"
    assert result.body == (FIXTURES / "hostile/script-tags.json").read_bytes()
    decoded = decode(result.body, result.declared_encoding)
    assert decoded.encoding == "utf-8" and "Médiathèque" in decoded.text and "MÃ©" not in decoded.text
    with result.content.open() as stream:  # the streamed path (CSV) chooses the same
        assert detect_encoding(stream, result.declared_encoding) == "utf-8"
    assert encoding_note(result.declared_encoding, decoded.encoding) == (
        "le fichier est annoncé en ISO-8859-1 mais il est en UTF-8 : il a été lu en UTF-8"
    )
    assert decode(b"id,nom\n", "ISO-8859-1").encoding == "iso-8859-1"  # ASCII only: nothing to overrule


@pytest.mark.parametrize("as_url", [False, True], ids=["path", "file-url"])
def test_local_file(fetcher: Fetcher, as_url: bool):
    path = FIXTURES / CSV
    location = path.as_uri() if as_url else str(path)
    result = fetcher.fetch(location)
    assert (result.status, result.body, result.content_hash) == ("ok", CSV_BYTES, CSV_HASH)
    assert result.url == str(path) and result.requests == 0 and result.last_modified
    again = fetcher.fetch(location, previous_hash=result.content_hash)
    assert (again.status, again.body, again.content_hash) == ("not_modified", b"", "")


def test_local_file_missing_or_too_big(make_fetcher, tmp_path):
    fetcher = make_fetcher(max_bytes=1_000)
    assert "fichier introuvable" in unavailable(fetcher, str(tmp_path / "absent.csv")).detail
    assert "fichier introuvable" in unavailable(fetcher, (tmp_path / "absent.csv").as_uri()).detail
    error = unavailable(fetcher, str(FIXTURES / CSV))
    assert "fichier trop gros : plus de 1 000 octets" in error.detail
    assert fetcher.fetch(str(FIXTURES / CSV), max_bytes=len(CSV_BYTES)).body == CSV_BYTES  # a source's own limit


def test_user_agent_reaches_the_server(loopback: Loopback, fetcher: Fetcher, make_fetcher):
    fetcher.fetch(loopback.url(f"files/{CSV}"))
    assert loopback.requests_to(f"files/{CSV}")[0].headers["user-agent"] == DEFAULT_USER_AGENT
    custom = make_fetcher(user_agent="annuaire-test/1 (+http://127.0.0.1 ; test@example.org)")
    echoed = json.loads(custom.fetch(loopback.url("headers")).body)
    assert echoed["user-agent"] == "annuaire-test/1 (+http://127.0.0.1 ; test@example.org)"


def test_injected_client_is_used_and_left_open(loopback: Loopback):
    with httpx.Client(headers={"X-Source": "essai"}) as client:
        fetcher = Fetcher(client, sleep=lambda s: None)
        result = fetcher.fetch(loopback.url("headers"), params={"q": "1"}, headers={"Accept": "application/json"})
        fetcher.close()
        assert not client.is_closed
    sent = loopback.requests_to("headers")[0]
    assert sent.headers["x-source"] == "essai" and sent.headers["user-agent"] == DEFAULT_USER_AGENT
    assert sent.headers["accept"] == "application/json" and sent.query == "q=1"
    assert isinstance(result, FetchResult) and result.declared_encoding is None


def test_paginated_route_walks_a_json_array(loopback: Loopback, fetcher: Fetcher):
    expected = json.loads((FIXTURES / "hostile/script-tags.json").read_bytes())
    url: str | None = loopback.url("paginated/hostile/script-tags.json?per_page=2")
    items, pages = [], 0
    while url:
        page = json.loads(fetcher.fetch(url).body)
        items += page["results"]
        url, pages = page["next"], pages + 1
    assert items == expected and pages == -(-len(expected) // 2)


def test_a_utf16_label_on_ascii_bytes_does_not_break_reading():
    """A UTF-16 label on ASCII bytes would read them as nonsense (or raise UnicodeError): the label is dropped."""
    import io

    data = b"id,nom\n1,Mairie\n"
    assert decode(data, "utf-16").text == data.decode() and decode(data, "utf-16").encoding == "utf-8"
    assert detect_encoding(io.BytesIO(data), "utf-16") == "utf-8"
    assert detect_encoding(io.BytesIO(data), "iso-8859-1") == "iso-8859-1"  # ASCII: the label is as good as any
