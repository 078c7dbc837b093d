# SPDX-License-Identifier: Apache-2.0
"""A fake: the national geocoder cannot be reached from this machine.

It speaks the BAN's batch CSV API (``POST /search/csv/``, as ``addok-csv``
and ``api-adresse`` do), and its one-address search (``GET /search/?q=``,
GeoJSON), for the fixed table ``fixtures/ban/addresses.csv``,
served by uvicorn in a background thread on 127.0.0.1 (STYLE.md §7):

- ``data`` is the CSV file; ``columns`` (repeated) the address columns,
  joined to form the query; ``citycode=<column>`` or ``postcode=<column>``
  name the column whose value filters each row; ``delimiter`` is optional
  (guessed otherwise);
- the answer is the same CSV, same delimiter, with ``latitude``,
  ``longitude``, ``result_label``, ``result_score``, ``result_type``,
  ``result_id``, ``result_housenumber``, ``result_postcode``, ``result_city``,
  ``result_citycode`` and ``result_status`` added; rows the table does not
  know come back with empty result columns and ``result_status=not-found``;
- a missing file, an unknown column or an empty file is a 400, like addok.

It counts requests and rows (:attr:`FakeBan.requests`, :attr:`FakeBan.rows`,
:attr:`FakeBan.batches`) so tests can assert that nothing is geocoded twice,
and can be told to fail (:meth:`FakeBan.fail_with`) or hang
(:meth:`FakeBan.hang`).

    with FakeBan() as ban:
        geocoder = BanGeocoder(ban.base_url, client=client, cache=None, places=places)
"""

from __future__ import annotations

__all__ = ["BAN_TABLE", "BanEntry", "FakeBan", "ReceivedBatch"]

import asyncio
import csv
import io
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from directory.places import fold

from ..serving import LoopbackService

BAN_TABLE = Path(__file__).resolve().parents[2] / "fixtures" / "ban" / "addresses.csv"

_RESULT_COLUMNS = (
    "latitude",
    "longitude",
    "result_label",
    "result_score",
    "result_type",
    "result_id",
    "result_housenumber",
    "result_postcode",
    "result_city",
    "result_citycode",
    "result_status",
)


@dataclass(frozen=True)
class BanEntry:
    """One known address of the table, and the answer to give."""

    adresse: str  # folded
    citycode: str
    postcode: str
    answer: dict[str, str]


@dataclass(frozen=True)
class ReceivedBatch:
    """One CSV the fake received: its columns, filters and rows."""

    columns: tuple[str, ...]
    filters: dict[str, str]
    rows: tuple[dict[str, str], ...]


def load_table(path: Path = BAN_TABLE) -> list[BanEntry]:
    """The fixed table, longest addresses first (so ``12 bis`` wins over ``12``)."""
    entries = []
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            label = r["label"]
            number = r["adresse"].split()[0] if r["type"] == "housenumber" else ""
            answer = {
                "latitude": r["latitude"],
                "longitude": r["longitude"],
                "result_label": label,
                "result_score": r["score"],
                "result_type": r["type"],
                "result_id": f"{r['result_citycode']}_fake_{fold(r['adresse']).replace(' ', '_')}",
                "result_housenumber": number,
                "result_postcode": r["result_postcode"],
                "result_city": label.rsplit(r["result_postcode"], 1)[-1].strip() or label,
                "result_citycode": r["result_citycode"],
                "result_status": "ok",
            }
            entries.append(BanEntry(fold(r["adresse"]), r["citycode"], r["postcode"], answer))
    return sorted(entries, key=lambda e: -len(e.adresse))


