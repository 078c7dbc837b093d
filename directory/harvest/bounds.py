# SPDX-License-Identifier: Apache-2.0
"""Where, and for how long, a source's fetch may go (issue 13, « Fetching within bounds »).

A source names one address; what it sends back (a redirect, a pagination ``next`` link) must
not make the harvester read another machine's service, or a file of this machine, and publish
it. So a web source's redirects and pages stay on its own scheme, host and port (an upgrade
from ``http`` to ``https`` on the same host is fine), or on the hosts its file lists in
``allowed_hosts``; it never reads a file. A local source (``path``) reads only files in the
folder of its data file. And a source that trickles its bytes must not hold the harvest (and
its lock) for ever: the whole fetch, every page, redirect and retry included, ends at a
deadline.

:class:`Bounds` says all that for one run; the fetcher checks every redirect against it, the
run checks every next page.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

__all__ = ["Bounds", "DEFAULT_DEADLINE_S", "origin_of"]

#: How long a whole fetch of a source may last unless its file says otherwise (``deadline``).
DEFAULT_DEADLINE_S = 300.0
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an http(s) URL, host in lower case and port explicit; None otherwise."""
    try:
        parts = urlsplit(url)
        scheme, host, port = parts.scheme.lower(), parts.hostname, parts.port
    except ValueError:  # a port out of range, an unclosed bracket
        return None
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    return scheme, host.lower().rstrip("."), port or _DEFAULT_PORTS[scheme]


def _netloc(origin: tuple[str, str, int]) -> str:
    scheme, host, port = origin
    host = f"[{host}]" if ":" in host else host
    return host if port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"


@dataclass(frozen=True, slots=True)
class Bounds:
    """What one run of a source may fetch, and until when.

    :param home: a web source's own ``(scheme, host, port)``; None for a local source.
    :param hosts: the extra ``host`` or ``host:port`` of ``allowed_hosts``, reached over http or
        https (https only when the source itself is https: never a downgrade).
    :param folder: a local source's folder: its files are the only ones it may read.
    :param deadline: ``time.monotonic()`` value past which the fetch stops; None: no deadline.
    :param deadline_s: the source's setting, to say it in messages.
    """

    home: tuple[str, str, int] | None = None
    hosts: frozenset[str] = frozenset()
    folder: Path | None = None
    deadline: float | None = None
    deadline_s: float | None = None

    @classmethod
    def of(
        cls, location: str, *, local: bool, allowed_hosts: tuple[str, ...] = (), deadline_s: float | None = None
    ) -> Bounds:
        """The bounds of a source at ``location`` (its URL, or its data file's absolute path),
        with its deadline starting now."""
        deadline = None if deadline_s is None else time.monotonic() + deadline_s
        if local:
            return cls(folder=Path(location).parent, deadline=deadline, deadline_s=deadline_s)
        hosts = frozenset(h.lower() for h in allowed_hosts)
        return cls(origin_of(location), hosts, None, deadline, deadline_s)

    @classmethod
    def around(cls, location: str) -> Bounds:
        """Bounds for a fetch not made for a source: its own host (or folder), no deadline."""
        parts = urlsplit(location)
        if parts.scheme.lower() == "file":
            return cls.of(url2pathname(parts.path), local=True)
        return cls.of(location, local=origin_of(location) is None and len(parts.scheme) <= 1)

    def refusal(self, target: str) -> str | None:
        """Why ``target`` (a URL or a local path) is out of bounds, in French; None when it is within."""
        parts = urlsplit(target)
        scheme = parts.scheme.lower() if len(parts.scheme) > 1 else ""  # one letter is a Windows drive
        if self.folder is not None:
            if scheme and scheme != "file":
                return "une source locale ne lit que des fichiers de son dossier"
            path = Path(url2pathname(parts.path) if scheme else target).resolve()
            if not path.is_relative_to(self.folder.resolve()):
                return f"hors du dossier de la source ({self.folder})"
            return None
        origin = origin_of(target)
        if scheme not in _DEFAULT_PORTS or origin is None or self.home is None:
            return (
                "une source web ne peut pas faire lire un fichier de cette machine"
                if scheme in ("", "file")
                else f"protocole « {scheme} » refusé : une source web reste en http ou https"
            )
        if self.home[0] == "https" and origin[0] == "http":
            return f"passage de https à http refusé ({_netloc(self.home)})"
        upgrade = self.home[0] == "http" and origin == (
            "https",
            self.home[1],
            443 if self.home[2] == 80 else self.home[2],
        )
        if origin == self.home or upgrade:
            return None
        if _netloc(origin) in self.hosts or f"{origin[1]}:{origin[2]}" in self.hosts:
            return None
        return (
            f"hors de l'hôte de la source ({_netloc(self.home)}) ; pour l'autoriser, ajouter « {_netloc(origin)} » "
            "à allowed_hosts dans le fichier de la source"
        )

    def left_s(self) -> float | None:
        """Seconds left before the deadline (at least 0), None without one."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def overdue(self) -> str | None:
        """The French account of a passed deadline, None while there is time left."""
        if self.deadline is None or time.monotonic() < self.deadline:
            return None
        return self.exceeded()

    def exceeded(self) -> str:
        """The French account of the deadline, passed or about to be (no retry can start in time)."""
        return (
            f"délai total dépassé : la source n'a pas tout envoyé en {_duration(self.deadline_s or 0)}, "
            "la limite « deadline » de son fichier"
        )


def _duration(seconds: float) -> str:
    if seconds < 120 or seconds % 60:
        return f"{seconds:g} s".replace(".", ",")
    minutes = int(seconds // 60)
    return f"{minutes} min" if minutes % 60 else f"{minutes // 60} h"
