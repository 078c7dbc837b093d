# SPDX-License-Identifier: Apache-2.0
"""Query text analysis: folding, stop words, word forms, prefix, typos against the vocabulary, synonyms."""

from __future__ import annotations

from directory.places import fold
from directory.search import IndexDocument
from directory.search._forms import base_form
from directory.search._text import allowed_key_typos, allowed_typos, analyze, engine_text
from directory.search._vocab import IndexStats
from directory.search.synonyms import GROUPS, expand, meili_synonyms

from .conftest import make_venue


def stats(**words: int) -> IndexStats:
    return IndexStats(n_docs=1000, words=dict(words), terms={}, departements={})


def test_typo_allowance():
    assert [allowed_typos(w) for w in ("caf", "mairi", "mairie", "mediatheq", "54000")] == [0, 1, 1, 2, 0]


def test_words_are_folded_stop_words_dropped_last_word_is_a_prefix():
    plan = analyze("L'Espace de la Médiath", stats(espace=50, mediatheque=100, mediatheques=3))
    assert plan is not None
    assert [g.typed for g in plan.groups] == ["espace", "mediath"]
    assert plan.fts_match() == '"espace" AND "mediath"*'
    assert plan.estimate == 50


def test_only_stop_words_are_kept():
    plan = analyze("de la", stats(de=900, la=800))
    assert plan is not None and [g.typed for g in plan.groups] == ["de", "la"]


def test_absent_words_are_corrected_against_the_vocabulary():
    vocab = stats(mediatheque=100, numerique=700, mairie=80)
    plan = analyze("mediatheqe numerqiue", vocab)
    assert plan is not None
    assert plan.fts_match() == '"mediatheque" AND "numerique"'
    assert analyze("mairje", vocab).fts_match() == '"mairie"'  # type: ignore[union-attr]
    assert analyze("mairjee", vocab).estimate == 0  # type: ignore[union-attr]  # 2 typos in 7 letters: no


def test_synonyms_make_an_or_group():
    plan = analyze("caf", stats(caf=3, aide=300, aux=300, demarches=300, administratives=300))
    assert plan is not None and len(plan.groups) == 1
    texts = {a.text for a in plan.groups[0].alternatives}
    assert {"caf", "aide aux demarches administratives", "allocations familiales"} <= texts
    assert plan.estimate >= 300


def test_two_word_synonym_keys():
    plan = analyze("carte grise", stats(carte=10, grise=5, ants=1))
    assert plan is not None and [g.typed for g in plan.groups] == ["carte grise"]
    assert "ants" in {a.text for a in plan.groups[0].alternatives}


def test_synonym_table_is_folded_and_symmetric():
    for group in GROUPS:
        for word in group.words:
            assert word == fold(word) and len(word.split()) <= 2
            assert set(group.phrases()) - {word} <= set(expand(word))
    assert meili_synonyms()["impots"] == list(expand("impots"))


def test_document_text_is_folded():
    venue = make_venue("l1", "Médiathèque du Cœur", commune="Vandœuvre-lès-Nancy", presentation_resume="Œuvres d'art")
    document = IndexDocument.from_venue("l1", venue)
    assert document.name_text == "mediatheque du coeur"
    assert "vandoeuvre les nancy" in document.body_text and "oeuvres d art" in document.body_text
    assert document.departement == "54"


def test_base_forms_of_plurals_and_feminines():
    pairs = {
        "tablettes": "tablette",
        "demarches": "demarche",
        "locaux": "local",
        "bureaux": "bureau",
        "administratives": "administratif",
        "sociales": "social",
        "personnelles": "personnel",
    }
    assert {w: base_form(w) for w in pairs} == pairs
    kept = ("pass", "bus", "ants", "paris", "cv", "caf", "numerique", "informatique", "3d")
    assert [base_form(w) for w in kept] == list(kept)


def test_a_plural_finds_the_singular_and_the_other_way_round():
    vocab = stats(atelier=40, ateliers=12, mediatheque=100)
    for typed in ("ateliers", "atelier"):
        group = analyze(typed, vocab).groups[0]  # type: ignore[union-attr]
        assert {a.text for a in group.alternatives if a.kind == "word"} == {"atelier", "ateliers"}
    assert analyze("mediatheques", vocab).fts_match() == '"mediatheque"'  # type: ignore[union-attr]


def test_a_typo_of_a_synonym_key_absent_from_the_vocabulary():
    vocab = stats(portable=30, telephone=50)
    texts = {a.text for a in analyze("smarphone", vocab).groups[0].alternatives}  # type: ignore[union-attr]
    assert {"smartphone", "portable", "telephone"} <= texts
    assert analyze("tablete", vocab).estimate > 0  # type: ignore[union-attr]


def test_a_word_found_in_few_documents_is_also_corrected():
    vocab = stats(tablete=1, tablette=400)
    texts = {a.text for a in analyze("tablete", vocab).groups[0].alternatives}  # type: ignore[union-attr]
    assert texts >= {"tablete", "tablette"}
    frequent = analyze("mediatheque", stats(mediatheque=400, mediathequr=1))
    assert frequent.fts_match() == '"mediatheque"'  # type: ignore[union-attr]  # found often: left as typed


def test_one_typo_in_a_four_letter_key_and_swapped_letters_count_as_one():
    assert allowed_key_typos("mial") == 1 and allowed_typos("mial") == 0 and allowed_key_typos("caf") == 0
    texts = {a.text for a in analyze("mial", stats(courriel=20)).groups[0].alternatives}  # type: ignore[union-attr]
    assert {"mail", "courriel"} <= texts
    assert analyze("tbalette", stats(tablette=50)).fts_match().startswith('("tablette"')  # type: ignore[union-attr]
    assert analyze("cqf", stats(caf=50)).estimate == 0  # type: ignore[union-attr]  # three letters: as typed


def test_engine_text_sends_base_forms_and_corrected_keys():
    assert engine_text("Tablettes smarphone Démarches") == "tablette smartphone demarche"
    assert engine_text("médiath") == "mediath"
    assert engine_text("mial wfii") == "mail wifi"