class FakeBan(LoopbackService):
    """The fake geocoder: ``with FakeBan() as ban`` (or :meth:`start` / :meth:`stop`)."""

    name = "fake-ban"

    def __init__(self, table: Path = BAN_TABLE) -> None:
        self.entries = load_table(table)
        self.base_url = ""
        self._lock = threading.Lock()
        self._received: list[ReceivedBatch] = []
        self._requests = 0
        self._fail_status: int | None = None
        self._fail_left: int | None = None
        self._retry_after: str | None = None
        self._hang_s: float | None = None
        self._app = Starlette(
            routes=[
                Route("/search/csv/", self._search_csv, methods=["POST"]),
                Route("/search/", self._search_one, methods=["GET"]),
            ]
        )

    # -- what tests use ---------------------------------------------------

    @property
    def requests(self) -> int:
        """POSTs to ``/search/csv/`` since the last :meth:`reset`, failed ones included."""
        with self._lock:
            return self._requests

    @property
    def received(self) -> list[ReceivedBatch]:
        """The CSVs geocoded (not those refused by :meth:`fail_with` or :meth:`hang`)."""
        with self._lock:
            return list(self._received)

    @property
    def batches(self) -> list[int]:
        """Rows per geocoded CSV, in order."""
        return [len(b.rows) for b in self.received]

    @property
    def rows(self) -> int:
        """Rows geocoded since the last :meth:`reset`."""
        return sum(self.batches)

    def fail_with(self, status: int | None, *, times: int | None = None, retry_after: str | None = None) -> None:
        """Answer ``status`` to the next ``times`` requests (``None``: all of them); ``None`` heals."""
        with self._lock:
            self._fail_status, self._fail_left, self._retry_after = status, times, retry_after

    def hang(self, seconds: float | None) -> None:
        """Wait ``seconds`` before answering each request (``None``: answer at once)."""
        with self._lock:
            self._hang_s = seconds

    def reset(self) -> None:
        """Forget the counts and heal."""
        with self._lock:
            self._received.clear()
            self._requests = 0
            self._fail_status = self._fail_left = self._retry_after = self._hang_s = None

    # -- lifecycle (LoopbackService) --------------------------------------

    def asgi_app(self) -> ASGIApp:
        return self._app

    # -- the API ----------------------------------------------------------

    async def _search_csv(self, request: Request) -> Response:
        with self._lock:
            self._requests += 1
            hang_s = self._hang_s
            failure = self._fail_status if self._fail_left is None or self._fail_left > 0 else None
            if failure is not None and self._fail_left is not None:
                self._fail_left -= 1
            retry_after = self._retry_after
        async with request.form() as form:
            upload = form.get("data")
            columns = [str(c) for c in form.getlist("columns")]
            filters = {name: str(form[name]) for name in ("citycode", "postcode") if name in form}
            delimiter = str(form.get("delimiter") or "")
            content = await upload.read() if isinstance(upload, UploadFile) else None
        if hang_s and await _wait_or_disconnect(request, hang_s):
            return Response(status_code=499)
        if failure is not None:
            headers = {"retry-after": retry_after} if retry_after else None
            return PlainTextResponse(f"statut {failure}", status_code=failure, headers=headers)
        if content is None:
            return PlainTextResponse("Missing file", status_code=400)
        text = content.decode("utf-8-sig")
        if not text.strip():
            return PlainTextResponse("Empty file", status_code=400)
        if not delimiter:
            head = text.split("\n", 1)[0]
            delimiter = max(",;|\t", key=head.count)
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        fieldnames = list(reader.fieldnames or [])
        for column in [*columns, *filters.values()]:
            if column not in fieldnames:
                return PlainTextResponse(f"Cannot found column '{column}' in columns {fieldnames}", status_code=400)
        rows = [dict(r) for r in reader]
        with self._lock:
            self._received.append(ReceivedBatch(tuple(columns), filters, tuple(rows)))
        out = io.StringIO()
        header = [*fieldnames, *(c for c in _RESULT_COLUMNS if c not in fieldnames)]
        writer = csv.DictWriter(out, header, delimiter=delimiter, lineterminator="\r\n")
        writer.writeheader()
        for received in rows:
            row = dict(received)
            entry = self._lookup(row, columns or fieldnames, filters)
            row.update(entry.answer if entry else dict.fromkeys(_RESULT_COLUMNS, "") | {"result_status": "not-found"})
            writer.writerow(row)
        return Response(
            out.getvalue().encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="adresses.geocoded.csv"'},
        )

    async def _search_one(self, request: Request) -> Response:
        """``GET /search/?q=…``: the first known address the folded text starts with, as GeoJSON."""
        with self._lock:
            self._requests += 1
            failure = self._fail_status if self._fail_left is None or self._fail_left > 0 else None
            if failure is not None and self._fail_left is not None:
                self._fail_left -= 1
        if failure is not None:
            return PlainTextResponse(f"statut {failure}", status_code=failure)
        query = fold(request.query_params.get("q", ""))
        entry = next((e for e in self.entries if query == e.adresse or query.startswith(e.adresse + " ")), None)
        features = []
        if entry is not None:
            a = entry.answer
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [float(a["longitude"]), float(a["latitude"])]},
                    "properties": {
                        "label": a["result_label"],
                        "score": float(a["result_score"]),
                        "type": a["result_type"],
                        "postcode": a["result_postcode"],
                        "citycode": a["result_citycode"],
                        "city": a["result_city"],
                    },
                }
            )
        return Response(json.dumps({"type": "FeatureCollection", "features": features}), media_type="application/json")

    def _lookup(self, row: dict[str, str], columns: list[str], filters: dict[str, str]) -> BanEntry | None:
        query = fold(" ".join(row.get(c) or "" for c in columns))
        citycode = row.get(filters["citycode"], "") if "citycode" in filters else None
        postcode = row.get(filters["postcode"], "") if "postcode" in filters else None
        for entry in self.entries:
            if query != entry.adresse and not query.startswith(entry.adresse + " "):
                continue
            if citycode is not None and citycode != entry.citycode:
                continue
            if postcode is not None and postcode != entry.postcode:
                continue
            return entry
        return None


async def _wait_or_disconnect(request: Request, seconds: float) -> bool:
    """Wait ``seconds``; True when the client left first (frees the server)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        if await request.is_disconnected():
            return True
    return False
