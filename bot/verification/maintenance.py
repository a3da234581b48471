"""Key rotation for the verification and notify tables (``privacy-desk rotate-keys`` calls it).

Re-encrypts every ciphertext in ``verification_challenges``, ``customers`` and
``outbox`` under the first key of ``DATA_KEYS``, in batches of one transaction
each; safe to re-run after an interruption.  Blind indexes (``INDEX_KEY``) do not change.
"""

from __future__ import annotations

from typing import Any, Dict, Sequence

from bot.notify.models import OutboxMessageRow
from bot.privacy.crypto import DataCipher
from bot.storage.db import Database
from bot.storage.reencrypt import reencrypt_columns
from bot.verification.models import Customer, VerificationChallenge

__all__ = ["VerificationTables", "rotate_keys"]


class VerificationTables:
    """The verification and notify tables holding ciphertext, as ``privacy-desk rotate-keys`` sweeps them."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def rotate(self, cipher: DataCipher, batch_size: int = 500) -> int:
        """Rows re-encrypted in all three tables (:class:`~bot.storage.sweep.Rotatable`)."""
        return sum(rotate_keys(self._db, cipher, batch_size).values())


def rotate_keys(database: Database, cipher: DataCipher, batch_size: int = 500) -> Dict[str, int]:
    """Rows re-encrypted per table: ``{"verification_challenges": n, "customers": n, "outbox": n}``."""
    return {
        "verification_challenges": _rotate(
            database, cipher, VerificationChallenge, (VerificationChallenge.contact_ct,), batch_size
        ),
        "customers": _rotate(database, cipher, Customer, (Customer.data_ct,), batch_size),
        "outbox": _rotate(
            database,
            cipher,
            OutboxMessageRow,
            (OutboxMessageRow.recipient_ct, OutboxMessageRow.subject_ct, OutboxMessageRow.body_ct),
            batch_size,
        ),
    }


def _rotate(database: Database, cipher: DataCipher, model: Any, columns: Sequence[Any], batch_size: int) -> int:
    return reencrypt_columns(database.write.begin, model, model.id, columns, cipher.rotate, batch_size)
