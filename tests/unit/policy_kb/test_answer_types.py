"""Expected answer types: "how long" wants a duration, "where" a place, "who" an organisation, ..."""

from __future__ import annotations

import re

import pytest

from policy_kb import AnswerReason, KnowledgeBase
from policy_kb.answer_types import expected_answer_type, has_answer_type
from policy_kb.kb import _clauses_within


def _assert_extractive(kb: KnowledgeBase, text: str) -> None:
    body = " ".join(p["text"] for p in kb.passages)
    for piece in re.split(r"\s*…\s*", text):
        if piece:
            assert piece.rstrip(",;:…") in body, piece


@pytest.mark.parametrize(
    "question, kind",
    [
        ("how long do you keep my information", "duration"),
        ("For how long are recordings retained?", "duration"),
        ("how many years do you keep order records", "duration"),
        ("what is the retention period for my account", "duration"),
        ("when was this notice last updated?", "date"),
        ("what date is on the policy", "date"),
        ("how old is this privacy policy", "date"),
        ("where is my data stored?", "location"),
        ("in which countries do you process my data", "location"),
        ("who processes my card payments", "organisation"),
        ("which companies receive my address", "organisation"),
        ("how much does a copy of my data cost", "amount"),
        ("how many companies get my data", "amount"),
        ("how old do I have to be to register", "age"),
        ("what is the minimum age", "age"),
        ("when will you delete my account", "time"),
        ("what do you ask for when I call", "collected"),  # "when" as a conjunction asks for no time
        ("what personal information do you collect?", "collected"),
        ("what do I need to give you to register", "collected"),
        ("do I have to give you all my details", "obligation"),
        ("what if I don't want to provide my phone number", "obligation"),
        ("is it mandatory to give my date of birth", "obligation"),
    ],
)
def test_the_expected_answer_type_is_read_from_generic_question_forms(question, kind):
    assert expected_answer_type(question) == kind


@pytest.mark.parametrize(
    "question",
    [
        "do you record my calls?",
        "where do I send a deletion request",  # asks for a contact, not a place where data is kept
        "can I delete my data?",
    ],
)
def test_questions_that_ask_for_no_particular_kind_of_answer_are_not_typed(question):
    assert expected_answer_type(question) is None


@pytest.mark.parametrize(
    "sentence, kind, expected",
    [
        ("We keep order records for six years to meet tax rules.", "duration", True),
        ("Calls may be retained for a period determined by us.", "duration", True),
        ("We keep your data for as long as your account is open.", "duration", True),
        ("Entries are deleted 12 months after the competition closes.", "duration", True),
        ("Personal data is stored and processed in the United States and France.", "duration", False),
        ("Personal data is stored and processed in the United States and France.", "location", True),
        ("Our database is hosted on servers in our own data centre.", "location", True),
        ("We use cookies to remember your basket.", "location", False),
        ("This notice was last updated on 3 February 2024.", "date", True),
        ("Last revised: March 2010", "date", True),
        ("We may change this notice at any time.", "date", False),
        ("Paylane Ltd, which processes card payments, receives your card details.", "organisation", True),
        ("You may complain to the Information Commissioner's Office.", "organisation", True),
        ("We use your e-mail address to send receipts.", "organisation", False),
        ("We do not knowingly collect data from children under 16.", "age", True),
        ("We do not knowingly collect data from children.", "age", False),
        ("Requests are free of charge.", "amount", True),
        ("We answer your request by e-mail.", "amount", False),
    ],
)
def test_sentences_are_typed_by_generic_patterns(sentence, kind, expected):
    assert has_answer_type(sentence, kind) is expected


@pytest.mark.parametrize(
    "question",
    [
        "how long do you keep my information",
        "how long do you keep my data",
        "how long will you store my personal information",
        "for how long are my details retained",
        "how long do you keep my credit card details after an order",
        "how long do you keep call recordings",
        "how long is the retention period for cookies",
    ],
)
def test_a_how_long_question_is_never_answered_with_a_sentence_that_has_no_duration(cartier_kb, second_kb, question):
    for kb in (cartier_kb, second_kb):
        answer = kb.answer(question)
        assert answer.expected_type == "duration"
        if answer.covered:
            lead = [c.text for c in answer.citations]
            assert any(has_answer_type(t, "duration") for t in lead), answer.text
            _assert_extractive(kb, answer.text)


