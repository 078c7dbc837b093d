# SPDX-License-Identifier: Apache-2.0
"""The base of every controlled vocabulary.

A member's value is a stable code (a slug used in URLs, filters and the
database); ``label`` is the exact string of the national standard, which is
what the standard's files carry. Readers are lenient (``parse`` accepts the
label, the code, known aliases, any case and accents); writers are strict
(``national`` gives the one spelling the Table Schema accepts).
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Self

from .folding import fold_key

__all__ = ["Vocabulary"]


class Vocabulary(StrEnum):
    """An enumeration of (code, label, *aliases) triples."""

    label: str
    aliases: tuple[str, ...]
    #: Each vocabulary's folded label, code and aliases → member, made on first use (``_lookup``).
    _lookup_table: ClassVar[dict[str, Vocabulary]]

    def __new__(cls, code: str, label: str, *aliases: str) -> Self:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        member.aliases = aliases
        return member

    @property
    def code(self) -> str:
        return self._value_  # not ``self.value``: Enum's descriptor costs, and codes are read per term per record

    @property
    def national(self) -> str:
        """The spelling the national standard's files use."""
        return self.label

    @classmethod
    def _lookup(cls) -> dict[str, Self]:
        table = cls.__dict__.get("_lookup_table")
        if table is None:
            table = {}
            for member in cls:
                for text in (member.code, member.label, *member.aliases):
                    table.setdefault(fold_key(text), member)
            cls._lookup_table = table
        return table

    @classmethod
    def parse(cls, text: str) -> Self | None:
        """The member named by ``text`` (label, code or alias), or None."""
        return cls._lookup().get(fold_key(text))

    @classmethod
    def title(cls) -> str:
        """French name of the vocabulary, for people."""
        return cls.__doc__.strip().splitlines()[0] if cls.__doc__ else cls.__name__
