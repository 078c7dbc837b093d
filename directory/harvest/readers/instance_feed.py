# SPDX-License-Identifier: Apache-2.0
"""Another instance's change feed (``format = "instance-feed"``): a reader that follows.

A source of kind ``instance`` whose ``url`` is the other instance's
``/api/changes`` is harvested incrementally: the first run takes everything,
later runs only what changed since the cursor saved by the previous run
(``SourceState.cursor``, written in the run's transaction), following
``next`` while ``more``. Items carrying a venue are read like any harvested
record (record id = the other instance's venue id; its ``origine``/``lignee``
are kept and this source's publisher appended by the run). Tombstones
(``withdraw``) and ``merge`` items withdraw that record only: a feed run
never withdraws by absence. A venue left empty by a ``merge`` points to the
venue of the record it was merged into (a merge here too), not withdrawn. Echoes are stopped by the run: a record whose
lineage names this instance is skipped.

For echoes to stop, the source's ``publisher`` must be the other instance's
``instance_name`` (its DIRECTORY_INSTANCE_NAME, compared without case or accents).

The reader is registered in ``READERS`` like every format; what makes it a
feed is its ``following`` (``base.Following``): the run asks the registry how
to fetch a source and what to withdraw, and never names this format.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from directory.errors import SourceUnavailable
from directory.store import SourceState

from ..encoding import DecodedText
from ..fetch import Fetcher, FetchResult
from .base import Reader, ReadError, ReadItem, payload_of

if TYPE_CHECKING:
    from directory.store import Writer

    from ..report import HarvestReport
    from ..sources import SourceConfig

__all__ = ["FORMAT", "FeedFollowing", "FeedReader", "fetch_feed", "finish_feed"]

FORMAT = "instance-feed"
_MAX_PAGES = 10_000
_TOMBSTONES = ("withdraw", "merge")


def _page(text: str | bytes) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        raise ReadError(f"flux de changements illisible : {err.msg}") from err
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise ReadError('ce n\'est pas un flux de changements (attendu {"items": [...], "next": …, "more": …})')
    return document


def _with_since(url: str, cursor: str | None) -> str:
    if not cursor:
        return url
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query["since"] = cursor
    return urlunsplit(parts._replace(query=urlencode(query)))


def fetch_feed(
    fetcher: Fetcher, source: SourceConfig, state: SourceState, report: HarvestReport
) -> list[FetchResult] | None:
    """Every page since the saved cursor, or None when the feed has nothing new.

    The state's cursor is not touched here: :func:`finish_feed` moves it in the
    transaction that applies the changes.
    """
    cursor = state.cursor
    pages: list[FetchResult] = []
    bounds = source.bounds()  # the feed's host (redirects) and its deadline, for all its pages
    while len(pages) < _MAX_PAGES:
        page = fetcher.fetch(_with_since(source.location(), cursor), max_bytes=source.max_size, bounds=bounds)
        report.requests += page.requests
        try:
            document = _page(page.body)
        except ReadError as err:
            raise SourceUnavailable(detail=f"{err} ({page.url})") from err
        pages.append(page)
        following = document.get("next")
        if not document.get("more") or not isinstance(following, str) or not following or following == cursor:
            break
        cursor = following
    if len(pages) == 1 and not _page(pages[0].body)["items"]:
        return None
    return pages


def finish_feed(
    writer: Writer,
    source: SourceConfig,
    state: SourceState,
    pages: list[FetchResult],
    report: HarvestReport,
    at: datetime,
) -> None:
    """Withdraw the records the feed tombstoned, and keep its cursor (same transaction as the changes)."""
    last: dict[str, str] = {}  # venue id → its latest action in the run
    merged_into: dict[str, str] = {}  # venue id → the venue that absorbed it over there
    cursor = state.cursor
    for page in pages:
        document = _page(page.body)
        for item in document["items"]:
            if isinstance(item, dict) and item.get("venue_id"):
                venue_id = str(item["venue_id"])
                last.pop(venue_id, None)
                last[venue_id] = str(item.get("action") or "")
                if last[venue_id] == "merge" and item.get("merged_into"):
                    merged_into[venue_id] = str(item["merged_into"])
        if isinstance(document.get("next"), str) and document["next"]:
            cursor = document["next"]
    gone = {venue_id for venue_id, action in last.items() if action in _TOMBSTONES}
    if gone:
        merged_into = {k: v for k, v in merged_into.items() if last[k] == "merge"}
        withdrawn = writer.withdraw_missing(source.id, set(), at, merged_into, only=gone)
        report.withdrawn += len(withdrawn)
        merges = sum(1 for venue_id in gone if last[venue_id] == "merge")
        if withdrawn:
            report.notes.append(f"{len(withdrawn)} lieux retirés : l'instance suivie les a retirés")
        if merges:
            report.notes.append(f"{merges} fusions suivies : l'instance suivie a fusionné ces lieux avec d'autres")
    state.cursor = cursor


class FeedFollowing:
    """How a harvest takes a change feed (``base.Following``): from its cursor, withdrawing what it says."""

    fetch = staticmethod(fetch_feed)
    finish = staticmethod(finish_feed)


class FeedReader(Reader):
    """One page of a change feed: the venues of its ``upsert`` items (tombstones: ``finish_feed``)."""

    format = FORMAT
    media_types = ("application/json",)
    extensions = ()
    following = FeedFollowing()

    def read_text(self, decoded: DecodedText) -> Iterator[ReadItem]:
        for position, item in enumerate(_page(decoded.text)["items"], start=1):
            venue = item.get("venue") if isinstance(item, dict) else None
            if not isinstance(venue, dict):
                continue
            record = {**venue, "id": str(item.get("venue_id") or venue.get("id") or "")}
            yield ReadItem(position, record, payload_of(item))
