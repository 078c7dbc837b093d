# SPDX-License-Identifier: Apache-2.0
"""What the browser tests share: Debian's Chromium driven by Playwright, and axe-core.

Needs Debian's Chromium (``apt-get install chromium``) and axe-core in
``node_modules`` (``npm ci``). Without them the tests are skipped with a
reason, except when ``CI`` is set: then they fail. The ``browser`` fixture
(one Chromium per module) is in ``conftest.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

__all__ = [
    "AXE",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "DESKTOP",
    "PHONE",
    "Tab",
    "VIEWPORTS",
    "all_violations",
    "launch_chromium",
    "open_page",
    "serious_violations",
]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: browser tests must run)")
    pytest.skip(reason)


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """Headless Chromium, or a skip (a failure under CI) saying what is missing."""
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing: apt-get install -y chromium")
    if not AXE.exists():
        _missing(f"{AXE} is missing: npm install axe-core@4")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def all_violations(page: Any) -> list[str]:
    """axe-core's violations of every impact (minor and moderate too), one line each."""
    return [f"{v['id']} ({v['impact']}): {v['help']} — {targets}" for v, targets in _axe(page)]


def serious_violations(page: Any) -> list[str]:
    """axe-core's violations of impact serious or critical, one line each."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {targets}"
        for v, targets in _axe(page)
        if v["impact"] in ("serious", "critical")
    ]


def _axe(page: Any) -> list[tuple[dict[str, Any], list[Any]]]:
    """axe-core run on the whole page: each violation with the targets of its first three nodes."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [(v, [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Tab:
    """A page in its own browser context, with what went wrong in it."""

    page: Any
    blocked: list[str] = field(default_factory=list)  # requests beyond loopback, aborted
    errors: list[str] = field(default_factory=list)  # uncaught exceptions, CSP refusals

    def assert_healthy(self) -> None:
        assert self.errors == []


def open_page(browser: Any, viewport: dict[str, int], *, js: bool = True, axe: bool = False) -> tuple[Any, Tab]:
    """A page of its own context at ``viewport``, loopback only (any other request is aborted and
    noted), its uncaught exceptions and CSP refusals collected."""
    # The pages' CSP forbids inline scripts and axe is injected inline: only the
    # axe runs bypass the CSP, so the flows also check that the pages respect it.
    context = browser.new_context(
        viewport=viewport, locale="fr-FR", timezone_id="Europe/Paris", java_script_enabled=js, bypass_csp=axe
    )
    context.set_default_timeout(10_000)
    tab = Tab(context.new_page())

    def only_loopback(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOOPBACK:
            route.continue_()
        else:
            tab.blocked.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", only_loopback)
    tab.page.on("pageerror", lambda err: tab.errors.append(f"exception: {err}"))
    tab.page.on(
        "console",
        lambda msg: (
            tab.errors.append(f"console: {msg.text}")
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    return context, tab
