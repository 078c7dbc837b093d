# SPDX-License-Identifier: Apache-2.0
"""Bytes → text for files whose encoding nobody states.

UTF-8 (with or without a byte-order mark) first; files that are not valid
UTF-8 are, in French open data, almost always Windows-1252 (a superset of
Latin-1 for printable characters). A charset declared by a server is not
trusted: bytes beyond ASCII that form valid UTF-8 are UTF-8 whatever it says
(Latin-1 or Windows-1252 French text practically never does), and text that is
not valid UTF-8 is not UTF-8 either. :func:`encoding_note` says so in French.

:func:`decode` turns bytes in memory into text; :func:`open_text` makes the
same choice over a binary stream, decoding it chunk by chunk, and gives a
text stream to read it line by line (a large file is never held whole).
"""

from __future__ import annotations

__all__ = ["decode", "detect_encoding", "encoding_note", "open_text", "DecodedText"]

import codecs
import io
from dataclasses import dataclass
from functools import lru_cache
from typing import BinaryIO

_BOMS = ((b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"), (b"\xef\xbb\xbf", "utf-8-sig"))
_CHUNK = 1 << 20
_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252", "latin-1": "Latin-1"}


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
    if not data.isascii():  # valid UTF-8 beyond ASCII is UTF-8, whatever was declared
        try:
            return DecodedText(data.decode("utf-8"), "utf-8")
        except UnicodeDecodeError:
            pass
    ascii_only = data.isascii()
    for encoding in _candidates(declared):
        if ascii_only and not _reads_ascii(encoding):  # ASCII read as UTF-16 « decodes », into nonsense
            continue
        try:
            return DecodedText(data.decode(encoding), encoding)
        except (UnicodeError, LookupError):
            continue
    # cp1252 leaves five bytes undefined; latin-1 maps every byte.
    return DecodedText(data.decode("latin-1"), "latin-1")


def detect_encoding(stream: BinaryIO, declared: str | None = None) -> str:
    """The encoding :func:`decode` would choose for the stream's bytes; the stream is rewound."""
    try:
        bom = _bom(stream.read(3))
        if bom is not None:
            return bom
        stream.seek(0)
        utf8 = _utf8_kind(stream)
        if utf8 == "utf-8":
            return "utf-8"
        for encoding in _candidates(declared):
            if utf8 == "ascii":  # any encoding that reads ASCII as ASCII, with no second pass over a big file
                if _reads_ascii(encoding):
                    return encoding
                continue
            stream.seek(0)
            if _decodes(stream, encoding):
                return encoding
        return "latin-1"
    finally:
        stream.seek(0)


def encoding_note(declared: str | None, encoding: str | None) -> str | None:
    """A French sentence for a run's report when the text was not read in its ``declared`` charset."""
    if not declared or encoding is None or _same(declared, encoding):
        return None
    name = _NAMES.get(encoding, encoding)
    return f"le fichier est annoncé en {declared.upper()} mais il est en {name} : il a été lu en {name}"


def _same(declared: str, encoding: str) -> bool:
    try:
        return codecs.lookup(declared).name == codecs.lookup(encoding.removesuffix("-sig")).name
    except LookupError:
        return False


def _utf8_kind(stream: BinaryIO) -> str | None:
    """``"ascii"`` (nothing beyond ASCII), ``"utf-8"`` (valid UTF-8 beyond ASCII) or None (not UTF-8)."""
    decoder, beyond = codecs.getincrementaldecoder("utf-8")(), False
    try:
        while chunk := stream.read(_CHUNK):
            decoder.decode(chunk)
            beyond = beyond or not chunk.isascii()
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return "utf-8" if beyond else "ascii"


@lru_cache(maxsize=32)
def _reads_ascii(encoding: str) -> bool:
    """Whether ``encoding`` reads ASCII bytes as ASCII (UTF-16 and the like do not)."""
    try:
        return bytes(range(128)).decode(encoding) == "".join(map(chr, range(128)))
    except (LookupError, UnicodeDecodeError):
        return False


def _decodes(stream: BinaryIO, encoding: str) -> bool:
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        return False
    try:
        while chunk := stream.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeError:  # UTF-16 without its BOM raises the parent class
        return False
    return True


def open_text(stream: BinaryIO, declared: str | None = None) -> tuple[io.TextIOWrapper, str]:
    """The stream as text (lines keep their ends, as the ``csv`` module wants) and its encoding."""
    encoding = detect_encoding(stream, declared)
    errors = "replace" if encoding == "utf-8-sig" else "strict"  # as decode() does
    return io.TextIOWrapper(stream, encoding=encoding, errors=errors, newline=""), encoding
