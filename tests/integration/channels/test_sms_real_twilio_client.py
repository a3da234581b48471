"""SMS replies through the real twilio REST client, pointed at the fake Twilio API on loopback.

The production path (``OUTBOX_DISABLED=true``): the channel hands replies to the
notifier, whose ``TwilioSmsSender`` posts them with Basic auth, retries 5xx with
backoff, and records an opt-out on error 21610.
"""

from __future__ import annotations

import time
from typing import Iterator

import pytest

from bot.settings import settings_from_environ
from tests.conftest import make_environ
from tests.fakes.twilio_api import FakeTwilioApi
from tests.unit.channels.harness import ChannelServer, StubBot

PHONE = "+12025550143"


@pytest.fixture
def bot() -> StubBot:
    return StubBot()


@pytest.fixture
def server(tmp_path, fake_twilio_api: FakeTwilioApi, bot: StubBot) -> Iterator[ChannelServer]:
    environ = make_environ(
        tmp_path / "var",
        OUTBOX_DISABLED="true",
        TWILIO_API_BASE=fake_twilio_api.base_url,
        TWILIO_ACCOUNT_SID=fake_twilio_api.account_sid,
        TWILIO_AUTH_TOKEN=fake_twilio_api.auth_token,
    )
    (tmp_path / "var").mkdir()
    running = ChannelServer(settings_from_environ(environ), bot).start()
    try:
        yield running
    finally:
        running.stop()


def test_a_reply_is_posted_to_twilio_from_our_number_to_the_sender(
    server: ChannelServer, fake_twilio_api: FakeTwilioApi
) -> None:
    assert server.sms_from(PHONE, "hello").status_code == 200
    server.drain()
    [message] = fake_twilio_api.messages
    assert (message.to, message.from_, message.body) == (PHONE, server.settings.twilio_number, "You said: hello")
    assert message.encoding == "GSM-7" and message.segments == 1
    assert server.outbox(PHONE) == []  # production path: nothing in the local outbox


def test_a_twilio_500_is_retried_and_the_reply_still_arrives(
    server: ChannelServer, fake_twilio_api: FakeTwilioApi
) -> None:
    fake_twilio_api.fail_next(status=500, times=1)
    server.sms_from(PHONE, "hello")
    server.drain()
    assert [m.body for m in fake_twilio_api.messages] == ["You said: hello"]
    assert [r.status for r in fake_twilio_api.requests] == [500, 201]


def test_error_21610_marks_the_number_opted_out_and_later_messages_are_not_answered(
    server: ChannelServer, fake_twilio_api: FakeTwilioApi, bot: StubBot
) -> None:
    fake_twilio_api.opt_out(PHONE)
    server.sms_from(PHONE, "hello")
    server.drain()
    assert fake_twilio_api.messages == []
    assert server.services.optouts.is_opted_out(PHONE)
    server.sms_from(PHONE, "are you there?")
    server.drain()
    assert len(bot.received) == 1 and len(fake_twilio_api.requests) == 1  # nothing more was even attempted


def test_the_webhook_answers_at_once_while_twilio_is_slow(
    server: ChannelServer, fake_twilio_api: FakeTwilioApi
) -> None:
    fake_twilio_api.set_delay(2.0)
    timings = []
    for i in range(3):
        started = time.perf_counter()
        assert server.sms_from(PHONE, f"question {i}").status_code == 200
        timings.append(time.perf_counter() - started)
    assert max(timings) < 1.0
    server.drain()
    assert sorted(m.body for m in fake_twilio_api.messages) == [f"You said: question {i}" for i in range(3)]
