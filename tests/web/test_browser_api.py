# SPDX-License-Identifier: Apache-2.0
"""The API docs page in headless Chromium: axe-core, phone width, no CSP fault, examples that answer.

Chromium and axe-core come through ``browsing.py`` (the ``browser``, ``server``
and ``page`` fixtures are in ``conftest.py``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .browsing import VIEWPORTS, serious_violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_docs_page_has_no_serious_accessibility_violation(page: Any, server: str, viewport: str) -> None:
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(server + "/api/docs")
    assert page.locator("h1").inner_text() == "Documentation de l'API"
    assert serious_violations(page) == []
    # Nothing sticks out sideways at phone width: wide tables scroll inside their own box.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_docs_page_respects_the_csp_and_its_examples_answer(browser: Any, server: str) -> None:
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="fr-FR")  # the real CSP
    try:
        tab = context.new_page()
        faults: list[str] = []
        tab.on("console", lambda m: faults.append(m.text) if m.type == "error" else None)
        tab.goto(server + "/api/docs")
        codes = tab.locator("details", has_text="codes acceptés").first
        codes.locator("summary").focus()
        tab.keyboard.press("Enter")  # opens from the keyboard, without script
        assert codes.get_attribute("open") is not None
        assert faults == []  # (a JSON document then asks for /favicon.ico: not counted)
        tab.get_by_role("link", name="Essayer : démarches administratives près de 75019").click()
        body = json.loads(tab.locator("body").inner_text())
        assert body["lieu"]["code_postal"] == "75019" and body["resultats"]
    finally:
        context.close()
