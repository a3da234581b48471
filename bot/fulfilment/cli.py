"""``privacy-desk shop seed`` (the demo company's database) and ``privacy-desk fulfilment check`` (the data map)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

__all__ = ["register", "shop_url"]


def shop_url(settings: Any) -> str:
    """``SHOP_DATABASE_URL``, else the SQLite file ``var/shop.db``."""
    from bot.fulfilment.shop.seed import default_shop_url

    return settings.shop_database_url or default_shop_url(settings.var_dir)


def register(subparsers: "argparse._SubParsersAction") -> None:
    shop = subparsers.add_parser(
        "shop", help="the demo company's shop database (stands in for the company's own systems)"
    )
    actions = shop.add_subparsers(dest="shop_command", metavar="ACTION")
    seed = actions.add_parser("seed", help="create and fill the demo shop (skipped when already seeded)")
    seed.add_argument("--url", help="SQLAlchemy URL (default: SHOP_DATABASE_URL, else var/shop.db)")
    seed.add_argument("--customers", type=int, default=None, help="synthetic customers (default 3000)")
    seed.add_argument("--orders-per-customer", type=int, default=None, help="mean orders per customer (default 10)")
    seed.add_argument("--heavy-orders", type=int, default=0, help="add one customer with this many orders (bench)")
    seed.add_argument("--reset", action="store_true", help="drop the shop's tables first")
    seed.add_argument("--force", action="store_true", help="also in the production profile (not recommended)")
    seed.set_defaults(func=_seed)
    shop.set_defaults(func=lambda args: (shop.print_help(), 2)[1])

    fulfilment = subparsers.add_parser("fulfilment", help="fulfilment: the data map and the company's systems")
    f_actions = fulfilment.add_subparsers(dest="fulfilment_command", metavar="ACTION")
    check = f_actions.add_parser("check", help="validate the data map and check every table/field it names exists")
    check.add_argument("--map", dest="map_path", help="data map file (default: DATAMAP_FILE, else datamap.yml)")
    check.set_defaults(func=_check)
    status = f_actions.add_parser("status", help="a run's systems: status, attempts, counts (no personal data)")
    status.add_argument("run_id")
    status.set_defaults(func=_status)
    resume = f_actions.add_parser(
        "resume", help="retry the systems of a run that are not done (after a failure or a crash)"
    )
    resume.add_argument("run_id")
    resume.add_argument("--break-lease", action="store_true", help="the previous executor is known to be dead")
    resume.set_defaults(func=_resume)
    fulfilment.set_defaults(func=lambda args: (fulfilment.print_help(), 2)[1])


def _seed(args: argparse.Namespace) -> int:
    from bot.fulfilment.shop.seed import DEFAULT_CUSTOMERS, DEFAULT_ORDERS_PER_CUSTOMER, seed_shop
    from bot.fulfilment.sql import create_system_engine
    from bot.settings import load_settings

    settings = load_settings()
    if not settings.is_local and not args.force:
        print(
            "Skipped: the demo shop is not seeded in the production profile (use --force to insist).", file=sys.stderr
        )
        return 0
    engine = create_system_engine(args.url or shop_url(settings))
    started = time.perf_counter()
    try:
        report = seed_shop(
            engine,
            customers=DEFAULT_CUSTOMERS if args.customers is None else args.customers,
            orders_per_customer=DEFAULT_ORDERS_PER_CUSTOMER
            if args.orders_per_customer is None
            else args.orders_per_customer,
            heavy_orders=args.heavy_orders,
            reset=args.reset,
        )
    finally:
        engine.dispose()
    if report.skipped:
        print("The demo shop is already seeded (use --reset to rebuild it).")
    else:
        detail = ", ".join(f"{count} {name}" for name, count in report.counts.items())
        print(f"Seeded the demo shop in {time.perf_counter() - started:.1f} s: {detail}.")
    return 0


def _check(args: argparse.Namespace) -> int:
    from bot.fulfilment.datamap import DataMapError
    from bot.fulfilment.service import load_checked_datamap
    from bot.settings import load_settings

    # The map given with --map names its own variables: the settings read those.
    settings = load_settings(overrides={"DATAMAP_FILE": args.map_path} if args.map_path else None)
    try:
        datamap = load_checked_datamap(settings, args.map_path)
    except DataMapError as exc:
        print(f"Data map refused: {exc}", file=sys.stderr)
        return 1
    print(
        f"Data map OK: {len(datamap.systems)} system(s), {sum(len(s.tables) for s in datamap.systems.values())} table(s)."
    )
    return 0


def _service(settings: Any) -> Any:
    from bot.fulfilment.datamap import load_datamap
    from bot.fulfilment.service import FulfilmentService, datamap_path, open_systems
    from bot.privacy.crypto import DataCipher
    from bot.storage.db import init_db

    systems = open_systems(load_datamap(datamap_path(settings)), settings)
    return FulfilmentService(init_db(settings), DataCipher(list(settings.data_keys)), systems)


def _print_run(view: object) -> None:
    print(f"Run {view.id} ({view.purpose}): {view.status}")  # type: ignore[attr-defined]
    for step in view.steps:  # type: ignore[attr-defined]
        receipt = step.receipt
        counts = (
            "" if receipt is None or receipt.found is None else f"  found {receipt.found}, changed {receipt.changed}"
        )
        error = f" ({step.error_code})" if step.error_code else ""
        print(f"  {step.system:<20} {step.status}{error}  attempts {step.attempts}{counts}")


def _with_service(args: argparse.Namespace, work: object) -> int:
    from bot.fulfilment.errors import FulfilmentError
    from bot.settings import load_settings

    try:
        service = _service(load_settings())
    except FulfilmentError as exc:
        print(f"Data map refused: {exc}", file=sys.stderr)
        return 1
    try:
        _print_run(work(service))  # type: ignore[operator]
    except FulfilmentError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        service.close()  # type: ignore[attr-defined]
        service.database.dispose()  # type: ignore[attr-defined]
    return 0


def _status(args: argparse.Namespace) -> int:
    return _with_service(args, lambda service: service.view(args.run_id))


def _resume(args: argparse.Namespace) -> int:
    return _with_service(args, lambda service: service.execute(args.run_id, break_lease=args.break_lease)[0])
