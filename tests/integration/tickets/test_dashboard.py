"""Dashboard figures on both databases, against tickets whose due dates, weeks and closing times are known."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta, timezone

from bot.console.dashboard import DashboardService, due_state
from bot.tickets import Kind, Status
from bot.tickets.service import TicketService

NOW = datetime(2026, 6, 17, 15, 0, tzinfo=timezone.utc)  # a Wednesday


def test_dashboard_counts_match_the_tickets_made(ticket_service: TicketService, clock) -> None:
    made = []
    # Received n days ago (respond-by = receipt + 45 days), some closed after a known number of days.
    plan = [
        (50, None),
        (47, None),
        (44, None),
        (43, None),
        (20, None),
        (3, None),
        (60, 12),
        (30, 5),
        (10, 2),
        (200, 100),
    ]
    for i, (age, closed_after) in enumerate(plan):
        received = NOW - timedelta(days=age)
        clock.now = received
        ref = ticket_service.create(
            kind=[Kind.ACCESS, Kind.DELETION][i % 2],
            channel="web",
            idempotency_key=f"d{i}",
            received_at=received,
            status=Status.VERIFIED,
        ).ticket.reference
        if closed_after is not None:
            clock.now = received + timedelta(days=closed_after, hours=3)
            ticket_service.transition(ref, Status.REJECTED, actor="agent:alice", reason_code="duplicate_request")
        made.append(ticket_service.get_by_reference(ref))
    clock.now = NOW
    board = DashboardService(ticket_service.database, clock).build()

    today = NOW.date()
    open_ = [t for t in made if t.is_open]
    assert board.open_total == len(open_)
    assert board.open_by_kind()["access"] == sum(t.kind is Kind.ACCESS for t in open_)
    assert board.overdue == sum(due_state(t.respond_by, today) == "overdue" for t in open_) == 2
    assert board.due_soon == sum(due_state(t.respond_by, today) == "soon" for t in open_) == 2
    # Weeks start on Monday; only receipts in the last 12 weeks count.
    monday = today - timedelta(days=today.weekday())
    for week, n in board.received_per_week:
        expected = sum(week <= t.received_at.date() < week + timedelta(days=7) for t in made)
        assert n == expected, week
    assert board.received_per_week[-1][0] == monday
    # Median whole days from receipt to closing, over tickets closed in the last 90 days (the 200-day-old one closed 100 days ago).
    recent = [closed for age, closed in plan if closed is not None and age - closed <= 90]
    assert board.closed_in_window == len(recent)
    assert board.median_days_to_close == float(statistics.median(recent))
