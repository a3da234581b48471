"""VerificationService: sending codes through the notifier, checking them, and no enumeration."""

from __future__ import annotations

import pytest

from bot.notify.types import DeliveryStatus, MessageChannel
from bot.verification.codes import CheckResult, CodeStore
from bot.verification.directory import SqlCustomerDirectory
from bot.verification.service import StartStatus, VerificationService
from tests.fakes.recording import RecordingNotifier


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def service(database, indexer, cipher, clock, notifier) -> VerificationService:
    directory = SqlCustomerDirectory(database, cipher, indexer, clock=clock)
    directory.seed()
    return VerificationService(CodeStore(database, indexer, cipher, clock=clock), notifier, directory)


def test_email_code_is_sent_and_passes(service, notifier):
    started = service.start_contact_check("email", "ada.demo@example.com")
    assert started.status is StartStatus.SENT and started.sent
    sent = notifier.last
    assert (sent.channel, sent.to) == (MessageChannel.EMAIL, "ada.demo@example.com")
    assert "verification code" in sent.subject.lower() and "10 minutes" in sent.body
    assert service.check_code(started.challenge_id, sent.code) is CheckResult.OK
    assert service.is_confirmed(started.challenge_id, "email", "ada.demo@example.com")


def test_sms_code_goes_to_the_e164_form_of_the_number(service, notifier):
    started = service.start_contact_check("sms", "(202) 555-0100")
    assert started.sent
    assert notifier.last.to == "+12025550100"
    assert "cancel" not in notifier.last.body.lower()  # Twilio treats CANCEL as STOP
    assert len(notifier.last.body) <= 160
    assert (
        service.check_code(started.challenge_id, f"{notifier.last.code[:3]} {notifier.last.code[3:]}") is CheckResult.OK
    )
    assert service.is_confirmed(started.challenge_id, "sms", "+1 202 555 0100")


@pytest.mark.parametrize(
    "channel, contact",
    [
        ("sms", "not a number"),
        ("email", "ada at example"),
        ("email", ""),
        ("pigeon", "ada.demo@example.com"),
        ("email", "a@b.com\r\nBcc: x@y.com"),
    ],
)
def test_invalid_contact_sends_nothing(service, notifier, channel, contact):
    assert service.start_contact_check(channel, contact).status is StartStatus.INVALID_CONTACT
    assert notifier.sent == []


def test_fourth_send_in_an_hour_is_rate_limited(service, notifier):
    for _ in range(3):
        assert service.start_contact_check("email", "ada.demo@example.com").sent
    limited = service.start_contact_check("email", "ada.demo@example.com")
    assert limited.status is StartStatus.RATE_LIMITED and limited.challenge_id is None
    assert limited.retry_after is not None and limited.retry_after.total_seconds() > 0
    assert len(notifier.sent) == 3


def test_undelivered_code_gives_no_usable_challenge(database, indexer, cipher, clock):
    service = VerificationService(
        CodeStore(database, indexer, cipher, clock=clock), RecordingNotifier(DeliveryStatus.FAILED)
    )
    started = service.start_contact_check("sms", "+12025550100")
    assert started.status is StartStatus.DELIVERY_FAILED and started.challenge_id is None
    assert started.delivery is not None and not started.delivery.ok


def test_unknown_reference_and_wrong_code_get_the_same_answers(service, notifier):
    real = service.start_contact_check("email", "ada.demo@example.com")
    decoy = service.start_decoy_check()
    assert decoy.status is real.status is StartStatus.SENT
    assert type(decoy.challenge_id) is type(real.challenge_id) and len(decoy.challenge_id) == len(real.challenge_id)
    assert len(notifier.sent) == 1  # the decoy sent nothing
    code = notifier.last.code
    guesses = [g for g in ("000000", "111111", "222222", "333333", "444444", "555555") if g != code][:5]
    assert [service.check_code(decoy.challenge_id, g) for g in guesses] == [
        service.check_code(real.challenge_id, g) for g in guesses
    ]


def test_expired_code_then_a_new_one_works(service, notifier, clock):
    first = service.start_contact_check("email", "ada.demo@example.com")
    old_code = notifier.last.code
    clock.advance(minutes=11)
    assert service.check_code(first.challenge_id, old_code) is CheckResult.EXPIRED
    second = service.start_contact_check("email", "ada.demo@example.com")
    assert service.check_code(second.challenge_id, notifier.last.code) is CheckResult.OK


def test_whole_deletion_verification(service, notifier):
    started = service.start_contact_check("email", "ada.demo@example.com")
    confirmed = service.check_code(started.challenge_id, notifier.last.code) is CheckResult.OK
    match = service.match(email="ada.demo@example.com", full_name="ADA DEMO", postal_code="10022")
    verdict = service.assess("deletion", match, contact_confirmed=confirmed, confirmed_via="email")
    assert verdict.allowed and verdict.customer_id == "demo-ada" and verdict.ticket_level == "reasonable"
    assert verdict.matched_points == ("email", "full_name", "postal_code")


def test_from_settings_uses_the_outbox_in_the_local_profile(settings, migrated_db_url):
    import dataclasses

    from tests.fakes.databases import open_db

    settings = dataclasses.replace(settings, database_url=migrated_db_url)
    db = open_db(migrated_db_url)
    try:
        service = VerificationService.from_settings(settings, database=db)
        started = service.start_contact_check("sms", "+12025550100")
        assert started.delivery.status is DeliveryStatus.OUTBOX
        message = service.notifier.outbox.latest(to="+12025550100")
        code = next(word for word in message.body.replace(".", " ").split() if word.isdigit() and len(word) == 6)
        assert service.check_code(started.challenge_id, code) is CheckResult.OK
    finally:
        db.dispose()


def test_the_per_destination_code_limits_come_from_the_settings(settings, migrated_db_url):
    """An operator sets how many codes one e-mail or number may get an hour and a day."""
    import dataclasses
    from datetime import timedelta

    from tests.fakes.databases import open_db

    settings = dataclasses.replace(
        settings,
        database_url=migrated_db_url,
        code_send_limit_destination=(2, 600),
        code_send_limit_destination_daily=(7, 43200),
    )
    db = open_db(migrated_db_url)
    try:
        codes = VerificationService.from_settings(settings, database=db).codes
        assert (codes.max_sends, codes.send_window) == (2, timedelta(seconds=600))
        assert (codes.max_daily_sends, codes.daily_window) == (7, timedelta(seconds=43200))
    finally:
        db.dispose()
