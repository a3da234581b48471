"""Sentence choice inside long sections, abstention on unsupported terms, query-embedding cache."""

from __future__ import annotations

import re

from policy_kb import AnswerReason


def _body(kb) -> str:
    return " ".join(p["text"] for p in kb.passages)


def test_question_with_a_term_the_policy_never_uses_is_not_covered(cartier_kb, second_kb):
    for kb in (cartier_kb, second_kb):
        answer = kb.answer("do you store my retina scans")
        assert not answer.covered and answer.reason == AnswerReason.NOT_COVERED
        assert answer.text == ""


def test_conversational_words_do_not_count_as_unsupported_terms(cartier_kb):
    assert cartier_kb.unsupported_terms("what happens if I ask you to delete my data") == []
    assert cartier_kb.answer("what happens if I ask you to delete my data").covered


def test_possessive_names_are_matched_to_the_policy_words(cartier_kb):
    assert cartier_kb.unsupported_terms("What is Richemont International's role?") == ["role"]


def test_long_section_answer_continues_with_the_next_sentence_of_the_paragraph(cartier_kb):
    answer = cartier_kb.answer("what details are required to create an online account")
    assert answer.section_id == "personal-information-collection-and-use"
    assert "register and create an online account" in answer.text and "During this process" in answer.text
    assert len(answer.text) <= 320


def test_non_adjacent_sentences_are_joined_with_an_ellipsis_and_stay_extractive(cartier_kb, second_kb):
    for kb, question in (
        (cartier_kb, "what do you use my personal data for?"),
        (second_kb, "what happens if I ask you to delete my data"),
    ):
        answer = kb.answer(question)
        assert answer.covered and len(answer.text) <= 320
        for piece in re.split(r"\s*…\s*", answer.text):
            if piece:
                assert piece.rstrip(",;:") in _body(kb), piece


def test_repeated_question_reuses_its_cached_embedding(cartier_kb, monkeypatch):
    retriever = cartier_kb.hybrid
    retriever.clear_query_cache()
    calls = []
    original = retriever.encoder.encode
    monkeypatch.setattr(retriever.encoder, "encode", lambda texts, **kw: calls.append(texts) or original(texts, **kw))
    first = cartier_kb.answer("do you record my calls?")
    second = cartier_kb.answer("do you record my calls?")
    assert len(calls) == 1
    assert first.text == second.text
    assert not retriever.query_vector("do you record my calls?").flags.writeable


def test_query_cache_is_bounded(cartier_kb, monkeypatch):
    retriever = cartier_kb.hybrid
    retriever.clear_query_cache()
    monkeypatch.setattr(type(retriever), "QUERY_CACHE_SIZE", 2)
    for q in ("cookies?", "phone calls?", "children?"):
        retriever.query_vector(q)
    assert list(retriever._qcache) == ["phone calls?", "children?"]


def test_query_encoding_runs_on_one_compute_thread(cartier_kb):
    options = cartier_kb.hybrid.encoder._session.get_session_options()
    assert options.intra_op_num_threads == 1
    assert options.inter_op_num_threads == 1
