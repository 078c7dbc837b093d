# SPDX-License-Identifier: Apache-2.0
"""The back office's screenshots in docs/screenshots/ (gestion-*-desktop.png, gestion-*-phone.png),
made again from scratch: the browser tests' directory (Grand Lyon and Rés'IN harvested, two pairs and
two proposals waiting, ``tests/backoffice/scenery.py``) in a temporary folder, the app under uvicorn
on loopback, Debian's Chromium.

    .venv/bin/python scripts/screenshots_backoffice.py [FOLDER]

The test suite takes the same pictures into a temporary folder only
(``tests/backoffice/test_browser.py``), so a run never rewrites the committed ones.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from directory.places import load_gazetteer  # noqa: E402
from tests.backoffice.scenery import build_scene, served, take_screenshots  # noqa: E402
from tests.web.browsing import launch_chromium  # noqa: E402


def main(folder: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="screenshots-gestion-") as work:
        scene = build_scene(Path(work), load_gazetteer())
        try:
            with served(scene) as base_url, launch_chromium() as browser:
                for path in take_screenshots(browser, scene, base_url, folder):
                    print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
        finally:
            scene.store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
