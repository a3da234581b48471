"""``privacy-desk rotate-keys``: re-encrypt every stored ciphertext under the first key of ``DATA_KEYS``."""
from __future__ import annotations

import argparse

from bot.fulfilment.store import rotate_run_keys
from bot.notices.service import rotate_notice_keys
from bot.services import Services
from bot.settings import load_settings
from bot.verification.maintenance import rotate_keys as rotate_verification_keys

__all__ = ["register"]


def _rotate_keys_command(args: argparse.Namespace) -> int:
    services = Services.from_settings(load_settings(), verify_keys=False)
    try:
        report = services.tickets.rotate_keys(batch_size=args.batch_size)
        # Verification challenges, demo customers and the outbox share DATA_KEYS.
        others = rotate_verification_keys(services.database, services.cipher, batch_size=args.batch_size)
        # Fulfilment runs keep the requester's resolved identities under DATA_KEYS.
        others["fulfilment_runs"] = rotate_run_keys(services.database, services.cipher, batch_size=args.batch_size)
        # Notices keep the recipient and the rendered texts under DATA_KEYS.
        others["notices"] = rotate_notice_keys(services.database, services.cipher, batch_size=args.batch_size)
        # The conversation table (Rasa's tracker store) shares DATA_KEYS too.
        services.conversations.create_schema()
        conversations = services.conversations.rotate_keys(batch_size=args.batch_size)
    finally:
        services.close()
    print(
        f"Re-encrypted {report.tickets} ticket(s), {report.notes} note(s), "
        f"{sum(others.values())} verification/customer/outbox/fulfilment/notice row(s) and "
        f"{conversations.rotated + conversations.encrypted_legacy} conversation event(s) under the first key in DATA_KEYS. "
        "Older keys can be removed from DATA_KEYS once every store has been rotated."
    )
    if conversations.unreadable:
        print(
            f"{conversations.unreadable} conversation event(s) could not be decrypted with any key in DATA_KEYS "
            "and were left as they are; do not remove old keys yet."
        )
        return 1
    return 0


def register(subparsers: "argparse._SubParsersAction") -> None:
    rotate = subparsers.add_parser("rotate-keys", help="re-encrypt stored personal data under the first DATA_KEYS key")
    rotate.add_argument("--batch-size", type=int, default=500)
    rotate.set_defaults(func=_rotate_keys_command)
