"""``privacy-desk outbox``: read the local outbox (local profile only).

``privacy-desk outbox --json`` prints one JSON array, newest first:
``[{"id", "created_at", "channel", "to", "subject", "body"}, ...]``
(``--limit N``, ``--channel sms|email``, ``--to ADDRESS_OR_NUMBER`` narrow it).
Without ``--json`` it prints a short human-readable list.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["register"]


def register(subparsers: "argparse._SubParsersAction") -> None:
    parser = subparsers.add_parser("outbox", help="show the SMS and e-mail kept in the local outbox (newest first)")
    parser.add_argument("--json", action="store_true", help="print a JSON array (for scripts and tests)")
    parser.add_argument("--limit", type=int, default=20, help="how many messages (default 20, at most 1000)")
    parser.add_argument("--channel", choices=("sms", "email"), help="only this channel")
    parser.add_argument("--to", help="only messages to this e-mail address or phone number")
    parser.set_defaults(func=_command)


def _command(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from bot.notify.outbox import Outbox
    from bot.notify.types import MessageChannel
    from bot.privacy.crypto import DataCipher, Indexer
    from bot.settings import load_settings
    from bot.storage.db import init_db
    from bot.verification.codes import is_missing_table

    settings = load_settings()
    if not settings.is_local:
        print(
            "The outbox is used only in the local profile (PROFILE=local); production sends for real.", file=sys.stderr
        )
        return 2
    database = init_db(settings)
    try:
        outbox = Outbox(database, DataCipher(list(settings.data_keys)), Indexer(settings.index_key))
        channel = MessageChannel(args.channel) if args.channel else None
        try:
            messages = outbox.list(limit=args.limit, channel=channel, to=args.to)
        except (OperationalError, ProgrammingError) as exc:
            if is_missing_table(exc):
                print("The outbox table is missing: run `privacy-desk migrate` first.", file=sys.stderr)
                return 1
            raise
    finally:
        database.dispose()
    if args.json:
        json.dump([m.to_json() for m in messages], sys.stdout, ensure_ascii=False, indent=None)
        sys.stdout.write("\n")
        return 0
    if not messages:
        print("The outbox is empty.")
        return 0
    for message in messages:
        _print_human(message)
    return 0


def _print_human(message: Any) -> None:
    when = message.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    head = f"[{when}] {message.channel.value.upper()} to {message.to}"
    if message.subject:
        head += f" — {message.subject}"
    print(head)
    for line in message.body.splitlines() or [""]:
        print(f"    {line}")
    print()
