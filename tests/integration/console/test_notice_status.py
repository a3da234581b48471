"""Twilio's delivery reports reach the notice they are about only when signed; the ticket page shows the outcome."""

from __future__ import annotations

from typing import List

from twilio.request_validator import RequestValidator

from bot.notices import NoticeKind, NoticeSender, NoticeState
from bot.notify.twilio_sms import STATUS_CALLBACK_PATH
from bot.notify.types import Delivery, DeliveryStatus, MessageChannel
from bot.services import Services
from bot.tickets import Channel, Kind, Status
from tests.integration.console.conftest import Console


class FakeTwilio:
    def __init__(self) -> None:
        self.sids: List[str] = []

    def send_sms(self, to: str, body: str) -> Delivery:
        self.sids.append(f"SM{len(self.sids) + 1:032x}")
        return Delivery(MessageChannel.SMS, DeliveryStatus.SENT, message_id=self.sids[-1])

    def send_email(self, to: str, subject: str, body: str) -> Delivery:  # pragma: no cover - SMS only here
        raise AssertionError("no e-mail expected")


def _sent_sms_notice(console: Console) -> tuple:
    ticket = console.ticket(kind=Kind.DELETION, status=Status.VERIFIED, channel=Channel.SMS)
    console.services.notices.queue(ticket.reference, NoticeKind.FILED)
    core = Services.from_settings(console.settings)
    twilio = FakeTwilio()
    try:
        NoticeSender(core.database, core.cipher, twilio).run_once()
    finally:
        core.close()
    return ticket.reference, twilio.sids[0]


def _report(console: Console, client, params: dict, signature: str = ""):  # noqa: ANN001
    base = console.settings.public_console_url or f"http://localhost:{console.settings.web_port}"
    validator = RequestValidator(console.settings.twilio_auth_token)
    signature = signature or validator.compute_signature(base + STATUS_CALLBACK_PATH, params)
    return client.post(STATUS_CALLBACK_PATH, data=params, headers={"X-Twilio-Signature": signature})


def test_a_signed_undelivered_report_marks_the_notice_failed_on_the_ticket_page(console: Console) -> None:
    reference, sid = _sent_sms_notice(console)
    client = console.login("alice")
    reply = _report(console, client, {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"})
    assert reply.status_code == 204
    [notice] = console.services.notices.for_ticket(reference)
    assert notice.state is NoticeState.FAILED and notice.error == "twilio_30003"
    page = client.get(f"/console/tickets/{reference}").text
    assert "twilio_30003" in page and "failed" in page
    queue = client.get("/console/queue").text
    assert 'id="failed-notices"' in queue and reference in queue


def test_a_signed_delivered_report_marks_the_notice_delivered(console: Console) -> None:
    reference, sid = _sent_sms_notice(console)
    client = console.login("alice")
    assert _report(console, client, {"MessageSid": sid, "MessageStatus": "delivered"}).status_code == 204
    assert console.services.notices.for_ticket(reference)[0].state is NoticeState.DELIVERED


def test_a_forged_report_is_refused_and_changes_nothing(console: Console) -> None:
    reference, sid = _sent_sms_notice(console)
    client = console.login("alice")
    forged = _report(console, client, {"MessageSid": sid, "MessageStatus": "failed"}, signature="bm90LWEtc2lnbmF0dXJl")
    assert forged.status_code == 403
    assert console.services.notices.for_ticket(reference)[0].state is NoticeState.SENT
