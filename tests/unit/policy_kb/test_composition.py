"""How an answer is put together after ranking: which sentences, how they are cut, facts that answer.

A policy is generated here with each fact in a known sentence; the methods are checked on it, and the
text-assembly rules on a small stand-in for a knowledge base.
"""

from __future__ import annotations

from typing import Dict, List

import pytest

from policy_kb import KnowledgeBase
from policy_kb.answer_types import asks_why, expected_answer_type, has_answer_type, names_same_organisation
from policy_kb.compose import identity_sentences, render, scope_sentences
from policy_kb.question import _clauses_within, _request_kinds
from policy_kb.scope import loose_stem
from policy_kb.text import content_tokens, stem

POLICY = """# Privacy policy - Example Outdoor Shop

Example Outdoor Shop Ltd ("Example", "we"), with its head office at 12 Harbour Street, Bristol BS1 4QA, United \
Kingdom, runs this website. This policy explains what personal data we collect through our website and our shops.

**WHO IS RESPONSIBLE**

Example Outdoor Shop Ltd is the controller of the personal data described in this policy.

**MARKETING E-MAILS**

We may send you newsletters about our tents and boots. You can unsubscribe from them at any time. We will not \
send you offers from other companies.

**YOUR RIGHTS**

If you request disclosure, correction or deletion of your personal data, we will deal with such requests in \
accordance with applicable laws.

For any request concerning your personal data, write to: Example Outdoor Shop Ltd, Data Protection, \
12 Harbour Street, Bristol BS1 4QA, United Kingdom.

**CHILDREN**

If you, as a parent or legal guardian, are worried that your child has opened an account with us, want the \
account closed and have all of its details deleted from our systems, please contact us by e-mail: \
privacy@example.com or write to us at the address above, providing official documents that establish your \
parental status.

**BROWSING**

We automatically record the pages you visit on our website, the links you click and the type of browser and device you use. We collect this information so that we can improve our website. Pages that you visit while logged in to your account are also linked to your customer profile, together with the searches you make and the products you place in your basket, for as long as the account stays open.

**PAYMENTS**

Card payments are handled by Paylane Ltd, which receives your card number and the amount paid. Your card \
issuer is responsible for its own use of your personal data and should be contacted directly about it.
"""


@pytest.fixture(scope="module")
def shop_kb(kb_from_text) -> KnowledgeBase:
    return kb_from_text(POLICY)


def test_a_short_paragraph_is_shown_whole_so_its_qualifying_sentences_come_with_the_best_one(shop_kb):
    answer = shop_kb.answer("do you send marketing newsletters")
    assert answer.covered
    assert answer.text.startswith("We may send you newsletters")
    assert "We will not send you offers from other companies." in answer.text


def test_asking_where_the_company_is_based_is_answered_with_the_postal_address_the_builder_found(shop_kb):
    for question in ("where's your head office", "where are you based"):
        answer = shop_kb.answer(question)
        assert answer.covered and "12 Harbour Street" in answer.text


def test_asking_to_see_what_is_held_is_an_access_request_answered_by_the_stated_right(shop_kb):
    assert _request_kinds("can i see what information you have on me") == {"access"}
    assert _request_kinds("could i check what data you hold") == {"access"}
    answer = shop_kb.answer("can I see what information you have on me")
    assert answer.covered and "disclosure" in answer.text


def test_a_how_do_i_question_keeps_the_clause_with_the_e_mail_when_a_long_sentence_is_cut(shop_kb):
    answer = shop_kb.answer("my son opened an account, how do I get it closed")
    assert answer.covered and len(answer.text) <= 320
    assert "privacy@example.com" in answer.text
    assert has_answer_type("write to: 12 Harbour Street, Bristol", "contact_detail")
    assert not has_answer_type("we keep your data safe", "contact_detail")


def test_words_differing_only_by_a_second_suffix_are_not_counted_as_unknown_to_the_policy(shop_kb):
    assert loose_stem(stem("company")) == loose_stem(stem("companies"))
    assert loose_stem(stem("customer")) == loose_stem(stem("customers"))
    assert loose_stem(stem("online")) == loose_stem(stem("on-line"))
    assert shop_kb.unsupported_terms("which company is that") == []
    assert shop_kb.unsupported_terms("do you collect biometric data") == ["biometric"]


def test_an_organisation_the_question_names_itself_is_not_an_organisation_it_asks_for():
    sentence = "Your credit card company is responsible for its own use of your data."
    assert names_same_organisation("if my card company misuses my data who do i talk to", sentence)
    assert not names_same_organisation("which company gets my card number", sentence)
    assert not names_same_organisation("what kind of company gets my card number", sentence)
    assert not names_same_organisation("who gets my card number", sentence)


class _StandIn:
    """The parts of a knowledge base that ``render`` reads."""

    def __init__(self, sentences: List[str], paragraph: List[int]) -> None:
        self.sentences: List[Dict] = [{"text": t, "_pi": p, "section": "s"} for t, p in zip(sentences, paragraph)]
        self._titles = {"s": "Section"}


LEAD = (
    "If you ask us to stop using your data, to correct it, to delete it or to hand over a copy of what we hold "
    "about you, we will deal with your request in line with the laws and regulations that apply to us."
)
NEXT = "Deleting your data or asking us to stop using it will result in the cancellation of your registration."


