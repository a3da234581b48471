"""Queue the requester's notice of a filed request, and say where it went (masked).

The bot promises a confirmation only when one was queued: :func:`queue_notice`
returns ``None`` when there is no verified contact or queueing failed, and
:func:`notice_line` then says nothing about one.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from actions.privacy_requests.services import blocking

__all__ = ["queue_notice", "notice_line"]

logger = logging.getLogger(__name__)


async def queue_notice(services: Any, reference: Optional[str], kind: str) -> Any:
    """Queue notice ``kind`` (``filed``, ``documents``) for ``reference``; the queued notice or None."""
    notices = getattr(services, "notices", None)
    if notices is None or not reference:
        return None
    from bot.notices import NoticeKind

    try:
        return await blocking(notices.queue, reference, NoticeKind(kind))
    except Exception as exc:  # noqa: BLE001 - the request is filed; only the notice is missing
        logger.error("filed notice not queued: %s", type(exc).__name__)
        return None


def notice_line(queued: Any, what: str = "a confirmation with your reference") -> str:
    """``I've sent a confirmation ... to a***@example.com.`` — empty when nothing was queued."""
    if queued is None:
        return ""
    if queued.channel == "sms":
        return f"I've texted {what} to {queued.recipient}, and we'll text you at each step."
    return f"I've e-mailed {what} to {queued.recipient}, and we'll e-mail you at each step."
