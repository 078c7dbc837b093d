# SPDX-License-Identifier: Apache-2.0
"""Sessions of the back office: a signed cookie, and the CSRF token derived from it.

The cookie holds a random nonce and, once signed in, the login and the account's session version
(bumped by a new password or a disabled account, which ends every open session). It is signed with
the instance's secret (itsdangerous), HttpOnly, SameSite=Lax, scoped to ``/gestion``, Secure when the
public address is https, and lasts ``MAX_AGE``. Signing in issues a new nonce (no session fixation).

Every form carries ``csrf``: an HMAC of the nonce, so a page of another site cannot forge it, and a
token of one session is worth nothing in another.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from directory.config import Settings
from directory.store import Account

__all__ = ["COOKIE", "MAX_AGE", "Session", "SessionCodec", "load_secret"]

COOKIE = "gestion"
MAX_AGE = 8 * 3600  # a working day; then sign in again


def load_secret(settings: Settings) -> str:
    """The configured secret, or one kept in the data folder (made once, readable by its owner only)."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker made it first
            return path.read_text(encoding="ascii").strip()
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(secret)
        return secret


@dataclass(frozen=True, slots=True)
class Session:
    nonce: str
    login: str | None = None
    version: int = 0


class SessionCodec:
    """Reads and writes the session cookie; makes and checks CSRF tokens."""

    def __init__(self, secret: str, *, secure: bool) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="directory.gestion.session")
        self._csrf_key = hashlib.sha256(b"directory.gestion.csrf:" + secret.encode()).digest()
        self.secure = secure

    def read(self, request: Request) -> Session | None:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            data = self._serializer.loads(raw, max_age=MAX_AGE)
        except BadSignature:  # tampered, or expired (SignatureExpired is a BadSignature)
            return None
        if not isinstance(data, dict) or not isinstance(data.get("n"), str):
            return None
        return Session(data["n"], data.get("u"), int(data.get("v", 0)))

    def write(self, response: Response, session: Session) -> None:
        data = {"n": session.nonce} | ({"u": session.login, "v": session.version} if session.login else {})
        response.set_cookie(
            COOKIE,
            self._serializer.dumps(data),
            max_age=MAX_AGE,
            path="/gestion",
            httponly=True,
            samesite="lax",
            secure=self.secure,
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path="/gestion", httponly=True, samesite="lax", secure=self.secure)

    @staticmethod
    def anonymous() -> Session:
        return Session(secrets.token_urlsafe(24))

    @staticmethod
    def signed_in(account: Account) -> Session:
        """A fresh session for ``account``: a new nonce, never the one used before signing in."""
        return Session(secrets.token_urlsafe(24), account.login, account.session_version)

    def csrf_token(self, session: Session) -> str:
        return hmac.new(self._csrf_key, session.nonce.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: Session | None, token: str | None) -> bool:
        if session is None or not token:
            return False
        return hmac.compare_digest(self.csrf_token(session), token)
