"""The number an SMS / call comes from, offered and used as the request forms' phone or contact.

Real domain services (SQLite ticket store, verification with codes in the local
outbox, demo customers); the channel-confirmed number is sealed exactly as the
Twilio channels seal it (:func:`bot.channels.contact.seal_contact`).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.privacy_requests.asks import ActionAskParentContact, ActionAskPhone, ActionAskRequestConfirmed
from actions.privacy_requests.channel_contact import USE_CHANNEL_NUMBER, accepts_channel_number
from actions.privacy_requests.parental_validation import ValidateParentalForm
from actions.privacy_requests.request_validation import ValidateRequestForm
from actions.privacy_requests.status_validation import ValidateStatusForm
from actions.privacy_requests.submit import ActionSubmitRequest
from bot.channels.contact import seal_contact
from bot.channels.names import TWILIO_SMS, TWILIO_VOICE
from bot.notify import MessageChannel
from bot.privacy.crypto import DataCipher, generate_key
from bot.requests import filing, flows
from bot.settings import PROJECT_ROOT
from bot.tickets import RevealReason
from tests.unit.requests.support import DOMAIN, build_tracker, run_action  # noqa: F401

SENDER = "sms-pseudonym-0123"
BRUNO_PHONE = "+12025550101"  # on file for the demo customer Bruno Démo
STRANGER_PHONE = "+12025550188"  # on file for nobody


def sealed(
    cipher: DataCipher, phone: str = BRUNO_PHONE, channel: str = TWILIO_SMS, sender: str = SENDER
) -> Dict[str, str]:
    return seal_contact(cipher, channel, sender, phone)


def tracker(
    text: str,
    *,
    channel: str = TWILIO_SMS,
    metadata: Optional[Dict[str, Any]] = None,
    slots: Optional[Dict[str, Any]] = None,
    active_loop: Optional[str] = "request_form",
) -> Tracker:
    return build_tracker(text, slots=slots, active_loop=active_loop, channel=channel, metadata=metadata, sender=SENDER)


run = run_action


async def validate(form, slot: str, value: Any, t: Tracker) -> Dict[str, Any]:
    dispatcher = CollectingDispatcher()
    result = await getattr(form, f"validate_{slot}")(value, dispatcher, t, DOMAIN)
    result["_messages"] = dispatcher.messages
    return result


def text_of(messages) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


# --------------------------------------------------------------------------- the phrase


@pytest.mark.parametrize(
    "said",
    [
        "use this number",
        "Use the number ending 0101",
        "yes, use this number",
        "use my number",
        "this number",
        "the number I'm calling from",
        "the number I’m texting from",
        "use the one I'm calling from",
        "Use this number.",
    ],
)
def test_the_use_this_number_button_and_its_spoken_forms_are_recognised(said):
    assert accepts_channel_number(said)


@pytest.mark.parametrize(
    "said",
    [
        "+1 202 555 0100",
        "use this number +12025550199",
        "use this number: 202 555 0199",
        "my number is 202-555-0102",
        "skip",
        "ada.demo@example.com",
        "use it",
        "",
        None,
        "use this number " * 10,
    ],
)
def test_a_typed_number_or_other_text_is_never_an_acceptance(said):
    assert not accepts_channel_number(said)


# --------------------------------------------------------------------------- the questions


@pytest.mark.parametrize(
    "ask, utter", [(ActionAskPhone(), "utter_ask_phone"), (ActionAskParentContact(), "utter_ask_parent_contact")]
)
async def test_on_sms_the_question_offers_the_senders_number_masked_as_a_one_tap_option(cipher, ask, utter):
    _, msgs = await run(ask, tracker("Bruno Démo", metadata=sealed(cipher)))
    [message] = msgs
    assert "the number ending 0101" in message["text"] and "texting from" in message["text"]
    assert "5550101" not in message["text"] and "+1202" not in message["text"]
    first = message["buttons"][0]
    assert first == {"title": "Use the number ending 0101", "payload": USE_CHANNEL_NUMBER}


async def test_on_the_phone_line_the_question_offers_the_callers_number(cipher):
    _, msgs = await run(
        ActionAskPhone(), tracker("Bruno Demo", channel=TWILIO_VOICE, metadata=sealed(cipher, channel=TWILIO_VOICE))
    )
    assert "calling from" in msgs[0]["text"] and [b["payload"] for b in msgs[0]["buttons"]] == [
        USE_CHANNEL_NUMBER,
        "skip",
    ]


@pytest.mark.parametrize(
    "ask, utter", [(ActionAskPhone(), "utter_ask_phone"), (ActionAskParentContact(), "utter_ask_parent_contact")]
)
@pytest.mark.parametrize(
    "case", ["web chat", "rest", "no metadata", "other conversation", "other key", "plain number", "voice token on sms"]
)
async def test_without_a_valid_sealed_twilio_contact_the_question_is_the_usual_one(cipher, ask, utter, case):
    metadata, channel = {
        "web chat": (sealed(cipher), "socketio"),
        "rest": (sealed(cipher), "rest"),
        "no metadata": ({}, TWILIO_SMS),
        "other conversation": (sealed(cipher, sender="sms-someone-else"), TWILIO_SMS),
        "other key": (sealed(DataCipher([generate_key()])), TWILIO_SMS),
        "plain number": ({"channel_contact": BRUNO_PHONE}, TWILIO_SMS),
        "voice token on sms": (sealed(cipher, channel=TWILIO_VOICE), TWILIO_SMS),
    }[case]
    _, msgs = await run(ask, tracker("x", channel=channel, metadata=metadata))
    assert msgs == [dict(msgs[0], response=utter)] and msgs[0]["response"] == utter and not msgs[0].get("buttons")


# --------------------------------------------------------------------------- the answers


async def test_accepting_fills_the_phone_with_the_channel_confirmed_number(cipher):
    result = await validate(
        ValidateRequestForm(),
        "phone",
        USE_CHANNEL_NUMBER,
        tracker(USE_CHANNEL_NUMBER, metadata=sealed(cipher), slots={"requested_slot": "phone"}),
    )
    assert result["phone"] == BRUNO_PHONE and result[names.SLOT_PHONE_FROM_CHANNEL] is True


async def test_a_phone_number_in_the_payload_is_a_typed_number_never_a_channel_confirmed_one(cipher):
    forged = f"{USE_CHANNEL_NUMBER} {STRANGER_PHONE}"
    result = await validate(ValidateRequestForm(), "phone", forged, tracker(forged, metadata=sealed(cipher)))
    assert result["phone"] != BRUNO_PHONE and not result.get(names.SLOT_PHONE_FROM_CHANNEL)


@pytest.mark.parametrize(
    "channel, metadata",
    [
        ("socketio", None),
        ("rest", None),
        (TWILIO_SMS, {}),
        (TWILIO_SMS, {"channel_contact": BRUNO_PHONE}),
    ],
)
async def test_use_this_number_without_a_sealed_contact_fills_nothing(cipher, channel, metadata):
    result = await validate(
        ValidateRequestForm(),
        "phone",
        USE_CHANNEL_NUMBER,
        tracker(USE_CHANNEL_NUMBER, channel=channel, metadata=metadata),
    )
    assert result["phone"] is None and not result.get(names.SLOT_PHONE_FROM_CHANNEL)
    assert result["_messages"], "the user is asked again"


async def test_a_token_sealed_for_another_conversation_fills_nothing(cipher):
    result = await validate(
        ValidateParentalForm(),
        "parent_contact",
        USE_CHANNEL_NUMBER,
        tracker(USE_CHANNEL_NUMBER, metadata=sealed(cipher, sender="sms-victim"), active_loop="parental_form"),
    )
    assert result["parent_contact"] is None


async def test_web_chat_phone_answers_are_unchanged(cipher):
    typed = await validate(ValidateRequestForm(), "phone", "202 555 0101", tracker("202 555 0101", channel="socketio"))
    skipped = await validate(ValidateRequestForm(), "phone", "skip", tracker("skip", channel="socketio"))
    assert typed["phone"] == BRUNO_PHONE and not typed.get(names.SLOT_PHONE_FROM_CHANNEL)
    assert skipped["phone"] == flows.SKIPPED


async def test_a_parent_on_sms_can_use_the_number_they_text_from(cipher):
    result = await validate(
        ValidateParentalForm(),
        "parent_contact",
        USE_CHANNEL_NUMBER,
        tracker(USE_CHANNEL_NUMBER, metadata=sealed(cipher, phone=STRANGER_PHONE), active_loop="parental_form"),
    )
    assert result["parent_contact"] == STRANGER_PHONE


async def test_a_parent_on_sms_can_still_give_an_e_mail_address(cipher):
    result = await validate(
        ValidateParentalForm(),
        "parent_contact",
        "pat.demo@example.com",
        tracker("pat.demo@example.com", metadata=sealed(cipher), active_loop="parental_form"),
    )
    assert result["parent_contact"] == "pat.demo@example.com"


# --------------------------------------------------------------------------- where the code goes

BRUNO = {
    "request_kind": "deletion",
    "full_name": "Bruno Démo",
    "email": "bruno.demo@example.com",
    "date_of_birth": "1990-03-04",
    "identifier": flows.SKIPPED,
}


def sms_to(backend, phone: str):
    return [m.body for m in backend.outbox.list(channel=MessageChannel.SMS, to=phone, limit=50)]


def emails_to(backend, address: str):
    return [m for m in backend.outbox.list(channel=MessageChannel.EMAIL, to=address, limit=50)]


async def test_the_summary_says_the_code_will_be_texted_to_the_chosen_number(cipher):
    slots = {**BRUNO, "phone": BRUNO_PHONE, names.SLOT_PHONE_FROM_CHANNEL: True}
    _, msgs = await run(ActionAskRequestConfirmed(), tracker("March 4 1990", metadata=sealed(cipher), slots=slots))
    assert (
        "I'll text a code to the number ending 0101" in msgs[0]["text"] and "e-mail you a code" not in msgs[0]["text"]
    )
    typed = {**BRUNO, "phone": BRUNO_PHONE}
    _, msgs = await run(ActionAskRequestConfirmed(), tracker("March 4 1990", metadata=sealed(cipher), slots=typed))
    assert "I'll e-mail you a code" in msgs[0]["text"]


async def confirm(backend, cipher, channel: str = TWILIO_SMS, phone: str = BRUNO_PHONE) -> Dict[str, Any]:
    slots = {**BRUNO, "phone": phone, names.SLOT_PHONE_FROM_CHANNEL: True, "requested_slot": "request_confirmed"}
    t = tracker("yes", channel=channel, metadata=sealed(cipher, phone=phone, channel=channel), slots=slots)
    result = await validate(ValidateRequestForm(), "request_confirmed", "yes", t)
    assert result["request_confirmed"] is True and result["challenge_id"]
    return {
        **slots,
        "request_confirmed": True,
        "challenge_id": result["challenge_id"],
        "requested_slot": "verification_code",
        "_said": text_of(result["_messages"]),
    }


async def test_a_requester_who_chose_the_channel_number_gets_the_code_by_sms_there_not_by_e_mail(backend, cipher):
    slots = await confirm(backend, cipher)
    assert "texted a 6-digit code to the number ending 0101" in slots["_said"]
    [body] = sms_to(backend, BRUNO_PHONE)
    assert "verification code" in body and emails_to(backend, "bruno.demo@example.com") == []


async def test_a_typed_number_keeps_the_code_on_e_mail(backend, cipher):
    slots = {**BRUNO, "phone": BRUNO_PHONE, "requested_slot": "request_confirmed"}
    result = await validate(
        ValidateRequestForm(), "request_confirmed", "yes", tracker("yes", metadata=sealed(cipher), slots=slots)
    )
    assert (
        result["challenge_id"]
        and len(emails_to(backend, "bruno.demo@example.com")) == 1
        and sms_to(backend, BRUNO_PHONE) == []
    )


async def test_the_texted_code_verifies_and_the_ticket_records_an_sms_code_on_file(backend, cipher):
    slots = await confirm(backend, cipher)
    code = backend.last_code(BRUNO_PHONE)
    t = tracker(code, metadata=sealed(cipher), slots={**slots, "verification_code": code})
    result = await validate(ValidateRequestForm(), "verification_code", code, t)
    assert result["verification_code"] == "confirmed"
    done = {**slots, "verification_code": "confirmed", "verified": True, "requested_slot": None}
    events, msgs = await run(
        ActionSubmitRequest(), tracker(code, metadata=sealed(cipher), slots=done, active_loop=None)
    )
    ticket = backend.tickets.list_queue().items[0]
    assert ticket.reference in text_of(msgs) and ticket.channel.value == "sms"
    assert (ticket.verification.method.value, ticket.verification.level.value) == ("sms_code", "reasonable")
    assert "phone" in ticket.verification.data_points
    personal = backend.tickets.reveal_personal_data(ticket.reference, actor="test", reason=RevealReason.VERIFY_IDENTITY)
    assert personal.phone == BRUNO_PHONE and "texted to the phone number" in personal.details


async def test_a_texted_code_to_a_number_not_on_file_files_the_request_for_a_person_to_verify(backend, cipher):
    """Honest levels: the confirmed contact must be one the customer has on file; otherwise a person checks."""
    slots = await confirm(backend, cipher, phone=STRANGER_PHONE)
    backend.verification.check_code(slots["challenge_id"], backend.last_code(STRANGER_PHONE))
    done = {**slots, "verification_code": "confirmed", "verified": True, "requested_slot": None}
    _, msgs = await run(
        ActionSubmitRequest(), tracker("x", metadata=sealed(cipher, phone=STRANGER_PHONE), slots=done, active_loop=None)
    )
    [ticket] = backend.tickets.list_queue().items
    assert ticket.status.value == "awaiting_verification" and ticket.verification.level.value == "none"
    said = text_of(msgs)
    assert ticket.reference in said and "a person on our privacy team will check who you are" in said
    assert "by text or phone" in said


def test_submit_trusts_only_the_contact_the_code_was_confirmed_for(backend):
    started = backend.verification.start_contact_check("sms", STRANGER_PHONE)
    backend.verification.check_code(started.challenge_id, backend.last_code(STRANGER_PHONE))
    values = {**BRUNO, "phone": BRUNO_PHONE}  # the code went to another phone than the one on the request
    outcome = filing.submit_request(
        values,
        conversation_id="c",
        channel="sms",
        challenge_id=started.challenge_id,
        tickets=backend.tickets,
        verification=backend.verification,
    )
    assert not outcome.ok and outcome.failure is filing.Failure.NOT_VERIFIED


async def test_resending_on_the_phone_line_texts_a_new_code_to_the_same_number(backend, cipher):
    slots = await confirm(backend, cipher, channel=TWILIO_VOICE)
    t = tracker(
        "send a new code",
        channel=TWILIO_VOICE,
        metadata=sealed(cipher, channel=TWILIO_VOICE),
        slots={**slots, "verification_code": "send a new code"},
    )
    result = await validate(ValidateRequestForm(), "verification_code", "send a new code", t)
    assert result["verification_code"] is None and result["challenge_id"] != slots["challenge_id"]
    assert len(sms_to(backend, BRUNO_PHONE)) == 2 and "texted a 6-digit code" in text_of(result["_messages"])


async def test_code_errors_on_the_phone_line_talk_about_the_keypad(backend, cipher):
    slots = await confirm(backend, cipher, channel=TWILIO_VOICE)
    voice = dict(channel=TWILIO_VOICE, metadata=sealed(cipher, channel=TWILIO_VOICE))
    wrong = await validate(
        ValidateRequestForm(),
        "verification_code",
        "000000",
        tracker("000000", **voice, slots={**slots, "verification_code": "000000"}),
    )
    garbled = await validate(
        ValidateRequestForm(),
        "verification_code",
        "hello",
        tracker("hello", **voice, slots={**slots, "verification_code": "hello"}),
    )
    assert "isn't right" in text_of(wrong["_messages"]) and "keypad" in text_of(wrong["_messages"])
    assert "keypad" in text_of(garbled["_messages"]) and "type" not in text_of(garbled["_messages"])
    status = await validate(
        ValidateStatusForm(),
        "status_code",
        "hello",
        tracker("hello", **voice, slots={"status_reference": "PD-7K3D-9QXM"}, active_loop="status_form"),
    )
    assert "keypad" in text_of(status["_messages"])


def test_the_phone_line_asks_for_codes_on_the_keypad_and_other_channels_keep_typing():
    for response in ("utter_ask_verification_code", "utter_ask_status_code"):
        variations = DOMAIN["responses"][response]
        voice = [v for v in variations if v.get("channel") == TWILIO_VOICE]
        assert len(voice) == 1 and "keypad" in voice[0]["text"] and voice[0]["custom"]["keypad"]["digits"] == 6
        assert [v for v in variations if "channel" not in v][0]["text"].startswith("Please type")


def test_the_channel_number_flag_is_set_only_by_actions_and_cleared_with_the_personal_data():
    from actions.privacy_requests.forms import clear_personal_slots

    assert DOMAIN["slots"][names.SLOT_PHONE_FROM_CHANNEL]["mappings"] == [{"type": "custom"}]
    assert names.SLOT_PHONE_FROM_CHANNEL in {e["name"] for e in clear_personal_slots()}
    assert {names.ACTION_ASK_PHONE, names.ACTION_ASK_PARENT_CONTACT} <= set(DOMAIN["actions"])


def test_the_button_payload_is_known_to_the_nlu():
    examples = (PROJECT_ROOT / "data" / "nlu" / "requests.yml").read_text()
    assert f"- {USE_CHANNEL_NUMBER}\n" in examples
