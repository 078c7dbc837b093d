# SPDX-License-Identifier: Apache-2.0
"""A fetched body, hashed while it arrives, kept in memory while small and in
a temporary file beyond: a source of 50 MB must not sit in memory several
times over (bytes, decoded text, the CSV reader's buffer…) during a harvest.
"""

from __future__ import annotations

__all__ = ["Body", "MEMORY_LIMIT"]

import contextlib
import hashlib
import io
import os
import tempfile
import weakref
from typing import BinaryIO

#: Bodies up to this size stay in memory; larger ones go to a temporary file.
MEMORY_LIMIT = 1_000_000


class Body:
    """Bytes written once (:meth:`write`), then read as often as needed (:meth:`open`)."""

    def __init__(self, memory_limit: int = MEMORY_LIMIT) -> None:
        self.size = 0
        self._memory_limit = memory_limit
        self._buffer = bytearray()
        self._file: BinaryIO | None = None
        self._path: str | None = None
        self._hash = hashlib.sha256()

    @classmethod
    def of(cls, data: bytes) -> Body:
        body = cls()
        body.write(data)
        return body

    def write(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self.size += len(chunk)
        if self._file is None and self.size > self._memory_limit:
            self._spill()
        if self._file is not None:
            self._file.write(chunk)
        else:
            self._buffer += chunk

    def _spill(self) -> None:
        fd, self._path = tempfile.mkstemp(prefix="directory-body-")
        weakref.finalize(self, _unlink, self._path)  # the file goes with the body
        self._file = os.fdopen(fd, "wb")
        self._file.write(self._buffer)
        self._buffer = bytearray()

    @property
    def content_hash(self) -> str:
        """sha256 of everything written so far."""
        return self._hash.hexdigest()

    def open(self) -> BinaryIO:
        """A new binary stream over the whole body, from its start (the caller closes it)."""
        if self._path is None:
            return io.BytesIO(self._buffer)
        assert self._file is not None
        self._file.flush()
        return open(self._path, "rb")

    def read(self) -> bytes:
        """The whole body at once: for small documents (a page of an API)."""
        with self.open() as stream:
            return stream.read()

    def close(self) -> None:
        """Drop the bytes now rather than when the body is collected."""
        if self._file is not None:
            self._file.close()
            _unlink(self._path or "")
        self._buffer = bytearray()


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
