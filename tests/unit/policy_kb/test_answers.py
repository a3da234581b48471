"""Answers are short, extractive, cite their section, and abstain when the policy is silent."""

from __future__ import annotations

import re

import pytest

from policy_kb import AnswerReason, KnowledgeBase


def _policy_text(kb: KnowledgeBase) -> str:
    return " ".join(p["text"] for p in kb.passages)


def _assert_extractive(kb: KnowledgeBase, text: str) -> None:
    body = _policy_text(kb)
    for piece in re.split(r"\s*…\s*", text):
        if piece:
            assert piece.rstrip(",;:") in body, piece


@pytest.mark.parametrize("method", ["hybrid", "bm25"])
def test_both_retrievers_rank_the_call_recording_section_first(cartier_kb, method):
    hits = cartier_kb.search("do you record telephone calls?", top=3, method=method)
    assert hits[0].section == "telephone-calls"
    assert hits[0].score >= hits[1].score >= hits[2].score


@pytest.mark.parametrize(
    "question, section, fact",
    [
        ("do you record my calls?", "telephone-calls", "recorded"),
        ("where is my data stored?", "personal-information-collection-and-use", "Switzerland"),
        ("who does your fraud checks?", "joint-use-of-personal-data", "Accertify"),
        ("when was the policy last updated?", "changes-to-this-privacy-policy", "March 2010"),
    ],
)
def test_answers_cite_the_section_and_quote_only_the_policy(cartier_kb, question, section, fact):
    answer = cartier_kb.answer(question)
    assert answer.covered and answer.section_id == section
    assert fact in answer.text
    assert len(answer.text) <= 320
    assert answer.section_title == cartier_kb.section_title(section)
    _assert_extractive(cartier_kb, answer.text)


def test_a_shorter_limit_is_respected(cartier_kb):
    answer = cartier_kb.answer("what do you use my personal information for?", max_chars=160)
    assert answer.covered and 0 < len(answer.text) <= 160
    _assert_extractive(cartier_kb, answer.text)


def test_children_answer_says_what_each_section_says(cartier_kb):
    answer = cartier_kb.answer("do you collect data from children?")
    cited = {c.section_id: c.text for c in answer.citations}
    assert set(cited) == {"note-to-minors-and-children", "note-to-parents"}
    assert "under age 13" in cited["note-to-minors-and-children"]
    assert "under age 18" in cited["note-to-parents"]


def test_a_deletion_question_offers_a_deletion_request(cartier_rules_kb):
    answer = cartier_rules_kb.answer("can I delete my data?")
    assert answer.section_id == "your-rights" and answer.follow_up == "deletion"
    assert "cancellation of your registration" in answer.text


def test_a_parent_asking_to_delete_a_childs_data_is_offered_parental_deletion(cartier_kb):
    answer = cartier_kb.answer("I am a parent, how do I get my child's details deleted?")
    assert answer.follow_up == "parental_deletion"
    assert "official documents" in answer.text


def test_a_general_question_offers_no_request(cartier_kb):
    assert cartier_kb.answer("when was the policy last updated?").follow_up is None


@pytest.mark.parametrize(
    "question",
    [
        "what is your return policy?",
        "do you use my data to train AI models",
        "can I pay with bitcoin",
    ],
)
def test_questions_the_policy_does_not_cover_are_not_answered(cartier_kb, question):
    answer = cartier_kb.answer(question)
    assert not answer.covered and answer.text == ""
    assert answer.contact_email == "eboutique.us@cartier.com"


@pytest.mark.parametrize(
    "question, reason",
    [
        ("", AnswerReason.EMPTY),
        ("   ", AnswerReason.EMPTY),
        ("?!?! ... ;;", AnswerReason.EMPTY),
        ("I have a question about the privacy policy", AnswerReason.EMPTY),
        ("¿Dónde se guardan mis datos personales?", AnswerReason.NOT_UNDERSTOOD),
        ("Wo werden meine Daten gespeichert?", AnswerReason.NOT_UNDERSTOOD),
        ("'; DROP TABLE users; --", AnswerReason.NOT_UNDERSTOOD),
        ("<script>alert(1)</script>", AnswerReason.NOT_COVERED),
        ("What is Amazon's privacy policy on my data?", AnswerReason.OTHER_COMPANY),
        ("Does Tiffany share my data?", AnswerReason.OTHER_COMPANY),
    ],
)
def test_bad_input_gets_a_calm_abstention_not_a_crash(cartier_kb, question, reason):
    answer = cartier_kb.answer(question)
    assert not answer.covered
    assert answer.reason is reason


def test_a_5000_character_question_is_answered_or_declined_without_crashing(cartier_kb):
    answer = cartier_kb.answer("do you record my calls? " + "blah " * 1000)
    assert len(answer.question) <= 500
    assert answer.text == "" or len(answer.text) <= 320


def test_non_string_input_is_treated_as_empty(cartier_kb):
    assert cartier_kb.answer(None).reason is AnswerReason.EMPTY  # type: ignore[arg-type]


def test_tell_me_more_pages_through_the_rest_of_the_section(cartier_kb):
    answer = cartier_kb.answer("do you use cookies?")
    shown = answer.shown
    seen = set()
    for _ in range(20):
        part = cartier_kb.more(answer.section_id, shown, max_chars=700)
        assert part is not None and len(part.text) <= 700
        assert not seen & (set(part.shown) - set(shown))
        seen |= set(part.shown) - set(shown)
        shown = part.shown
        if not part.remaining:
            break
    total = sum(1 for s in cartier_kb.sentences if s["section"] == answer.section_id)
    assert len(shown) == total
    assert cartier_kb.more("no-such-section") is None


def test_without_the_embedding_model_the_kb_falls_back_to_lexical_search(cartier_kb_dir):
    kb = KnowledgeBase.load(cartier_kb_dir, embeddings=False)
    answer = kb.answer("do you record my phone calls?")
    assert answer.covered and answer.section_id == "telephone-calls"
    assert not kb.answer("what is your return policy?").covered
