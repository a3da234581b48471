"""A two-part question shows each part's best sentence: one from another section is cited apart (it takes no
room in the length-limited answer), and a part too short to stand alone is vouched for by the whole question.

A policy is generated here with the two answers in two sections, the first one long enough that both
sentences together exceed the answer's length limit.
"""

from __future__ import annotations

import pytest

from policy_kb import KnowledgeBase
from policy_kb.compose import question_parts

POLICY = """# Privacy policy - Example Garden Centre

Example Garden Centre Ltd ("we") runs this website and our garden centres.

**WHERE YOUR DATA IS STORED**

Personal data collected through our website and in our garden centres will be stored and processed in the \
United Kingdom, Ireland and the Netherlands, where we and our agents keep data centres, and by giving us your \
personal data you agree to such transfer.

**NEWSLETTERS**

We may send you newsletters about plants, seeds and garden furniture. You can unsubscribe at any time.

**GROUP COMPANIES**

All your personal data will be used jointly by Example Garden Centre Ltd and the other members of our group, \
including Example Nurseries BV in the Netherlands, to keep your customer account consistent across our shops.

**SECURITY**

We protect your personal data with encryption and access controls.
"""

QUESTION = "where is my data stored and which group companies get it"


@pytest.fixture(scope="module")
def garden_kb(kb_from_text) -> KnowledgeBase:
    return kb_from_text(POLICY)


def test_a_two_part_question_cites_the_second_parts_sentence_from_another_section_though_both_exceed_the_limit(
    garden_kb,
):
    assert len(question_parts(QUESTION)) == 2
    answer = garden_kb.answer(QUESTION)
    assert answer.covered and len(answer.text) <= 320
    shown = " ".join([answer.text] + [c.text for c in answer.also])
    assert "United Kingdom, Ireland and the Netherlands" in shown
    assert "Example Nurseries BV" in shown
    assert any(c.section_id != answer.section_id for c in answer.also)
