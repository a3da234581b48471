"""The one clock: aware UTC ``now``, injectable wherever time matters (tests pass a fixed clock)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

__all__ = ["Clock", "utcnow"]

#: Returns the current time, timezone-aware, in UTC.
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(timezone.utc)
