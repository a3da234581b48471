"""The learned ranker, the builder's typed facts and honest declines, on policies the tests generate.

Each generated policy puts every fact in a known sentence under a plain heading; company names,
addresses and numbers are drawn at random so nothing here can match a rule written for one policy.
"""

from __future__ import annotations

import json
import random
import re

import numpy as np
import pytest

from policy_kb import KnowledgeBase, PolicyFacts, build
from policy_kb.compose import question_parts
from policy_kb.ranker import ABSTAIN_FEATURES, FEATURES, WEIGHTS_FILE, load_weights

_NAMES = ["Veltrix", "Norbane", "Quillmark", "Ostreva", "Lumatide", "Brackwell", "Sorvani", "Tendrel"]
_STREETS = ["Harbor Street", "Maple Avenue", "Orchard Road", "Kingsway Boulevard"]
_CITIES = [("Austin", "TX"), ("Denver", "CO"), ("Boston", "MA"), ("Portland", "OR")]
_MONTHS = ["January", "April", "June", "September", "November"]


def _policy(seed: int) -> dict:
    rnd = random.Random(seed)
    name, processor = rnd.sample(_NAMES, 2)
    city, state = rnd.choice(_CITIES)
    facts = {
        "company": f"{name} Holdings Inc.",
        "processor": f"{processor} Payments LLC",
        "email": f"privacy@{name.lower()}.example",
        "street": f"{rnd.randint(10, 990)} {rnd.choice(_STREETS)}",
        "city": f"{city}, {state} {rnd.randint(10000, 99999)}",
        "phone": f"1-800-{rnd.randint(200, 999)}-{rnd.randint(1000, 9999)}",
        "years": rnd.choice(["two", "three", "five", "seven"]),
        "age": rnd.choice([13, 16]),
        "revised": f"{rnd.choice(_MONTHS)} {rnd.randint(2015, 2024)}",
    }
    sentences = {
        "company": f"This policy explains how {facts['company']} handles personal information about its customers.",
        "collect": "We collect your name, e-mail address, postal address and order history when you create an account.",
        "cookies": "We use cookies to remember your preferences, and you can disable cookies in your browser settings.",
        "processor": f"Card payments are handled by {facts['processor']}, which receives your card number and billing address.",
        "retention": f"We keep your order records for {facts['years']} years after your last purchase and then delete them.",
        "children": f"Our services are not directed to children under the age of {facts['age']}.",
        "security": "We protect your information with encryption, access controls and regular security audits.",
        "rights": "You may request access to, correction of or deletion of your personal information.",
        "write": (
            f"To exercise these rights, write to: {facts['company']} C/O Privacy Office, {facts['street']}, "
            f"{facts['city']}."
        ),
        "email": f"You can also e-mail our privacy team at {facts['email']}.",
        "phone": f"To reach us by telephone, call {facts['phone']} on weekdays.",
        "revised": f"Last revised: {facts['revised']}",
    }
    text = f"""# Privacy notice

## About this notice
{sentences['company']}

## Information we collect
{sentences['collect']}

{sentences['cookies']}

## Payment processing
{sentences['processor']}

## How long we keep data
{sentences['retention']}

## Children
{sentences['children']}

## Security
{sentences['security']}

## Your rights
{sentences['rights']} {sentences['write']}

{sentences['email']} {sentences['phone']}

## Changes
{sentences['revised']}
"""
    return {"text": text, "facts": facts, "sentences": sentences}


@pytest.fixture(scope="module", params=[3, 11])
def generated(request, tmp_path_factory):
    policy = _policy(request.param)
    root = tmp_path_factory.mktemp(f"generated_{request.param}")
    (root / "policy.md").write_text(policy["text"], encoding="utf-8")
    build(root / "policy.md", root / "kb")
    return policy, KnowledgeBase.load(root / "kb")


