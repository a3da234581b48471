"""The queue's per-status counts (``ticket_counts``, kept by triggers) stay exact.

Every test compares ``list_queue`` counts with a ``GROUP BY`` over the tickets
themselves, under the console's filters, after the operations that change a
counted column: create, claim, release, reassign, transition, delete, truncate
— sequentially on both backends and concurrently on PostgreSQL.
"""

from __future__ import annotations

import random
import threading
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import pytest
from sqlalchemy import func, select, text, update

from bot.storage.migrate import upgrade
from bot.tickets import (
    AlreadyClaimed,
    Channel,
    InvalidField,
    InvalidTransition,
    Kind,
    NotClaimed,
    Status,
    TicketError,
    TicketService,
)
from bot.tickets.deadlines import CCPA, compute_deadlines
from bot.tickets.models import Ticket, TicketCount
from bot.tickets.references import new_reference

from .conftest import open_db

AGENTS = ["agent:alice", "agent:bob", "agent:carol"]

FILTERS: List[Dict[str, Any]] = [
    {},
    {"channels": ["sms"]},
    {"kinds": ["deletion", "access"]},
    {"unassigned": True},
    {"assignee": "agent:alice"},
    {"jurisdictions": ["EU"]},
    {"kinds": ["access"], "channels": ["web"], "unassigned": True},
]


def scanned(service: TicketService, **filters: Any) -> Dict[str, int]:
    """Tickets per status, counted from the tickets (what the counts must equal)."""
    query = select(Ticket.status, func.count()).group_by(Ticket.status)
    if "kinds" in filters:
        query = query.where(Ticket.kind.in_(filters["kinds"]))
    if "channels" in filters:
        query = query.where(Ticket.channel.in_(filters["channels"]))
    if "jurisdictions" in filters:
        query = query.where(Ticket.jurisdiction.in_(filters["jurisdictions"]))
    if filters.get("unassigned"):
        query = query.where(Ticket.assignee.is_(None))
    if "assignee" in filters:
        query = query.where(Ticket.assignee == filters["assignee"])
    with service.database.read() as session:
        found = dict(session.execute(query).all())
    return {s.value: int(found.get(s.value, 0)) for s in Status}


def assert_counts_exact(service: TicketService) -> None:
    for filters in FILTERS:
        page = service.list_queue(**filters)
        expected = scanned(service, **filters)
        assert dict(page.counts_by_status) == expected, filters
        open_total = sum(
            n
            for status, n in expected.items()
            if Status(status) not in (Status.COMPLETED, Status.REJECTED, Status.WITHDRAWN)
        )
        assert page.total == open_total, filters


def make_mixed_tickets(service: TicketService, count: int, seed: int = 7) -> List[str]:
    rng = random.Random(seed)
    refs = []
    for i in range(count):
        refs.append(
            service.create(
                kind=rng.choice(list(Kind)),
                channel=rng.choice(list(Channel)),
                idempotency_key=f"mix-{seed}-{i}",
                jurisdiction=rng.choice(["US-CA", "EU"]),
            ).ticket.reference
        )
    return refs


def random_operation(service: TicketService, rng: random.Random, refs: List[str], agent: str) -> None:
    """One console-like change to a random ticket; refusals (already claimed, closed …) are fine."""
    ref = rng.choice(refs)
    op = rng.random()
    try:
        if op < 0.35:
            service.claim(ref, agent=agent)
        elif op < 0.5:
            service.release(ref, agent=agent)
        elif op < 0.6:
            service.reassign(ref, to_agent=rng.choice([None, *AGENTS]), actor="agent:admin")
        else:
            ticket = service.get_by_reference(ref)
            if ticket.allowed_transitions:
                service.transition(
                    ref, rng.choice(sorted(ticket.allowed_transitions, key=lambda s: s.value)), actor=agent
                )
    except (AlreadyClaimed, NotClaimed, InvalidTransition):
        pass


# ------------------------------------------------------------------ both backends


def test_counts_equal_a_scan_after_every_kind_of_change(ticket_service):
    refs = make_mixed_tickets(ticket_service, 40)
    assert_counts_exact(ticket_service)
    rng = random.Random(3)
    for step in range(120):
        random_operation(ticket_service, rng, refs, AGENTS[step % len(AGENTS)])
        if step % 30 == 29:
            assert_counts_exact(ticket_service)
    assert_counts_exact(ticket_service)


def test_a_rolled_back_change_leaves_the_counts_as_they_were(ticket_service):
    ref = make_mixed_tickets(ticket_service, 1)[0]
    before = ticket_service.list_queue().counts_by_status
    with pytest.raises(RuntimeError), ticket_service.database.write.begin() as session:
        session.execute(update(Ticket).where(Ticket.reference == ref).values(status="in_progress", assignee="agent:x"))
        raise RuntimeError("abort the unit of work")
    assert ticket_service.list_queue().counts_by_status == before
    assert_counts_exact(ticket_service)


