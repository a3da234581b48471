"""``privacy-desk rotate-keys``: re-encrypt every stored ciphertext under the first key of ``DATA_KEYS``."""

from __future__ import annotations

import argparse
from typing import Any, List

from bot.fulfilment.store import rotate_run_keys
from bot.jobs.stores import CipherRotate, RotateStep
from bot.notices.service import rotate_notice_keys
from bot.services import Services
from bot.settings import load_settings
from bot.verification.maintenance import rotate_keys as rotate_verification_keys

__all__ = ["register", "rotate_steps"]


def rotate_steps(database: Any) -> List[RotateStep]:
    """The stores beside tickets and conversations that keep ciphertext under ``DATA_KEYS``."""
    return [
        # Verification challenges, demo customers and the outbox.
        RotateStep("verification", CipherRotate(database, rotate_verification_keys)),
        # Fulfilment runs keep the requester's resolved identities.
        RotateStep("fulfilment_runs", CipherRotate(database, rotate_run_keys)),
        # Notices keep the recipient and the rendered texts.
        RotateStep("notices", CipherRotate(database, rotate_notice_keys)),
    ]


def _rotate_keys_command(args: argparse.Namespace) -> int:
    services = Services.from_settings(load_settings(), verify_keys=False)
    try:
        report = services.tickets.rotate_keys(batch_size=args.batch_size)
        others = {
            step.name: step.store.rotate(services.cipher, args.batch_size) for step in rotate_steps(services.database)
        }
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
