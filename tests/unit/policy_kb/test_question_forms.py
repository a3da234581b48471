"""Who / what-do-you-collect / do-I-have-to questions are led by the sentence of that form."""

from __future__ import annotations

import re

import pytest

from policy_kb import KnowledgeBase
from policy_kb.answer_types import has_answer_type
from policy_kb.kb import _clauses_within


def _assert_extractive(kb: KnowledgeBase, text: str) -> None:
    body = " ".join(p["text"] for p in kb.passages)
    for piece in re.split(r"\s*…\s*", text):
        if piece:
            assert piece.rstrip(",;:…") in body, piece


@pytest.mark.parametrize(
    "sentence, kind, expected",
    [
        ("Paylane Ltd, which processes card payments, receives your card details.", "named_organisation", True),
        ("Your credit card company is responsible for their use of your data.", "named_organisation", False),
        ("We collect your name, e-mail address and phone number when you register.", "collected", True),
        ("By phone you may also be asked to provide such information.", "collected", True),
        ("Information collected will be stored in the United States and France.", "collected", False),
        ('billing address and payment details (collectively "Personal Data").', "collected", False),
        ("Some fields are optional; if you choose not to provide them we may not reply.", "obligation", True),
        ("You will be asked to register and create an account.", "obligation", False),
    ],
)
def test_sentences_are_typed_for_the_new_question_forms_by_generic_patterns(sentence, kind, expected):
    assert has_answer_type(sentence, kind) is expected


def test_a_who_question_is_answered_with_the_sentence_naming_the_organisations(cartier_kb):
    a = cartier_kb.answer("who receives my credit card number")
    assert a.covered and a.text.startswith("The following information will be used jointly")
    assert "Inc." in a.text
    _assert_extractive(cartier_kb, a.text)


def test_a_what_do_you_collect_question_is_answered_with_the_list_of_data_items(cartier_rules_kb):
    a = cartier_rules_kb.answer("what personal information do you collect?")
    assert a.covered and "real name" in a.text and "date of birth" in a.text
    _assert_extractive(cartier_rules_kb, a.text)


@pytest.mark.parametrize(
    "question, fact",
    [
        ("do i have to give you all my details", "mandatory"),
        ("what if I don't want to provide some information", "may not be able to respond"),
    ],
)
def test_a_do_i_have_to_question_is_answered_with_the_sentence_on_mandatory_information(cartier_kb, question, fact):
    a = cartier_kb.answer(question)
    assert a.covered and fact in a.text
    _assert_extractive(cartier_kb, a.text)


def test_a_long_sentence_is_cut_to_the_clause_that_answers_when_it_does_not_fit_after_the_first():
    sentence = (
        "We will ask for some details that are mandatory (needed to deliver your order and to meet our "
        "duties under the law) and others that are optional (which you may give us if you wish); if you "
        "choose not to provide the mandatory details then we may not be able to deliver your order."
    )
    qexp = {"provid", "choos", "mandatori"}
    text = _clauses_within(sentence, 150, qexp, "obligation")
    assert text.startswith("…if you choose not to provide")
    assert text[1:] in sentence and len(text) <= 150


def test_a_who_question_keeps_a_generic_organisation_sentence_when_no_named_one_is_close(second_kb):
    a = second_kb.answer("who can see my data")
    assert a.covered and a.expected_type == "organisation"
    assert has_answer_type(a.text, "organisation")
