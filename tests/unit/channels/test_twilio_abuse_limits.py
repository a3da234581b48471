"""Twilio channels under abuse: rate limits (F6) and replayed signed voice requests (F7)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bot.settings import settings_from_environ
from tests.conftest import make_environ
from tests.unit.channels import twiml
from tests.unit.channels.harness import ChannelServer, StubBot
from tests.unit.channels.test_twilio_voice_channel import Call


@pytest.fixture
def limited(tmp_path: Path, bot: StubBot) -> Iterator[ChannelServer]:
    """Both channels with small limits: 3 messages a minute per conversation, 2 calls per caller id."""
    (tmp_path / "var").mkdir()
    settings = settings_from_environ(
        make_environ(
            tmp_path / "var", CHANNEL_RATE_PER_CONVERSATION="3/60", CHANNEL_NEW_CONVERSATIONS_PER_CLIENT="2/600"
        )
    )
    running = ChannelServer(settings, bot).start()
    try:
        yield running
    finally:
        running.stop()


def test_sms_over_the_limit_is_not_processed_and_the_sender_is_told_once(limited: ChannelServer, bot: StubBot) -> None:
    """F6: the 4th text in a minute never reaches the bot; one text (not one per message) says to wait."""
    phone = "+12025550143"
    for i in range(6):
        assert limited.sms_from(phone, f"question {i}").status_code == 200
    limited.drain()
    assert [m.text for m in bot.received] == ["question 0", "question 1", "question 2"]
    told = [body for body in limited.outbox(phone) if "faster than I can answer" in body]
    assert len(told) == 1


def test_stop_is_honoured_even_over_the_limit(limited: ChannelServer, bot: StubBot) -> None:
    """F6: opting out is never rate limited."""
    phone = "+12025550144"
    for i in range(4):
        limited.sms_from(phone, f"question {i}")
    limited.sms_from(phone, "STOP")
    limited.drain()
    assert limited.services.optouts.is_opted_out(phone)


def test_voice_turns_over_the_limit_are_not_processed_and_the_caller_hears_why(
    limited: ChannelServer, bot: StubBot
) -> None:
    """F6: a call's 4th turn in a minute is refused with a spoken reason, the call goes on."""
    call = Call(limited)
    root = call.start()
    for i in range(3):
        root = call.answer(root, SpeechResult=f"question {i}")
    refused = call.answer(root, SpeechResult="question 3")
    assert [m.text for m in bot.received] == ["question 0", "question 1", "question 2"]
    assert "faster than I can answer" in twiml.all_speech(refused)
    assert twiml.gather(refused) is not None


def test_calls_from_one_caller_id_are_limited(limited: ChannelServer, bot: StubBot) -> None:
    """F6: the third call in ten minutes from one caller id is told to call later and hung up."""
    for _ in range(2):
        assert twiml.gather(Call(limited).start()) is not None
    third = Call(limited).start()
    assert third.find("Hangup") is not None and "Too many new conversations" in twiml.all_speech(third)
    assert twiml.gather(Call(limited, caller="+12025550177").start()) is not None


def test_a_replayed_signed_voice_request_is_not_processed_again(server: ChannelServer, bot: StubBot) -> None:
    """F7: the same signed request (URL with its nonce, fields, signature) runs its turn once."""
    call = Call(server)
    root = call.start()
    target = twiml.gather(root).get("action")
    call.post(target, SpeechResult="I want to talk to a person")
    replayed = call.post(target, SpeechResult="I want to talk to a person")
    assert [m.text for m in bot.received] == ["I want to talk to a person"]
    assert "You said" not in twiml.all_speech(replayed)


def test_a_replayed_call_start_does_not_reset_the_call(server: ChannelServer, bot: StubBot) -> None:
    """F7: replaying the call's first request does not start it again (no new session, no state change)."""
    call = Call(server)
    root = call.start()
    replay = call.start()
    assert "may be recorded" in twiml.all_speech(root)
    assert "may be recorded" not in twiml.all_speech(replay)


def test_identical_answers_at_different_turns_are_both_processed(server: ChannelServer, bot: StubBot) -> None:
    """F7: two real "yes" answers in one call are not mistaken for a replay (each URL has its own nonce)."""
    call = Call(server)
    root = call.answer(call.start(), SpeechResult="yes")
    call.answer(root, SpeechResult="yes")
    assert [m.text for m in bot.received] == ["yes", "yes"]
