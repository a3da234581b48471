"""Reading the optional notifier variables from ``Settings.extra`` with errors that name them."""
from __future__ import annotations

from typing import Any, Mapping, Optional

from bot.settings import SettingsError

__all__ = ["extra", "positive_float", "flag", "text"]


def extra(settings: Any) -> Mapping[str, str]:
    return getattr(settings, "extra", {}) or {}


def text(settings: Any, name: str) -> Optional[str]:
    return (extra(settings).get(name) or "").strip() or None


def positive_float(settings: Any, name: str, default: float) -> float:
    raw = (extra(settings).get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise SettingsError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


def flag(settings: Any, name: str, default: bool = False) -> bool:
    raw = (extra(settings).get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")