def test_rows_written_without_the_service_are_counted_too(ticket_service):
    """Bulk loads and hand-written fixes go through the triggers as well."""
    make_mixed_tickets(ticket_service, 10)
    insert_raw_tickets(ticket_service.database)
    with ticket_service.database.write.begin() as session:
        session.execute(update(Ticket).where(Ticket.status != "completed").values(assignee="agent:bulk"))
    assert_counts_exact(ticket_service)
    assert ticket_service.list_queue(assignee="agent:bulk").total == 14


def test_updates_of_uncounted_columns_do_not_touch_the_counts(ticket_service):
    refs = make_mixed_tickets(ticket_service, 3)
    with ticket_service.database.read() as session:
        rows_before = (
            session.execute(select(TicketCount).order_by(*TicketCount.__table__.primary_key.columns)).scalars().all()
        )
        before = [(r.status, r.kind, r.channel, r.jurisdiction, r.assignee, r.n) for r in rows_before]
    ticket_service.add_note(refs[0], "called the requester", author="agent:alice")
    ticket_service.extend(refs[1], "complex request", actor="agent:alice")
    ticket_service.acknowledge(refs[2], actor="bot")
    with ticket_service.database.read() as session:
        rows_after = (
            session.execute(select(TicketCount).order_by(*TicketCount.__table__.primary_key.columns)).scalars().all()
        )
        assert [(r.status, r.kind, r.channel, r.jurisdiction, r.assignee, r.n) for r in rows_after] == before


def test_rebuild_recounts_after_counts_were_damaged(ticket_service):
    make_mixed_tickets(ticket_service, 12)
    with ticket_service.database.write.begin() as session:
        session.execute(update(TicketCount).values(n=999))
    assert ticket_service.rebuild_queue_counts() == 12
    assert_counts_exact(ticket_service)


def test_due_date_filter_counts_the_tickets_themselves(ticket_service):
    make_mixed_tickets(ticket_service, 6)
    far = ticket_service.list_queue(overdue_on=date.today() + timedelta(days=400))
    assert dict(far.counts_by_status) == scanned(ticket_service)
    none_yet = ticket_service.list_queue(overdue_on=date.today() - timedelta(days=1))
    assert none_yet.total == 0 and sum(none_yet.counts_by_status.values()) == 0


def test_deep_pages_walk_the_queue_in_order_without_gaps(ticket_service):
    make_mixed_tickets(ticket_service, 23)
    whole = [t.reference for t in ticket_service.list_queue(limit=200).items]
    paged: List[str] = []
    offset: Optional[int] = 0
    while offset is not None:
        page = ticket_service.list_queue(limit=5, offset=offset)
        paged += [t.reference for t in page.items]
        offset = page.next_offset
    assert paged == whole and len(whole) == ticket_service.list_queue().total


def walk_by_cursor(service: TicketService, limit: int, start: Optional[str] = None, **filters: Any) -> List[str]:
    refs: List[str] = []
    page = service.list_queue(limit=limit, after=start, **filters)
    while True:
        refs += [t.reference for t in page.items]
        assert page.next_offset is None or not page.by_cursor
        if page.next_cursor is None:
            return refs
        page = service.list_queue(limit=limit, after=page.next_cursor, **filters)


def test_cursor_pages_walk_the_queue_in_order_across_priorities_and_ties(ticket_service, clock):
    make_mixed_tickets(ticket_service, 30)  # parental deletions are high priority; many share a due date
    clock.advance(days=2)
    make_mixed_tickets(ticket_service, 9, seed=8)
    whole = [t.reference for t in ticket_service.list_queue(limit=200).items]
    assert len(whole) == 39 and {t.priority.value for t in ticket_service.list_queue(limit=200).items} == {
        "high",
        "normal",
    }
    for limit in (1, 4, 7, 39, 50):
        assert walk_by_cursor(ticket_service, limit) == whole, limit
    sms_only = [t.reference for t in ticket_service.list_queue(limit=200, channels=["sms"]).items]
    assert walk_by_cursor(ticket_service, 3, channels=["sms"]) == sms_only


def test_a_cursor_neither_skips_nor_repeats_when_tickets_arrive_between_pages(ticket_service, clock):
    make_mixed_tickets(ticket_service, 12)
    first = ticket_service.list_queue(limit=5)
    clock.advance(days=30)  # due later than everything seen so far: belongs after the cursor
    late = ticket_service.create(kind="access", channel="web", idempotency_key="late").ticket.reference
    rest = walk_by_cursor(ticket_service, 5, start=first.next_cursor)
    seen = [t.reference for t in first.items] + rest
    assert len(seen) == len(set(seen)) == 13 and seen[-1] == late


