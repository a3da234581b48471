"""``Settings.extra`` for the one reader left (``bot.notices.reminders``: ``NOTICE_AT_RISK_DAYS``,
``NOTICE_AGENT_EMAIL``); every other notifier variable is a typed ``Settings`` field."""

from __future__ import annotations

from typing import Any, Mapping

__all__ = ["extra"]


def extra(settings: Any) -> Mapping[str, str]:
    return getattr(settings, "extra", {}) or {}