def test_the_committed_weights_match_the_features_and_stay_small():
    weights = load_weights()
    assert weights is not None
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES) and data["abstain"]["features"] == list(ABSTAIN_FEATURES)
    assert WEIGHTS_FILE.stat().st_size < 32_000
    assert weights.interaction is not None and weights.interaction.shape == (384,)


def test_the_ranker_scores_question_sentence_agreement_per_dimension_and_repeatably(generated):
    policy, kb = generated
    weights = kb.ranker_weights
    question = "how long do you keep my order records"
    X, scores = kb.ranker_scores(question, None, weights)
    _, again = kb.ranker_scores(question, None, weights)
    assert np.array_equal(scores, again)
    without = weights.scores(X)  # the 16 features alone
    assert not np.allclose(scores, without)
    gold = next(i for i, s in enumerate(kb.sentences) if s["text"] == policy["sentences"]["retention"])
    assert int(np.argmax(scores)) == gold


@pytest.mark.parametrize(
    "question, key",
    [
        ("how long do you keep my order records", "retention"),
        ("who handles my card payments", "processor"),
        ("can I turn off cookies", "cookies"),
        ("is the service meant for children", "children"),
        ("how do you protect my information", "security"),
    ],
)
def test_the_ranker_leads_with_the_sentence_that_states_the_answer(generated, question, key):
    policy, kb = generated
    answer = kb.answer(question)
    assert answer.covered
    assert answer.text.startswith(policy["sentences"][key][:60])


def test_facts_are_read_from_any_policy_as_typed_values(generated):
    policy, kb = generated
    facts: PolicyFacts = kb.policy_facts
    f = policy["facts"]
    assert facts.contact_email == f["email"]
    assert facts.telephone == f["phone"]
    address = facts.postal_address
    assert address is not None and address.street.startswith(f["street"])
    assert address.addressee == f["company"] and address.care_of == "Privacy Office"
    assert {f["company"], f["processor"]} <= {o.value for o in facts.organisations}
    assert facts.last_revised is not None and facts.last_revised.value == f["revised"]
    assert [a.age for a in facts.age_thresholds] == [f["age"]]


@pytest.mark.parametrize(
    "question, fact",
    [
        ("where do I send a letter about my data", "street"),
        ("what is your postal address", "street"),
        ("what is your email address", "email"),
        ("what's your phone number", "phone"),
        ("who is your data protection officer", "street"),
    ],
)
def test_contact_questions_are_answered_with_the_stated_contact(generated, question, fact):
    policy, kb = generated
    answer = kb.answer(question)
    assert answer.covered and policy["facts"][fact] in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "what is the weather like tomorrow",
        "tell me a joke",
        "how much does shipping to Alaska cost",
        "can I pay with gift cards in your stores",  # shares a topic word ('card') with the policy
    ],
)
def test_questions_the_policy_cannot_answer_are_declined(generated, question):
    _, kb = generated
    assert not kb.answer(question).covered


def test_every_answer_fragment_is_policy_text(generated):
    policy, kb = generated
    text = re.sub(r"\s+", " ", " ".join(s["text"] for s in kb.sentences))
    questions = [
        "what do you collect",
        "who gets my card number",
        "how do I delete my data and who do I write to",
        "when was this notice revised",
        "do you keep my data",
        "is my information encrypted",
    ]
    for q in questions:
        answer = kb.answer(q)
        for part in [answer.text] + [c.text for c in answer.also]:
            for fragment in filter(None, (f.strip(" …") for f in part.split("…"))):
                assert fragment in text


def test_a_two_part_question_is_ranked_part_by_part():
    assert question_parts("how do I get it removed and what proof do you need") == [
        "how do I get it removed",
        "what proof do you need",
    ]
    assert question_parts("do you share my data") == ["do you share my data"]


def test_the_previous_scorer_stays_selectable(generated):
    _, kb = generated
    kb.scorer = "rules"
    try:
        assert kb.answer("how long do you keep my order records").covered
    finally:
        kb.scorer = "learned"
