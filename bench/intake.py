# SPDX-License-Identifier: Apache-2.0
"""What the intake makes of the demo data and of each fixture source: venues stored, merged, quarantined, withdrawn.

    .venv/bin/python bench/intake.py            # the demo files, each fixture source alone, then all together
    .venv/bin/python bench/intake.py --small    # one small source and the first 200 lines of one demo file

Each measurement runs the ``directory`` command as people do, in a subprocess
(``python -m directory``, with the repository this script sits in as working
folder and first on ``PYTHONPATH``: a worktree of an older commit measures that
commit's code and fixtures), over a fresh temporary data folder
(``DIRECTORY_DATA_DIR``, ``DATABASE_URL`` empty: the SQLite file in it; no
geocoder):

- *demo*: ``directory import --json`` of ``fixtures/demo/*.csv`` in sorted order
  (``DIRECTORY_SOURCES_DIR`` an empty folder, as ``directory demo``);
- *harvest ID*: ``directory harvest ID --json`` of each ``fixtures/sources/*.toml``
  on its own (``DIRECTORY_SOURCES_DIR=fixtures/sources``: a source's ``path`` is
  relative to its TOML file);
- *harvest --all*: every enabled fixture source in one run.

Then the same command a second time over the same folder, which should change
nothing. One row per run: records read, active venues in the store after
(``directory stats --json``), new venues, merged (records joined to a venue
already there), pairs sent to review, quarantined, updated, withdrawn. The
import's JSON report of today (``counts``: fetched/new/updated/unchanged/
quarantined/merged/to_review/withdrawn) and the one before the single intake
path (``counts``: read/created/updated/unchanged/rejected/flagged: no matching,
no withdrawals, shown « - ») are both read. A command that fails without a report
prints its exit code and the first lines of its standard error in its row.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"
SOURCES = ROOT / "fixtures" / "sources"
#: ``--small``: this source (7 records) and the first lines of the first demo file.
SMALL_SOURCE = "res-in"
SMALL_LINES = 200
#: One command's time limit (the whole demo takes well under a minute on 2 cores).
TIMEOUT_S = 1800

#: Counts of today's report (a harvest, or an import going through the harvest's path).
_NEW_SHAPE = {
    "read": "fetched",
    "new": "new",
    "merged": "merged",
    "review": "to_review",
    "quarantined": "quarantined",
    "updated": "updated",
    "unchanged": "unchanged",
    "withdrawn": "withdrawn",
    "skipped": "skipped",
}
#: Counts of the import report before the single intake path (no matching, no withdrawals).
_OLD_SHAPE = {
    "read": "read",
    "new": "created",
    "quarantined": "rejected",
    "updated": "updated",
    "unchanged": "unchanged",
}
COLUMNS = ("read", "active", "new", "merged", "review", "quarantined", "updated", "unchanged", "withdrawn", "skipped")


@dataclass
class Outcome:
    """One command run: its exit code, the counts of its report(s) summed, the store after it."""

    exit: int
    seconds: float
    counts: dict[str, int | None] = field(default_factory=dict)
    statuses: list[str] = field(default_factory=list)
    active: int | None = None
    other_venues: dict[str, int] = field(default_factory=dict)
    error: str | None = None


def cli_env(data_dir: Path, sources_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIRECTORY_", "DATABASE_URL"))}
    env.update(
        DIRECTORY_DATA_DIR=str(data_dir),
        DATABASE_URL="",
        DIRECTORY_SOURCES_DIR=str(sources_dir),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    return env


def run_cli(args: Sequence[str], env: dict[str, str]) -> tuple[int, str, str, float]:
    """``python -m directory ARGS``: exit code, stdout, stderr, seconds."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "directory", *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as err:
        stderr = err.stderr.decode(errors="replace") if isinstance(err.stderr, bytes) else (err.stderr or "")
        return -1, "", f"time limit of {TIMEOUT_S} s reached\n{stderr}", time.perf_counter() - started
    return done.returncode, done.stdout, done.stderr, time.perf_counter() - started


