# SPDX-License-Identifier: Apache-2.0
"""Bytes → text for files whose encoding nobody states.

UTF-8 (with or without a byte-order mark) first; files that are not valid
UTF-8 are, in French open data, almost always Windows-1252 (a superset of
Latin-1 for printable characters).
"""

from __future__ import annotations

__all__ = ["decode", "DecodedText"]

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    encoding: str  # utf-8 | utf-8-sig | cp1252 | latin-1 | utf-16


def decode(data: bytes, declared: str | None = None) -> DecodedText:
    """Decode ``data``; ``declared`` (a header's charset) is tried first but not trusted."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return DecodedText(data.decode("utf-16"), "utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return DecodedText(data[3:].decode("utf-8", errors="replace"), "utf-8-sig")
    candidates = ["utf-8", "cp1252"]
    if declared and declared.lower() not in candidates:
        candidates.insert(0, declared.lower())
    for encoding in candidates:
        try:
            return DecodedText(data.decode(encoding), encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    # cp1252 leaves five bytes undefined; latin-1 maps every byte.
    return DecodedText(data.decode("latin-1"), "latin-1")
