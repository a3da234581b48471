"""Choosing the section: title similarity, asked-for rights, security measures (all generic)."""

from __future__ import annotations

import json

import numpy as np

from policy_kb import KnowledgeBase, build
from policy_kb.builder import BUILDER_VERSION, KB_FILE, MANIFEST_FILE, VECTORS_FILE
from policy_kb.facts import extract_facts

from .conftest import CARTIER_SOURCE


def test_asking_for_a_copy_of_ones_data_is_answered_with_the_access_right_even_when_called_disclosure(cartier_rules_kb):
    answer = cartier_rules_kb.answer("how can I obtain a copy of the personal information you hold about me?")
    assert answer.covered and answer.section_id == "your-rights"
    assert "disclosure" in answer.text


def test_a_question_about_protecting_data_is_answered_from_the_security_measures(cartier_rules_kb, second_rules_kb):
    answer = cartier_rules_kb.answer("how do you keep my payment details protected?")
    assert answer.section_id == "security" and "held securely" in answer.text
    answer = second_rules_kb.answer("is my data protected?")
    assert answer.section_id == "security" and "encrypted" in answer.text


def test_security_facts_come_from_a_security_section_and_from_sentences_naming_a_measure():
    sections = [
        {"id": "security", "title": "Keeping your data secure", "sentences": ["Only trained staff see your file."]},
        {
            "id": "use",
            "title": "How we use data",
            "sentences": [
                "We use reasonable measures to keep your data secure.",
                "Your data is hosted in a secure environment.",  # no measure named: a purpose, not a safeguard
                "We send newsletters.",
            ],
        },
    ]
    for section in sections:
        section["passages"] = [" ".join(section["sentences"])]
    facts = extract_facts(sections)
    assert [f["sentence"] for f in facts["security"]] == [
        "Only trained staff see your file.",
        "We use reasonable measures to keep your data secure.",
    ]


def test_search_ranks_with_the_section_title_but_the_answer_confidence_is_the_passage_score(cartier_rules_kb):
    q = "how do you protect my payment details"
    qvec = cartier_rules_kb.hybrid.query_vector(q)
    plain = cartier_rules_kb.hybrid.score_all(q, qvec)
    titled = plain + cartier_rules_kb.hybrid.title_scores(qvec)
    hits = cartier_rules_kb.search(q, top=3)
    assert [h.index for h in hits] == list(np.argsort(-titled, kind="stable")[:3])
    assert hits[0].score == titled[hits[0].index]
    answer = cartier_rules_kb.answer(q)
    assert answer.score <= float(plain[hits[0].index]) + cartier_rules_kb.FACT_BOOST + 1e-9


def test_the_build_stores_one_vector_per_section_title_and_the_builder_version(tmp_path):
    build(CARTIER_SOURCE, tmp_path)
    data = json.loads((tmp_path / KB_FILE).read_text())
    manifest = json.loads((tmp_path / MANIFEST_FILE).read_text())
    vectors = np.load(tmp_path / VECTORS_FILE)
    rows = len(data["passages"]) + len(data["sentences"]) + len(data["clauses"]) + len(data["sections"])
    assert vectors.shape[0] == rows
    assert manifest["builder_version"] == BUILDER_VERSION == "5"


def test_a_kb_built_without_title_vectors_still_loads_and_ranks_with_titles(tmp_path):
    build(CARTIER_SOURCE, tmp_path)
    data = json.loads((tmp_path / KB_FILE).read_text())
    vectors = np.load(tmp_path / VECTORS_FILE)
    np.save(tmp_path / VECTORS_FILE, vectors[: len(vectors) - len(data["sections"])])  # as builder 2 wrote it
    kb = KnowledgeBase.load(tmp_path)
    assert kb.hybrid.title_vectors is not None and kb.hybrid.title_vectors.shape == (len(kb.passages), 384)
    assert kb.answer("do you record my calls?").section_id == "telephone-calls"
