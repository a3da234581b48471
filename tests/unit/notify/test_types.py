"""Message validation: E.164 recipients, one-line subjects, size caps; delivery records hold no personal data."""

from __future__ import annotations

import pytest

from bot.notify.types import (
    SMS_BODY_LIMIT,
    Delivery,
    DeliveryStatus,
    InvalidMessage,
    MessageChannel,
    check_email,
    check_sms,
)


@pytest.mark.parametrize("to", ["+12025550100", "+447700900123"])
def test_e164_numbers_are_accepted(to):
    check_sms(to, "hello")


@pytest.mark.parametrize("to", ["2025550100", "+0123456789", "+1 202 555 0100", "", None, "+1" + "2" * 20])
def test_non_e164_numbers_are_refused_without_echoing_them(to):
    with pytest.raises(InvalidMessage) as caught:
        check_sms(to, "hello")
    assert caught.value.field == "to"
    if to:
        assert str(to) not in str(caught.value)


@pytest.mark.parametrize("body", ["", "   ", "x" * (SMS_BODY_LIMIT + 1), "a\x00b", "\ud800"])
def test_empty_oversize_or_broken_sms_bodies_are_refused(body):
    with pytest.raises(InvalidMessage):
        check_sms("+12025550100", body)


@pytest.mark.parametrize(
    "to", ["a@b", "a b@example.com", "a@example.com, b@example.com", "a@example.com\r\nBcc: x@y.z", "<a@example.com>"]
)
def test_malformed_or_multiple_addresses_are_refused(to):
    with pytest.raises(InvalidMessage):
        check_email(to, "Subject", "Body")


def test_a_subject_cannot_inject_headers():
    with pytest.raises(InvalidMessage) as caught:
        check_email("ada.demo@example.com", "Hi\r\nBcc: evil@example.com", "Body")
    assert caught.value.field == "subject"


def test_delivery_record_json_has_no_recipient_or_body():
    delivery = Delivery(MessageChannel.SMS, DeliveryStatus.SENT, message_id="SM1", attempts=2)
    assert delivery.ok
    assert delivery.to_json() == {"channel": "sms", "status": "sent", "message_id": "SM1", "error": None, "attempts": 2}
    assert not Delivery(MessageChannel.SMS, DeliveryStatus.OPTED_OUT).ok
    assert not Delivery(MessageChannel.EMAIL, DeliveryStatus.FAILED).ok
    assert Delivery(MessageChannel.EMAIL, DeliveryStatus.OUTBOX).ok
