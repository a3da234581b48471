"""Re-encrypt ciphertext columns in batches: the one loop every store's ``rotate(cipher)`` uses.

Each batch is one transaction, walked in primary-key order, so an interrupted
run can simply be started again; rows already under the new key are rotated
again harmlessly.
"""

from __future__ import annotations

from typing import Any, Callable, ContextManager, Optional, Sequence

from sqlalchemy import select, update

__all__ = ["reencrypt_columns"]

#: ``begin()`` opens one transaction and yields something with ``execute`` (a Session or a Connection).
Begin = Callable[[], ContextManager[Any]]


def reencrypt_columns(
    begin: Begin,
    table: Any,
    id_column: Any,
    columns: Sequence[Any],
    reencrypt: Callable[[Any], Optional[Any]],
    batch_size: int = 500,
) -> int:
    """Rewrite every non-NULL value of ``columns`` as ``reencrypt(value)``; the number of rows changed.

    Args:
        begin: opens one write transaction (``database.write.begin`` or ``engine.begin``).
        table: an ORM model or a Core ``Table``.
        id_column: its integer primary key.
        columns: the ciphertext columns.
        reencrypt: the new value for a stored value, or ``None`` to leave that value as it is.
        batch_size: rows per transaction.
    """
    batch_size = max(1, int(batch_size))
    last: Optional[Any] = None
    count = 0
    while True:
        with begin() as connection:
            query = select(id_column, *columns).order_by(id_column).limit(batch_size)
            if last is not None:
                query = query.where(id_column > last)
            rows = connection.execute(query).all()
            if not rows:
                return count
            for row in rows:
                values = {}
                for column, token in zip(columns, row[1:]):
                    if token is None:
                        continue
                    new = reencrypt(token)
                    if new is not None:
                        values[column.key] = new
                if values:
                    connection.execute(
                        update(table)
                        .where(id_column == row[0])
                        .values(**values)
                        .execution_options(synchronize_session=False)
                    )
                    count += 1
            last = rows[-1][0]
