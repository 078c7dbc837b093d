# SPDX-License-Identifier: Apache-2.0
"""Harvest fixtures: the loopback server of ``tests/harvest/loopback.py``, and
the « Rapprochement des doublons » section that ends a run of test_matching.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from directory.harvest.fetch import Fetcher

from .fake_ban import FakeBan
from .loopback import Loopback

MATCHING_FIGURES = pytest.StashKey[list[str]]()
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(scope="session")
def loopback_server() -> Iterator[Loopback]:
    """One loopback server for the session, serving ``fixtures/``."""
    with Loopback() as server:
        yield server


@pytest.fixture
def loopback(loopback_server: Loopback, monkeypatch: pytest.MonkeyPatch) -> Loopback:
    """The session's loopback server, its request log and flaky counters reset.

    Proxy variables are cleared so that requests to 127.0.0.1 go straight there.
    """
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    loopback_server.reset()
    return loopback_server


@pytest.fixture
def served(tmp_path) -> Iterator[tuple]:
    """A loopback server of its own over ``tmp_path/www``, which the test fills: (folder, server)."""
    root = tmp_path / "www"
    root.mkdir()
    with Loopback(root) as server:
        yield root, server


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    """A fetcher that retries once, at once (test_fetch.py has its own)."""
    with Fetcher(retries=1, backoff_s=0, timeout_s=5, sleep=lambda s: None) as f:
        yield f


@pytest.fixture(scope="session")
def ban_server() -> Iterator[FakeBan]:
    """A fake BAN on loopback (the national geocoder cannot be reached from here)."""
    with FakeBan() as server:
        yield server


@pytest.fixture
def ban(ban_server: FakeBan) -> FakeBan:
    """The fake BAN, its counters and outages reset."""
    ban_server.reset()
    return ban_server


@pytest.fixture
def matching_figures(pytestconfig: pytest.Config) -> list[str]:
    """Lines that :func:`pytest_terminal_summary` shows at the end of the run."""
    return pytestconfig.stash.setdefault(MATCHING_FIGURES, [])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Matching precision and recall in every run's output, not only with ``-s``."""
    if lines := config.stash.get(MATCHING_FIGURES, []):
        terminalreporter.write_sep("=", "Rapprochement des doublons")
        for line in lines:
            terminalreporter.write_line(line)
