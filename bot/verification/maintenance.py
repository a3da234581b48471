"""Key rotation for the verification and notify tables (``privacy-desk rotate-keys`` calls it).

Re-encrypts every ciphertext in ``verification_challenges``, ``customers`` and
``outbox`` under the first key of ``DATA_KEYS``, in batches of one transaction
each; safe to re-run after an interruption.  Blind indexes (``INDEX_KEY``) do not change.
"""
from __future__ import annotations

from typing import Any, Dict, Sequence

from sqlalchemy import select, update

from bot.notify.models import OutboxMessageRow
from bot.privacy.crypto import DataCipher
from bot.tickets.db import Database
from bot.verification.models import Customer, VerificationChallenge

__all__ = ["rotate_keys"]


def rotate_keys(database: Database, cipher: DataCipher, batch_size: int = 500) -> Dict[str, int]:
    """Rows re-encrypted per table: ``{"verification_challenges": n, "customers": n, "outbox": n}``."""
    return {
        "verification_challenges": _rotate(database, cipher, VerificationChallenge, (VerificationChallenge.contact_ct,), batch_size),
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
    batch_size = max(1, int(batch_size))
    last = None
    count = 0
    while True:
        with database.write.begin() as session:
            query = select(model.id, *columns).order_by(model.id).limit(batch_size)
            if last is not None:
                query = query.where(model.id > last)
            rows = session.execute(query).all()
            if not rows:
                return count
            for row in rows:
                values = {column.key: cipher.rotate(token) for column, token in zip(columns, row[1:]) if token is not None}
                if values:
                    session.execute(
                        update(model).where(model.id == row[0]).values(**values).execution_options(synchronize_session=False)
                    )
                    count += 1
            last = rows[-1][0]
