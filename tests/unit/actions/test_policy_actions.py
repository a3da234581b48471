"""The policy actions are thin: they quote the KB answer, cite the section, and keep the section in a slot."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names, policy
from policy_kb import KnowledgeBase, build

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def kb(tmp_path_factory) -> KnowledgeBase:
    out = tmp_path_factory.mktemp("kb_actions")
    build(ROOT / "policy_kb" / "source" / "cartier-us-privacy-policy-2010.md", out)
    return KnowledgeBase.load(out)


@pytest.fixture(autouse=True)
def use_kb(kb):
    policy.set_knowledge_base(kb)
    yield
    policy.set_knowledge_base(None)


def _tracker(text: str, section: Optional[str] = None, shown: Optional[List[str]] = None) -> Tracker:
    return Tracker(
        sender_id="test",
        slots={names.SLOT_POLICY_SECTION: section, names.SLOT_POLICY_SHOWN: shown},
        latest_message={"text": text, "intent": {"name": names.INTENT_ASK_POLICY}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def _run(action, tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


async def test_answer_cites_the_section_and_remembers_it():
    messages, events = await _run(policy.ActionAnswerPolicyQuestion(), _tracker("do you record my calls?"))
    assert messages[0]["text"].startswith('From the policy, section "Telephone calls": All telephone calls')
    assert SlotSet(names.SLOT_POLICY_SECTION, "telephone-calls") in events


async def test_a_deletion_question_offers_to_start_a_deletion_request_with_a_plain_text_button():
    messages, _ = await _run(policy.ActionAnswerPolicyQuestion(), _tracker("can I delete my data?"))
    buttons = messages[0]["buttons"]
    assert policy.FOLLOW_UP_BUTTONS["deletion"] in buttons
    assert all(not b["payload"].startswith("/") for b in buttons)


async def test_children_answer_quotes_both_sections():
    messages, _ = await _run(policy.ActionAnswerPolicyQuestion(), _tracker("do you collect data from children?"))
    text = messages[0]["text"]
    assert "under age 13" in text and "under age 18" in text
    assert '"Note to minors and children"' in text and '"Note to parents"' in text


async def test_an_uncovered_question_says_so_and_offers_a_person_and_the_policy_email(kb):
    messages, events = await _run(policy.ActionAnswerPolicyQuestion(), _tracker("what is your return policy?"))
    assert messages[0]["response"] == names.UTTER_POLICY_NOT_COVERED
    assert kb.policy_facts.contact_email and messages[0]["email"] == kb.policy_facts.contact_email
    assert policy.PERSON_BUTTON in messages[0]["buttons"]
    assert SlotSet(names.SLOT_POLICY_SECTION, None) in events


async def test_a_question_about_nothing_the_policy_covers_says_what_the_assistant_helps_with():
    messages, events = await _run(policy.ActionAnswerPolicyQuestion(), _tracker("tell me a joke"))
    assert messages[0]["text"] == policy.OUT_OF_SCOPE_TEXT
    assert policy.PERSON_BUTTON in messages[0]["buttons"]
    assert SlotSet(names.SLOT_POLICY_SECTION, None) in events


@pytest.mark.parametrize(
    "text, response",
    [
        ("", names.UTTER_POLICY_ASK_QUESTION),
        ("?!?!", names.UTTER_POLICY_ASK_QUESTION),
        ("¿Dónde se guardan mis datos?", names.UTTER_POLICY_NOT_UNDERSTOOD),
        ("<b>'; DROP TABLE users; --</b>", names.UTTER_POLICY_NOT_UNDERSTOOD),
        ("What does Amazon do with my data?", names.UTTER_POLICY_NOT_COVERED),
        ("x" * 5000, names.UTTER_POLICY_NOT_UNDERSTOOD),
    ],
)
async def test_bad_input_gets_a_calm_reply(text, response):
    messages, _ = await _run(policy.ActionAnswerPolicyQuestion(), _tracker(text))
    assert len(messages) == 1 and messages[0]["response"] == response


async def test_tell_me_more_continues_the_last_section():
    _, events = await _run(policy.ActionAnswerPolicyQuestion(), _tracker("do you use cookies?"))
    slots = {e["name"]: e["value"] for e in events}
    messages, more_events = await _run(
        policy.ActionPolicyTellMore(),
        _tracker("tell me more", slots[names.SLOT_POLICY_SECTION], slots[names.SLOT_POLICY_SHOWN]),
    )
    assert messages[0]["text"].startswith('More from section "Personal information collection and use": ')
    new_shown = {e["name"]: e["value"] for e in more_events}[names.SLOT_POLICY_SHOWN]
    assert set(slots[names.SLOT_POLICY_SHOWN]) < set(new_shown)


async def test_tell_me_more_without_a_previous_answer_asks_what_about():
    messages, events = await _run(policy.ActionPolicyTellMore(), _tracker("tell me more"))
    assert messages[0]["response"] == names.UTTER_POLICY_MORE_WHICH and events == []


async def test_tell_me_more_at_the_end_of_a_section_says_so(kb):
    every = [str(i) for i, s in enumerate(kb.sentences) if s["section"] == "telephone-calls"]
    messages, _ = await _run(policy.ActionPolicyTellMore(), _tracker("more", "telephone-calls", every))
    assert messages[0]["response"] == names.UTTER_POLICY_NOTHING_MORE


async def test_a_missing_knowledge_base_gives_a_calm_reply(tmp_path, monkeypatch):
    policy.set_knowledge_base(None)

    def not_built():
        raise policy.KBNotFound("not built")

    monkeypatch.setattr(policy, "_load_kb", not_built)
    messages, events = await _run(policy.ActionAnswerPolicyQuestion(), _tracker("do you record calls?"))
    assert messages[0]["response"] == names.UTTER_POLICY_UNAVAILABLE and events == []


async def test_an_answer_cites_the_revision_date_the_policy_states(kb):
    messages, _ = await _run(policy.ActionAnswerPolicyQuestion(), _tracker("Do you record my phone calls?"))
    revised = kb.policy_facts.last_revised
    assert revised is not None and messages[0]["text"].endswith(f"(Privacy policy last revised {revised.value}.)")
