"""Questions asking how to reach the company, on policies that state some, one or none of the ways to.

Each generated policy puts its contact details (or none) in known sentences; the answer must quote the
detail asked for, else the ways the policy does give, else say the policy does not cover it — never an
unrelated sentence that happens to share a word ("your e-mail address" → "we log your IP address").
"""

from __future__ import annotations

import pytest

from policy_kb import KnowledgeBase
from policy_kb.answers import AnswerReason

COMMON = """# Privacy policy - Example Garden Centre

**WHAT WE COLLECT**

When you order we collect your name, your e-mail address and your delivery address. Our servers log the IP \
address of your device when you visit the website.

**KEEPING YOUR DATA**

We keep order records for six years for tax purposes.
"""

E_MAIL_ONLY = (
    COMMON
    + """
**CONTACT**

Questions about this policy can be sent to privacy@garden.example.
"""
)

POSTAL = (
    COMMON
    + """
**CONTACT**

For any request about your personal data, write to: Example Garden Centre Ltd, Data Protection, \
14 Meadow Lane, Leeds LS1 2AB, United Kingdom.
"""
)


def _text(kb: KnowledgeBase, question: str) -> str:
    answer = kb.answer(question)
    return " ".join([answer.text] + [c.text for c in answer.also]) if answer.covered else ""


@pytest.mark.parametrize(
    "question",
    ["what is your email address", "where do I send a letter about my data", "what's your phone number?"],
)
def test_asking_for_a_contact_detail_the_policy_never_gives_is_declined(kb_from_text, question):
    kb = kb_from_text(COMMON)
    answer = kb.answer(question)
    assert not answer.covered
    # not covered, or out of scope when no word of the question is a topic of the policy ("phone")
    assert answer.reason in (AnswerReason.NOT_COVERED, AnswerReason.OUT_OF_SCOPE)


def test_asking_for_a_detail_the_policy_lacks_quotes_the_contact_it_does_give(kb_from_text):
    kb = kb_from_text(E_MAIL_ONLY)
    for question in ("what's your phone number?", "where do I send a letter about my data"):
        assert "privacy@garden.example" in _text(kb, question)


def test_the_ip_address_a_policy_logs_is_not_taken_for_its_postal_address(kb_from_text):
    kb = kb_from_text(POSTAL)
    text = _text(kb, "what is the IP address you log when I visit")
    assert "IP address of your device" in text
    assert "14 Meadow Lane" not in text
    assert "14 Meadow Lane" in _text(kb, "what is your postal address")


def test_the_number_of_years_records_are_kept_is_not_taken_for_a_telephone_number(kb_from_text):
    kb = kb_from_text(POSTAL)
    text = _text(kb, "what is the number of years you keep my order records")
    assert "six years" in text
    assert "14 Meadow Lane" not in text
