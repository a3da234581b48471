"""``privacy-desk rotate-keys``: re-encrypt every stored ciphertext under the first key of ``DATA_KEYS``.

Walks :meth:`bot.services.Services.rotate_steps`: each store re-encrypts its own
tables (:class:`bot.storage.sweep.Rotatable`).  A store with rows no key can read
leaves them as they are and says so (:class:`~bot.storage.sweep.RotationIncomplete`):
the command then fails, so the old keys are not removed.
"""

from __future__ import annotations

import argparse
from typing import Dict, Tuple

from bot.services import Services
from bot.settings import load_settings
from bot.storage.sweep import RotationIncomplete

__all__ = ["register", "rotate_all"]


def rotate_all(services: Services, batch_size: int = 500) -> Tuple[Dict[str, int], Dict[str, int]]:
    """Rows re-encrypted per store, and rows left unreadable per store (empty when every row was read)."""
    rotated: Dict[str, int] = {}
    unreadable: Dict[str, int] = {}
    for step in services.rotate_steps():
        try:
            rotated[step.name] = step.store.rotate(services.cipher, batch_size)
        except RotationIncomplete as exc:
            rotated[step.name], unreadable[step.name] = exc.rotated, exc.unreadable
    return rotated, unreadable


def _rotate_keys_command(args: argparse.Namespace) -> int:
    services = Services.from_settings(load_settings(), verify_keys=False)
    try:
        rotated, unreadable = rotate_all(services, args.batch_size)
    finally:
        services.close()
    counts = ", ".join(f"{name} {count}" for name, count in rotated.items())
    print(
        f"Re-encrypted under the first key in DATA_KEYS (rows per store): {counts}. "
        "Older keys can be removed from DATA_KEYS once every store has been rotated."
    )
    for name, count in unreadable.items():
        print(
            f"{count} {name} row(s) could not be decrypted with any key in DATA_KEYS "
            "and were left as they are; do not remove old keys yet."
        )
    return 1 if unreadable else 0


def register(subparsers: "argparse._SubParsersAction") -> None:
    rotate = subparsers.add_parser("rotate-keys", help="re-encrypt stored personal data under the first DATA_KEYS key")
    rotate.add_argument("--batch-size", type=int, default=500)
    rotate.set_defaults(func=_rotate_keys_command)
