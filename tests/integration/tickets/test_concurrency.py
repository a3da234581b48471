"""Races between processes: claims are exclusive, idempotent creates make one ticket.

SQLite runs as a WAL file database with a busy timeout (what the embedded
default uses); PostgreSQL as in production.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections import Counter
from typing import Any, List

from sqlalchemy import func, select

from bot.tickets.models import AuditEvent, Ticket

from . import workers

PROCESSES = 8
TICKETS = 500


def run_processes(target: Any, args_for: Any) -> List[Any]:
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args_for(i), barrier, results)) for i in range(PROCESSES)]
    for proc in procs:
        proc.start()
    collected = []
    try:
        for _ in procs:
            collected.append(results.get(timeout=120))
    except queue.Empty:  # pragma: no cover - a hung worker fails the test
        raise AssertionError(f"only {len(collected)} of {PROCESSES} workers reported") from None
    finally:
        for proc in procs:
            proc.join(timeout=30)
    return collected


def test_eight_processes_racing_claim_each_ticket_exactly_once(ticket_service, keys, db_url):
    references = [
        ticket_service.create(kind="access", channel="web", idempotency_key=f"race-{i}").ticket.reference
        for i in range(TICKETS)
    ]
    ticket_service.database.dispose()  # nothing shared across fork

    results = run_processes(
        workers.claim_all,
        lambda i: (db_url, keys.data_keys, keys.index_key, references, f"agent:a{i}", i),
    )
    assert [error for _, _, error in results if error] == []
    winners = Counter(ref for _, won, _ in results for ref in won)
    assert sorted(winners) == sorted(references)
    assert set(winners.values()) == {1}
    won_by = {ref: agent for agent, won, _ in results for ref in won}
    with ticket_service.database.read() as session:
        assignees = dict(session.execute(select(Ticket.reference, Ticket.assignee)).all())
        claims = session.execute(select(func.count(AuditEvent.id)).where(AuditEvent.action == "claimed")).scalar_one()
    assert assignees == won_by
    assert claims == TICKETS


def test_eight_concurrent_creates_with_one_idempotency_key_make_one_ticket(ticket_service, keys, db_url):
    ticket_service.database.dispose()
    results = run_processes(
        workers.create_once,
        lambda i: (db_url, keys.data_keys, keys.index_key, "conv-42:deletion:1"),
    )
    assert [error for _, _, error in results if error] == []
    assert len({ref for ref, _, _ in results}) == 1
    assert sum(1 for _, created, _ in results if created) == 1
    with ticket_service.database.read() as session:
        assert session.execute(select(func.count(Ticket.id))).scalar_one() == 1
