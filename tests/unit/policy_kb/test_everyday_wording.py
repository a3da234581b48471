"""Questions in everyday wording — text-message shorthand, idioms — are matched by what they ask.

A policy is generated here with each fact in a known sentence; the shorthand questions must reach the same
sentence as the same question typed out in full.
"""

from __future__ import annotations

import pytest

from policy_kb import KnowledgeBase
from policy_kb.shorthand import spell_out

POLICY = """# Privacy policy - Example Bicycle Works

Example Bicycle Works Inc. ("we") sells bicycles online and in our workshops.

**WHERE TO WRITE TO US**

Letters about your personal data go to our headquarters: Privacy Team, 12 Spoke Lane, Leeds LS1 4AB, \
United Kingdom.

**CHILDREN**

We do not knowingly collect personal data from people under 16. A parent may ask us to delete such data.

**SALE OF DATA**

We do not sell your personal data to anyone.
"""


@pytest.fixture(scope="module")
def bicycle_kb(kb_from_text) -> KnowledgeBase:
    return kb_from_text(POLICY)


@pytest.mark.parametrize(
    ("texted", "typed"),
    [
        ("wats ur hq address", "what's your headquarters address"),
        ("do u collect data from ppl under 16", "do you collect data from people under 16"),
        ("r u selling my data", "are you selling my data"),
    ],
)
def test_a_shorthand_question_gets_the_answer_of_the_same_question_typed_out(bicycle_kb, texted, typed):
    texted_answer, typed_answer = bicycle_kb.answer(texted), bicycle_kb.answer(typed)
    assert typed_answer.covered
    assert texted_answer.covered
    assert texted_answer.section_id == typed_answer.section_id
    assert texted_answer.text == typed_answer.text


def test_shorthand_is_replaced_only_as_whole_words():
    assert spell_out("r u sure") == "are you sure"
    assert spell_out("is your office in the U.S. or the U.K.?") == "is your office in the U.S. or the U.K.?"
    assert spell_out("turn up the volume") == "turn up the volume"
    assert spell_out("w/o my consent") == "without my consent"


def test_the_original_wording_is_kept_as_the_question_asked(bicycle_kb):
    assert bicycle_kb.answer("wats ur hq address").question == "wats ur hq address"


def test_in_plain_terms_is_a_way_of_speaking_not_another_document(bicycle_kb):
    assert bicycle_kb.answer("in plain terms, do you sell my personal data?").covered
    assert not bicycle_kb.answer("what is your return policy?").covered
