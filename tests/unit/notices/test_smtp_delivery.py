"""Notices over real SMTP (aiosmtpd on loopback): text + HTML alternatives, 4xx retried with back-off."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy

from bot.notices import NoticeKind, NoticeState
from bot.notify import SmtpEmailSender
from bot.notify.factory import ChannelNotifier, UnconfiguredSmsSender
from tests.integration.notify.test_smtp import Recorder, smtp_server  # noqa: F401 - the fixture
from tests.unit.notices.conftest import CANARY, Desk


def _notifier(controller) -> ChannelNotifier:  # noqa: ANN001
    smtp = SmtpEmailSender(controller.hostname, controller.port, "privacy@example.com", max_attempts=1, timeout=5)
    return ChannelNotifier(UnconfiguredSmsSender(), smtp)


def test_an_email_notice_arrives_as_plain_text_with_an_html_alternative(desk: Desk, smtp_server) -> None:  # noqa: F811
    controller, recorder = smtp_server
    ticket = desk.file()
    desk.notices.queue(ticket.reference, NoticeKind.FILED)
    assert desk.sender(_notifier(controller)).run_once().sent == 1
    [(_, rcpt, content)] = recorder.envelopes
    assert rcpt == [CANARY.email]
    message = email.message_from_bytes(content, policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert ticket.reference in plain and "<p>We received your deletion request" in html
    assert desk.notices.for_ticket(ticket.reference)[0].state is NoticeState.SENT


def test_a_greylisting_smtp_server_gets_the_notice_on_a_later_attempt(desk: Desk, smtp_server) -> None:  # noqa: F811
    controller, recorder = smtp_server
    recorder.replies[CANARY.email] = ["451 4.7.1 Try again later"]
    ticket = desk.file()
    desk.notices.queue(ticket.reference, NoticeKind.FILED)
    sender = desk.sender(_notifier(controller), backoff=timedelta(seconds=60))
    assert sender.run_once().retried == 1
    notice = desk.notices.for_ticket(ticket.reference)[0]
    assert notice.state is NoticeState.QUEUED and notice.error == "smtp_451"
    desk.clock.advance(seconds=61)
    assert sender.run_once().sent == 1 and len(recorder.envelopes) == 1