def first_lines(stderr: str, n: int = 3) -> str:
    """The first non-blank lines of ``stderr`` (and the last one of a traceback)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    head = lines[:n]
    if lines and lines[0].startswith("Traceback") and lines[-1] not in head:
        head.append(lines[-1])
    return " | ".join(head)[:400] or "(nothing on stderr)"


def read_counts(reports: list[dict[str, Any]]) -> tuple[dict[str, int | None], list[str]]:
    """The counts of every report summed, in the table's names (None: not in this shape of report)."""
    values: dict[str, list[int]] = {name: [] for name in COLUMNS if name != "active"}
    statuses = []
    for report in reports:
        counts = report.get("counts") or {}
        shape = _NEW_SHAPE if "fetched" in counts else _OLD_SHAPE
        statuses.append(str(report.get("status", "-")))
        for name, found in values.items():
            key = shape.get(name)
            if key is not None and counts.get(key) is not None:
                found.append(int(counts[key]))
    total: dict[str, int | None] = {name: sum(found) if found else None for name, found in values.items()}
    return total, statuses


def measure(args: Sequence[str], env: dict[str, str], expected_reports: int) -> Outcome:
    """Run one intake command, then ``directory stats --json`` over the same folder."""
    code, stdout, stderr, seconds = run_cli(args, env)
    try:
        reports = json.loads(stdout)  # the old import printed bare NaN: Python's json reads it
    except ValueError:
        reports = None
    if not isinstance(reports, list) or not reports:
        return Outcome(code, seconds, error=f"exit {code}: {first_lines(stderr)}")
    counts, statuses = read_counts(reports)
    outcome = Outcome(code, seconds, counts, statuses)
    if len(reports) != expected_reports:
        outcome.error = f"{len(reports)} report(s) for {expected_reports}: {first_lines(stderr)}"
    s_code, s_out, s_err, _ = run_cli(["stats", "--json"], env)
    try:
        venues = json.loads(s_out)["venues"]
    except (ValueError, KeyError, TypeError):
        outcome.error = f"stats: exit {s_code}: {first_lines(s_err)}"
        return outcome
    outcome.active = int(venues.get("active", 0))
    outcome.other_venues = {k: int(v) for k, v in sorted(venues.items()) if k != "active"}
    return outcome


def fixture_sources() -> dict[str, bool]:
    """The id of each fixture source file (sorted by file name), and whether it is enabled."""
    found = {}
    for path in sorted(SOURCES.glob("*.toml")):
        with path.open("rb") as handle:
            table = tomllib.load(handle)
        found[str(table.get("id", path.stem))] = bool(table.get("enabled", True))
    return found


HEADER = (
    f"{'measurement':34} {'run':3} {'exit':>4} {'status':10} {'read':>6} {'active':>6} {'new':>6} {'merged':>6} "
    f"{'review':>6} {'quar.':>6} {'upd.':>6} {'unch.':>6} {'withdr.':>7} {'skip.':>5} {'s':>6}  other venues"
)


def row(name: str, run: str, o: Outcome) -> str:
    def cell(key: str, width: int) -> str:
        value = o.active if key == "active" else o.counts.get(key)
        return f"{'-' if value is None else f'{value:,}':>{width}}"

    status = ",".join(sorted(set(o.statuses))) or "-"
    if not o.counts:  # no report at all
        return f"{name:34} {run:3} {o.exit:>4} {'-':10} {o.error}"
    other = ", ".join(f"{n} {s}" for s, n in o.other_venues.items()) or "-"
    line = (
        f"{name:34} {run:3} {o.exit:>4} {status:10} {cell('read', 6)} {cell('active', 6)} {cell('new', 6)} "
        f"{cell('merged', 6)} {cell('review', 6)} {cell('quarantined', 6)} {cell('updated', 6)} "
        f"{cell('unchanged', 6)} {cell('withdrawn', 7)} {cell('skipped', 5)} {o.seconds:>6.1f}  {other}"
    )
    return line + (f"  !! {o.error}" if o.error else "")


