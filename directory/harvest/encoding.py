# SPDX-License-Identifier: Apache-2.0
"""Bytes → text for files whose encoding nobody states.

UTF-8 (with or without a byte-order mark) first; files that are not valid
UTF-8 are, in French open data, almost always Windows-1252 (a superset of
Latin-1 for printable characters).

:func:`decode` turns bytes in memory into text; :func:`open_text` makes the
same choice over a binary stream, decoding it chunk by chunk, and gives a
text stream to read it line by line (a large file is never held whole).
"""

from __future__ import annotations

__all__ = ["decode", "detect_encoding", "open_text", "DecodedText"]

import codecs
import io
from dataclasses import dataclass
from typing import BinaryIO

_BOMS = ((b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"), (b"\xef\xbb\xbf", "utf-8-sig"))
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    encoding: str  # utf-8 | utf-8-sig | cp1252 | latin-1 | utf-16


def _candidates(declared: str | None) -> list[str]:
    """``declared`` (a header's charset) is tried first but not trusted."""
    candidates = ["utf-8", "cp1252"]
    if declared and declared.lower() not in candidates:
        candidates.insert(0, declared.lower())
    return candidates


def _bom(head: bytes) -> str | None:
    return next((name for bom, name in _BOMS if head.startswith(bom)), None)


def decode(data: bytes, declared: str | None = None) -> DecodedText:
    """Decode ``data``; ``declared`` (a header's charset) is tried first but not trusted."""
    bom = _bom(data)
    if bom == "utf-16":
        return DecodedText(data.decode("utf-16"), "utf-16")
    if bom == "utf-8-sig":
        return DecodedText(data[3:].decode("utf-8", errors="replace"), "utf-8-sig")
    for encoding in _candidates(declared):
        try:
            return DecodedText(data.decode(encoding), encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    # cp1252 leaves five bytes undefined; latin-1 maps every byte.
    return DecodedText(data.decode("latin-1"), "latin-1")


def detect_encoding(stream: BinaryIO, declared: str | None = None) -> str:
    """The encoding :func:`decode` would choose for the stream's bytes; the stream is rewound."""
    try:
        bom = _bom(stream.read(3))
        if bom is not None:
            return bom
        for encoding in _candidates(declared):
            stream.seek(0)
            if _decodes(stream, encoding):
                return encoding
        return "latin-1"
    finally:
        stream.seek(0)


def _decodes(stream: BinaryIO, encoding: str) -> bool:
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        return False
    try:
        while chunk := stream.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def open_text(stream: BinaryIO, declared: str | None = None) -> tuple[io.TextIOWrapper, str]:
    """The stream as text (lines keep their ends, as the ``csv`` module wants) and its encoding."""
    encoding = detect_encoding(stream, declared)
    errors = "replace" if encoding == "utf-8-sig" else "strict"  # as decode() does
    return io.TextIOWrapper(stream, encoding=encoding, errors=errors, newline=""), encoding
