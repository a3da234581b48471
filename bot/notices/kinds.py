"""Notice types and delivery states (plain enums, no database)."""

from __future__ import annotations

import enum

__all__ = ["NoticeKind", "NoticeState", "OPEN_STATES", "FAILED_STATES"]


class NoticeKind(str, enum.Enum):
    """One step of a request the requester is told about (the template has the same name)."""

    FILED = "filed"
    DOCUMENTS = "documents"
    EXTENDED = "extended"
    COMPLETED = "completed"
    PARTLY_FULFILLED = "partly_fulfilled"
    REJECTED = "rejected"
    #: To the agents' desk, not the requester: a ticket is close to its due date.
    AT_RISK = "at_risk"


class NoticeState(str, enum.Enum):
    """``queued`` → ``sending`` (claimed) → ``sent`` → ``delivered``; or ``failed`` / ``opted_out``."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    OPTED_OUT = "opted_out"


OPEN_STATES = frozenset({NoticeState.QUEUED, NoticeState.SENDING})
FAILED_STATES = frozenset({NoticeState.FAILED, NoticeState.OPTED_OUT})
