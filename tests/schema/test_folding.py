# SPDX-License-Identifier: Apache-2.0
"""Accent and case folding lives in one place (issue 16, item 4): ``directory.schema.folding``.

There were four routines (vocabulary keys, the gazetteer's names, the
mapping's slugs, the hours' parser), each with its own idea of « œ » or
« ß »: a term folded one way and looked up another is not found.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from directory import places
from directory.schema import Frais, Typologie, fold, fold_key, unaccent

PACKAGE = Path(__file__).resolve().parents[2] / "directory"
HOME = PACKAGE / "schema" / "folding.py"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Vandœuvre-lès-Nancy", "vandoeuvre les nancy"),
        ("L’Haÿ-les-Roses", "l hay les roses"),
        ("« Gratuit sous condition »", "gratuit sous condition"),
        ("Straße", "strasse"),
        ("ÆSOP  n°3", "aesop n 3"),
        ("", ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_unaccent_keeps_punctuation():
    assert unaccent("Du Lundi au Vendredi : 9h–12h ; sam. Œuvre") == "du lundi au vendredi : 9h–12h ; sam. oeuvre"


def test_every_part_folds_with_the_same_function():
    assert fold_key is fold
    assert places.fold is fold


def test_a_term_folded_with_a_ligature_or_a_capital_is_found():
    assert Typologie.parse("ASSOCIATION") is Typologie.parse("association")
    assert Frais.parse("GRATUIT SOUS CONDITION") is Frais.parse("gratuit sous condition")


def _folds_by_hand(path: Path) -> list[int]:
    """Lines that decompose text (NFKD, NFD) or drop combining marks: folding done again."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if not (isinstance(node.func.value, ast.Name) and node.func.value.id == "unicodedata"):
            continue
        decomposes = node.func.attr == "normalize" and any(
            isinstance(a, ast.Constant) and a.value in ("NFKD", "NFD") for a in node.args
        )
        if decomposes or node.func.attr == "combining":
            found.append(node.lineno)
    return found


def test_no_module_folds_text_by_hand():
    by_hand = {
        str(path.relative_to(PACKAGE)): lines
        for path in PACKAGE.rglob("*.py")
        if path != HOME and (lines := _folds_by_hand(path))
    }
    assert by_hand == {}
