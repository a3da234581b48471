"""The bot promises a confirmation only when a notice was queued, and says where it went (masked)."""

from __future__ import annotations

from datetime import date

from actions.privacy_requests.notices import notice_line
from actions.privacy_requests.submit import confirmation
from bot.notices import QueuedNotice
from bot.requests.filing import SubmitOutcome

OUTCOME = SubmitOutcome(
    ok=True,
    kind="deletion",
    reference="PD-7KQM-4XRT",
    status="verified",
    due_date=date(2027, 1, 19),
    confirmed_via="email",
)


def test_a_queued_email_notice_is_announced_with_the_masked_address() -> None:
    text = confirmation(OUTCOME, QueuedNotice("nt_1", "email", "z***@example.org"))
    assert "I've e-mailed a confirmation with your reference to z***@example.org" in text


def test_a_queued_sms_notice_is_announced_with_the_last_digits() -> None:
    text = confirmation(OUTCOME, QueuedNotice("nt_1", "sms", "the number ending 0123"))
    assert "I've texted a confirmation with your reference to the number ending 0123" in text


def test_without_a_queued_notice_no_confirmation_is_promised() -> None:
    text = confirmation(OUTCOME, None).lower()
    assert "confirm" not in text and "e-mailed" not in text and "texted" not in text
    assert notice_line(None) == ""
