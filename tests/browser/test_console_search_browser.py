"""Search and dashboard in Debian's headless Chromium (Playwright): find a ticket, see what is at risk.

Uses the console server and browser of ``test_console_browser`` (same launch:
``executable_path=/usr/bin/chromium``).  Screenshots go to ``test-results/console/``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Dict, List

import pytest

from bot.tickets import Kind, PersonalData, Status, TicketView
from tests.browser.test_console_browser import _log_in, _shot, browser, served  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

# Days before "today" a ticket was received, and whether it is closed: respond-by = receipt + 45 days (CCPA).
PLAN = {"overdue": (50, 60, 47), "soon": (44, 42), "later": (10, 20), "closed_overdue": (55,)}


@pytest.fixture(scope="module")
def seeded(served) -> Dict[str, List[TicketView]]:  # noqa: F811 - the imported fixture
    console, _ = served
    today = console.clock().date()
    made: Dict[str, List[TicketView]] = {}
    for group, ages in PLAN.items():
        for i, age in enumerate(ages):
            received = datetime.combine(today - timedelta(days=age), time(18), tzinfo=timezone.utc)
            ticket = console.ticket(
                kind=Kind.DELETION if i % 2 else Kind.ACCESS,
                received_at=received,
                personal=PersonalData(email=f"{group}{i}@example.com", phone=f"+1202555{age:04d}"),
            )
            if group == "closed_overdue":
                ticket = console.services.tickets.transition(ticket.reference, Status.REJECTED, actor="agent:bob")
            made.setdefault(group, []).append(ticket)
    return made


def _due(tickets: List[TicketView], today) -> Dict[str, int]:
    """The queue's rule, counted from the seeded tickets themselves."""
    open_ = [t for t in tickets if t.is_open]
    return {
        "overdue": sum(t.respond_by < today for t in open_),
        "soon": sum(today <= t.respond_by <= today + timedelta(days=3) for t in open_),
    }


def test_search_finds_a_ticket_by_reference_and_by_email(served, browser, seeded) -> None:  # noqa: F811
    console, base_url = served
    target = seeded["later"][1]
    context, page = _log_in(browser, base_url, "alice")
    try:
        page.click("nav >> text=Search")
        page.fill("#search-q", target.reference.lower().replace("-", " "))
        page.keyboard.press("Enter")
        page.wait_for_selector("#search-total")
        rows = page.locator("#search-results tbody tr")
        assert rows.count() == 1
        assert page.locator(f"#search-results a[href='/console/tickets/{target.reference}']").is_visible()
        _shot(page, "10-search-by-reference")

        page.fill("#search-q", "LATER1@example.com")
        page.click("#search-submit")
        page.wait_for_selector("#search-total")
        assert [r.strip() for r in page.locator("#search-results tbody tr td:first-child a").all_inner_texts()] == [
            target.reference
        ]
        assert "later1@example.com" not in page.content().lower().replace('value="later1@example.com"', "")
        _shot(page, "11-search-by-email")

        page.click(f"#search-results a[href='/console/tickets/{target.reference}']")
        page.wait_for_url(f"{base_url}/console/tickets/{target.reference}")
    finally:
        context.close()


def test_dashboard_shows_overdue_and_at_risk_counts_that_match_the_seeded_tickets(served, browser, seeded) -> None:  # noqa: F811
    console, base_url = served
    today = console.clock().date()
    every = [t for group in seeded.values() for t in group]
    expected = _due(every, today)
    assert expected["overdue"] == len(PLAN["overdue"]) and expected["soon"] == len(
        PLAN["soon"]
    )  # the plan does what it says
    context, page = _log_in(browser, base_url, "alice")
    try:
        page.click("nav >> text=Dashboard")
        page.wait_for_selector("#stat-overdue")
        assert int(page.locator("#stat-overdue").inner_text()) == expected["overdue"]
        assert int(page.locator("#stat-soon").inner_text()) == expected["soon"]
        # The charts are pictures with text alternatives, and their numbers are in tables beside them.
        assert page.locator("svg#chart-status[role=img] title").count() == 1
        assert page.locator("#table-kind tbody tr").count() >= 2
        _shot(page, "12-dashboard")

        page.click("#stat-overdue")
        page.wait_for_selector("#search-total")
        listed = sorted(a.strip() for a in page.locator("#search-results tbody tr td:first-child a").all_inner_texts())
        assert listed == sorted(t.reference for t in seeded["overdue"])
        _shot(page, "13-overdue-list")
    finally:
        context.close()


def test_complete_and_reject_choices_stay_inside_their_column_on_a_narrow_screen(served, browser, seeded) -> None:  # noqa: F811
    console, base_url = served
    ticket = seeded["later"][0]
    tickets = console.services.tickets
    tickets.claim(ticket.reference, agent="agent:alice")
    tickets.transition(ticket.reference, Status.IN_PROGRESS, actor="agent:alice")
    context, page = _log_in(browser, base_url, "alice")
    try:
        page.set_viewport_size({"width": 760, "height": 1000})
        page.goto(f"{base_url}/console/tickets/{ticket.reference}")
        for select in ("#outcome", "#reject-reason"):
            box = page.locator(select).bounding_box()
            form = page.locator(select).locator("xpath=ancestor::form[1]").bounding_box()
            assert box and form and box["x"] + box["width"] <= form["x"] + form["width"] + 0.5, select
        _shot(page, "14-ticket-actions-narrow")
    finally:
        context.close()
