"""Ticket store benchmark on SQLite (WAL file) and PostgreSQL, each against a baseline in the same run.

    .venv/bin/python bench/tickets.py                       # both backends, default sizes
    .venv/bin/python bench/tickets.py --backends sqlite --create 2000 --queue-size 20000
    .venv/bin/python bench/tickets.py --json out.json

Measures, per backend:
* create: ``TicketService.create`` of N tickets with personal data, one
  transaction each (encrypt + blind index + audit event); "old" is the same
  with the ``ticket_counts`` triggers switched off (their cost on writes).
  Baseline: the same rows bulk-inserted with one Core ``executemany``.
* queue page: ``list_queue`` (first page of 50 with total and per-status
  counts; an "unassigned, sms" filter; pages at offset 5,000 and deep) over a
  table of M tickets, new and old side by side: "old" is the previous
  implementation (full rows with ``OFFSET``, counts by ``GROUP BY status`` over
  the tickets), "new" is the service (ids first, then rows; counts from the
  trigger-kept ``ticket_counts``).  Both must return the same page and counts.
  The deep page is half-way down the open queue (at most 50,000 in); it is also
  read by cursor (keyset, ``after=``).
  Baseline: the bare ``SELECT ... ORDER BY ... LIMIT 50`` alone.
* claim under contention: P processes each try to claim all K tickets, each in
  its own random order; checks each ticket was claimed exactly once and that
  the queue counts still equal a ``GROUP BY`` over the tickets ("old": the
  same with the count triggers off; all K tickets share one counter row, the
  worst case for the triggers).  Baseline: one process claiming K other tickets with no contention.

PostgreSQL: a throw-away database is created on ``--postgres`` (default
``postgresql://postgres@127.0.0.1:5432/test``) and dropped afterwards.
The machine and its load matter: compare numbers from one run only.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import secrets
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from bot.privacy.crypto import DataCipher, Indexer, generate_key  # noqa: E402
from bot.storage.db import init_db  # noqa: E402
from bot.storage.migrate import upgrade  # noqa: E402
from bot.tickets import AlreadyClaimed, PersonalData, TicketService  # noqa: E402
from bot.tickets.deadlines import CCPA, compute_deadlines  # noqa: E402
from bot.tickets.models import AuditEvent, Ticket, TicketCount  # noqa: E402
from bot.tickets.references import new_reference  # noqa: E402
from bot.tickets.states import OPEN_STATUSES, Status  # noqa: E402

KINDS = ["access", "correction", "deletion", "stop_using", "parental_deletion", "escalation"]
CHANNELS = ["web", "sms", "voice", "api"]
STATUSES = ["awaiting_verification", "verified", "in_progress", "awaiting_requester", "awaiting_documents", "completed"]


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(fn: Callable[[], Any], repeat: int) -> List[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


class Backend:
    def __init__(self, name: str, url: str, cleanup: Callable[[], None]) -> None:
        self.name, self.url, self.cleanup = name, url, cleanup


def sqlite_backend() -> Backend:
    directory = tempfile.mkdtemp(prefix="pd-bench-")
    return Backend("sqlite", f"sqlite:///{directory}/tickets.db", lambda: None)


def postgres_backend(admin_url: str) -> Backend:
    import psycopg2
    from psycopg2 import sql

    name = f"pd_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(admin_url, connect_timeout=5)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()

    return Backend("postgresql", f"{admin_url.rpartition('/')[0]}/{name}", drop)


def reset(service: TicketService) -> None:
    with service.database.engine.begin() as connection:
        if service.database.is_sqlite:
            connection.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
            for table in ("audit_events", "ticket_notes", "tickets"):
                connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - table names from the literal tuple above
            connection.execute(text(
                "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"))
        else:
            connection.execute(text("TRUNCATE audit_events, ticket_notes, tickets RESTART IDENTITY CASCADE"))


@contextmanager
def count_triggers_off(service: TicketService) -> Iterator[None]:
    """Run without the ``ticket_counts`` triggers (the "old" write path), then recount and re-enable."""
    with service.database.engine.begin() as connection:
        if service.database.is_sqlite:
            saved = [sql for (sql,) in connection.execute(text(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'ticket_counts_%'"))]
            for name in ("insert", "update", "delete"):
                connection.execute(text(f"DROP TRIGGER ticket_counts_{name}"))
        else:
            connection.execute(text("ALTER TABLE tickets DISABLE TRIGGER ticket_counts_apply"))
    try:
        yield
    finally:
        with service.database.engine.begin() as connection:
            if service.database.is_sqlite:
                for sql in saved:
                    connection.execute(text(sql))
            else:
                connection.execute(text("ALTER TABLE tickets ENABLE TRIGGER ticket_counts_apply"))
        service.rebuild_queue_counts()


def person(i: int) -> PersonalData:
    return PersonalData(requester_name=f"Requester {i}", email=f"user{i}@example.com", phone=f"+1415555{i % 10000:04d}",
                        details="Please send me a copy of my data.")


def bulk_rows(service: TicketService, cipher: DataCipher, indexer: Indexer, count: int, start: int) -> List[Dict[str, Any]]:
    now = datetime.now(timezone.utc)
    blob = cipher.encrypt_json(person(0).to_json())
    rows = []
    rng = random.Random(start)
    for i in range(start, start + count):
        received = now - timedelta(minutes=rng.randint(0, 60 * 24 * 60))
        d = compute_deadlines(received, CCPA)
        kind = rng.choice(KINDS)
        status = rng.choice(STATUSES)
        rows.append(dict(
            reference=new_reference(), idempotency_digest=indexer.digest("ticket-idempotency", f"bulk-{i}"),
            kind=kind, status=status, channel=rng.choice(CHANNELS), priority=10 if kind == "parental_deletion" else 0,
            jurisdiction="US-CA", received_at=received, acknowledge_by=d.acknowledge_by, due_date=d.due,
            respond_by=d.due, extension_count=0, verification_method="none", verification_level="none",
            verification_data_points="", personal_ct=blob, email_index=indexer.email_index(f"user{i}@example.com"),
            phone_index=indexer.phone_index(f"+1415{i:07d}"),
            assignee=None if rng.random() < 0.7 else f"agent:{rng.randint(1, 20)}",
            closed_at=now if status == "completed" else None, created_at=received, updated_at=received, version=1,
        ))
    return rows


def _creates(service: TicketService, count: int, tag: str) -> Tuple[float, List[float]]:
    reset(service)
    latencies = []
    start = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        service.create(kind=KINDS[i % len(KINDS)], channel=CHANNELS[i % len(CHANNELS)], idempotency_key=f"{tag}-{i}",
                       personal=person(i))
        latencies.append((time.perf_counter() - t0) * 1000)
    return time.perf_counter() - start, latencies


def bench_create(service: TicketService, cipher: DataCipher, indexer: Indexer, count: int) -> Dict[str, float]:
    with count_triggers_off(service):
        old_total, old_latencies = _creates(service, count, "bench-old")
    total, latencies = _creates(service, count, "bench")
    reset(service)
    rows = bulk_rows(service, cipher, indexer, count, 0)
    t0 = time.perf_counter()
    with service.database.engine.begin() as connection:
        connection.execute(insert(Ticket), rows)
    baseline = time.perf_counter() - t0
    return {"tickets": count, "seconds": round(total, 2), "per_second": round(count / total, 1),
            "p50_ms": round(pct(latencies, 0.5), 2), "p95_ms": round(pct(latencies, 0.95), 2),
            "old_per_second": round(count / old_total, 1), "old_p50_ms": round(pct(old_latencies, 0.5), 2),
            "old_p95_ms": round(pct(old_latencies, 0.95), 2),
            "baseline_bulk_insert_per_second": round(count / baseline, 1)}


def load_tickets(service: TicketService, cipher: DataCipher, indexer: Indexer, size: int) -> None:
    """``size`` bulk tickets (see :func:`bulk_rows`), a closing audit event for each completed one, then ANALYZE."""
    reset(service)
    chunk = 10_000
    for start in range(0, size, chunk):
        rows = bulk_rows(service, cipher, indexer, min(chunk, size - start), start)
        with service.database.engine.begin() as connection:
            connection.execute(insert(Ticket), rows)
    with service.database.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO audit_events (ticket_id, at, actor, action, from_status, to_status, reason_code) "
            "SELECT id, closed_at, 'agent:bench', 'transitioned', 'in_progress', 'completed', 'fulfilled' "
            "FROM tickets WHERE status = 'completed'"))
    if service.database.is_sqlite:
        with service.database.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    else:
        with service.database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE tickets"))
            connection.execute(text("VACUUM ANALYZE audit_events"))


def bench_queue(service: TicketService, cipher: DataCipher, indexer: Indexer, size: int, repeat: int) -> Dict[str, float]:
    load_tickets(service, cipher, indexer, size)
    open_statuses = [s for s in STATUSES if s != "completed"]
    filtered = dict(unassigned=True, channels=["sms"])
    deep = min(50_000, service.list_queue(limit=1).total // 2)  # half the open queue, at most 50,000
    cases = {"first_page": {}, "filtered_page": filtered, "offset_5000": dict(offset=5000),
             f"offset_{deep}": dict(offset=deep)}
    out: Dict[str, float] = {"tickets": size}
    for name, kwargs in cases.items():
        new, old = service.list_queue(limit=50, **kwargs), legacy_list_queue(service, limit=50, **kwargs)
        if [t.reference for t in new.items] != old[0] or dict(new.counts_by_status) != old[1] or new.total != old[2]:
            raise SystemExit(f"{name}: new and old list_queue disagree")
        old_ms = timed(lambda kwargs=kwargs: legacy_list_queue(service, limit=50, **kwargs), repeat)
        new_ms = timed(lambda kwargs=kwargs: service.list_queue(limit=50, **kwargs), repeat)
        out[f"{name}_old_p50_ms"] = round(pct(old_ms, 0.5), 1)
        out[f"{name}_new_p50_ms"] = round(pct(new_ms, 0.5), 1)
        if name == "first_page":
            out["first_page_old_p95_ms"] = round(pct(old_ms, 0.95), 1)
            out["first_page_new_p95_ms"] = round(pct(new_ms, 0.95), 1)

    # Keyset: the same deep page, read with the cursor of the ticket before it.
    cursor = service.list_queue(limit=1, offset=deep - 1).next_cursor
    by_cursor = service.list_queue(limit=50, after=cursor)
    if [t.reference for t in by_cursor.items] != legacy_list_queue(service, limit=50, offset=deep)[0]:
        raise SystemExit("cursor page and offset page disagree")
    out[f"cursor_{deep}_new_p50_ms"] = round(pct(timed(lambda: service.list_queue(limit=50, after=cursor), repeat), 0.5), 1)

    def bare() -> None:
        with service.database.engine.connect() as connection:
            connection.execute(select(Ticket.id).where(Ticket.status.in_(open_statuses))
                               .order_by(Ticket.priority.desc(), Ticket.respond_by, Ticket.id).limit(50)).all()

    out["baseline_bare_select_p50_ms"] = round(pct(timed(bare, repeat), 0.5), 1)
    return out


#: The indexes of migration 0006 ("old" = the same reads without them).
REPORT_INDEXES = {
    "ix_tickets_received": "tickets (received_at, status, kind, channel, jurisdiction)",
    "ix_tickets_respond_by_status": "tickets (respond_by, status)",
}


@contextmanager
def report_indexes_off(service: TicketService) -> Iterator[None]:
    with service.database.engine.begin() as connection:
        for name in REPORT_INDEXES:
            connection.execute(text(f"DROP INDEX {name}"))
    try:
        yield
    finally:
        with service.database.engine.begin() as connection:
            for name, target in REPORT_INDEXES.items():
                connection.execute(text(f"CREATE INDEX {name} ON {target}"))


def bench_reports(service: TicketService, indexer: Indexer, size: int, repeat: int) -> Dict[str, Any]:
    """Console search, dashboard and CCPA reports over the queue benchmark's table (p50, and "old" without 0006)."""
    from bot.console.dashboard import DashboardService
    from bot.console.metrics import CcpaReports
    from bot.tickets.search import SearchQuery, TicketSearch

    search = TicketSearch(service, indexer)
    dashboard = DashboardService(service.database, lambda: datetime.now(timezone.utc))
    reports = CcpaReports.for_tickets(service, clock=lambda: datetime.now(timezone.utc))
    today = datetime.now(timezone.utc).date()
    with service.database.read() as session:
        reference = session.scalars(select(Ticket.reference).order_by(Ticket.id.desc()).limit(1)).one()
    middle = size // 2
    searches: Dict[str, Any] = {
        "search_reference": SearchQuery(text=reference.lower().replace("-", " ")),
        "search_email": SearchQuery(text=f"USER{middle}@example.com"),
        "search_phone": SearchQuery(text=f"(415) {middle // 10000:03d}-{middle % 10000:04d}"),
        "search_kind_status": SearchQuery(kinds=["deletion"], statuses=["in_progress"]),
        "search_last_7_days": SearchQuery(received_from=today - timedelta(days=7), received_to=today),
        "search_overdue": SearchQuery(due="overdue", today=today),
    }
    if search.search(searches["search_email"]).total != 1 or search.search(searches["search_reference"]).total != 1:
        raise SystemExit("search did not find the ticket it was given")
    cases: Dict[str, Callable[[], Any]] = {name: (lambda q=q: search.search(q)) for name, q in searches.items()}
    cases["dashboard"] = dashboard.build
    start, end = today - timedelta(days=365), today
    cases["report_7102_year"] = lambda: reports.metrics(start, end)
    cases["export_7101_year"] = lambda: sum(len(chunk) for chunk in reports.records_csv(start, end))
    slow = {"report_7102_year", "export_7101_year"}
    out: Dict[str, Any] = {"tickets": size, "requests_in_report": sum(r.received for r in reports.metrics(start, end).rows)}
    for name, fn in cases.items():
        out[f"{name}_p50_ms"] = round(pct(timed(fn, 3 if name in slow else repeat), 0.5), 1)
    with report_indexes_off(service):
        for name in ("search_last_7_days", "search_overdue", "dashboard"):
            out[f"{name}_old_p50_ms"] = round(pct(timed(cases[name], repeat), 0.5), 1)

    def bare() -> None:
        with service.database.engine.connect() as connection:
            connection.execute(select(Ticket.id).where(Ticket.reference == reference)).all()

    out["baseline_bare_reference_select_p50_ms"] = round(pct(timed(bare, repeat), 0.5), 1)
    return out


