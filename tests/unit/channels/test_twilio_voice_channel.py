"""The voice webhook over HTTP: signatures, the opening, speech and keypad, silence, slow turns, agent."""

from __future__ import annotations

from typing import Dict, Iterator
from urllib.parse import urlparse

import pytest

from bot.channels.contact import confirmed_contact
from bot.channels.names import TWILIO_VOICE
from bot.channels.twilio_voice import GOODBYE_SILENT, ONE_MOMENT, RECORDING_NOTICE, call_conversation_id
from bot.settings import settings_from_environ
from tests.unit.channels import twiml
from tests.unit.channels.harness import VOICE_PATH, ChannelServer, StubBot, call_sid

CALLER = "+12025550188"


class Call:
    """One phone call, driven the way Twilio drives it (follows action/redirect URLs)."""

    def __init__(self, server: ChannelServer, caller: str = CALLER) -> None:
        self.server = server
        self.sid = call_sid()
        self.caller = caller

    def params(self, **extra: str) -> Dict[str, str]:
        base = {
            "CallSid": self.sid,
            "AccountSid": self.server.settings.twilio_account_sid,
            "From": self.caller,
            "To": self.server.settings.twilio_number,
            "CallStatus": "in-progress",
            "Direction": "inbound",
        }
        base.update(extra)
        return base

    def post(self, url_or_query: str = "", **fields: str):
        query = urlparse(url_or_query).query if "://" in url_or_query else url_or_query
        reply = self.server.post(VOICE_PATH, self.params(**fields), query=query)
        assert reply.status_code == 200, reply.text
        root = twiml.parse(reply.text)
        assert twiml.ends_the_turn(root), reply.text
        return root

    def start(self):
        return self.post("", CallStatus="ringing")

    def answer(self, root, **fields: str):
        """Post to where the last TwiML's Gather (or Redirect) sends Twilio."""
        gather = root.find("Gather")
        target = gather.get("action") if gather is not None else root.find("Redirect").text
        return self.post(target, **fields)


@pytest.fixture
def call(server: ChannelServer) -> Call:
    return Call(server)


def test_the_call_opens_with_the_recording_notice_then_what_the_line_can_do(call: Call) -> None:
    root = call.start()
    said = twiml.spoken(root)
    assert said[0] == RECORDING_NOTICE and "may be recorded for security reasons" in said[0]
    gather = twiml.gather(root)
    assert gather.get("input") == "speech dtmf"
    assert gather.get("actionOnEmptyResult") == "true"
    assert "agent" in gather.get("hints")
    assert "privacy policy" in " ".join(s.text for s in gather.iter("Say"))
    assert "press 0" in " ".join(s.text for s in gather.iter("Say"))
    assert gather.get("action").startswith(call.server.settings.public_base_url + VOICE_PATH + "?")
    action = twiml.query_of(gather.get("action"))
    assert {k: v for k, v in action.items() if k != "n"} == {"step": "gather", "silence": "0"}
    assert len(action["n"]) >= 8, "every URL given to Twilio carries a nonce (replays are recognised)"


def test_an_unsigned_request_is_refused_and_a_forged_caller_with_no_speech_hears_nothing(
    call: Call, bot: StubBot
) -> None:
    params = call.params()
    assert call.server.post(VOICE_PATH, params, signature="").status_code == 403
    assert call.server.post(VOICE_PATH, params, query="step=gather&silence=0", signature="bm9wZQ==").status_code == 403
    # A valid signature for another URL (or other fields) does not carry over.
    from twilio.request_validator import RequestValidator

    other = RequestValidator(call.server.settings.twilio_auth_token).compute_signature(
        call.server.settings.public_base_url + "/webhooks/twilio_sms/webhook", params
    )
    assert call.server.post(VOICE_PATH, params, signature=other).status_code == 403
    assert bot.received == []


def test_speech_goes_to_the_bot_and_the_answer_is_spoken_inside_a_gather(call: Call, bot: StubBot) -> None:
    root = call.answer(call.start(), SpeechResult="What data do you collect?", Confidence="0.9")
    assert bot.received[-1].text == "What data do you collect?"
    assert "You said: What data do you collect?" in twiml.all_speech(twiml.gather(root))
    message = bot.received[-1]
    assert message.sender_id == call_conversation_id(call.server.services.indexer, call.sid)
    contact = confirmed_contact(message.metadata, message.sender_id, call.server.services.cipher)
    assert contact is not None and contact.phone == CALLER and contact.channel == TWILIO_VOICE


def test_a_second_call_from_the_same_caller_id_is_a_separate_conversation(server: ChannelServer, bot: StubBot) -> None:
    """F1: conversations are per call (CallSid), so a spoofed caller id never joins an open call."""
    first, second = Call(server), Call(server)
    first.answer(first.start(), SpeechResult="I want to delete my data")
    second.answer(second.start(), SpeechResult="what did I say before")
    first_turn, second_turn = bot.received[-2], bot.received[-1]
    assert first_turn.sender_id != second_turn.sender_id
    assert CALLER not in first_turn.sender_id and CALLER not in second_turn.sender_id
    # Each call still carries its (channel-confirmed) number for the actions, sealed.
    for turn in (first_turn, second_turn):
        contact = confirmed_contact(turn.metadata, turn.sender_id, server.services.cipher)
        assert contact is not None and contact.phone == CALLER


