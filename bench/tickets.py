"""Ticket store benchmark on SQLite (WAL file) and PostgreSQL, each against a baseline in the same run.

    .venv/bin/python bench/tickets.py                       # both backends, default sizes
    .venv/bin/python bench/tickets.py --backends sqlite --create 2000 --queue-size 20000
    .venv/bin/python bench/tickets.py --json out.json

Measures, per backend:
* create: ``TicketService.create`` of N tickets with personal data, one
  transaction each (encrypt + blind index + audit event).  Baseline: the same
  rows bulk-inserted with one Core ``executemany`` (no per-ticket transaction).
* queue page: ``list_queue`` (first page of 50 with total and per-status
  counts; an "unassigned, sms" filter; a page at offset 5,000) over a table of
  M tickets.  Baseline: the bare ``SELECT ... ORDER BY ... LIMIT 50`` alone.
* claim under contention: P processes each try to claim all K tickets, each in
  its own random order; checks each ticket was claimed exactly once.
  Baseline: one process claiming K other tickets with no contention.

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
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

from bot.privacy.crypto import DataCipher, Indexer, generate_key  # noqa: E402
from bot.tickets import AlreadyClaimed, PersonalData, TicketService, init_db  # noqa: E402
from bot.tickets.deadlines import CCPA, compute_deadlines  # noqa: E402
from bot.tickets.migrate import upgrade  # noqa: E402
from bot.tickets.models import AuditEvent, Ticket  # noqa: E402
from bot.tickets.references import new_reference  # noqa: E402

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
                connection.execute(text(f"DELETE FROM {table}"))
            connection.execute(text(
                "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"))
        else:
            connection.execute(text("TRUNCATE audit_events, ticket_notes, tickets RESTART IDENTITY CASCADE"))


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
            assignee=None if rng.random() < 0.7 else f"agent:{rng.randint(1, 20)}",
            closed_at=now if status == "completed" else None, created_at=received, updated_at=received, version=1,
        ))
    return rows


def bench_create(service: TicketService, cipher: DataCipher, indexer: Indexer, count: int) -> Dict[str, float]:
    reset(service)
    latencies = []
    start = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        service.create(kind=KINDS[i % len(KINDS)], channel=CHANNELS[i % len(CHANNELS)], idempotency_key=f"bench-{i}",
                       personal=person(i))
        latencies.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - start
    reset(service)
    rows = bulk_rows(service, cipher, indexer, count, 0)
    t0 = time.perf_counter()
    with service.database.engine.begin() as connection:
        connection.execute(insert(Ticket), rows)
    baseline = time.perf_counter() - t0
    return {"tickets": count, "seconds": round(total, 2), "per_second": round(count / total, 1),
            "p50_ms": round(pct(latencies, 0.5), 2), "p95_ms": round(pct(latencies, 0.95), 2),
            "baseline_bulk_insert_per_second": round(count / baseline, 1)}


def bench_queue(service: TicketService, cipher: DataCipher, indexer: Indexer, size: int, repeat: int) -> Dict[str, float]:
    reset(service)
    chunk = 10_000
    for start in range(0, size, chunk):
        rows = bulk_rows(service, cipher, indexer, min(chunk, size - start), start)
        with service.database.engine.begin() as connection:
            connection.execute(insert(Ticket), rows)
    if service.database.is_sqlite:
        with service.database.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    else:
        with service.database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE tickets"))
    service.list_queue()  # warm
    first = timed(lambda: service.list_queue(limit=50), repeat)
    filtered = timed(lambda: service.list_queue(limit=50, unassigned=True, channels=["sms"]), repeat)
    deep = timed(lambda: service.list_queue(limit=50, offset=5000), repeat)
    open_statuses = [s for s in STATUSES if s != "completed"]

    def bare() -> None:
        with service.database.engine.connect() as connection:
            connection.execute(select(Ticket.id).where(Ticket.status.in_(open_statuses))
                               .order_by(Ticket.priority.desc(), Ticket.respond_by, Ticket.id).limit(50)).all()

    baseline = timed(bare, repeat)
    return {"tickets": size, "first_page_p50_ms": round(pct(first, 0.5), 1), "first_page_p95_ms": round(pct(first, 0.95), 1),
            "filtered_page_p50_ms": round(pct(filtered, 0.5), 1), "offset_5000_p50_ms": round(pct(deep, 0.5), 1),
            "baseline_bare_select_p50_ms": round(pct(baseline, 0.5), 1)}


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


def bench_claims(service: TicketService, keys: List[str], index_key: str, processes: int, count: int) -> Dict[str, Any]:
    reset(service)
    refs = [service.create(kind="access", channel="web", idempotency_key=f"claim-{i}").ticket.reference for i in range(count)]
    solo = [service.create(kind="access", channel="web", idempotency_key=f"solo-{i}").ticket.reference for i in range(count)]
    t0 = time.perf_counter()
    for ref in solo:
        service.claim(ref, agent="agent:solo")
    solo_seconds = time.perf_counter() - t0
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
    exactly_once = sorted(won) == sorted(refs) and len(claimed_events) == 2 * count
    return {"processes": processes, "tickets": count, "attempts": processes * count, "seconds": round(wall, 2),
            "attempts_per_second": round(processes * count / wall, 1), "each_claimed_exactly_once": exactly_once,
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
    parser.add_argument("--parts", default="create,queue,claim", help="comma-separated subset to run")
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
    return 0 if all(report[n].get("claim", {}).get("each_claimed_exactly_once", True) for n in args.backends.split(",")) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
