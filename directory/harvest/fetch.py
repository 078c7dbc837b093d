# SPDX-License-Identifier: Apache-2.0
"""Getting a source's bytes: over HTTP(S) with httpx, or from a local file.

A :class:`Fetcher` is the harvest's only door to the network. It

- sends a clear ``User-Agent`` on every request and follows (a bounded number
  of) redirects, each checked against the fetch's :class:`~directory.harvest.bounds.Bounds`
  (by default the host asked: a redirect elsewhere, or to a file, is refused);
- stops at the bounds' deadline, whatever the pace of the server: each request's timeouts are
  cut to the time left, the body is checked after every chunk, no retry waits past it;
- makes conditional requests (``If-None-Match`` / ``If-Modified-Since``) and
  answers ``not_modified`` on a 304, or when the body it received hashes to
  the previous run's hash (servers that ignore validators);
- retries, with exponential backoff, connection errors, timeouts, truncated
  bodies, 429 (honouring ``Retry-After`` up to a cap) and 5xx, never other 4xx;
- streams the body into a :class:`~directory.harvest._body.Body` (hashed on
  the way, spooled to a temporary file when large) and stops as soon as it
  exceeds ``max_bytes`` (the fetcher's, or the one given for a source);
- turns every failure into :class:`~directory.errors.SourceUnavailable` whose
  ``detail`` says in French what happened, chained from the cause.

The transport is injected (STYLE.md §2): pass any ``httpx.Client`` (a
``MockTransport``, an ASGI app, a proxy…); without one, the fetcher builds and
owns its own client.

It never decodes text: ``content`` holds the bytes as received, and
``declared_encoding`` is the server's claim, to be checked by
:func:`directory.harvest.encoding.decode`.
"""

from __future__ import annotations

__all__ = ["DEFAULT_USER_AGENT", "FetchResult", "Fetcher"]

import email.utils
import logging
import mimetypes
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit
from urllib.request import url2pathname

import httpx

from directory.errors import SourceUnavailable

from ._body import Body
from .bounds import Bounds

log = logging.getLogger(__name__)

#: Sent on every request (HTTP headers are ASCII). An instance should pass its
#: own, naming its public address and a contact, so that a source's operator
#: knows whom to call: ``"directory-mediation-numerique/0.1 (+https://… ; contact@…)"``.
DEFAULT_USER_AGENT = "directory-mediation-numerique/0.1 (open-data harvester of digital-mediation venues)"

_MB = 1_000_000
_CHUNK = 1 << 20  # bytes read from a local file at a time
_NUMBER_WORDS = {2: "deux", 3: "trois", 4: "quatre", 5: "cinq", 6: "six", 7: "sept", 8: "huit", 9: "neuf", 10: "dix"}


@dataclass(frozen=True)
class FetchResult:
    """What one :meth:`Fetcher.fetch` got.

    ``status`` is ``"ok"`` (``content`` holds the new bytes) or ``"not_modified"``
    (``content`` is empty and ``content_hash`` is ``""``: keep what you have).
    ``url`` is the final URL after redirects, or the absolute path of a local
    file. ``etag`` and ``last_modified`` are the validators to send next time.
    ``declared_encoding`` is the charset of ``Content-Type``, not to be trusted.
    ``requests`` counts the HTTP requests made, retries and redirects included
    (0 for files).
    """

    status: Literal["ok", "not_modified"]
    content: Body
    url: str
    etag: str | None
    last_modified: str | None
    content_type: str | None
    declared_encoding: str | None
    content_hash: str
    elapsed_s: float
    requests: int

    @property
    def body(self) -> bytes:
        """The whole body in memory: for small documents only (use ``content.open()``)."""
        return self.content.read()


