# SPDX-License-Identifier: Apache-2.0
"""``--small``: every benchmark runs in seconds with it, and the test suite runs each so (tests/bench):
a benchmark nobody runs rots (issue 17)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

HELP = "a few seconds of work: what the test suite runs (asserting it completes and prints its figures)"


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None, **small: Any) -> argparse.Namespace:
    """The arguments; with ``--small`` the defaults become ``small`` (values given on the line still win)."""
    parser.add_argument("--small", action="store_true", help=HELP)
    args, _ = parser.parse_known_args(argv)
    if args.small:
        parser.set_defaults(**small)
    return parser.parse_args(argv)
