"""Fulfilment benchmark on SQLite (WAL file) and PostgreSQL, each against a baseline in the same run.

    .venv/bin/python bench/fulfilment.py                          # both backends, default sizes
    .venv/bin/python bench/fulfilment.py --backends sqlite --bulk-orders 200000
    .venv/bin/python bench/fulfilment.py --json out.json

The demo shop is seeded (3,000 customers, ~30,000 orders) plus one customer with
``--heavy-orders`` orders (default 10,000) and ``--bulk-orders`` more orders
(default 1,000,000, generated inside the database) spread over the synthetic
customers, so the orders table holds ~1M rows.  Measured, per backend, through
the real service and the demo data map (``datamap.yml``):

* lookup: finding a typical customer by e-mail (the lookup graph), and planning
  (the graph, one indexed COUNT per table of every system, the run persisted)
  on the 1M-row table; the indexed COUNT of their orders alone.
  Baseline: that COUNT with the index switched off (SQLite ``NOT INDEXED``;
  PostgreSQL ``enable_indexscan/bitmapscan/indexonlyscan = off``).
* access: plan + approve + execute for the heavy customer (10k orders), building
  the JSON and HTML package.  Baseline: the same for a typical customer.
* erasure: plan + approve + execute for the heavy customer (one transaction per
  system; 10k orders nullified field by field, account and marketing rows
  deleted).  Baseline: the same for a typical customer.

PostgreSQL: a throw-away database is created on ``--postgres`` (default
``postgresql://postgres@127.0.0.1:5432/test``) and dropped afterwards.
The machine and its load matter: compare numbers from one run only.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bot.fulfilment import FulfilmentService, Purpose, load_datamap, open_systems  # noqa: E402
from bot.fulfilment.shop import seed_shop  # noqa: E402
from bot.fulfilment.shop.seed import HEAVY_ACCOUNT_ID  # noqa: E402
from bot.fulfilment.sql import create_system_engine  # noqa: E402
from bot.privacy.crypto import DataCipher  # noqa: E402
from bot.settings import settings_from_environ  # noqa: E402
from bot.storage.db import init_db  # noqa: E402
from bot.storage.migrate import upgrade  # noqa: E402
from tests.conftest import make_environ, scratch_postgres_database  # noqa: E402

BULK_SQL = {
    "sqlite": (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count) "
        "INSERT INTO orders (id, order_number, account_id, placed_at, total_cents, tax_cents, currency, shipping_name, shipping_address, payment_token, card_last4) "
        "SELECT 5000000 + i, 'BLK-' || i, 'acct-' || printf('%06d', i % :customers), '2025-01-01 00:00:00', 1000, 80, 'USD', 'Bulk Buyer', 'Bulk Street', 'tok_bulk', '0000' FROM n"
    ),
    "postgresql": (
        "INSERT INTO orders (id, order_number, account_id, placed_at, total_cents, tax_cents, currency, shipping_name, shipping_address, payment_token, card_last4) "
        "SELECT 5000000 + i, 'BLK-' || i, 'acct-' || lpad((i % :customers)::text, 6, '0'), '2025-01-01 00:00:00', 1000, 80, 'USD', 'Bulk Buyer', 'Bulk Street', 'tok_bulk', '0000' "
        "FROM generate_series(1, :count) AS i"
    ),
}
UNINDEXED = {
    "sqlite": ["SELECT count(*) FROM orders NOT INDEXED WHERE account_id = :id"],
    "postgresql": ["SET LOCAL enable_indexscan = off", "SET LOCAL enable_bitmapscan = off", "SET LOCAL enable_indexonlyscan = off",
                   "SELECT count(*) FROM orders WHERE account_id = :id"],
}


def timed(fn: Callable[[], Any], repeat: int) -> Dict[str, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(samples), 2), "max_ms": round(max(samples), 2), "n": repeat}


@contextmanager
def backend(name: str, postgres: str, workdir: Path) -> Iterator[Dict[str, str]]:
    if name == "sqlite":
        url = f"sqlite:///{workdir / 'privacy_desk.db'}"
        upgrade(url)
        yield {"DATABASE_URL": url, "SHOP_DATABASE_URL": f"sqlite:///{workdir / 'shop.db'}"}
        return
    with scratch_postgres_database(postgres, "pd_bench_fulfil", prepare=upgrade) as url:
        yield {"DATABASE_URL": url, "SHOP_DATABASE_URL": url}


def run_backend(name: str, args: argparse.Namespace, workdir: Path) -> Dict[str, Any]:
    with backend(name, args.postgres, workdir) as urls:
        settings = settings_from_environ(make_environ(workdir / "var", **urls))
        shop = create_system_engine(urls["SHOP_DATABASE_URL"])
        started = time.perf_counter()
        seed_shop(shop, customers=args.customers, heavy_orders=args.heavy_orders, reset=True)
        with shop.begin() as connection:
            connection.execute(text(BULK_SQL[name]), {"count": args.bulk_orders, "customers": args.customers})
        if name == "postgresql":
            with shop.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE orders")
        with shop.connect() as connection:
            total_orders = connection.execute(text("SELECT count(*) FROM orders")).scalar_one()
            typical = connection.execute(text("SELECT email FROM accounts WHERE id = 'acct-000042'")).scalar_one()
            heavy = connection.execute(text("SELECT email FROM accounts WHERE id = :id"), {"id": HEAVY_ACCOUNT_ID}).scalar_one()
        seeded_s = time.perf_counter() - started

        database = init_db(settings)
        systems = open_systems(load_datamap(ROOT / "datamap.yml"), settings)
        service = FulfilmentService(database, DataCipher(list(settings.data_keys)), systems)
        result: Dict[str, Any] = {"orders_rows": total_orders, "seed_s": round(seeded_s, 1)}
        try:
            result["find_person"] = timed(lambda: service.find({"email": [typical]}), args.repeat)
            result["plan_all_systems"] = timed(lambda: service.plan(Purpose.ACCESS, {"email": [typical]}), args.repeat)

            def count(statements: List[str]) -> Callable[[], None]:
                def go() -> None:
                    with shop.begin() as connection:
                        for statement in statements[:-1]:
                            connection.exec_driver_sql(statement)
                        connection.execute(text(statements[-1]), {"id": "acct-000042"}).scalar_one()

                return go

            result["orders_count_indexed"] = timed(count(["SELECT count(*) FROM orders WHERE account_id = :id"]), args.repeat)
            result["orders_count_baseline_unindexed"] = timed(count(UNINDEXED[name]), args.repeat)

            def full_run(purpose: Purpose, email: str) -> Callable[[], None]:
                def go() -> None:
                    view = service.plan(purpose, {"email": [email]})
                    service.approve(view.id, "bench")
                    service.execute(view.id)

                return go

            result["access_heavy"] = timed(full_run(Purpose.ACCESS, heavy), args.repeat)
            result["access_baseline_typical"] = timed(full_run(Purpose.ACCESS, typical), args.repeat)
            result["erasure_heavy"] = timed(full_run(Purpose.ERASURE, heavy), 1)
            result["erasure_baseline_typical"] = timed(full_run(Purpose.ERASURE, typical), 1)
            with shop.connect() as connection:
                left = connection.execute(text("SELECT count(*) FROM orders WHERE account_id = :id"), {"id": HEAVY_ACCOUNT_ID}).scalar_one()
            result["heavy_orders_still_linked_after_erasure"] = left
        finally:
            service.close()
            database.dispose()
            shop.dispose()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--heavy-orders", type=int, default=10000)
    parser.add_argument("--bulk-orders", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args()
    results: Dict[str, Any] = {}
    for name in [b.strip() for b in args.backends.split(",") if b.strip()]:
        with tempfile.TemporaryDirectory(prefix="pd-bench-fulfil-") as tmp:
            results[name] = run_backend(name, args, Path(tmp))
        print(f"\n{name}: orders table {results[name]['orders_rows']:,} rows (seeded in {results[name]['seed_s']} s)")
        for key, value in results[name].items():
            if isinstance(value, dict):
                print(f"  {key:38s} median {value['median_ms']:>9.1f} ms   max {value['max_ms']:>9.1f} ms   (n={value['n']})")
        print(f"  heavy customer's orders still linked after erasure: {results[name]['heavy_orders_still_linked_after_erasure']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