class _AttemptFailed(Exception):
    """One attempt failed; ``what`` is the French account of it."""

    def __init__(self, what: str, *, retryable: bool, retry_after_s: float | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.retryable = retryable
        self.retry_after_s = retry_after_s


class Fetcher:
    """Fetches sources over HTTP(S) or from local files; see the module docstring.

    :param client: the ``httpx.Client`` to use; built (and closed by
        :meth:`close`) when omitted.
    :param timeout_s: connect and read timeout of each request, in seconds.
    :param max_bytes: a body larger than this is refused (default 20 MB).
    :param retries: how many times a failed request is tried again, so at most
        ``retries + 1`` requests per fetch.
    :param backoff_s: the first wait between attempts; it doubles each time.
    :param user_agent: sent on every request; ASCII only.
    :param sleep: how to wait between attempts (tests pass a no-op).
    :param max_redirects: redirects followed before giving up.
    :param retry_after_cap_s: longest ``Retry-After`` honoured; a server asking
        for more is not retried (we would only come back too early).
    """

    def __init__(
        self,
        client: httpx.Client | None = None,
        *,
        timeout_s: float = 30,
        max_bytes: int = 20_000_000,
        retries: int = 3,
        backoff_s: float = 1.0,
        user_agent: str = DEFAULT_USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
        max_redirects: int = 10,
        retry_after_cap_s: float = 60,
    ) -> None:
        if retries < 0 or max_bytes < 0 or timeout_s <= 0:
            raise ValueError("retries and max_bytes must be >= 0, timeout_s > 0")
        if not user_agent.isascii():
            raise ValueError("user_agent must be ASCII (an HTTP header)")
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.retries = retries
        self.backoff_s = backoff_s
        self.user_agent = user_agent
        self.sleep = sleep
        self.retry_after_cap_s = retry_after_cap_s
        self.max_redirects = max_redirects
        self._timeout = httpx.Timeout(timeout_s)
        self._owns_client = client is None
        self.client = client or httpx.Client(
            timeout=self._timeout,
            follow_redirects=True,
            max_redirects=max_redirects,
            headers={"User-Agent": user_agent},
        )

    def close(self) -> None:
        """Close the HTTP client if this fetcher built it."""
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def fetch(
        self,
        location: str | PathLike[str],
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        previous_hash: str | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        bounds: Bounds | None = None,
    ) -> FetchResult:
        """Fetch ``location``: an ``http(s)://`` URL, a ``file://`` URL or a local path.

        :param etag: the ``ETag`` of the previous fetch, sent as ``If-None-Match``.
        :param last_modified: its ``Last-Modified``, sent as ``If-Modified-Since``.
        :param previous_hash: the sha256 of the previous body; an identical body
            gives ``not_modified`` too.
        :param params: query parameters added to the URL.
        :param headers: extra request headers (they may override the defaults).
        :param max_bytes: this fetch's size limit, instead of the fetcher's.
        :param bounds: where the fetch may go (``location`` included) and until when; by default
            ``location``'s own host (or folder), without deadline.
        :returns: a :class:`FetchResult`.
        :raises SourceUnavailable: on any failure, with a French ``detail``.
        """
        started = time.perf_counter()
        limit = self.max_bytes if max_bytes is None else max_bytes
        target = str(location)
        try:
            scheme = urlsplit(target).scheme.lower()
        except ValueError as err:  # e.g. an unclosed IPv6 bracket
            raise SourceUnavailable(detail=f"adresse invalide : {target}") from err
        if len(scheme) > 1 and scheme not in ("http", "https", "file"):  # one letter is a Windows drive
            raise SourceUnavailable(detail=f"protocole non pris en charge : « {scheme} » ({target})")
        if bounds is None:
            bounds = Bounds.around(target)
        elif why := bounds.refusal(target):
            raise SourceUnavailable(detail=f"adresse refusée : {_safe_url(target)} : {why}")
        if overdue := bounds.overdue():
            raise SourceUnavailable(detail=overdue)
        if scheme in ("http", "https"):
            return self._fetch_http(target, started, etag, last_modified, previous_hash, params, headers, limit, bounds)
        if scheme == "file":
            return self._fetch_file(_file_url_path(target), started, previous_hash, limit)
        return self._fetch_file(Path(target), started, previous_hash, limit)

    # -- HTTP -------------------------------------------------------------

    def _fetch_http(
        self,
        url: str,
        started: float,
        etag: str | None,
        last_modified: str | None,
        previous_hash: str | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
        max_bytes: int,
        bounds: Bounds,
    ) -> FetchResult:
        request_headers = {"User-Agent": self.user_agent}
        if etag:
            request_headers["If-None-Match"] = etag
        if last_modified:
            request_headers["If-Modified-Since"] = last_modified
        request_headers.update(headers or {})
        failures: list[_AttemptFailed] = []
        for attempt in range(self.retries + 1):
            try:
                result = self._attempt(url, params, request_headers, etag, last_modified, max_bytes, bounds)
            except _AttemptFailed as failure:
                failures.append(failure)
                cause = f" ({failure.__cause__!r})" if failure.__cause__ else ""
                log.warning(
                    "%s : tentative %d sur %d : %s%s",
                    _safe_url(url),
                    attempt + 1,
                    self.retries + 1,
                    failure.what,
                    cause,
                )
                if not failure.retryable or attempt == self.retries:
                    break
                wait = max(self.backoff_s * 2**attempt, failure.retry_after_s or 0)
                left = bounds.left_s()
                if left is not None and wait >= left:  # the next try would start past the deadline: stop now
                    failures[-1] = _AttemptFailed(f"{bounds.exceeded()}, après : {failure.what}", retryable=False)
                    failures[-1].__cause__ = failure.__cause__
                    break
                self.sleep(wait)
                continue
            if result.status == "ok" and previous_hash and result.content_hash == previous_hash:
                result = replace(result, status="not_modified", content=Body(), content_hash="")
            return replace(result, elapsed_s=time.perf_counter() - started, requests=attempt + result.requests)
        last = failures[-1]
        raise SourceUnavailable(detail=f"{_summary(failures)} ({_safe_url(url)})") from last.__cause__

    def _attempt(
        self,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        etag: str | None,
        last_modified: str | None,
        max_bytes: int,
        bounds: Bounds,
    ) -> FetchResult:
        left = bounds.left_s()
        timeout = self._timeout if left is None else httpx.Timeout(max(0.001, min(self.timeout_s, left)))
        try:
            with self._follow(url, params, headers, timeout, bounds) as response:
                if response.status_code == 304:
                    return FetchResult(
                        status="not_modified",
                        content=Body(),
                        url=str(response.url),
                        etag=response.headers.get("etag", etag),
                        last_modified=response.headers.get("last-modified", last_modified),
                        content_type=response.headers.get("content-type"),
                        declared_encoding=response.charset_encoding,
                        content_hash="",
                        elapsed_s=0.0,
                        requests=len(response.history) + 1,
                    )
                if not response.is_success:
                    self._refuse(response)
                body = self._read(response, max_bytes, bounds)
                return FetchResult(
                    status="ok",
                    content=body,
                    url=str(response.url),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                    content_type=response.headers.get("content-type"),
                    declared_encoding=response.charset_encoding,
                    content_hash=body.content_hash,
                    elapsed_s=0.0,
                    requests=len(response.history) + 1,
                )
        except httpx.TimeoutException as err:
            if overdue := bounds.overdue():  # its timeouts were cut to the time left
                raise _AttemptFailed(overdue, retryable=False) from err
            during = "pour se connecter" if isinstance(err, httpx.ConnectTimeout) else "en attendant le serveur"
            raise _AttemptFailed(f"délai dépassé après {_seconds(self.timeout_s)} {during}", retryable=True) from err
        except httpx.TooManyRedirects as err:
            raise _AttemptFailed("trop de redirections", retryable=False) from err
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as err:
            raise _AttemptFailed("adresse invalide ou protocole non pris en charge", retryable=False) from err
        except httpx.DecodingError as err:
            raise _AttemptFailed("réponse illisible : compression invalide", retryable=False) from err
        except httpx.ConnectError as err:
            raise _AttemptFailed(f"connexion impossible : {err}", retryable=True) from err
        except httpx.TransportError as err:
            raise _AttemptFailed(f"échange interrompu : {err}", retryable=True) from err
        except (httpx.HTTPError, httpx.StreamError) as err:
            raise _AttemptFailed(f"requête impossible : {err}", retryable=False) from err

    @contextmanager
    def _follow(
        self,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        timeout: httpx.Timeout,
        bounds: Bounds,
    ) -> Iterator[httpx.Response]:
        """The response at the end of ``url``'s redirects, streamed; each redirect is checked
        against ``bounds`` before it is followed (httpx would follow it anywhere)."""
        request = self.client.build_request("GET", url, params=params, headers=headers, timeout=timeout)
        history: list[httpx.Response] = []
        while True:
            response = self.client.send(request, stream=True, follow_redirects=False)
            if response.next_request is None:
                break
            response.close()
            history.append(response)
            target = str(response.next_request.url)
            if why := bounds.refusal(target):
                raise _AttemptFailed(f"redirection refusée vers {_safe_url(target)} : {why}", retryable=False)
            if len(history) > self.max_redirects:
                raise httpx.TooManyRedirects("Exceeded maximum allowed redirects.", request=request)
            request = response.next_request
        response.history = history
        try:
            yield response
        finally:
            response.close()

    def _refuse(self, response: httpx.Response) -> None:
        code = response.status_code
        what = f"le serveur a répondu {code} ({response.reason_phrase or 'sans motif'})"
        try:
            response.raise_for_status()
        except httpx.HTTPStatusError as err:
            cause: Exception = err
        else:  # a 1xx or 3xx that is not a redirect httpx could follow
            cause = httpx.HTTPError(what)
        if code != 429 and code < 500:
            raise _AttemptFailed(what, retryable=False) from cause
        wait = retry_after_s(response.headers.get("retry-after"))
        if wait is not None and wait > self.retry_after_cap_s:
            what += f" et demande d'attendre {_seconds(wait)}, plus que la limite de {_seconds(self.retry_after_cap_s)}"
            raise _AttemptFailed(what, retryable=False) from cause
        raise _AttemptFailed(what, retryable=True, retry_after_s=wait) from cause

    def _read(self, response: httpx.Response, max_bytes: int, bounds: Bounds) -> Body:
        announced = _content_length(response)
        if announced is not None and announced > max_bytes:
            raise _AttemptFailed(
                f"fichier trop gros : plus de {_size(max_bytes)}, {_size(announced)} annoncés", retryable=False
            )
        body = Body()
        try:
            for chunk in response.iter_bytes():
                body.write(chunk)
                if body.size > max_bytes:
                    body.close()
                    raise _AttemptFailed(f"fichier trop gros : plus de {_size(max_bytes)}", retryable=False)
                if overdue := bounds.overdue():  # a server trickling within each read's timeout
                    body.close()
                    raise _AttemptFailed(overdue, retryable=False)
        except (httpx.RemoteProtocolError, httpx.ReadError) as err:
            raise _AttemptFailed(_truncated(response.num_bytes_downloaded, announced), retryable=True) from err
        if announced is not None and response.num_bytes_downloaded < announced:
            # h11 already refuses a short body; this guards other transports.
            raise _AttemptFailed(_truncated(response.num_bytes_downloaded, announced), retryable=True)
        return body

    # -- local files ------------------------------------------------------

    def _fetch_file(self, path: Path, started: float, previous_hash: str | None, max_bytes: int) -> FetchResult:
        path = path.expanduser().absolute()
        too_big = SourceUnavailable(detail=f"fichier trop gros : plus de {_size(max_bytes)} ({path})")
        try:
            stat = path.stat()
            if not path.is_file():
                raise SourceUnavailable(detail=f"ce n'est pas un fichier : {path}")
            if stat.st_size > max_bytes:
                raise too_big
            body = _copy(path, max_bytes)
        except FileNotFoundError as err:
            raise SourceUnavailable(detail=f"fichier introuvable : {path}") from err
        except OSError as err:
            raise SourceUnavailable(detail=f"fichier illisible : {path} ({err.strerror or err})") from err
        if body.size > max_bytes:  # it grew while we looked
            body.close()
            raise too_big
        content_hash = body.content_hash
        unchanged = previous_hash is not None and previous_hash == content_hash
        if unchanged:
            body.close()
        return FetchResult(
            status="not_modified" if unchanged else "ok",
            content=Body() if unchanged else body,
            url=str(path),
            etag=None,
            last_modified=email.utils.formatdate(stat.st_mtime, usegmt=True),
            content_type=mimetypes.guess_type(path.name)[0],
            declared_encoding=None,
            content_hash="" if unchanged else content_hash,
            elapsed_s=time.perf_counter() - started,
            requests=0,
        )


# -- helpers ----------------------------------------------------------------


def _copy(path: Path, max_bytes: int) -> Body:
    """The file's bytes as they are now (up to ``max_bytes + 1``): the run reads this copy,
    which matches the hash even if the file changes meanwhile."""
    body = Body()
    with path.open("rb") as file:
        while body.size <= max_bytes and (chunk := file.read(min(_CHUNK, max_bytes + 1 - body.size))):
            body.write(chunk)
    return body


def _file_url_path(url: str) -> Path:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise SourceUnavailable(detail=f"fichier sur une autre machine non pris en charge : {url}")
    return Path(url2pathname(parts.path))


def _content_length(response: httpx.Response) -> int | None:
    try:
        length = int(response.headers["content-length"])
    except (KeyError, ValueError):
        return None
    return length if length >= 0 else None


def retry_after_s(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _summary(failures: list[_AttemptFailed]) -> str:
    last = failures[-1].what
    count = len(failures)
    if count == 1:
        return last
    times = _NUMBER_WORDS.get(count, str(count))
    if all(f.what == last for f in failures):
        return f"{last}, {times} fois de suite"
    return f"{last} (dernière de {count} tentatives)"


def _safe_url(url: str) -> str:
    """The URL without credentials nor query string (it may carry an API key)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
    except ValueError:  # a bad port: httpx refused it already
        return url.split("?", 1)[0]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _truncated(received: int, announced: int | None) -> str:
    if announced is None:
        return f"réponse tronquée : connexion coupée après {_number(received)} octets"
    return f"réponse tronquée : {_number(received)} octets reçus sur {_number(announced)} annoncés"


def _number(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _seconds(s: float) -> str:
    return f"{s:g} s".replace(".", ",")


def _size(n: int) -> str:
    if n < _MB:
        return f"{_number(n)} octets"
    return f"{n / _MB:.1f}".rstrip("0").rstrip(".").replace(".", ",") + " Mo"
