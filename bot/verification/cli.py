"""``privacy-desk customers seed``: (re)write the demo customers (idempotent; a no-op in production)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["register"]


def register(subparsers: "argparse._SubParsersAction") -> None:
    parser = subparsers.add_parser("customers", help="the demo customer directory used for verification")
    actions = parser.add_subparsers(dest="customers_command", metavar="ACTION")
    seed = actions.add_parser("seed", help="(re)write the obviously fake demo customers (safe to repeat)")
    seed.add_argument("--force", action="store_true", help="also in the production profile (not recommended)")
    seed.set_defaults(func=_seed)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def _seed(args: argparse.Namespace) -> int:
    from bot.privacy.crypto import DataCipher, Indexer
    from bot.settings import load_settings
    from bot.storage.db import init_db
    from bot.verification.directory import DEMO_CUSTOMERS, SqlCustomerDirectory
    from bot.verification.errors import VerificationStoreNotReady

    settings = load_settings()
    if not settings.is_local and not args.force:
        # A no-op, not an error, so `make setup` can always call it.
        print(
            "Skipped: demo customers are not seeded in the production profile (use --force to insist).", file=sys.stderr
        )
        return 0
    database = init_db(settings)
    try:
        directory = SqlCustomerDirectory(database, DataCipher(list(settings.data_keys)), Indexer(settings.index_key))
        try:
            count = directory.seed(DEMO_CUSTOMERS)
        except VerificationStoreNotReady:
            print("The customers table is missing: run `privacy-desk migrate` first.", file=sys.stderr)
            return 1
    finally:
        database.dispose()
    where = "" if settings.is_local else " (production profile: these are demo records)"
    print(f"Seeded {count} demo customers{where}; see README, 'Verification and notifications'.")
    return 0
