# SPDX-License-Identifier: Apache-2.0
"""schema.siret says what python-stdnum says of every kind of number."""

from __future__ import annotations

import random

from stdnum.fr import siret as stdnum_siret

from directory.schema.siret import is_valid_siret


def _numbers():
    rng = random.Random(14)
    for _ in range(20_000):
        yield "".join(rng.choice("0123456789") for _ in range(14))
    for _ in range(2_000):  # La Poste's establishments, and its head office
        yield "356000000" + "".join(rng.choice("0123456789") for _ in range(5))
    yield from ("35600000000048", "35600000000049", "00000000000000", "43493312300029", "43493312300028")
    yield from ("4349331230002", "434933123000299", "4349331230002A", "434 933 123 00029", "")
    yield from ("٤٣٤٩٣٣١٢٣٠٠٠٢٩", "４３４９３３１２３０００２９", " 43493312300029")


def test_every_number_is_judged_as_stdnum_judges_it():
    numbers = list(_numbers())
    assert [is_valid_siret(n) for n in numbers] == [stdnum_siret.is_valid(n) for n in numbers]
    assert sum(map(is_valid_siret, numbers)) > 500  # valid ones are among them: 1 in 100, 1 in 5 for La Poste
