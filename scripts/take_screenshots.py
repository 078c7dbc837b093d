# SPDX-License-Identifier: Apache-2.0
"""Screenshots of a running instance, desktop and phone, into docs/screenshots/.

.venv/bin/directory demo &   # then:
.venv/bin/python scripts/take_screenshots.py http://127.0.0.1:8000 "/?lieu=69003" "/?lieu=Nancy"
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def main(base: str, paths: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, viewport in VIEWPORTS.items():
            page = browser.new_page(viewport=viewport, locale="fr-FR")
            for path in paths:
                page.goto(base + path)
                slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "accueil"
                target = OUT / f"demo-{slug}-{name}.png"
                page.screenshot(path=str(target), full_page=name == "desktop")
                print(target)
            page.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
