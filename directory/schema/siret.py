# SPDX-License-Identifier: Apache-2.0
"""Whether a SIRET passes its check: python-stdnum's rule, without its cost for plain digits.

``stdnum.fr.siret.is_valid`` (cleaning, exceptions, generic Luhn) costs about 12 µs, as much as
the rest of a pivot's validation; every record with a SIRET is checked on import and matching
asks again. Fourteen ASCII digits, what records carry, are checked here by the same rule (Luhn
over the SIRET and over its SIREN; La Poste's establishments, SIREN 356000000 but its head
office, have a digit sum that is a multiple of 5 instead); anything else goes to stdnum.
``tests/schema/test_siret.py`` checks both against each other.
"""

from __future__ import annotations

from stdnum.fr import siret as _stdnum_siret

__all__ = ["is_valid_siret"]

_LA_POSTE = "356000000"
_LA_POSTE_HEAD_OFFICE = "35600000000048"
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # the digits of 2 × d, added


def is_valid_siret(number: str) -> bool:
    """True when ``number`` is a SIRET that passes its check, as ``stdnum.fr.siret.is_valid`` says."""
    if not (len(number) == 14 and number.isascii() and number.isdigit()):
        return bool(_stdnum_siret.is_valid(number))
    if number.startswith(_LA_POSTE) and number != _LA_POSTE_HEAD_OFFICE:
        checked = sum(map(int, number)) % 5 == 0
    else:
        checked = _luhn(number)
    return checked and _luhn(number[:9])


def _luhn(digits: str) -> bool:
    values = [ord(c) - 48 for c in reversed(digits)]
    return (sum(values[::2]) + sum(_DOUBLED[v] for v in values[1::2])) % 10 == 0