@pytest.mark.parametrize("cursor", ["", "nonsense", "cTEuMC4yMDI2LTAxLTAxLnh4", "x" * 101])
def test_a_malformed_cursor_is_refused(ticket_service, cursor):
    with pytest.raises(InvalidField, match="cursor"):
        ticket_service.list_queue(after=cursor)


def test_a_cursor_and_an_offset_together_are_refused(ticket_service):
    make_mixed_tickets(ticket_service, 3)
    cursor = ticket_service.list_queue(limit=1).next_cursor
    with pytest.raises(InvalidField, match="cursor"):
        ticket_service.list_queue(after=cursor, offset=1)


# ------------------------------------------------------------------ PostgreSQL: concurrency, TRUNCATE, migration


def _postgres(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL behaviour")


def test_counts_stay_exact_under_concurrent_claims_creates_and_moves(ticket_service, keys, db_url):
    _postgres(db_url)
    refs = make_mixed_tickets(ticket_service, 60)
    errors: List[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker(i: int) -> None:
        service = TicketService(open_db(db_url), keys.cipher(), keys.indexer())
        rng = random.Random(100 + i)
        try:
            barrier.wait(timeout=60)
            for step in range(60):
                if i < 2:  # creators, into the same hot counter row as each other
                    service.create(kind="access", channel="web", idempotency_key=f"c-{i}-{step}")
                else:
                    random_operation(service, rng, refs, AGENTS[i % len(AGENTS)])
        except TicketError as exc:  # pragma: no cover - reported below
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # noqa: BLE001 - e.g. a deadlock: reported below
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            service.database.dispose()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    assert_counts_exact(ticket_service)
    assert ticket_service.list_queue(kinds=["access"], channels=["web"]).counts_by_status != {}


def test_opposite_moves_between_two_counter_rows_never_deadlock(ticket_service, keys, db_url):
    """Two agents hand tickets across the same pair of counter rows in opposite directions at once."""
    _postgres(db_url)
    give = [
        ticket_service.create(kind="access", channel="web", idempotency_key=f"g{i}").ticket.reference for i in range(80)
    ]
    take = [
        ticket_service.create(kind="access", channel="web", idempotency_key=f"t{i}").ticket.reference for i in range(80)
    ]
    for ref in take:
        ticket_service.claim(ref, agent="agent:alice")
    errors: List[str] = []
    barrier = threading.Barrier(2)

    def move(refs: List[str], to: Optional[str]) -> None:
        service = TicketService(open_db(db_url), keys.cipher(), keys.indexer())
        try:
            barrier.wait(timeout=60)
            for ref in refs:
                service.reassign(ref, to_agent=to, actor="agent:admin")
        except Exception as exc:  # noqa: BLE001 - a deadlock would land here
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            service.database.dispose()

    threads = [
        threading.Thread(target=move, args=(give, "agent:alice")),
        threading.Thread(target=move, args=(take, None)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    assert ticket_service.list_queue(assignee="agent:alice").total == 80
    assert ticket_service.list_queue(unassigned=True).total == 80
    assert_counts_exact(ticket_service)


def test_truncate_empties_the_counts(ticket_service, db_url):
    _postgres(db_url)
    make_mixed_tickets(ticket_service, 5)
    with ticket_service.database.engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_events, ticket_notes, tickets RESTART IDENTITY CASCADE"))
    assert sum(ticket_service.list_queue().counts_by_status.values()) == 0
    assert_counts_exact(ticket_service)


def test_migration_counts_the_tickets_that_already_exist(tmp_path, keys):
    """Upgrading a store that has tickets (0004 → 0005) backfills their counts."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0004_verification_notify")
    database = open_db(url)
    try:
        insert_raw_tickets(database)
    finally:
        database.dispose()
    upgrade(url)
    service = TicketService(open_db(url), keys.cipher(), keys.indexer())
    try:
        assert service.list_queue().total == 4
        assert_counts_exact(service)
    finally:
        service.database.dispose()


def insert_raw_tickets(database: Any) -> None:
    """Five tickets written with plain SQL (four open), as a bulk load or the 0004 code would."""
    now = datetime.now(timezone.utc)
    d = compute_deadlines(now, CCPA)
    with database.write.begin() as session:
        for kind, status, assignee in [
            ("access", "awaiting_verification", None),
            ("deletion", "verified", "agent:bob"),
            ("access", "in_progress", "agent:bob"),
            ("escalation", "awaiting_verification", None),
            ("access", "completed", "agent:bob"),
        ]:
            session.execute(
                Ticket.__table__.insert().values(
                    reference=new_reference(),
                    idempotency_digest=new_reference(),
                    kind=kind,
                    status=status,
                    channel="web",
                    priority=0,
                    jurisdiction="US-CA",
                    received_at=now,
                    acknowledge_by=d.acknowledge_by,
                    due_date=d.due,
                    respond_by=d.due,
                    extension_count=0,
                    verification_method="none",
                    verification_level="none",
                    verification_data_points="",
                    assignee=assignee,
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
            )
