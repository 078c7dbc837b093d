# SPDX-License-Identifier: Apache-2.0
"""Which fields hold lists is said once (issue 16, item 4): ``schema.LIST_FIELDS``.

It was restated about six times (the mapping, the samples, the merge, the
national writer, the store's codec…); a second copy that forgets a field drifts
silently (a new list field merged as a scalar, written without its « | »).
"""

from __future__ import annotations

import ast
import typing
from pathlib import Path

from directory.schema import LIST_FIELDS, LIST_VOCABULARIES, TEXT_LIST_FIELDS, Venue, Vocabulary

PACKAGE = Path(__file__).resolve().parents[2] / "directory"
HOME = PACKAGE / "schema" / "vocabularies.py"


def _item_type(annotation: object) -> object | None:
    """``X`` for ``list[X]``, else None."""
    return typing.get_args(annotation)[0] if typing.get_origin(annotation) is list else None


def test_the_list_fields_are_the_venues_lists_of_text_or_terms():
    hints = typing.get_type_hints(Venue)
    lists = {
        name
        for name, annotation in hints.items()
        if (item := _item_type(annotation)) is str or (isinstance(item, type) and issubclass(item, Vocabulary))
    }
    assert set(LIST_FIELDS) == lists
    assert len(LIST_FIELDS) == len(set(LIST_FIELDS))


def test_each_vocabulary_list_names_the_vocabulary_the_venue_declares():
    hints = typing.get_type_hints(Venue)
    for name, (vocabulary, _) in LIST_VOCABULARIES.items():
        assert _item_type(hints[name]) is vocabulary, name
    assert {name for name in TEXT_LIST_FIELDS if _item_type(hints[name]) is str} == set(TEXT_LIST_FIELDS)


def _restated(path: Path) -> list[int]:
    """Lines where a literal tuple, list or set names the text lists (with list fields only, if more):
    the knowledge « courriels and site_web are lists too » said again. A choice of vocabulary
    filters (the facets offered) is not a restatement."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts:
            names = {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
            if set(TEXT_LIST_FIELDS) <= names and names <= {*LIST_FIELDS, "offres"}:
                found.append(node.lineno)
    return found


def test_no_module_restates_the_list_fields():
    restated = {
        str(path.relative_to(PACKAGE)): lines
        for path in PACKAGE.rglob("*.py")
        if path != HOME and "migrations" not in path.parts and (lines := _restated(path))
    }
    assert restated == {}
