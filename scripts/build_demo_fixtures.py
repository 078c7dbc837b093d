# SPDX-License-Identifier: Apache-2.0
"""Build fixtures/demo/*.csv: real open data converted to the national standard v1.0.2.

    .venv/bin/python scripts/build_demo_fixtures.py fixtures/sources

The argument is a folder holding ``conseiller-numerique/lieux-cnfs-2022.json``
and ``hinaura/source.json``: ``fixtures/sources/`` has both (byte-for-byte
copies, origins in their READMEs), or the same files fetched afresh.

Reads the Conseillers numériques 2022 file (all of France, pre-standard form)
and the Hinaura file (Auvergne-Rhône-Alpes, v0.1), migrates them with the
schema's legacy mappings, and writes the valid rows; rejected rows are listed.
Ids are prefixed by the source so the two files never collide.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from directory.export import CsvWriter, ExportVenue
from directory.schema import parse_venue

SOURCES = [
    # (input file, output file, id prefix, source label)
    (
        "conseiller-numerique/lieux-cnfs-2022.json",
        "conseillers-numeriques-2022.csv",
        "cnfs-",
        "Conseillers numériques (ANCT), 2022",
    ),
    ("hinaura/source.json", "hinaura-2021.csv", "hinaura-", "Hinaura"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "datasets", type=Path, help="folder holding conseiller-numerique/ and hinaura/ (fixtures/sources)"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "fixtures" / "demo")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for source, target, prefix, label in SOURCES:
        records = json.loads((args.datasets / source).read_text(encoding="utf-8"))
        venues, reasons = [], Counter()
        for record in records:
            record = {**record, "id": prefix + str(record["id"]), "source": record.get("source") and label}
            result = parse_venue(record, today=date(2026, 11, 25))
            if result.venue is None:
                reasons.update(f"{p.field}:{p.code}" for p in result.errors)
                continue
            venues.append(result.venue)
        with (args.out / target).open("w", encoding="utf-8", newline="") as stream:
            CsvWriter(extensions=True).write_all((ExportVenue(v, source=v.source) for v in venues), stream)
        print(
            f"{source}: {len(records)} read, {len(venues)} written to {target}; rejected: {dict(reasons)}",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
