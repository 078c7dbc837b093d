# SPDX-License-Identifier: Apache-2.0
"""Permanent opaque venue ids, minted here and never derived from source ids."""

from __future__ import annotations

import secrets

__all__ = ["new_venue_id", "is_venue_id"]

# Crockford's base32 without I, L, O, U: no ambiguity when read aloud or typed.
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_LENGTH = 10  # 50 bits: no collision in any realistic directory


def new_venue_id() -> str:
    bits = secrets.randbits(5 * _LENGTH)  # one draw, cut into 5-bit characters
    return "l" + "".join(_ALPHABET[(bits >> (5 * i)) & 31] for i in range(_LENGTH))


def is_venue_id(text: str) -> bool:
    return len(text) == _LENGTH + 1 and text[0] == "l" and all(c in _ALPHABET for c in text[1:])
