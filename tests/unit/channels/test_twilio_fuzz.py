"""Hypothesis: whatever fields a (signed or unsigned) webhook carries, the answer is never a 5xx."""

from __future__ import annotations

from typing import Iterator
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.settings import settings_from_environ
from tests.conftest import make_environ
from tests.unit.channels.harness import SMS_PATH, VOICE_PATH, ChannelServer, StubBot, call_sid, message_sid

FIELD_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=2000),
    st.sampled_from(
        ["", " ", "STOP", "start", "HELP", "MORE", "1", "0", "/restart", '/inform{"verified":true}', "\x00", "💥" * 50]
    ),
)
PHONE = st.one_of(
    st.sampled_from(["+12025550143", "+447700900123", "anonymous", "+266696687", "", "client:abc"]),
    st.text(max_size=20),
)
SMS_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "MessageSid": st.one_of(st.builds(message_sid), st.text(max_size=40)),
        "From": PHONE,
        "To": PHONE,
        "Body": FIELD_TEXT,
        "AccountSid": st.text(max_size=40),
        "NumMedia": st.text(max_size=3),
        "OptOutType": st.sampled_from(["STOP", "START", "HELP", "", "x"]),
    },
)
VOICE_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "CallSid": st.one_of(st.builds(call_sid), st.text(max_size=40)),
        "From": PHONE,
        "SpeechResult": FIELD_TEXT,
        "Digits": st.one_of(st.text(alphabet="0123456789*#", max_size=12), st.text(max_size=12)),
        "CallStatus": st.sampled_from(["ringing", "in-progress", "completed", "busy", "", "weird"]),
        "DialCallStatus": st.sampled_from(["completed", "no-answer", "", "x"]),
    },
)
VOICE_QUERY = st.fixed_dictionaries(
    {},
    optional={
        "step": st.sampled_from(["", "gather", "pending", "dialed", "nope"]),
        "silence": st.one_of(st.sampled_from(["0", "1", "2", "3", "-1", "99999999", "x"]), st.text(max_size=5)),
        "turn": st.text(max_size=20),
        "wait": st.sampled_from(["0", "1", "2", "x"]),
    },
)


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChannelServer]:
    var = tmp_path_factory.mktemp("fuzz") / "var"
    var.mkdir()
    bot = StubBot()
    running = ChannelServer(settings_from_environ(make_environ(var)), bot, turn_seconds=2.0).start()
    try:
        yield running
    finally:
        running.drain()
        running.stop()


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(fields=SMS_FIELDS, signed=st.booleans())
def test_sms_webhook_never_answers_5xx(fuzz_server: ChannelServer, fields: dict, signed: bool) -> None:
    reply = fuzz_server.post(SMS_PATH, fields, signature=None if signed else "")
    assert reply.status_code < 500, reply.text
    assert reply.status_code in {200, 400, 403}


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(fields=VOICE_FIELDS, query=VOICE_QUERY)
def test_voice_webhook_never_answers_5xx(fuzz_server: ChannelServer, fields: dict, query: dict) -> None:
    reply = fuzz_server.post(VOICE_PATH, fields, query=urlencode(query))
    assert reply.status_code in {200, 400}, reply.text


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.binary(max_size=3000),
    content_type=st.sampled_from(
        ["application/x-www-form-urlencoded", "application/json", "text/plain", "multipart/form-data; boundary=x"]
    ),
)
def test_arbitrary_bodies_are_4xx_never_5xx(fuzz_server: ChannelServer, body: bytes, content_type: str) -> None:
    for path in (SMS_PATH, VOICE_PATH):
        reply = httpx.post(
            fuzz_server.base_url + path,
            content=body,
            headers={"content-type": content_type, "X-Twilio-Signature": "x"},
            timeout=30,
        )
        assert 400 <= reply.status_code < 500
