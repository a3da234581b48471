"""CCPA 7102 metrics and 7101 records on generated tickets whose answers are known from how they were made.

Tickets are generated from a seeded random plan (kind, day of receipt, outcome,
extension, days to respond), driven through the real service with a moving
clock, plus tickets placed exactly on the period's edges (first and last
second inside, one second outside on each side, in the CCPA time zone).  The
expected table is counted from the plan itself.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Dict, List
from zoneinfo import ZoneInfo

import pytest

from bot.console.metrics import CATEGORIES, CcpaReports
from bot.tickets import Kind, Status
from bot.tickets.service import TicketService

PACIFIC = ZoneInfo("America/Los_Angeles")
START, END = date(2025, 1, 1), date(2025, 12, 31)
OUTCOMES = ("fulfilled", "partially_fulfilled", "no_data_held", "rejected", "withdrawn", "open")
KIND_CATEGORY = {kind.value: name for name, kinds in CATEGORIES.items() for kind in kinds}


@dataclass
class Planned:
    kind: str
    received_at: datetime
    outcome: str
    extended: bool
    days: int
    jurisdiction: str = "US-CA"

    @property
    def in_period(self) -> bool:
        day = self.received_at.astimezone(PACIFIC).date()
        return START <= day <= END and self.jurisdiction == "US-CA" and self.kind in KIND_CATEGORY


def _at(day: date, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=PACIFIC)


def _plan(seed: int) -> List[Planned]:
    rng = random.Random(seed)
    plans = []
    for _ in range(60):
        day = START + timedelta(days=rng.randint(0, (END - START).days))
        plans.append(
            Planned(
                kind=rng.choice([k.value for k in Kind]),
                received_at=_at(day, rng.randint(0, 23), rng.randint(0, 59)),
                outcome=rng.choice(OUTCOMES),
                extended=rng.random() < 0.3,
                days=rng.randint(0, 80),
            )
        )
    # The edges: first and last moment of the period are in; a second outside on either side is not.
    plans += [
        Planned("deletion", _at(START, 0, 0, 0), "fulfilled", False, 3),
        Planned("access", _at(END, 23, 59, 59), "rejected", False, 1),
        Planned("deletion", _at(START, 0, 0, 0) - timedelta(seconds=1), "fulfilled", False, 2),
        Planned("access", _at(END + timedelta(days=1), 0, 0, 0), "fulfilled", False, 2),
        # Another jurisdiction's request in the period is not a CCPA request.
        Planned("access", _at(date(2025, 6, 1)), "fulfilled", False, 5, jurisdiction="EU"),
    ]
    return plans


def _make(service: TicketService, clock, plan: Planned, i: int) -> None:
    clock.now = plan.received_at
    ref = service.create(
        kind=plan.kind,
        channel="web",
        idempotency_key=f"plan-{i}",
        received_at=plan.received_at,
        jurisdiction=plan.jurisdiction,
        status=Status.VERIFIED,
    ).ticket.reference
    if plan.extended:
        clock.advance(days=1)
        service.extend(ref, "complex request", actor="agent:alice")
    if plan.outcome == "open":
        return
    if plan.outcome in ("fulfilled", "partially_fulfilled", "no_data_held"):
        service.transition(ref, Status.IN_PROGRESS, actor="agent:alice")
    clock.now = plan.received_at + timedelta(days=plan.days)
    target = {"rejected": Status.REJECTED, "withdrawn": Status.WITHDRAWN}.get(plan.outcome, Status.COMPLETED)
    code = {"rejected": "identity_not_verified", "withdrawn": "requester_withdrew"}.get(plan.outcome, plan.outcome)
    service.transition(ref, target, actor="agent:alice", reason_code=code)


def _expected(plans: List[Planned]) -> Dict[str, Dict[str, object]]:
    out: Dict[str, Dict[str, object]] = {}
    for name in CATEGORIES:
        mine = [p for p in plans if p.in_period and KIND_CATEGORY[p.kind] == name]
        answered = [p for p in mine if p.outcome not in ("withdrawn", "open")]
        # Days counted between calendar days of receipt and response in the CCPA time zone.
        days = [
            (
                (p.received_at + timedelta(days=p.days)).astimezone(PACIFIC).date()
                - p.received_at.astimezone(PACIFIC).date()
            ).days
            for p in answered
        ]
        out[name] = {
            "received": len(mine),
            "complied_in_whole": sum(p.outcome in ("fulfilled", "no_data_held") for p in mine),
            "complied_in_part": sum(p.outcome == "partially_fulfilled" for p in mine),
            "denied": sum(p.outcome == "rejected" for p in mine),
            "withdrawn": sum(p.outcome == "withdrawn" for p in mine),
            "pending": sum(p.outcome == "open" for p in mine),
            "extended": sum(p.extended for p in mine),
            "median_days": float(statistics.median(days)) if days else None,
            "mean_days": round(statistics.fmean(days), 1) if days else None,
        }
    return out


@pytest.fixture
def planned(ticket_service: TicketService, clock) -> List[Planned]:
    plans = _plan(seed=7102)
    for i, plan in enumerate(plans):
        _make(ticket_service, clock, plan, i)
    clock.now = datetime(2026, 2, 1, 12, tzinfo=PACIFIC)
    return plans


def test_7102_table_matches_the_generated_tickets_including_edges_extensions_and_partial_fulfilment(
    ticket_service: TicketService, planned: List[Planned]
) -> None:
    report = CcpaReports.for_tickets(ticket_service).metrics(START, END)
    expected = _expected(planned)
    assert [row.category for row in report.rows] == list(CATEGORIES)
    for row in report.rows:
        got = {key: row.to_json()[key] for key in expected[row.category]}
        assert got == expected[row.category], row.category
    # Every received request is accounted for exactly once.
    for row in report.rows:
        assert row.complied + row.denied + row.withdrawn + row.pending == row.received
    assert next(r for r in report.rows if r.category == "limit").received == 0


def test_7102_counts_edge_tickets_inside_the_period_and_leaves_out_the_ones_a_second_outside(
    ticket_service: TicketService, planned: List[Planned]
) -> None:
    reports = CcpaReports.for_tickets(ticket_service)
    first_day = reports.metrics(START, START)
    last_day = reports.metrics(END, END)
    on_first = [p for p in planned if p.in_period and p.received_at.astimezone(PACIFIC).date() == START]
    on_last = [p for p in planned if p.in_period and p.received_at.astimezone(PACIFIC).date() == END]
    assert sum(r.received for r in first_day.rows) == len(on_first) >= 1
    assert sum(r.received for r in last_day.rows) == len(on_last) >= 1
    day_before = reports.metrics(START - timedelta(days=1), START - timedelta(days=1))
    assert sum(r.received for r in day_before.rows) == 1  # the ticket one second before the period


def test_7101_records_list_each_request_once_with_its_response_and_no_personal_data(
    ticket_service: TicketService, planned: List[Planned]
) -> None:
    reports = CcpaReports.for_tickets(ticket_service)
    records = list(reports.records(START, END))
    assert len(records) == sum(p.in_period for p in planned)
    assert len({r.reference for r in records}) == len(records)
    by_response: Dict[str, int] = {}
    for record in records:
        by_response[record.response] = by_response.get(record.response, 0) + 1
        if record.response == "denied":
            assert record.denial_basis == "identity_not_verified"
        else:
            assert record.denial_basis is None
        assert (record.responded_on is None) == (record.response == "pending")
    expected = _expected(planned)
    for response in ("denied", "withdrawn", "pending", "complied_in_part", "complied_in_whole"):
        assert by_response.get(response, 0) == sum(int(e[response]) for e in expected.values())  # type: ignore[arg-type]
    csv_text = "".join(reports.records_csv(START, END))
    header, *lines = csv_text.strip().split("\r\n")
    assert (
        header
        == "reference,request_type,ticket_kind,received_on,manner,responded_on,response,denial_basis,extended,respond_by"
    )
    assert len(lines) == len(records)


def test_7102_publishable_text_states_each_category_and_the_period(
    ticket_service: TicketService, planned: List[Planned]
) -> None:
    report = CcpaReports.for_tickets(ticket_service).metrics(START, END)
    text = report.publishable_text()
    assert "January 1, 2025 to December 31, 2025" in text
    for row in report.rows:
        assert row.label in text
        if row.received:
            assert f"we received {row.received}, complied with {row.complied}" in text


def test_periods_that_are_reversed_or_too_long_are_refused(ticket_service: TicketService) -> None:
    from bot.tickets import InvalidField

    reports = CcpaReports.for_tickets(ticket_service)
    with pytest.raises(InvalidField):
        reports.metrics(END, START)
    with pytest.raises(InvalidField):
        reports.metrics(date(2020, 1, 1), END)
