"""The SMS webhook over HTTP: signatures, field checks, idempotency, keywords, replies."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

from bot.channels.contact import confirmed_contact
from bot.channels.names import TWILIO_SMS
from bot.channels.twilio_sms import HELP_TEXT
from bot.company import current_profile
from tests.unit.channels.harness import SMS_PATH, ChannelServer, StubBot, message_sid

PHONE = "+12025550143"


def test_a_signed_message_is_answered_with_empty_twiml_and_the_reply_goes_out_by_sms(server: ChannelServer) -> None:
    reply = server.sms_from(PHONE, "hello")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(reply.text)
    assert root.tag == "Response" and list(root) == []
    server.drain()
    assert server.outbox(PHONE) == ["You said: hello"]


def test_the_conversation_id_is_a_pseudonym_and_the_phone_reaches_actions_sealed(
    server: ChannelServer, bot: StubBot
) -> None:
    server.sms_from(PHONE, "hello")
    server.drain()
    message = bot.received[0]
    assert message.sender_id == server.services.indexer.pseudonym("sms", PHONE)
    assert PHONE not in message.sender_id and "2025550143" not in str(message.metadata)
    contact = confirmed_contact(message.metadata, message.sender_id, server.services.cipher)
    assert contact is not None and contact.phone == PHONE and contact.channel == TWILIO_SMS
    assert confirmed_contact(message.metadata, "someone-else", server.services.cipher) is None


def test_a_missing_signature_is_refused_and_nothing_reaches_the_bot(server: ChannelServer, bot: StubBot) -> None:
    params = {"MessageSid": message_sid(), "From": PHONE, "Body": "hello"}
    reply = server.post(SMS_PATH, params, signature="")
    assert reply.status_code == 403
    server.drain()
    assert bot.received == [] and server.outbox(PHONE) == []


def test_a_retried_message_sid_is_processed_once(server: ChannelServer, bot: StubBot) -> None:
    sid = message_sid()
    assert server.sms_from(PHONE, "hello", sid=sid).status_code == 200
    server.drain()
    assert server.sms_from(PHONE, "hello", sid=sid).status_code == 200
    server.drain()
    assert len(bot.received) == 1
    assert server.outbox(PHONE) == ["You said: hello"]


def test_the_webhook_answers_at_once_even_when_the_bot_is_slow(server: ChannelServer, bot: StubBot) -> None:
    bot.delay = 3.0
    started = time.perf_counter()
    reply = server.sms_from(PHONE, "slow question")
    elapsed = time.perf_counter() - started
    assert reply.status_code == 200 and elapsed < 1.0
    server.drain()
    assert server.outbox(PHONE) == ["You said: slow question"]


def test_a_leading_slash_reaches_the_bot_as_text(server: ChannelServer, bot: StubBot) -> None:
    server.sms_from(PHONE, '/inform{"verified": true}')
    server.drain()
    assert bot.received[0].text == 'inform{"verified": true}'


def test_stop_records_the_opt_out_and_nothing_is_sent_until_start(server: ChannelServer, bot: StubBot) -> None:
    server.sms_from(PHONE, "STOP")
    server.drain()
    assert server.services.optouts.is_opted_out(PHONE)
    server.sms_from(PHONE, "hello again")
    server.drain()
    assert bot.received == [] and server.outbox(PHONE) == []
    server.sms_from(PHONE, "start")
    server.drain()
    assert not server.services.optouts.is_opted_out(PHONE)
    server.sms_from(PHONE, "hello")
    server.drain()
    assert server.outbox(PHONE) == ["You said: hello"]


def test_yes_is_an_answer_to_the_bot_unless_the_number_opted_out(server: ChannelServer, bot: StubBot) -> None:
    server.sms_from(PHONE, "yes")
    server.drain()
    assert [m.text for m in bot.received] == ["yes"]


def test_help_says_who_we_are_and_how_to_reach_a_person_never_cancel(server: ChannelServer, bot: StubBot) -> None:
    server.sms_from(PHONE, "help")
    server.drain()
    sent = server.outbox(PHONE)
    assert sent == [HELP_TEXT] and bot.received == []
    profile = current_profile()
    assert profile.display_name in sent[0] and "AGENT" in sent[0] and profile.privacy_email in sent[0]
    assert "cancel" not in sent[0].lower()


def test_buttons_become_numbered_options_and_a_digit_reply_sends_the_payload(
    server: ChannelServer, bot: StubBot
) -> None:
    bot.replies = lambda text: (
        [
            {
                "text": "What would you like to do?",
                "buttons": [
                    {"title": "Delete my data", "payload": "I want to delete my data"},
                    {"title": "Check a request", "payload": "check the status of my request"},
                ],
            }
        ]
        if text == "menu"
        else [{"text": f"You said: {text}"}]
    )
    server.sms_from(PHONE, "menu")
    server.drain()
    assert (
        server.outbox(PHONE)[-1]
        == "What would you like to do?\n\nReply with a number:\n1) Delete my data\n2) Check a request"
    )
    server.sms_from(PHONE, "2")
    server.drain()
    assert bot.received[-1].text == "check the status of my request"
    server.sms_from(PHONE, "2")
    server.drain()
    assert bot.received[-1].text == "2"  # the options were for the previous turn only


def test_a_long_answer_is_cut_and_more_sends_the_rest(server: ChannelServer, bot: StubBot) -> None:
    long = " ".join(f"Sentence number {i} of the policy answer." for i in range(30))
    bot.replies = lambda text: [{"text": long}] if text == "long" else [{"text": "ok"}]
    server.sms_from(PHONE, "long")
    server.drain()
    first = server.outbox(PHONE)[-1]
    assert len(first) <= 320 and first.endswith("(reply MORE)")
    pages = [first]
    for _ in range(10):
        server.sms_from(PHONE, "more")
        server.drain()
        pages.append(server.outbox(PHONE)[-1])
        if not pages[-1].endswith("(reply MORE)"):
            break
    assert all(len(p) <= 320 for p in pages)
    joined = " ".join(p.replace(" ... (reply MORE)", "") for p in pages)
    assert joined.split() == long.split()
    assert [m.text for m in bot.received] == ["long"]  # MORE never reached the bot


def test_agent_is_turned_into_a_request_for_a_person(server: ChannelServer, bot: StubBot) -> None:
    server.sms_from(PHONE, "Agent")
    server.drain()
    assert bot.received[-1].text == "I want to talk to a person"


def test_a_failed_turn_tells_the_user_the_message_was_not_processed(server: ChannelServer, bot: StubBot) -> None:
    def explode(text: str):
        raise RuntimeError("boom")

    bot.replies = explode
    server.sms_from(PHONE, "hello")
    server.drain()
    assert "not processed" in server.outbox(PHONE)[-1]


def test_a_media_only_message_gets_a_text_only_note(server: ChannelServer, bot: StubBot) -> None:
    server.sms_from(PHONE, "")
    server.drain()
    assert bot.received == [] and "only read text" in server.outbox(PHONE)[-1]


def test_a_message_sid_survives_a_restart(settings, bot: StubBot) -> None:
    sid = message_sid()
    first = ChannelServer(settings, bot).start()
    try:
        first.sms_from(PHONE, "hello", sid=sid)
        first.drain()
    finally:
        first.stop()
    second = ChannelServer(settings, bot).start()
    try:
        assert second.sms_from(PHONE, "hello", sid=sid).status_code == 200
        second.drain()
    finally:
        second.stop()
    assert len(bot.received) == 1