def test_a_neighbour_without_clauses_is_shown_whole_and_the_leading_sentence_cut_at_its_clauses():
    kb = _StandIn([LEAD, NEXT], [0, 0])
    text, also = render(kb, "what happens if I ask you to stop", [0, 1], 260, {"stop"}, None)
    assert len(text) <= 260 < len(LEAD) + len(NEXT) and not also
    assert text.endswith("cancellation of your registration.")
    assert text.startswith("If you ask us to stop") and "…" in text


def test_the_leading_sentence_is_not_cut_for_a_sentence_from_elsewhere_and_a_preceding_neighbour_reads_first():
    far = _StandIn([LEAD, "Other text.", NEXT], [0, 1, 2])
    text, _ = render(far, "what happens if I ask you to stop", [0, 2], 260, {"stop"}, None)
    assert text.startswith(LEAD)
    near = _StandIn([NEXT, LEAD], [0, 0])
    text, _ = render(near, "what happens", [1, 0], 400, set(), None)
    assert text == f"{NEXT} {LEAD}"


def test_a_why_question_gets_the_neighbouring_sentence_that_gives_the_reason(shop_kb):
    assert asks_why("why do you record the pages I visit") and not asks_why("what pages do you record")
    answer = shop_kb.answer("why do you record the pages I visit and the browser I use")
    assert answer.covered and "so that we can improve our website" in answer.text


def test_asking_what_one_must_hand_over_asks_what_is_collected_not_whether_it_is_optional():
    assert expected_answer_type("what info do I have to hand over to set up an account") == "collected"
    assert expected_answer_type("what details must I provide") == "collected"
    assert expected_answer_type("must I provide my phone number") == "obligation"


def test_asking_who_the_controller_is_quotes_where_the_policy_names_itself_and_its_controller(shop_kb):
    answer = shop_kb.answer("who is the data controller")
    assert answer.covered
    quoted = " ".join(c.text for c in answer.citations)
    assert 'Example Outdoor Shop Ltd ("Example", "we")' in answer.text and "is the controller" in quoted
    assert identity_sentences(shop_kb, "who runs the payment portal") == []
    assert identity_sentences(shop_kb, "what's the name of the company") == identity_sentences(shop_kb, "who are you")


def test_how_do_i_exercise_a_right_quotes_the_right_and_how_the_policy_says_to_exercise_it(shop_kb):
    answer = shop_kb.answer("how do I get my data deleted")
    assert answer.covered and "deletion" in answer.text and "12 Harbour Street" in answer.text


def test_a_supporting_sentence_scores_for_the_question_words_the_best_sentence_lacks(shop_kb):
    from policy_kb.compose import _novelty

    ids = {s["text"][:20]: i for i, s in enumerate(shop_kb.sentences)}
    top = ids["We may send you news"]
    novel = _novelty(shop_kb, "do you send newsletters about boots to my parents", top)
    assert top not in novel
    assert novel[ids["If you, as a parent "]] > 0  # "parent": asked, and missing from the best sentence


LIST = "We use your data: " + "; ".join(f"to run service number {n} for you" for n in range(1, 20)) + "."
OTHER = "We may also share a summary of this data with advertisers and sponsors who work with us."


def test_a_leading_sentence_too_long_to_show_whole_is_cut_shorter_to_make_room_for_its_support():
    kb = _StandIn([LIST, "Other text.", OTHER], [0, 1, 2])
    text, _ = render(kb, "do advertisers get my data", [0, 2], 320, {"advertis"}, None)
    assert len(text) <= 320 and OTHER in text
    assert text.startswith("We use your data:") and len(text) - len(OTHER) >= 160 - 5


def test_asking_what_the_policy_covers_quotes_where_it_states_its_scope(shop_kb):
    answer = shop_kb.answer("what does this privacy policy cover")
    assert answer.covered and answer.text.startswith("This policy explains what personal data we collect")
    assert scope_sentences(shop_kb, "does this policy cover cookies") != []
    assert scope_sentences(shop_kb, "do you use cookies") == []


def test_a_cut_lead_in_keeps_every_item_of_its_list_and_drops_only_its_qualifying_clauses():
    sentence = (
        "The following details are shared with Northwind Payments, the payment company running our checkout page, "
        "with your card issuer, the payment company behind your card, "
        "and with Acme Screening, Inc. who handle fraud checks for our shop: 1. Your name and address; "
        "2. Your card number; 3. The items you have ordered; and 4. The price paid for the items you have ordered."
    )
    question = set(content_tokens("what details do the payment and fraud companies get"))
    shown = _clauses_within(sentence, 320, question)
    assert len(shown) <= 320
    assert shown.startswith("The following details are shared with Northwind Payments,")
    assert "Acme Screening, Inc. who handle fraud checks" in shown  # a name is never cut from its suffix
    for item in ("1. Your name and address;", "2. Your card number;", "and 4. The price paid"):
        assert item in shown


def test_a_list_too_long_to_show_whole_is_cut_to_its_relevant_items():
    items = "; ".join(f"to {verb} your order" for verb in ("pack", "ship", "track", "insure", "invoice", "wrap"))
    sentence = "We use your data: " + items + "; and to send you newsletters about new tents and boots we sell."
    shown = _clauses_within(sentence, 120, set(content_tokens("newsletters")))
    assert "newsletters" in shown
    assert len(shown) <= 120
