# SPDX-License-Identifier: Apache-2.0
"""Geocoding venues with the national address base (BAN), in batches, cached.

The BAN geocoder (``api-adresse`` / Géoplateforme) answers 50 requests per
second per address at most, so :class:`BanGeocoder` uses its batch endpoint,
``POST {base_url}/search/csv/``: one multipart request carries a CSV of up to
``batch_size`` rows and the answer is the same CSV with result columns added
(``latitude``, ``longitude``, ``result_label``, ``result_score``,
``result_type``, ``result_citycode``, ``result_postcode``, ``result_status``…).
Each row is filtered on its commune (``citycode``), or on its postcode when
the INSEE code is missing or names Paris, Lyon or Marseille as a whole (the
BAN files their addresses under the arrondissements' codes).

An answer is accepted only when its score reaches ``min_score``, its type is
``housenumber`` or ``street`` and it lies in the record's département;
otherwise the venue gets its commune's point from the offline gazetteer, with
a French reason (« score 0,52 < 0,75 », « résultat de type municipality »,
« résultat dans le 13 au lieu du 51 »). A geocoder that cannot be reached
never fails the harvest: after bounded retries its rows get the commune's
point too, with the reason « géocodeur indisponible ». Without a BAN at all,
:class:`CommuneGeocoder` places every request at its commune's point.

Every answer the BAN gives, refused ones included, is kept in the store's
``geocode_cache`` table under :func:`address_key`, and is never asked again
(``_geocode_cache``). A harvest run passes its open transaction
(``connection``): the cache is read and written through it, since SQLite lets
no other connection write before the run commits.

A geocoder made without a ``client`` opens its own and closes it on
:meth:`BanGeocoder.close`, or at the end of its ``with`` block:

    with BanGeocoder("https://api-adresse.data.gouv.fr", cache=GeocodeCache(store),
                     places=load_gazetteer()) as geocoder:
        results = geocoder.geocode([GeocodeRequest("v1", "12 bis rue de Leclercq",
                                                   "51100", "Reims", "51454")])

This module is the BAN client and its CSV batch protocol; the types are in
``_geocode_types``, the cache in ``_geocode_cache``, the commune fallback in
``_commune_points``, all importable from here.
"""

from __future__ import annotations

__all__ = [
    "BanAnswer",
    "BanGeocoder",
    "CommuneGeocoder",
    "FoundAddress",
    "GeocodeCache",
    "GeocodeRequest",
    "GeocodeResult",
    "Geocoder",
    "NO_GEOCODER",
    "REQUEST_COLUMNS",
    "RESULT_COLUMNS",
    "UNAVAILABLE",
    "address_key",
    "needs_geocoding",
]

import csv
import io
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx
import sqlalchemy as sa

from directory.errors import SourceUnavailable
from directory.places import Commune, Gazetteer, fold
from directory.schema import departement_of_insee

from ._commune_points import CommuneGeocoder
from ._geocode_cache import GeocodeCache, address_key
from ._geocode_types import (
    NO_GEOCODER,
    UNAVAILABLE,
    BanAnswer,
    FoundAddress,
    Geocoder,
    GeocodeRequest,
    GeocodeResult,
    needs_geocoding,
)
from .fetch import retry_after_s

log = logging.getLogger(__name__)

#: Columns of the CSV sent to the BAN; the address is read from the middle three.
REQUEST_COLUMNS = ("key", "adresse", "code_postal", "commune", "citycode")
_ADDRESS_COLUMNS = ("adresse", "code_postal", "commune")
#: Columns of the BAN's answer that this module reads.
RESULT_COLUMNS = (
    "latitude",
    "longitude",
    "result_label",
    "result_score",
    "result_type",
    "result_citycode",
    "result_postcode",
    "result_status",
)

_ACCEPTED_TYPES = frozenset({"housenumber", "street"})
#: Paris, Lyon, Marseille: BAN addresses carry the arrondissement's code, not these.
_PLM_CITYCODES = frozenset({"75056", "69123", "13055"})
_SUBDIVISIONS = frozenset({"commune", "arrondissement"})
_RETRY_AFTER_CAP_S = 60.0
#: Seconds a request to the BAN may take, for a client the geocoder opens itself.
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class _Row:
    """One distinct address to send: what the BAN sees, and how to filter it."""

    address_key: str
    query: str
    request: GeocodeRequest
    citycode: str | None  # the citycode filter's value, None → filter on the postcode
    departement: str | None  # the record's, for the acceptance check
    commune: Commune | None


