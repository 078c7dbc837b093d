# SPDX-License-Identifier: Apache-2.0
"""Writes inside one transaction: sources, runs, raw records, venues.

``Writer`` is one façade over parts, a module each: the venues records feed (``_venues``) and their
merge (``_merging``), links and provenance (``_links``), withdrawal (``_withdrawal``) and what a run held back (``_held_withdrawals``), matching's
keys and review queue (``_match_keys``), sources, runs and raw records (``_runs``), the change log
(``_changelog``), the planner's statistics of what a long transaction wrote (``_statistics``), and a
person's curation (``_edits``, ``_proposals``, ``_reshape``, ``_revert``, ``_pending``, ``_quarantine``).
"""

from __future__ import annotations

from ._changelog import ChangeLogMixin
from ._edits import EditsMixin
from ._held_withdrawals import HeldWithdrawalsMixin
from ._links import LinksMixin
from ._match_keys import MatchKeysMixin
from ._merging import MergingMixin
from ._pending import PendingMixin
from ._proposals import ProposalsMixin
from ._quarantine import QuarantineMixin
from ._reshape import Decided, ReshapeMixin  # Decided: re-exported, ``decide`` lives in _reshape
from ._revert import RevertMixin
from ._runs import RunsMixin
from ._statistics import StatisticsMixin
from ._venues import Incoming, VenuesMixin
from ._withdrawal import WithdrawalMixin

__all__ = ["Decided", "Incoming", "Writer"]


class Writer(
    VenuesMixin,
    MergingMixin,
    LinksMixin,
    WithdrawalMixin,
    HeldWithdrawalsMixin,
    MatchKeysMixin,
    RunsMixin,
    ChangeLogMixin,
    StatisticsMixin,
    EditsMixin,
    ProposalsMixin,
    ReshapeMixin,
    RevertMixin,
    PendingMixin,
    QuarantineMixin,
):
    """Returned by ``Store.writer()``; everything it writes commits together.

    Each part lives in its mixin's module (see this module's docstring); ``Writer`` stays the one
    façade. Change-log rows are buffered and written last (``flush_changes``, ``_changelog``), so
    that their sequence numbers follow commit order on every backend. Every part derives from
    ``WriterBase`` (``_writer_base``): the connection, the change-log buffer and the seams between parts.
    """
