"""A person, when no contact is known: one question, a validated answer (or "no thanks"), then the ticket.

The validation action and ``action_escalate`` run as rasa_sdk runs them, on the
real SQLite ticket store (``backend``); the ticket's contact is read back the way
an agent reads it (``reveal_personal_data``, audited).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.privacy_requests.escalation import (
    DECLINED,
    ESCALATION_PERSONAL_SLOTS,
    MAX_CONTACT_TRIES,
    ActionEscalate,
    ValidateEscalationContactForm,
    declines,
)
from actions.privacy_requests.services import RequestServices, set_services
from bot.channels.contact import seal_contact
from bot.channels.names import TWILIO_SMS
from bot.company import current_profile
from bot.tickets import Kind, RevealReason
from tests.unit.requests.support import DOMAIN, build_tracker, run_action, slotsets  # noqa: F401

FORM = ValidateEscalationContactForm()
SENDER = "test-conversation"


def tracker(
    text: str,
    intent: str = "inform",
    *,
    slots: Optional[Dict[str, Any]] = None,
    channel: str = "rest",
    metadata: Optional[Dict[str, Any]] = None,
    active_loop: Optional[str] = names.FORM_ESCALATION_CONTACT,
) -> Tracker:
    asked = {"requested_slot": names.SLOT_ESCALATION_CONTACT if active_loop else None}
    return build_tracker(
        text,
        intent,
        slots={**asked, **(slots or {})},
        active_loop=active_loop,
        channel=channel,
        metadata=metadata,
        sender=SENDER,
    )


run = run_action


async def validate(value: str, slots: Optional[Dict[str, Any]] = None):
    dispatcher = CollectingDispatcher()
    result = await FORM.validate_escalation_contact(value, dispatcher, tracker(value, slots=slots), DOMAIN)
    return result, dispatcher.messages


def texts(messages_: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages_)


# ------------------------------------------------------------------ the form's names and question


def test_the_form_slot_and_question_are_in_the_domain_and_every_field_has_a_validator():
    assert DOMAIN["forms"][names.FORM_ESCALATION_CONTACT]["required_slots"] == [names.SLOT_ESCALATION_CONTACT]
    assert FORM.form_name() == names.FORM_ESCALATION_CONTACT and FORM.missing_validators(tracker("x")) == []
    question = DOMAIN["responses"][names.UTTER_ASK_ESCALATION_CONTACT][0]
    assert question["text"].startswith("How should our team reach you? Type an e-mail address or phone number, or say")
    assert {"title": "No thanks", "payload": "no thanks"} in question["buttons"]


def test_the_contact_slot_is_filled_only_from_text_at_its_own_question():
    (mapping,) = DOMAIN["slots"][names.SLOT_ESCALATION_CONTACT]["mappings"]
    assert mapping["type"] == "from_text" and "cancel_request" in mapping["not_intent"]
    assert mapping["conditions"] == [
        {"active_loop": names.FORM_ESCALATION_CONTACT, "requested_slot": names.SLOT_ESCALATION_CONTACT}
    ]
    assert ESCALATION_PERSONAL_SLOTS == (names.SLOT_ESCALATION_CONTACT,)


# ------------------------------------------------------------------ asked only when needed


async def test_web_chat_without_a_contact_asks_the_question():
    events, _ = await run(
        FORM, tracker("talk to a person", "talk_to_person", slots={"requested_slot": None}, active_loop=None)
    )
    assert slotsets(events).get("requested_slot") != []  # rasa decides: the slot is still to be asked
    assert await FORM.required_slots(
        [names.SLOT_ESCALATION_CONTACT], CollectingDispatcher(), tracker("talk to a person", "talk_to_person"), DOMAIN
    ) == [names.SLOT_ESCALATION_CONTACT]


@pytest.mark.parametrize(
    "slots", [{"email": "ada.demo@example.com"}, {"phone": "+12025550143"}, {"parent_contact": "pat.demo@example.com"}]
)
async def test_a_contact_validated_earlier_ends_the_form_at_once(slots):
    events, messages_ = await run(
        FORM, tracker("talk to a person", "talk_to_person", slots={**slots, "requested_slot": None})
    )
    assert slotsets(events)["requested_slot"] is None and messages_ == []


async def test_a_channel_confirmed_phone_ends_the_form_at_once(cipher):
    metadata = seal_contact(cipher, TWILIO_SMS, SENDER, "+12025550101")
    t = tracker(
        "talk to a person", "talk_to_person", slots={"requested_slot": None}, channel=TWILIO_SMS, metadata=metadata
    )
    events, _ = await run(FORM, t)
    assert slotsets(events)["requested_slot"] is None


async def test_a_forged_channel_contact_on_web_chat_does_not_count(cipher):
    metadata = seal_contact(cipher, TWILIO_SMS, SENDER, "+12025550101")
    t = tracker("talk to a person", "talk_to_person", slots={"requested_slot": None}, channel="rest", metadata=metadata)
    assert await FORM.required_slots([names.SLOT_ESCALATION_CONTACT], CollectingDispatcher(), t, DOMAIN) == [
        names.SLOT_ESCALATION_CONTACT
    ]


# ------------------------------------------------------------------ the answer


@pytest.mark.parametrize(
    "text, value",
    [
        ("ada.demo@example.com", "ada.demo@example.com"),
        ("my email is Ada.Demo@Example.com", "Ada.Demo@example.com"),
        ("212 555 0123", "+12125550123"),
        ("+44 20 7946 0000", "+442079460000"),
        ("my number is (202) 555-0101", "+12025550101"),
    ],
)
async def test_an_email_or_phone_is_kept_normalised(text, value):
    result, messages_ = await validate(text)
    assert result[names.SLOT_ESCALATION_CONTACT] == value and messages_ == []


@pytest.mark.parametrize("text", ["no thanks", "No thank you.", "skip", "no", "nope", "I'd rather not", "no, thanks!"])
async def test_no_thanks_or_skip_files_without_a_contact(text):
    assert declines(text)
    result, _ = await validate(text)
    assert result[names.SLOT_ESCALATION_CONTACT] == DECLINED


@pytest.mark.parametrize(
    "text, hint",
    [
        ("ada.demo at example", "or a phone number with its area code"),
        ("@nowhere.org", "before the @"),
        ("ada@example", "domain such as example.com"),
        ("555 01", "complete or valid"),
        ("just get me a human", "e-mail address (like name@example.com) or a phone number"),
    ],
)
async def test_a_bad_answer_is_asked_again_with_what_was_wrong_never_quoting_it(text, hint):
    result, messages_ = await validate(text)
    assert result[names.SLOT_ESCALATION_CONTACT] is None
    assert hint in texts(messages_) and text not in texts(messages_)
    assert result[names.SLOT_FIELD_FAILURES] == {names.SLOT_ESCALATION_CONTACT: 1}


async def test_after_repeated_bad_answers_it_files_without_a_contact_instead_of_looping():
    failures = {names.SLOT_FIELD_FAILURES: {names.SLOT_ESCALATION_CONTACT: MAX_CONTACT_TRIES - 1}}
    result, messages_ = await validate("asdf", slots=failures)
    assert result[names.SLOT_ESCALATION_CONTACT] == DECLINED and "without one" in texts(messages_)


# ------------------------------------------------------------------ filing


async def _escalate(backend, slots: Dict[str, Any]):
    events, messages_ = await run(ActionEscalate(), tracker("x", slots=slots, active_loop=None))
    ticket = backend.tickets.list_queue().items[0]
    assert ticket.kind is Kind.ESCALATION
    personal = backend.tickets.reveal_personal_data(
        ticket.reference, actor="agent:alice", reason=RevealReason.FULFIL_REQUEST
    )
    return events, texts(messages_), ticket, personal


async def test_the_ticket_carries_the_given_email_and_the_slot_is_cleared(backend):
    events, said, ticket, personal = await _escalate(backend, {names.SLOT_ESCALATION_CONTACT: "ada.demo@example.com"})
    assert personal.email == "ada.demo@example.com" and personal.phone is None
    assert ticket.reference in said and "a***@example.com" in said and "ada.demo@" not in said
    assert slotsets(events)[names.SLOT_ESCALATION_CONTACT] is None


async def test_the_ticket_carries_the_given_phone(backend):
    events, said, _, personal = await _escalate(backend, {names.SLOT_ESCALATION_CONTACT: "+12125550123"})
    assert personal.phone == "+12125550123" and "ending 23" in said
    assert slotsets(events)[names.SLOT_ESCALATION_CONTACT] is None


async def test_no_thanks_files_without_a_contact_and_says_how_to_follow_up(backend):
    events, said, ticket, personal = await _escalate(backend, {names.SLOT_ESCALATION_CONTACT: DECLINED})
    assert not ticket.has_personal_data and personal.email is None and personal.phone is None
    assert current_profile().privacy_email + " quoting " + ticket.reference in said
    assert slotsets(events)[names.SLOT_ESCALATION_CONTACT] is None


async def test_a_store_failure_still_clears_the_contact_and_says_nothing_was_sent():
    set_services(RequestServices(None, None, 2, None))  # tickets.create fails
    events, messages_ = await run(
        ActionEscalate(), tracker("x", slots={names.SLOT_ESCALATION_CONTACT: "ada.demo@example.com"}, active_loop=None)
    )
    assert "nothing was sent" in texts(messages_) and slotsets(events)[names.SLOT_ESCALATION_CONTACT] is None