def legacy_list_queue(service: TicketService, *, limit: int, offset: int = 0, unassigned: bool = False,
                      channels: Sequence[str] = ()) -> Tuple[List[str], Dict[str, int], int]:
    """The queue page as ``list_queue`` built it before ``ticket_counts`` (for the same-run comparison)."""
    common = []
    if channels:
        common.append(Ticket.channel.in_(list(channels)))
    if unassigned:
        common.append(Ticket.assignee.is_(None))
    open_statuses = [s.value for s in Status if s in OPEN_STATUSES]
    with service.database.read() as session:
        rows = session.scalars(
            select(Ticket).where(*common, Ticket.status.in_(open_statuses))
            .order_by(Ticket.priority.desc(), Ticket.respond_by.asc(), Ticket.id.asc()).limit(limit).offset(offset)
        ).all()
        counts = dict(session.execute(select(Ticket.status, func.count(Ticket.id)).where(*common).group_by(Ticket.status)).all())
    page = [service._view(t).reference for t in rows]
    return page, {s.value: int(counts.get(s.value, 0)) for s in Status}, sum(int(counts.get(s, 0)) for s in open_statuses)


def counts_exact(service: TicketService) -> bool:
    """The trigger-kept counts equal a count of the tickets themselves."""
    with service.database.read() as session:
        scanned = dict(session.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all())
        kept = dict(session.execute(select(TicketCount.status, func.sum(TicketCount.n)).group_by(TicketCount.status)).all())
    return {k: int(v) for k, v in scanned.items()} == {k: int(v) for k, v in kept.items() if int(v)}


