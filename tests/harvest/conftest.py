# SPDX-License-Identifier: Apache-2.0
"""Harvest fixtures: the loopback server of ``tests/harvest/loopback.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .loopback import Loopback

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