class BanGeocoder(CommuneGeocoder):
    """Geocodes with the BAN's batch CSV endpoint, caches, and falls back to the commune's point.

    :param base_url: the API root, e.g. ``https://api-adresse.data.gouv.fr``.
    :param client: the ``httpx.Client`` to send through (its timeouts apply), closed by whoever
        made it; without one, the geocoder opens its own (:data:`TIMEOUT_S`) and closes it on
        :meth:`close` or at the end of its ``with`` block.
    :param cache: where answers are kept; ``None`` asks every time.
    :param places: the offline gazetteer, for départements and commune points.
    :param batch_size: rows per request (the BAN accepts far more; 1,000 keeps each short).
    :param min_score: the lowest accepted score.
    :param max_retries: retries per batch after a 429, a 5xx or a network error.
    :param backoff_s: first wait between tries, doubled each time (``Retry-After`` wins, capped).
    :param sleep: how to wait (tests pass a recorder).
    """

    def __init__(
        self,
        base_url: str,
        *,
        client: httpx.Client | None = None,
        cache: GeocodeCache | None,
        places: Gazetteer,
        batch_size: int = 1000,
        min_score: float = 0.75,
        max_retries: int = 3,
        backoff_s: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.base_url = base_url.rstrip("/")
        self.url = f"{self.base_url}/search/csv/"
        self._owns_client = client is None
        self.client = client if client is not None else httpx.Client(timeout=TIMEOUT_S)
        self.cache = cache
        super().__init__(places)
        self.batch_size = batch_size
        self.min_score = min_score
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.sleep = sleep

    # -- lifetime ---------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP client if this geocoder opened it (a client given is its maker's to close)."""
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> BanGeocoder:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    # -- the contract -----------------------------------------------------

    def geocode(
        self, requests: Sequence[GeocodeRequest], *, connection: sa.Connection | None = None
    ) -> dict[str, GeocodeResult]:
        """Place every request; results by request key.

        Cached addresses are not sent again; each distinct uncached address is
        sent once, in batches. A request whose BAN answer is refused or missing
        gets its commune's point (``method="commune"``); one whose commune is
        unknown too is absent from the result. The cache is read and written
        through ``connection`` when given (a harvest run's transaction).
        """
        rows: dict[str, _Row] = {}
        keys_of: list[tuple[GeocodeRequest, str]] = []
        for req in requests:
            key = address_key(req)
            if key not in rows:
                rows[key] = self._row(key, req)
            keys_of.append((req, key))

        answers: dict[str, BanAnswer] = self.cache.get_many(rows, connection) if self.cache is not None else {}
        to_send = [row for key, row in rows.items() if key not in answers and fold(row.request.adresse)]
        fresh, unavailable = self._ask(to_send)
        if self.cache is not None and fresh:
            self.cache.put_many(fresh.values(), connection=connection)
        answers.update(fresh)

        results: dict[str, GeocodeResult] = {}
        for req, key in keys_of:
            row = rows[key]
            if key in unavailable:
                result = self._fallback(req, row, None, UNAVAILABLE)
            elif not fold(req.adresse):
                result = self._fallback(req, row, None, "adresse absente")
            else:
                result = self._judge(req, row, answers.get(key))
            if result is not None:
                results[req.key] = result
        return results

    def search(self, text: str) -> FoundAddress | None:
        """One ``GET /search/`` (limit 1), never retried (a person is waiting): the answer as the BAN
        gives it, None when it gives none, an unreadable one, or cannot be reached. Whether it is sure
        enough is the caller's judgement (``score``)."""
        try:
            response = self.client.get(f"{self.base_url}/search/", params={"q": text, "limit": 1})
            response.raise_for_status()
            features = response.json().get("features") or []
        except (httpx.HTTPError, ValueError, AttributeError) as err:
            log.warning("geocoder unavailable for a search: %s", err)
            return None
        return _found_address(features[0]) if isinstance(features, list) and features else None

    # -- acceptance -------------------------------------------------------

    def _judge(self, req: GeocodeRequest, row: _Row, answer: BanAnswer | None) -> GeocodeResult | None:
        reason = self.refusal(answer, row.departement)
        if reason is None and answer is not None:
            assert answer.latitude is not None and answer.longitude is not None
            return GeocodeResult(
                key=req.key,
                latitude=answer.latitude,
                longitude=answer.longitude,
                method="ban",
                score=answer.score,
                result_type=answer.result_type,
                label=answer.label,
            )
        return self._fallback(req, row, answer, reason)

    def refusal(self, answer: BanAnswer | None, departement: str | None) -> str | None:
        """Why ``answer`` is refused for a record of ``departement``, in French; ``None`` if accepted."""
        if answer is None or not answer.found:
            return "adresse introuvable dans la BAN"
        if answer.score is None or answer.score < self.min_score:
            shown = "absent" if answer.score is None else _decimal(answer.score)
            return f"score {shown} < {_decimal(self.min_score)}"
        if answer.result_type not in _ACCEPTED_TYPES:
            return f"résultat de type {answer.result_type or 'inconnu'}"
        found_dep = departement_of_insee(answer.result_citycode) if answer.result_citycode else None
        if departement is None or found_dep is None:
            return "département du résultat invérifiable"
        if found_dep != departement:
            return f"résultat dans le {found_dep} au lieu du {departement}"
        return None

    def _fallback(
        self, req: GeocodeRequest, row: _Row, answer: BanAnswer | None, reason: str | None
    ) -> GeocodeResult | None:
        point = self.commune_point(row.commune)
        if point is None:
            return None
        return GeocodeResult(
            key=req.key,
            latitude=point[0],
            longitude=point[1],
            method="commune",
            score=answer.score if answer else None,
            result_type=answer.result_type if answer else None,
            label=answer.label if answer else None,
            reason=reason,
        )

    # -- the record's commune ---------------------------------------------

    def _row(self, key: str, req: GeocodeRequest) -> _Row:
        commune = self.commune_of(req)
        insee = (req.code_insee or "").strip().upper() or None
        citycode: str | None = None
        if commune is not None and insee is not None:
            citycode = commune.insee if commune.kind in _SUBDIVISIONS else (commune.parent or commune.insee)
        elif insee is not None and len(insee) == 5:
            citycode = insee
        if citycode in _PLM_CITYCODES:
            citycode = None
        departement = (
            commune.departement
            if commune is not None
            else departement_of_insee(insee)
            if insee
            else self.places.departement_of_postcode(req.code_postal)
        )
        query = " ".join(part.strip() for part in (req.adresse, req.code_postal, req.commune) if part.strip())
        return _Row(key, query, req, citycode, departement, commune)

    # -- talking to the BAN -----------------------------------------------

    def _ask(self, rows: Sequence[_Row]) -> tuple[dict[str, BanAnswer], set[str]]:
        """Send ``rows`` in batches: the answers got, and the keys left unanswered."""
        answers: dict[str, BanAnswer] = {}
        unavailable: set[str] = set()
        by_city = [r for r in rows if r.citycode is not None]
        by_postcode = [r for r in rows if r.citycode is None]
        for group, filter_name, column in ((by_city, "citycode", "citycode"), (by_postcode, "postcode", "code_postal")):
            for start in range(0, len(group), self.batch_size):
                batch = group[start : start + self.batch_size]
                try:
                    got = self._send(batch, filter_name, column)
                except SourceUnavailable as err:
                    log.warning("géocodage de %d adresses impossible : %s", len(batch), err.detail)
                    unavailable.update(r.address_key for r in batch)
                    continue
                answers.update(got)
                unavailable.update(r.address_key for r in batch if r.address_key not in got)
        return answers, unavailable

    def _send(self, batch: Sequence[_Row], filter_name: str, column: str) -> dict[str, BanAnswer]:
        body = _request_csv(batch)
        data = {"columns": list(_ADDRESS_COLUMNS), filter_name: column}
        files = {"data": ("adresses.csv", body, "text/csv")}
        response = self._post(data, files)
        try:
            return _parse_answer(response.content, batch)
        except (csv.Error, UnicodeDecodeError, ValueError) as err:
            raise SourceUnavailable(detail=f"réponse illisible du géocodeur ({err})") from err

    def _post(self, data: dict[str, Any], files: dict[str, Any]) -> httpx.Response:
        tries = self.max_retries + 1
        for attempt in range(1, tries + 1):
            wait = self.backoff_s * 2 ** (attempt - 1)
            try:
                response = self.client.post(self.url, data=data, files=files)
            except httpx.TransportError as err:
                problem = f"{type(err).__name__} : {err}" if str(err) else type(err).__name__
                if attempt == tries:
                    raise SourceUnavailable(detail=f"géocodeur injoignable ({problem})") from err
                log.info("géocodeur injoignable (%s), nouvel essai dans %.1f s", problem, wait)
                self.sleep(wait)
                continue
            status = response.status_code
            if status == 200:
                return response
            if status != 429 and status < 500:
                raise SourceUnavailable(detail=f"le géocodeur a répondu {status}")
            if attempt == tries:
                raise SourceUnavailable(detail=f"le géocodeur a répondu {status} après {tries} essais")
            wait = _retry_after(response) or wait
            log.info("le géocodeur a répondu %d, nouvel essai dans %.1f s", status, wait)
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


def _found_address(feature: object) -> FoundAddress | None:
    """A ``GET /search/`` feature read defensively: the answer is not ours, anything odd is no answer."""
    if not isinstance(feature, dict):
        return None
    props, geometry = feature.get("properties"), feature.get("geometry")
    if not isinstance(props, dict) or not isinstance(geometry, dict):
        return None
    try:
        lon, lat = (float(v) for v in geometry["coordinates"][:2])
        score = float(props.get("score", 0))
    except (KeyError, TypeError, ValueError):
        return None

    def text(key: str) -> str | None:
        value = props.get(key)
        return value if isinstance(value, str) and value else None

    return FoundAddress(lat, lon, score, text("label"), text("citycode"), text("postcode"))


def _request_csv(batch: Sequence[_Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REQUEST_COLUMNS)
    for i, row in enumerate(batch):
        req = row.request
        address = (_one_line(req.adresse), req.code_postal.strip(), _one_line(req.commune))
        writer.writerow((str(i), *address, row.citycode or ""))
    return out.getvalue().encode("utf-8")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _parse_answer(content: bytes, batch: Sequence[_Row]) -> dict[str, BanAnswer]:
    """The BAN's CSV answer, by address key; rows with ``result_status`` ``error`` are left out."""
    text = content.decode("utf-8-sig")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if reader.fieldnames is None or "key" not in reader.fieldnames or "latitude" not in reader.fieldnames:
        raise ValueError(f"colonnes inattendues : {reader.fieldnames}")
    answers: dict[str, BanAnswer] = {}
    for record in reader:
        try:
            row = batch[int(record["key"])]
        except (ValueError, IndexError, TypeError):
            continue
        status = (record.get("result_status") or "").strip()
        if status == "error":
            continue
        lat, lon = _float(record.get("latitude")), _float(record.get("longitude"))
        found = lat is not None and lon is not None and status in ("", "ok")
        answers[row.address_key] = BanAnswer(
            address_key=row.address_key,
            query=row.query,
            citycode=row.citycode,
            latitude=lat if found else None,
            longitude=lon if found else None,
            score=_float(record.get("result_score")) if found else None,
            result_type=(record.get("result_type") or None) if found else None,
            label=(record.get("result_label") or None) if found else None,
            result_citycode=((record.get("result_citycode") or "").strip()[:5] or None) if found else None,
        )
    return answers


def _float(value: str | None) -> float | None:
    if value is None or not value.strip():
        return None
    return float(value)


def _decimal(value: float) -> str:
    """``0.52`` → ``"0,52"``: the French way."""
    return f"{value:.2f}".replace(".", ",")


def _retry_after(response: httpx.Response) -> float | None:
    seconds = retry_after_s(response.headers.get("retry-after"))
    return None if seconds is None else min(seconds, _RETRY_AFTER_CAP_S)
