# SPDX-License-Identifier: Apache-2.0
"""The kill rate of the last ``make mutate``, per package, read from mutmut's results in ``mutants/``.

    .venv/bin/python scripts/mutation_report.py            # every mutant checked so far
    .venv/bin/python scripts/mutation_report.py --survivors  # and the names of those no test noticed

A mutant is one small change to the code (``<`` for ``<=``, a constant changed, a call dropped);
« killed » when a test fails on it. The rate counts killed (and timed-out) mutants over those
checked; mutants no test reaches count as survivors (nothing would notice them either). Mutants
not checked yet (a narrowed run: ``make mutate MUTATE=…``) are left out and counted apart.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

#: mutmut's exit codes (``mutmut.stats.status_by_exit_code``) as this report counts them.
KILLED = {1, 3, 24, -24, 36, 37, 152, 255}  # a test failed or errored, a timeout, the type checker
SURVIVED = {0, 5, 33}  # every test passed, or no test reaches the change
NOT_CHECKED = {None, 2, 34}


def package_of(mutant: str) -> str:
    """``directory.store._merge.x_merge_records__mutmut_3`` → ``store``; the harvest's modules by name."""
    parts = mutant.split(".")
    return parts[1] if parts[1] != "harvest" else f"harvest.{parts[2]}"


def read(mutants: Path) -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for meta in sorted(mutants.rglob("*.py.meta")):
        codes.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    return codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mutants", type=Path, default=Path("mutants"), help="mutmut's folder (default: mutants)")
    parser.add_argument("--survivors", action="store_true", help="list the surviving mutants too")
    args = parser.parse_args()
    codes = read(args.mutants)
    if not codes:
        raise SystemExit(f"no mutmut results in {args.mutants}/: run `make mutate` first")
    killed: Counter[str] = Counter()
    checked: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    survivors: list[str] = []
    for mutant, code in codes.items():
        package = package_of(mutant)
        if code in NOT_CHECKED:
            skipped[package] += 1
            continue
        checked[package] += 1
        if code in KILLED:
            killed[package] += 1
        elif code in SURVIVED:
            survivors.append(mutant)
    print(f"{'package':<20} {'killed':>7} {'checked':>8} {'rate':>7} {'not run':>8}")
    for package in sorted(checked.keys() | skipped.keys()):
        rate = f"{100 * killed[package] / checked[package]:.1f} %" if checked[package] else "-"
        print(f"{package:<20} {killed[package]:>7} {checked[package]:>8} {rate:>7} {skipped[package]:>8}")
    total_killed, total_checked = sum(killed.values()), sum(checked.values())
    if total_checked:
        print(f"{'all':<20} {total_killed:>7} {total_checked:>8} {100 * total_killed / total_checked:.1f} %")
    if args.survivors:
        print("\nsurvivors (`.venv/bin/mutmut show NAME` shows the change):")
        for mutant in sorted(survivors):
            print(f"  {mutant}")


if __name__ == "__main__":
    main()
