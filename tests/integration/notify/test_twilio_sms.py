"""SMS through the real twilio client against the fake Twilio REST API on loopback."""

from __future__ import annotations

import re
import time
from typing import List

import pytest

from bot.notify import DeliveryStatus, OptOutRegistry, TwilioSmsSender, build_notifier
from bot.notify.factory import ChannelNotifier
from bot.notify.types import NotifyError
from bot.settings import settings_from_environ
from bot.verification import CheckResult, StartStatus, VerificationService
from tests.fakes.databases import open_db
from tests.fakes.twilio_api import FakeTwilioApi, sms_segments

FROM = "+15005550006"


def sender(api: FakeTwilioApi, **kwargs) -> TwilioSmsSender:
    kwargs.setdefault("sleep", lambda _s: None)
    kwargs.setdefault("timeout", 5)
    return TwilioSmsSender(
        api.account_sid, api.auth_token, kwargs.pop("from_number", FROM), api_base=api.base_url, **kwargs
    )


def test_sms_reaches_twilio_with_basic_auth_and_form_fields(fake_twilio_api):
    delivery = sender(fake_twilio_api).send_sms("+12025550100", "Your code is 123456")
    assert delivery.status is DeliveryStatus.SENT and delivery.attempts == 1
    [message] = fake_twilio_api.messages
    assert re.fullmatch(r"SM[0-9a-f]{32}", delivery.message_id) and message.sid == delivery.message_id
    assert (message.to, message.from_, message.body) == ("+12025550100", FROM, "Your code is 123456")
    assert fake_twilio_api.requests[0].authorized


def test_messaging_service_is_used_instead_of_a_number_when_configured(fake_twilio_api):
    TwilioSmsSender(
        fake_twilio_api.account_sid,
        fake_twilio_api.auth_token,
        messaging_service_sid="MG" + "1" * 32,
        api_base=fake_twilio_api.base_url,
    ).send_sms("+12025550100", "hi")
    message = fake_twilio_api.messages[0]
    assert message.messaging_service_sid == "MG" + "1" * 32 and message.from_ is None


def test_server_errors_are_retried_with_backoff(fake_twilio_api):
    fake_twilio_api.fail_next(500, times=2)
    sleeps: List[float] = []
    delivery = sender(fake_twilio_api, sleep=sleeps.append).send_sms("+12025550100", "hi")
    assert delivery.status is DeliveryStatus.SENT and delivery.attempts == 3
    assert len(fake_twilio_api.requests) == 3 and len(fake_twilio_api.messages) == 1
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] > 0


def test_persistent_server_errors_fail_after_the_last_attempt(fake_twilio_api):
    fake_twilio_api.fail_next(503, times=10)
    delivery = sender(fake_twilio_api, max_attempts=3).send_sms("+12025550100", "hi")
    assert (delivery.status, delivery.error, delivery.attempts) == (DeliveryStatus.FAILED, "http_503", 3)
    assert fake_twilio_api.messages == []


def test_client_errors_are_not_retried(fake_twilio_api):
    fake_twilio_api.fail_next(400, code=21211, message="Invalid 'To' Phone Number")
    delivery = sender(fake_twilio_api).send_sms("+12025550100", "hi")
    assert (delivery.status, delivery.error, delivery.attempts) == (DeliveryStatus.FAILED, "21211", 1)
    assert len(fake_twilio_api.requests) == 1


def test_error_21610_marks_the_number_opted_out_and_nothing_more_is_sent(fake_twilio_api, database, indexer):
    registry = OptOutRegistry(database, indexer)
    fake_twilio_api.opt_out("+12025550100")
    sms = sender(fake_twilio_api, optouts=registry)
    first = sms.send_sms("+12025550100", "hi")
    assert (first.status, first.error, first.attempts) == (DeliveryStatus.OPTED_OUT, "21610", 1)
    assert registry.is_opted_out("+12025550100")
    second = sms.send_sms("+12025550100", "hi again")
    assert second.status is DeliveryStatus.OPTED_OUT
    assert len(fake_twilio_api.requests) == 1  # the second one never left
    registry.opt_in("+12025550100")
    fake_twilio_api.opt_in("+12025550100")
    assert sms.send_sms("+12025550100", "welcome back").ok


