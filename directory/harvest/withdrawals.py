# SPDX-License-Identifier: Apache-2.0
"""What a complete run withdraws: the venues its source no longer has, unless the run looks like a
broken transfer or a filter left on rather than a network closing venues. Then nothing is
withdrawn until a person confirms (``directory harvest|import … --confirmer-retraits``), and the
report says why and names what it withdrew."""

from __future__ import annotations

from datetime import datetime

from directory.store import SourceState, Writer

from .report import HarvestReport
from .sources import SourceConfig

__all__ = ["SUSPICIOUS_RATIO", "withdraw_or_hold"]

#: A complete run bringing fewer records than this share of the last complete
#: one is suspect (a truncated export, a filter left on): it withdraws nothing.
SUSPICIOUS_RATIO = 0.5
#: Below this many records, a source's shrinking says nothing (a commune's three venues, one closing).
_FEW = 10
_NAMED = 20  # withdrawn venues a report names one by one


def withdraw_or_hold(
    writer: Writer,
    source: SourceConfig,
    state: SourceState,
    report: HarvestReport,
    unstored: set[str],
    at: datetime,
    confirmed: bool,
) -> None:
    """Withdraw what the source no longer has: records neither stamped by this run nor in ``unstored``.

    Suspect, and withdrawing nothing: far fewer records than the last complete run (a truncated
    export), or none that could be kept (an empty file; a renamed id column, a wrong encoding that
    reject every row). Records taken from their origin elsewhere (skipped) are still there."""
    previous, read, usable = state.last_complete_count, report.fetched, report.fetched - report.quarantined
    if not confirmed and previous and (usable == 0 or (previous >= _FEW and read < previous * SUSPICIOUS_RATIO)):
        report.status = "partial"
        said = f"aucun enregistrement utilisable sur {read}" if usable == 0 else f"{read} enregistrements"
        report.notes.append(
            f"moisson suspecte : {said} au lieu de {previous} lors de la dernière moisson complète — rien n'a été "
            f"retiré de l'annuaire. Si la source a vraiment perdu ces lieux : directory harvest {source.id} "
            "--confirmer-retraits"
        )
        return
    live, leaving = writer.shrinkage(source.id, unstored, seen_since=at)
    if not confirmed and live >= _FEW and leaving > live * source.withdraw_limit:
        # A complete run that loses this much is more likely a broken transfer or a filter left on
        # than a network closing venues; the reference (last_complete_count) does not move either.
        report.status = "partial"
        report.notes.append(
            f"moisson suspecte : {leaving} des {live} fiches de la source n'y sont plus, plus que les "
            f"{source.withdraw_limit:.0%} qu'une moisson peut retirer seule — rien n'a été retiré de l'annuaire. "
            f"Si la source a vraiment perdu ces lieux : directory harvest {source.id} --confirmer-retraits"
        )
        return
    withdrawn = writer.withdraw_missing(source.id, unstored, at, seen_since=at)
    report.withdrawn = len(withdrawn)
    if withdrawn:
        names = writer.venue_names(withdrawn[:_NAMED])
        listed = " ; ".join(f"{names.get(v, '?')} ({v})" for v in withdrawn[:_NAMED])
        more = f" ; et {len(withdrawn) - _NAMED} autres" if len(withdrawn) > _NAMED else ""
        report.notes.append(f"{len(withdrawn)} lieux retirés, ils ne figurent plus dans la source : {listed}{more}")