def test_silence_is_reprompted_twice_then_a_polite_goodbye_and_hang_up(call: Call, bot: StubBot) -> None:
    root = call.start()
    first = call.answer(root)
    assert (
        "didn't hear" in twiml.all_speech(first) and twiml.query_of(twiml.gather(first).get("action"))["silence"] == "1"
    )
    assert "privacy policy" in twiml.all_speech(twiml.gather(first))  # the call's own last prompt again
    second = call.answer(first)
    assert twiml.query_of(twiml.gather(second).get("action"))["silence"] == "2"
    third = call.answer(second)
    assert [child.tag for child in third][-1] == "Hangup"
    assert GOODBYE_SILENT in twiml.spoken(third)
    assert bot.received == []


def test_buttons_are_read_as_say_or_press_and_a_key_sends_the_payload(call: Call, bot: StubBot) -> None:
    bot.replies = lambda text: (
        [
            {
                "text": "Which request?",
                "buttons": [
                    {"title": "Delete my data", "payload": "I want to delete my data"},
                    {"title": "Check a request", "payload": "check the status of my request"},
                ],
            }
        ]
        if text == "menu"
        else [{"text": f"You said: {text}"}]
    )
    root = call.answer(call.start(), SpeechResult="menu")
    speech = twiml.all_speech(root)
    assert 'Say "Delete my data", or press 1.' in speech and 'Say "Check a request", or press 2.' in speech
    assert "Delete my data" in twiml.gather(root).get("hints")
    call.answer(root, Digits="2")
    assert bot.received[-1].text == "check the status of my request"


def test_a_one_time_code_on_the_keypad_reaches_the_bot_as_digits(call: Call, bot: StubBot) -> None:
    call.answer(call.start(), Digits="482913")
    assert bot.received[-1].text == "482913"


def test_zero_asks_for_a_person_and_a_confirmed_case_gets_a_call_back_promise(call: Call, bot: StubBot) -> None:
    bot.replies = lambda text: [{"text": "I've passed this to our team, reference PD-7K3D-9QXM."}]
    root = call.answer(call.start(), Digits="0")
    assert bot.received[-1].text == "I want to talk to a person"
    speech = twiml.all_speech(root)
    assert "P D, 7 K 3 D, 9 Q X M" in speech and "call you back" in speech


def test_saying_agent_without_a_confirmed_case_makes_no_promise(call: Call, bot: StubBot) -> None:
    bot.replies = lambda text: [{"text": "Sorry, I couldn't pass this on right now."}]
    root = call.answer(call.start(), SpeechResult="Agent.")
    assert bot.received[-1].text == "I want to talk to a person"
    assert "call you back" not in twiml.all_speech(root)


def test_goodbye_from_the_bot_ends_the_call(call: Call, bot: StubBot) -> None:
    bot.replies = lambda text: [{"text": "Goodbye, and thank you for contacting us.", "utter_action": "utter_goodbye"}]
    root = call.answer(call.start(), SpeechResult="bye")
    assert [child.tag for child in root][-1] == "Hangup"


def test_speech_has_no_urls_or_emoji_and_spells_out_email_addresses(call: Call, bot: StubBot) -> None:
    bot.replies = lambda text: [
        {"text": "Write to **privacy.us@example.com** 😀 or see https://www.example.com/privacy."}
    ]
    speech = twiml.all_speech(call.answer(call.start(), SpeechResult="how do I write to you"))
    assert "http" not in speech and "😀" not in speech and "**" not in speech
    assert "P R I V A C Y dot U S at example dot com" in speech


def test_a_finished_call_status_callback_gets_an_empty_answer(call: Call) -> None:
    reply = call.server.post(VOICE_PATH, call.params(CallStatus="completed"))
    assert reply.status_code == 200 and list(twiml.parse(reply.text)) == []


def test_a_missing_call_sid_is_a_400(call: Call) -> None:
    params = call.params()
    del params["CallSid"]
    assert call.server.post(VOICE_PATH, params).status_code == 400


@pytest.fixture
def slow_server(settings, bot: StubBot) -> Iterator[ChannelServer]:
    running = ChannelServer(settings, bot, turn_seconds=0.5).start()
    try:
        yield running
    finally:
        running.stop()


def test_a_slow_turn_says_one_moment_and_the_redirect_delivers_the_answer(
    slow_server: ChannelServer, bot: StubBot
) -> None:
    call = Call(slow_server)
    bot.delay = 1.5
    waiting = call.answer(call.start(), SpeechResult="a slow question")
    assert twiml.spoken(waiting)[-1] == ONE_MOMENT
    redirect = waiting.find("Redirect")
    assert redirect is not None and twiml.query_of(redirect.text)["step"] == "pending"
    answered = call.answer(waiting)
    assert "You said: a slow question" in twiml.all_speech(twiml.gather(answered))
    assert len(bot.received) == 1


@pytest.fixture
def dialing_server(environ, bot: StubBot, tmp_path) -> Iterator[ChannelServer]:
    settings = settings_from_environ(dict(environ, TWILIO_AGENT_NUMBER="+12025550999"))
    running = ChannelServer(settings, bot).start()
    try:
        yield running
    finally:
        running.stop()


def test_with_an_agent_number_zero_dials_it_and_a_missed_dial_falls_back_to_escalation(
    dialing_server: ChannelServer, bot: StubBot
) -> None:
    call = Call(dialing_server)
    root = call.answer(call.start(), Digits="0")
    dial = root.find("Dial")
    assert dial is not None and (dial.text or "").strip() == "+12025550999"
    assert twiml.query_of(dial.get("action"))["step"] == "dialed"
    missed = call.post(dial.get("action"), DialCallStatus="no-answer")
    assert bot.received[-1].text == "I want to talk to a person"
    assert "nobody from our team" in twiml.all_speech(missed)
    done = call.post(dial.get("action"), DialCallStatus="completed")
    assert [child.tag for child in done][-1] == "Hangup"
