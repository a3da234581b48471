"""One-time codes on the phone line: a keypad Gather when the bot asks for a code; star asks for a new one.

The bot is a stub that answers like the request forms do (``utter_ask_verification_code``'s
``channel: twilio_voice`` variation carries ``custom.keypad``); the channel is exercised
over HTTP with signed requests, as Twilio calls it.
"""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from bot.channels.contact import confirmed_contact
from bot.channels.names import TWILIO_SMS, TWILIO_VOICE
from bot.channels.twilio_voice import KEYPAD_TIMEOUT, keypad_request, keypad_settings
from tests.unit.channels import twiml
from tests.unit.channels.harness import StubBot
from tests.unit.channels.test_twilio_voice_channel import CALLER, Call

CODE_PROMPT = "Please enter the 6-digit code on your keypad. If it doesn't arrive, press star, or say new code."
KEYPAD = {"keypad": {"digits": 6, "star": "send a new code"}}


def forms_like(text: str) -> List[Dict[str, Any]]:
    """ "yes" → a code is texted and asked for on the keypad; anything else → a plain question."""
    if text in ("yes", "send a new code"):
        return [
            {"text": "I've texted a 6-digit code to the number ending 0188. It's valid for 10 minutes."},
            {"text": CODE_PROMPT, "custom": KEYPAD, "utter_action": "utter_ask_verification_code"},
        ]
    if text == "000000":
        return [
            {"text": "That code isn't right. Please check the message and enter the 6 digits on your keypad again."},
            {"text": CODE_PROMPT, "custom": KEYPAD, "utter_action": "utter_ask_verification_code"},
        ]
    return [{"text": f"You said {text}. Anything else?"}]


@pytest.fixture
def bot() -> StubBot:
    return StubBot(replies=forms_like)


@pytest.fixture
def call(server) -> Call:
    return Call(server)


def test_asking_for_a_code_opens_a_keypad_gather_that_submits_at_six_digits(call: Call) -> None:
    root = call.answer(call.start(), SpeechResult="yes")
    gather = twiml.gather(root)
    assert "texted a 6-digit code to the number ending 0 1 8 8" in twiml.all_speech(root)
    assert "keypad" in twiml.all_speech(root)
    assert gather.get("input") == "speech dtmf" and gather.get("numDigits") == "6" and gather.get("finishOnKey") == "#"
    assert gather.get("timeout") == str(KEYPAD_TIMEOUT) and "new code" in gather.get("hints")


def test_other_turns_keep_the_ordinary_gather(call: Call) -> None:
    root = call.answer(call.start(), SpeechResult="hello")
    gather = twiml.gather(root)
    assert gather.get("numDigits") is None and gather.get("finishOnKey") is None and gather.get("timeout") == "6"


def test_keyed_digits_reach_the_bot_as_the_code_text_with_the_callers_sealed_number(call: Call, bot: StubBot) -> None:
    root = call.answer(call.start(), SpeechResult="yes")
    after = call.answer(root, Digits="482913")
    message = bot.received[-1]
    assert message.text == "482913" and message.input_channel == TWILIO_VOICE
    contact = confirmed_contact(message.metadata, message.sender_id, call.server.services.cipher)
    assert contact is not None and contact.phone == CALLER
    assert twiml.gather(after).get("numDigits") is None, "the keypad turn is over"


def test_star_on_the_keypad_asks_for_a_new_code(call: Call, bot: StubBot) -> None:
    root = call.answer(call.start(), SpeechResult="yes")
    again = call.answer(root, Digits="*")
    assert bot.received[-1].text == "send a new code"
    assert twiml.gather(again).get("numDigits") == "6" and "texted a 6-digit code" in twiml.all_speech(again)


def test_star_outside_a_code_turn_is_not_a_new_code_request(call: Call, bot: StubBot) -> None:
    root = call.answer(call.start(), SpeechResult="hello")
    call.answer(root, Digits="*")
    assert [m.text for m in bot.received] == ["hello"]  # no text: treated as silence, re-prompted


def test_a_wrong_code_is_said_and_the_keypad_stays_open(call: Call) -> None:
    root = call.answer(call.start(), SpeechResult="yes")
    wrong = call.answer(root, Digits="000000")
    assert "isn't right" in twiml.all_speech(wrong) and twiml.gather(wrong).get("numDigits") == "6"


def test_silence_at_the_code_prompt_re_prompts_with_the_keypad(call: Call) -> None:
    root = call.answer(call.start(), SpeechResult="yes")
    quiet = call.answer(root)
    assert "didn't hear" in twiml.all_speech(quiet) and CODE_PROMPT in twiml.all_speech(quiet)
    assert twiml.gather(quiet).get("numDigits") == "6"


def test_the_voice_turn_is_answered_under_the_channels_own_name(call: Call, bot: StubBot) -> None:
    """Rasa picks ``channel: twilio_voice`` response variations by the output channel's name."""
    call.answer(call.start(), SpeechResult="hello")
    assert bot.received[-1].output_channel.name() == TWILIO_VOICE


def test_the_sms_turn_is_answered_under_the_channels_own_name(server, bot: StubBot) -> None:
    server.sms_from("+12025550189", "hello")
    server.drain()
    assert bot.received[-1].output_channel.name() == TWILIO_SMS


@pytest.mark.parametrize(
    "value, expected",
    [
        ({"digits": 6, "star": "send a new code"}, {"digits": 6, "star": "send a new code"}),
        ({"digits": 6}, {"digits": 6, "star": None}),
        ({"digits": "6"}, None),
        ({"digits": 0}, None),
        ({"digits": 99}, None),
        ({"digits": True}, None),
        ("6", None),
        (None, None),
    ],
)
def test_only_a_sane_keypad_request_changes_the_gather(value, expected) -> None:
    assert keypad_settings(value) == expected
    assert keypad_request([{"text": "x", "custom": {"keypad": value}}]) == expected