def _claimer(url: str, keys: List[str], index_key: str, refs: List[str], agent: str, seed: int, barrier: Any, out: Any) -> None:
    service = TicketService(init_db(url), DataCipher(keys), Indexer(index_key))
    order = list(refs)
    random.Random(seed).shuffle(order)
    won = []
    barrier.wait()
    t0 = time.perf_counter()
    for ref in order:
        try:
            service.claim(ref, agent=agent)
            won.append(ref)
        except AlreadyClaimed:
            pass
    out.put((won, time.perf_counter() - t0))
    service.database.dispose()


def _contended_claims(service: TicketService, keys: List[str], index_key: str, processes: int, count: int,
                      tag: str) -> Tuple[float, bool]:
    reset(service)
    refs = [service.create(kind="access", channel="web", idempotency_key=f"{tag}-{i}").ticket.reference for i in range(count)]
    service.database.dispose()
    ctx = multiprocessing.get_context("fork")
    barrier, out = ctx.Barrier(processes + 1), ctx.Queue()
    procs = [ctx.Process(target=_claimer, args=(URLS[service], keys, index_key, refs,
                                                  f"agent:{i}", i, barrier, out)) for i in range(processes)]
    for proc in procs:
        proc.start()
    barrier.wait()
    t0 = time.perf_counter()
    results = [out.get(timeout=600) for _ in procs]
    wall = time.perf_counter() - t0
    for proc in procs:
        proc.join()
    won = [ref for refs_won, _ in results for ref in refs_won]
    with service.database.read() as session:
        claimed_events = session.execute(
            select(AuditEvent.id).where(AuditEvent.action == "claimed")).all()
    return wall, sorted(won) == sorted(refs) and len(claimed_events) == count


