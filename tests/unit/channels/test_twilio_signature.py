"""X-Twilio-Signature: only a request Twilio signed for our public URL gets through."""

from __future__ import annotations

import httpx
import pytest
from twilio.request_validator import RequestValidator

from bot.channels.twilio_signature import FormParams, MalformedRequest, SignatureChecker, parse_form
from tests.unit.channels.harness import SMS_PATH, ChannelServer, StubBot, message_sid

PHONE = "+12025550143"


def _params() -> dict:
    return {"MessageSid": message_sid(), "From": PHONE, "To": "+15005550006", "Body": "hello", "NumMedia": "0"}


def _sign(server: ChannelServer, url: str, params: dict) -> str:
    return RequestValidator(server.settings.twilio_auth_token).compute_signature(url, params)


def _send(server: ChannelServer, params: dict, signature: str) -> httpx.Response:
    return httpx.post(server.base_url + SMS_PATH, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)


def test_a_valid_signature_over_the_public_url_is_accepted(server: ChannelServer, bot: StubBot) -> None:
    params = _params()
    reply = _send(server, params, _sign(server, server.settings.public_base_url + SMS_PATH, params))
    assert reply.status_code == 200
    server.drain()
    assert len(bot.received) == 1


def test_a_tampered_body_is_refused(server: ChannelServer, bot: StubBot) -> None:
    params = _params()
    signature = _sign(server, server.settings.public_base_url + SMS_PATH, params)
    assert _send(server, dict(params, Body="delete everything"), signature).status_code == 403
    assert _send(server, dict(params, From="+12025550199"), signature).status_code == 403
    server.drain()
    assert bot.received == []


def test_an_extra_parameter_is_refused(server: ChannelServer, bot: StubBot) -> None:
    params = _params()
    signature = _sign(server, server.settings.public_base_url + SMS_PATH, params)
    assert _send(server, dict(params, Verified="true"), signature).status_code == 403
    server.drain()
    assert bot.received == []


def test_a_signature_for_another_url_is_refused(server: ChannelServer, bot: StubBot) -> None:
    params = _params()
    internal = server.base_url + SMS_PATH  # what this process sees, not what Twilio called
    assert _send(server, params, _sign(server, internal, params)).status_code == 403
    other_path = server.settings.public_base_url + "/webhooks/twilio_voice/webhook"
    assert _send(server, params, _sign(server, other_path, params)).status_code == 403
    with_query = server.settings.public_base_url + SMS_PATH + "?step=gather"
    assert _send(server, params, _sign(server, with_query, params)).status_code == 403
    server.drain()
    assert bot.received == []


def test_a_signature_made_with_another_auth_token_is_refused(server: ChannelServer) -> None:
    params = _params()
    forged = RequestValidator("not-the-token").compute_signature(server.settings.public_base_url + SMS_PATH, params)
    assert _send(server, params, forged).status_code == 403


def test_a_missing_signature_is_refused(server: ChannelServer, bot: StubBot) -> None:
    reply = httpx.post(server.base_url + SMS_PATH, data=_params(), timeout=30)
    assert reply.status_code == 403
    server.drain()
    assert bot.received == []


def test_the_public_url_is_base_plus_path_plus_query() -> None:
    checker = SignatureChecker("token", "https://desk.example.com/rasa/")
    assert checker.public_url("/webhooks/twilio_voice/webhook", "step=gather&silence=1") == (
        "https://desk.example.com/rasa/webhooks/twilio_voice/webhook?step=gather&silence=1"
    )
    params = FormParams([("CallSid", "CA" + "0" * 32)])
    signature = checker.sign("/webhooks/twilio_voice/webhook", "step=gather&silence=1", params)
    assert checker.is_valid("/webhooks/twilio_voice/webhook", "step=gather&silence=1", params, signature)
    assert not checker.is_valid("/webhooks/twilio_voice/webhook", "step=gather&silence=2", params, signature)


def test_no_auth_token_configured_refuses_everything() -> None:
    checker = SignatureChecker("", "https://desk.example.com")
    assert not checker.is_valid("/x", "", FormParams(), "anything")


def test_repeated_fields_are_signed_like_twilio_signs_them() -> None:
    checker = SignatureChecker("token", "https://desk.example.com")
    params = parse_form(b"MediaUrl=b&MediaUrl=a&Body=")
    assert params.getall("MediaUrl") == ["b", "a"] and params.text("Body") == ""
    signature = RequestValidator("token").compute_signature("https://desk.example.com/x", params)
    assert checker.is_valid("/x", "", params, signature)


@pytest.mark.parametrize(
    "body,content_type",
    [
        (b"\xff\xfe\x00", None),
        (b"a=" + b"x" * (70 * 1024), None),
        (b'{"Body": "hi"}', "application/json"),
        ("&".join(f"f{i}=1" for i in range(500)).encode(), None),
    ],
)
def test_a_body_that_is_not_a_twilio_form_is_malformed(body: bytes, content_type) -> None:
    with pytest.raises(MalformedRequest):
        parse_form(body, content_type)
