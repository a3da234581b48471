"""At-risk reminders to the agents: open tickets due within ``NOTICE_AT_RISK_DAYS`` days.

The reminder goes to the desk's address (``NOTICE_AGENT_EMAIL``, else ``SMTP_SENDER``),
names the reference, the kind, the due date and the console link — nothing about the
requester.  One reminder per ticket and due date: the sweep may run as often as it
likes (the sender runs it every few minutes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Optional

from bot.notices.service import NoticeService
from bot.tickets import TicketService

__all__ = ["ReminderPolicy", "queue_at_risk"]


@dataclass(frozen=True)
class ReminderPolicy:
    #: Remind this many days (or fewer) before a ticket's respond-by date; 0 turns reminders off.
    days_before: int
    desk_email: Optional[str]
    console_base: str

    @classmethod
    def from_settings(cls, settings: Any) -> "ReminderPolicy":
        desk = (settings.notice_agent_email or settings.smtp_sender or "").strip() or None
        base = (settings.public_console_url or f"http://localhost:{settings.web_port}").rstrip("/")
        return cls(settings.notice_at_risk_days, desk, base)


def queue_at_risk(
    notices: NoticeService, tickets: TicketService, policy: ReminderPolicy, today: date, page_size: int = 200
) -> int:
    """Queue a reminder for every open ticket due by ``today + days_before``; returns how many were new."""
    if policy.days_before <= 0 or not policy.desk_email:
        return 0
    queued = 0
    cursor: Optional[str] = None
    before = today + timedelta(days=policy.days_before + 1)
    while True:
        page = tickets.list_queue(overdue_on=before, limit=page_size, after=cursor)
        for ticket in page.items:
            reminder = notices.queue_agent_reminder(
                ticket,
                policy.desk_email,
                days_left=(ticket.respond_by - today).days,
                console_url=f"{policy.console_base}/console/tickets/{ticket.reference}",
            )
            queued += int(reminder.created)
        cursor = page.next_cursor
        if not cursor or not page.items:
            return queued
