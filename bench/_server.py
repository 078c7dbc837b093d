# SPDX-License-Identifier: Apache-2.0
"""The web app over a SQLite store, served on loopback in its own process.

``AppServer(db)`` starts ``python bench/_server.py DB [DATA_DIR]``, which serves
``web.app.serving_app`` through ``tests/serving.ServerThread`` and prints its base URL;
closing its stdin stops it. Its own process, so that its memory can be read
from ``/proc/<pid>/status`` and its CPU is not shared with the client's GIL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

__all__ = ["AppServer"]


class AppServer:
    """:param db: the SQLite store; :param data_dir: where the search index lives (built at start)."""

    def __init__(self, db: Path, data_dir: Path | None = None, instance: str = "Bench A") -> None:
        args = [sys.executable, __file__, str(db), str(data_dir or db.parent), instance]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.base = self.proc.stdout.readline().strip()
        if not self.base.startswith("http"):
            raise RuntimeError("the server did not start")

    def status(self, key: str) -> int:
        """``VmRSS``/``VmHWM`` of the server process, in kB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
        raise KeyError(key)

    def reset_peak(self) -> None:
        Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _serve(db: str, data_dir: str, instance: str) -> int:
    from directory.config import Settings
    from directory.places import load_gazetteer
    from directory.store import open_store
    from directory.web.app import serving_app
    from tests.serving import ServerThread

    store = open_store(f"sqlite:///{db}")
    settings = Settings(instance_name=instance, database_url=f"sqlite:///{db}", data_dir=Path(data_dir))
    server = ServerThread(
        serving_app(settings, store, load_gazetteer()), name="bench-app", http="auto"
    )  # as `directory serve`
    print(server.start(), flush=True)
    sys.stdin.read()  # the parent closes stdin to stop us
    server.stop()
    store.close()
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    raise SystemExit(_serve(*sys.argv[1:4]))
