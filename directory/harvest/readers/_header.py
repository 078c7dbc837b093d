# SPDX-License-Identifier: Apache-2.0
"""Where a table's header is, when the source file does not say (``[reader] header_row``).

Communes' spreadsheets open with a title (« Lieux de médiation numérique — mise à jour du 3 mars »),
sometimes a date or a blank line, then the header. Read as the header, a title made every row a
record of one unknown column, and every record was quarantined. A title is one or two cells; a
header names most of the table's columns: the header is the first row among the first
:data:`HEAD_ROWS` non-blank ones that fills more than :data:`TITLE_CELLS` cells, or at least
:data:`SHARE` of the widest row (and two cells, in a table wider than one column). A header with a
few unnamed columns is still a header. A merged title spanning the columns is one cell: the merge's
other cells are empty until the data rows, where a merge's value is spread over its cells.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["HEAD_ROWS", "SHARE", "TITLE_CELLS", "filled", "header_index", "skipped_note", "widened"]

#: Non-blank rows looked at to find the header.
HEAD_ROWS = 20
#: Share of the widest row's filled cells the header fills at least…
SHARE = 0.6
#: … unless it fills more than this: a title, a date, an author are never that many cells.
TITLE_CELLS = 2


def filled(row: Sequence[Any]) -> int:
    """The cells of ``row`` holding something (blank text is nothing)."""
    return sum(1 for cell in row if cell is not None and (not isinstance(cell, str) or cell.strip()))


def header_index(rows: Sequence[Sequence[Any]]) -> int:
    """Which of ``rows`` (the first non-blank rows of a table) is its header: 0 unless rows above it
    look like a title (far fewer cells than the table has columns)."""
    counts = [filled(row) for row in rows]
    if not counts:
        return 0
    wanted = max(2, math.ceil(max(counts) * SHARE)) if max(counts) > 1 else 1
    return next((i for i, count in enumerate(counts) if count >= wanted or count > TITLE_CELLS), 0)


def skipped_note(line: int, above: Sequence[Sequence[Any]]) -> str:
    """The French sentence saying which header was taken and what was left out above it."""
    texts = [" ".join(str(c).split()) for row in above for c in row if c is not None and str(c).strip()]
    shown = ", ".join(f"« {t[:80]} »" for t in texts[:3]) + (" …" if len(texts) > 3 else "")
    return (
        f"en-tête lu ligne {line}, les lignes au-dessus laissées de côté ({shown or 'vides'}) ; "
        "si ce n'est pas la bonne ligne, l'indiquer : [reader] header_row = …"
    )


def widened(header: Sequence[str], width: int) -> list[str]:
    """``header`` with a name for each cell a row has beyond it (``colonne_N``, N its column number):
    a row longer than its header (a title taken as the header, a note typed beside the table) keeps
    every cell, under a name a person can find in the quarantine."""
    names = list(header)
    for number in range(len(header) + 1, width + 1):
        name, suffix = f"colonne_{number}", 2
        while name in names:
            name, suffix = f"colonne_{number}_{suffix}", suffix + 1
        names.append(name)
    return names
