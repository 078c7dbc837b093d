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
    reject every row). Records taken from their origin elsewhere (skipped) are still there.
    A suspect run keeps what it would have withdrawn for the back office (``Writer.hold_withdrawals``),
    which supersedes the source's earlier hold; so does any run that gets this far."""
    writer.supersede_holds(source.id)
    previous, read, usable = state.last_complete_count, report.fetched, report.fetched - report.quarantined
    if not confirmed and previous and (usable == 0 or (previous >= _FEW and read < previous * SUSPICIOUS_RATIO)):
        said = f"aucun enregistrement utilisable sur {read}" if usable == 0 else f"{read} enregistrements"
        _hold(
            writer,
            source,
            report,
            unstored,
            at,
            "unusable" if usable == 0 else "fewer",
            f"moisson suspecte : {said} au lieu de {previous} lors de la dernière moisson complète",
            previous,
        )
        return
    live, leaving = writer.shrinkage(source.id, unstored, seen_since=at)
    if not confirmed and live >= _FEW and leaving > live * source.withdraw_limit:
        # A complete run that loses this much is more likely a broken transfer or a filter left on
        # than a network closing venues; the reference (last_complete_count) does not move either.
        _hold(
            writer,
            source,
            report,
            unstored,
            at,
            "share",
            f"moisson suspecte : {leaving} des {live} fiches de la source n'y sont plus, plus que les "
            f"{source.withdraw_limit:.0%} qu'une moisson peut retirer seule",
            previous,
            live,
        )
        return
    withdrawn = writer.withdraw_missing(source.id, unstored, at, seen_since=at)
    report.withdrawn = len(withdrawn)
    if withdrawn:
        names = writer.venue_names(withdrawn[:_NAMED])
        listed = " ; ".join(f"{names.get(v, '?')} ({v})" for v in withdrawn[:_NAMED])
        more = f" ; et {len(withdrawn) - _NAMED} autres" if len(withdrawn) > _NAMED else ""
        report.notes.append(f"{len(withdrawn)} lieux retirés, ils ne figurent plus dans la source : {listed}{more}")


def _hold(
    writer: Writer,
    source: SourceConfig,
    report: HarvestReport,
    unstored: set[str],
    at: datetime,
    reason: str,
    said: str,
    previous: int | None,
    live: int | None = None,
) -> None:
    """Withdraw nothing, say why, and keep what would have been withdrawn for a person to decide."""
    report.status = "partial"
    records = writer.missing_records(source.id, unstored, seen_since=at)
    where = ""
    if records:
        if live is None:
            live, _ = writer.shrinkage(source.id, unstored, seen_since=at)
        writer.hold_withdrawals(
            source.id,
            report.run_id,
            at,
            reason=reason,
            fetched=report.fetched,
            previous=previous,
            live=live,
            records=records,
        )
        where = " ou dans l'espace de gestion (« Retraits en attente »)"
    report.notes.append(
        f"{said} — rien n'a été retiré de l'annuaire. Si la source a vraiment perdu ces lieux : "
        f"directory harvest {source.id} --confirmer-retraits{where}"
    )