def test_a_policy_without_a_general_retention_period_does_not_answer_with_where_data_is_stored(cartier_rules_kb):
    answer = cartier_rules_kb.answer("how long do you keep my information")
    assert "United States" not in answer.text
    assert not answer.covered and answer.reason is AnswerReason.NOT_COVERED
    assert answer.contact_email  # the usual offer can name the policy's contact


def test_the_one_retention_statement_still_answers_a_question_about_it(cartier_kb):
    answer = cartier_kb.answer("how long are recordings of my phone calls retained")
    assert answer.covered and answer.section_id == "telephone-calls"
    assert "retained for a period" in answer.text


@pytest.mark.parametrize(
    "question, fact",
    [
        ("how long do you keep my orders", "six years"),
        ("how long do you keep my information", "six years"),
        ("how many years do you keep order records", "six years"),
    ],
)
def test_a_real_retention_section_still_answers_how_long_questions(second_kb, question, fact):
    answer = second_kb.answer(question)
    assert answer.covered and answer.section_id == "how-long-we-keep-your-data"
    assert fact in answer.text


def test_when_the_best_sentence_lacks_the_asked_for_type_a_close_sentence_that_has_it_answers(second_kb):
    # the best match talks about the *right* to access data; "who" is answered by the sentence naming staff
    answer = second_kb.answer("who can see my data")
    assert answer.covered and answer.section_id == "security"
    assert answer.text.startswith("Our staff can only see")


@pytest.mark.parametrize(
    "question, kind, fact",
    [
        ("where is my data stored?", "location", "Switzerland"),
        ("who processes my payment", "organisation", "Paymetric"),
        ("when was the privacy policy last updated?", "date", "March 2010"),
        ("how old do I have to be to use the site", "age", "13"),
    ],
)
def test_typed_questions_the_policy_answers_keep_their_answer(cartier_kb, question, kind, fact):
    answer = cartier_kb.answer(question)
    assert answer.covered and answer.expected_type == kind
    assert fact in " ".join(c.text for c in answer.citations)


def test_a_long_sentence_cut_to_fit_keeps_the_clause_with_the_asked_for_type():
    sentence = (
        "We collect your name, your address, your e-mail address, your phone number, your order history, "
        "your payment details, your preferences, your messages to us, and we keep all of it for six years, "
        "after which it is deleted, unless the law requires otherwise, in which case longer."
    )
    cut = _clauses_within(sentence, 120, set(), "duration")
    assert "six years" in cut and len(cut) <= 120


@pytest.mark.parametrize(
    "question",
    [
        "",
        "how long " * 625,  # 5,000 characters
        "?!?!... ???",
        "¿Cuánto tiempo guardan mis datos personales?",
        "how long'; DROP TABLE users; --",
        "<script>alert('how long')</script> where is my data",
        "how much how many how long who where when",
    ],
)
def test_bad_input_with_answer_type_words_gets_a_calm_reply(cartier_kb, question):
    answer = cartier_kb.answer(question)
    assert isinstance(answer.covered, bool)
    assert len(answer.text) <= 320
    if answer.covered:
        _assert_extractive(cartier_kb, answer.text)
    else:
        assert answer.reason in set(AnswerReason) - {AnswerReason.ANSWERED}


def test_the_type_check_works_without_the_embedding_model(cartier_kb_dir):
    kb = KnowledgeBase.load(cartier_kb_dir, embeddings=False)
    answer = kb.answer("how long do you keep my information")
    assert not answer.covered or any(has_answer_type(c.text, "duration") for c in answer.citations)


@pytest.mark.parametrize(
    "question",
    [
        "what is cartier's return policy",
        "what's your shipping policy",
        "can you explain your refund policies",
        "what are your warranty terms",
    ],
)
def test_a_question_about_another_policy_document_is_declined(cartier_rules_kb, question):
    answer = cartier_rules_kb.answer(question)
    assert not answer.covered


@pytest.mark.parametrize("question", ["what is your cookie policy", "what does the privacy policy say about cookies"])
def test_a_policy_named_by_a_word_this_document_uses_is_still_answered(cartier_kb, question):
    assert cartier_kb.answer(question).covered