def test_wrong_credentials_fail_without_retry(fake_twilio_api):
    bad = TwilioSmsSender(
        fake_twilio_api.account_sid, "wrong-token", FROM, api_base=fake_twilio_api.base_url, sleep=lambda _s: None
    )
    delivery = bad.send_sms("+12025550100", "hi")
    assert (delivery.status, delivery.error) == (DeliveryStatus.FAILED, "20003")
    assert fake_twilio_api.requests[0].authorized is False and fake_twilio_api.messages == []


def test_every_call_has_a_timeout(fake_twilio_api):
    fake_twilio_api.set_delay(2.0)
    started = time.monotonic()
    delivery = sender(fake_twilio_api, timeout=0.3, max_attempts=2).send_sms("+12025550100", "hi")
    assert (delivery.status, delivery.error, delivery.attempts) == (DeliveryStatus.FAILED, "timeout", 2)
    assert time.monotonic() - started < 2.0


def test_unreachable_api_fails_as_network_error():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sms = TwilioSmsSender(
        "AC" + "0" * 32, "token", FROM, api_base=f"http://127.0.0.1:{port}", timeout=1, sleep=lambda _s: None
    )
    delivery = sms.send_sms("+12025550100", "hi")
    assert (delivery.status, delivery.error, delivery.attempts) == (DeliveryStatus.FAILED, "network", 3)


def test_sender_needs_credentials_and_a_from_number():
    with pytest.raises(NotifyError):
        TwilioSmsSender("", "", FROM)
    with pytest.raises(NotifyError):
        TwilioSmsSender("AC" + "0" * 32, "token")


def test_fake_counts_segments_like_carriers():
    assert sms_segments("a" * 160) == ("GSM-7", 1)
    assert sms_segments("a" * 161) == ("GSM-7", 2)
    assert sms_segments("é" * 70) == ("GSM-7", 1)
    assert sms_segments("ł" * 70) == ("UCS-2", 1)
    assert sms_segments("ł" * 71) == ("UCS-2", 2)


def test_production_verification_sends_the_code_by_twilio(fake_twilio_api, environ, migrated_db_url):
    environ.update(
        PROFILE="production",
        DATABASE_URL=migrated_db_url,
        REDIS_URL="redis://127.0.0.1:6379/0",
        TWILIO_ACCOUNT_SID=fake_twilio_api.account_sid,
        TWILIO_AUTH_TOKEN=fake_twilio_api.auth_token,
        TWILIO_API_BASE=fake_twilio_api.base_url,
    )
    settings = settings_from_environ(environ)
    db = open_db(migrated_db_url)
    try:
        assert isinstance(build_notifier(settings, db), ChannelNotifier)
        service = VerificationService.from_settings(settings, database=db)
        started = service.start_contact_check("sms", "(202) 555-0100")
        assert started.status is StartStatus.SENT
        [message] = fake_twilio_api.messages
        assert message.to == "+12025550100" and message.from_ == environ["TWILIO_NUMBER"]
        assert message.encoding == "GSM-7" and message.segments == 1
        code = re.search(r"\b\d{6}\b", message.body).group()
        assert service.check_code(started.challenge_id, code) is CheckResult.OK
        # 21610 from Twilio: the code is not usable and the number is now opted out — answered like a send
        # (no opt-out oracle), with a challenge no code passes.
        fake_twilio_api.opt_out("+12025550101")
        refused = service.start_contact_check("sms", "+12025550101")
        assert (
            refused.status is StartStatus.SENT and service.check_code(refused.challenge_id, code) is CheckResult.WRONG
        )
    finally:
        db.dispose()


def test_logs_hold_no_number_body_or_code(fake_twilio_api, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    fake_twilio_api.fail_next(500)
    assert sender(fake_twilio_api).send_sms("+12025550100", "Your code is 987654").ok
    fake_twilio_api.fail_next(400, code=21211)
    sender(fake_twilio_api).send_sms("+12025550109", "Your code is 876543")
    for secret in ("2025550100", "2025550109", "987654", "876543", fake_twilio_api.auth_token):
        assert secret not in caplog.text


def test_fake_api_serves_a_sent_message_back_to_the_real_client(fake_twilio_api):
    from bot.notify import twilio_client

    client = twilio_client(fake_twilio_api.account_sid, fake_twilio_api.auth_token, api_base=fake_twilio_api.base_url)
    created = client.messages.create(to="+12025550100", from_=FROM, body="ł" * 71)
    fetched = client.messages(created.sid).fetch()
    assert (fetched.sid, fetched.to, fetched.body, fetched.num_segments, fetched.status) == (
        created.sid,
        "+12025550100",
        "ł" * 71,
        "2",
        "queued",
    )