def changes(first: Outcome, second: Outcome) -> list[str]:
    """What the second run of the same data changed (it should change nothing)."""
    found = [
        f"{key} {second.counts[key]}"
        for key in ("new", "updated", "withdrawn", "merged", "review")
        if second.counts.get(key)
    ]
    if first.active is not None and second.active is not None and first.active != second.active:
        found.append(f"active {first.active} -> {second.active}")
    if first.other_venues != second.other_venues:
        found.append(f"other venues {first.other_venues} -> {second.other_venues}")
    return found


def revision() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT)
        return done.stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", "directory", "fixtures")
    except OSError:
        return "commit unknown"
    return f"HEAD {head or '?'}{' + uncommitted changes in directory/ or fixtures/' if dirty else ''}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--small", action="store_true", help=f"{SMALL_SOURCE} and the first {SMALL_LINES} lines of one demo file"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    print(f"bench/intake.py{' --small' if args.small else ''} in {ROOT}")
    probe = subprocess.run(
        [sys.executable, "-c", "import directory; print(directory.__file__)"],
        env=cli_env(work / "probe", work / "probe"),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M %Z')}, "
        f"{revision()}; code measured: {probe.stdout.strip() or probe.stderr.strip()[-200:]}"
    )
    try:
        demo_files = sorted(DEMO.glob("*.csv"))
        if args.small:
            cut = work / "small-demo" / demo_files[0].name  # the same file name: the same source
            cut.parent.mkdir()
            with demo_files[0].open(encoding="utf-8", newline="") as handle:
                cut.write_text("".join(line for _, line in zip(range(SMALL_LINES), handle)), encoding="utf-8")
            demo_files = [cut]
        sources = fixture_sources()
        ids = list(sources)
        missing = [SMALL_SOURCE] if args.small and SMALL_SOURCE not in ids else []
        if args.small:
            ids = [i for i in ids if i == SMALL_SOURCE]
        label = f"first {SMALL_LINES} lines of " if args.small else ""
        measurements: list[tuple[str, list[str], Path | None, int]] = [
            (
                f"demo: import {len(demo_files)} file(s)",
                ["import", "--json", *map(str, demo_files)],
                None,
                len(demo_files),
            )
        ]
        measurements += [(f"harvest {i}", ["harvest", i, "--json"], SOURCES, 1) for i in ids]
        if not args.small:
            measurements.append(
                (f"harvest --all ({len(ids)} sources)", ["harvest", "--all", "--json"], SOURCES, sum(sources.values()))
            )

        print(f"demo files: {label}{', '.join(p.name for p in demo_files)}; fixture sources: {', '.join(ids)}")
        if missing:
            print(f"fixture source not in this tree: {', '.join(missing)}")
        print()
        print(HEADER)
        print("-" * len(HEADER), flush=True)
        odd: list[str] = []
        for n, (name, command, sources_dir, reports) in enumerate(measurements):
            folder = work / f"m{n}"
            folder.mkdir()
            env = cli_env(folder / "data", sources_dir or folder / "sources")
            first = measure(command, env, reports)
            print(row(name, "1st", first), flush=True)
            second = measure(command, env, reports)
            print(row("", "2nd", second), flush=True)
            if first.counts and second.counts and (found := changes(first, second)):
                odd.append(f"{name}: the second run changed something: {', '.join(found)}")
            shutil.rmtree(folder, ignore_errors=True)
        print()
        for line in (
            "read: records in the file(s); active: active venues in the store after the run (directory stats);",
            "new: venues created; merged: records joined to a venue already there; review: pairs sent to review;",
            "quar.: records quarantined; upd./unch.: records updated/unchanged; withdr.: venues withdrawn;",
            "skip.: records an aggregator brings from a publisher harvested directly; s: the command's wall time;",
            "other venues: the store's venues that are not active, by status (directory stats);",
            "'-': not in that shape of report (the import before the single intake path: no matching, no withdrawals).",
        ):
            print(line)
        print("exit: the command's exit code (import: 1 when a record is quarantined).")
        for line in odd:
            print(f"NOTE {line}")
        if not odd:
            print("second runs: nothing new, updated, merged, sent to review or withdrawn; the same active venues.")
        print(f"\ntotal {time.perf_counter() - started:.0f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