def bench_claims(service: TicketService, keys: List[str], index_key: str, processes: int, count: int) -> Dict[str, Any]:
    reset(service)
    solo = [service.create(kind="access", channel="web", idempotency_key=f"solo-{i}").ticket.reference for i in range(count)]
    t0 = time.perf_counter()
    for ref in solo:
        service.claim(ref, agent="agent:solo")
    solo_seconds = time.perf_counter() - t0
    with count_triggers_off(service):
        old_wall, old_once = _contended_claims(service, keys, index_key, processes, count, "claim-old")
    wall, once = _contended_claims(service, keys, index_key, processes, count, "claim")
    exact = counts_exact(service)
    return {"processes": processes, "tickets": count, "attempts": processes * count, "seconds": round(wall, 2),
            "attempts_per_second": round(processes * count / wall, 1), "each_claimed_exactly_once": once and old_once,
            "queue_counts_exact": exact,
            "old_seconds": round(old_wall, 2), "old_attempts_per_second": round(processes * count / old_wall, 1),
            "baseline_uncontended_claims_per_second": round(count / solo_seconds, 1)}


URLS: Dict[Any, str] = {}


def run_backend(backend: Backend, args: argparse.Namespace) -> Dict[str, Any]:
    upgrade(backend.url)
    keys, index_key = [generate_key()], secrets.token_urlsafe(32)
    cipher, indexer = DataCipher(keys), Indexer(index_key)
    service = TicketService(init_db(backend.url), cipher, indexer)
    URLS[service] = backend.url
    try:
        result: Dict[str, Any] = {}
        parts = set(args.parts.split(","))
        if "create" in parts:
            print(f"[{backend.name}] create {args.create} ...", flush=True)
            result["create"] = bench_create(service, cipher, indexer, args.create)
            print(f"[{backend.name}]   {result['create']}", flush=True)
        if "queue" in parts:
            print(f"[{backend.name}] queue page at {args.queue_size} ...", flush=True)
            result["queue"] = bench_queue(service, cipher, indexer, args.queue_size, args.repeat)
            print(f"[{backend.name}]   {result['queue']}", flush=True)
        if "reports" in parts:
            if "queue" not in parts:
                load_tickets(service, cipher, indexer, args.queue_size)
            print(f"[{backend.name}] search / dashboard / reports at {args.queue_size} ...", flush=True)
            result["reports"] = bench_reports(service, indexer, args.queue_size, args.repeat)
            print(f"[{backend.name}]   {result['reports']}", flush=True)
        if "claim" in parts:
            print(f"[{backend.name}] claim: {args.processes} processes x {args.claim_tickets} tickets ...", flush=True)
            result["claim"] = bench_claims(service, keys, index_key, args.processes, args.claim_tickets)
            print(f"[{backend.name}]   {result['claim']}", flush=True)
        return result
    finally:
        service.database.dispose()


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres", default=os.environ.get("PD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--create", type=int, default=10_000)
    parser.add_argument("--queue-size", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--claim-tickets", type=int, default=500)
    parser.add_argument("--parts", default="create,queue,reports,claim", help="comma-separated subset to run")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(list(argv) or None)
    report: Dict[str, Any] = {"cpus": os.cpu_count(), "load_average": os.getloadavg()[0]}
    for name in args.backends.split(","):
        backend = sqlite_backend() if name == "sqlite" else postgres_backend(args.postgres)
        try:
            report[name] = run_backend(backend, args)
        finally:
            backend.cleanup()
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    ok = all(report[n].get("claim", {}).get(check, True) for n in args.backends.split(",")
             for check in ("each_claimed_exactly_once", "queue_counts_exact"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
