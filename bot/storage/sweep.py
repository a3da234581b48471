"""The one interface the retention and key-rotation jobs ask every store for.

A store the daily purge sweeps is :class:`Purgeable`: ``purge(cutoff)`` deletes (or,
for tickets, anonymises) what it keeps from before ``cutoff`` and returns the rows it
changed.  A store holding ciphertext under ``DATA_KEYS`` is :class:`Rotatable`:
``rotate(cipher)`` re-encrypts it under the first key of ``cipher`` and returns the
rows rewritten; rows no key can read are left alone and reported with
:class:`RotationIncomplete`.  The composition root (``bot/services.py``) lists the
stores as :class:`PurgeStep` / :class:`RotateStep`; the jobs (``bot/jobs/``) walk the
lists and know no store by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

__all__ = ["Purgeable", "Rotatable", "PurgeStep", "RotateStep", "RotationIncomplete"]


class Purgeable(Protocol):
    """A store that deletes what it holds from before ``cutoff``."""

    def purge(self, cutoff: datetime) -> int: ...


class Rotatable(Protocol):
    """A store that re-encrypts its ciphertext under the first key of ``cipher`` (a ``DataCipher``)."""

    def rotate(self, cipher: Any, batch_size: int = 500) -> int: ...


class RotationIncomplete(Exception):
    """Some rows could not be decrypted with any key: they were left as they are.

    Carries the counts (never the rows) so the job can report them and keep the old keys.
    """

    def __init__(self, rotated: int, unreadable: int) -> None:
        super().__init__(f"{unreadable} row(s) could not be decrypted with any key")
        self.rotated = rotated
        self.unreadable = unreadable


@dataclass(frozen=True)
class PurgeStep:
    """One store of the daily purge.

    ``name`` labels it in reports; ``keep`` is how long it keeps rows; ``audit_key`` is the
    short name its count goes under in the run's audit event (``purge.e41.t2.r7``).
    """

    name: str
    keep: timedelta
    store: Purgeable
    audit_key: str = "r"


@dataclass(frozen=True)
class RotateStep:
    """One store of ``privacy-desk rotate-keys``: its name in reports and the store."""

    name: str
    store: Rotatable
