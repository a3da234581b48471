"""The one interface the retention and key-rotation jobs ask every store for.

A store the daily purge sweeps is :class:`Purgeable` (``purge(cutoff)`` deletes
what it keeps from before ``cutoff`` and returns rows deleted); a store holding
ciphertext under ``DATA_KEYS`` is :class:`Rotatable` (``rotate(cipher)``
re-encrypts it under the first key and returns rows rewritten).  The domain
stores keep their own signatures (an age, an expiry, a dict of tables); the small
adapters here give the jobs one shape, so a job lists its stores instead of
knowing how each one is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Protocol

from bot.clock import Clock, utcnow
from bot.privacy.crypto import DataCipher

__all__ = ["Purgeable", "Rotatable", "PurgeStep", "RotateStep", "AgePurge", "CutoffPurge", "CipherRotate"]


class Purgeable(Protocol):
    """A store that deletes what it holds from before ``cutoff``."""

    def purge(self, cutoff: datetime) -> int: ...


class Rotatable(Protocol):
    """A store that re-encrypts its ciphertext under the first key of ``cipher``."""

    def rotate(self, cipher: DataCipher, batch_size: int = 500) -> int: ...


@dataclass(frozen=True)
class PurgeStep:
    """One store of the daily purge: its name in reports, how long it keeps rows, the store."""

    name: str
    keep: timedelta
    store: Purgeable


@dataclass(frozen=True)
class RotateStep:
    """One store of ``privacy-desk rotate-keys``: its name in reports and the store."""

    name: str
    store: Rotatable


@dataclass(frozen=True)
class AgePurge:
    """A store whose own purge takes an age (``older_than``), measured from its clock."""

    purge_older_than: Callable[[timedelta], int]
    clock: Clock = utcnow

    def purge(self, cutoff: datetime) -> int:
        return int(self.purge_older_than(self.clock() - cutoff))


@dataclass(frozen=True)
class CutoffPurge:
    """A store whose own purge takes the moment before which rows go."""

    purge_before: Callable[[datetime], int]

    def purge(self, cutoff: datetime) -> int:
        return int(self.purge_before(cutoff))


@dataclass(frozen=True)
class CipherRotate:
    """A store whose re-encryption is ``rotate(database, cipher, batch_size)``."""

    database: Any
    rotate_with: Callable[[Any, DataCipher, int], Any]

    def rotate(self, cipher: DataCipher, batch_size: int = 500) -> int:
        done = self.rotate_with(self.database, cipher, batch_size)
        # A store of several tables answers rows per table.
        return int(sum(done.values())) if isinstance(done, dict) else int(done)
