"""Readers of one configuration value's text (``"30/60"``, ``"true"``, ``"US,CA"``).

Pure functions for :mod:`bot.settings`: each returns the typed value or raises
``ValueError``, which the settings turn into an error naming the variable.
"""

from __future__ import annotations

import ipaddress
from datetime import date
from typing import Optional, Tuple

__all__ = [
    "port",
    "positive_int",
    "rate",
    "boolean",
    "whole_number",
    "dates",
    "positive_seconds",
    "optional_boolean",
    "countries",
    "networks",
]


def port(raw: str) -> int:
    value = int(raw)
    if not 1 <= value <= 65535:
        raise ValueError("out of range")
    return value


def positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("not positive")
    return value


def rate(raw: str) -> Tuple[int, int]:
    """``COUNT/SECONDS`` (``30/60``: 30 per minute)."""
    count, sep, window = raw.partition("/")
    if not sep or not 1 <= int(count) <= 1_000_000 or not 1 <= int(window) <= 86_400:
        raise ValueError("not COUNT/SECONDS")
    return int(count), int(window)


def boolean(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("not a boolean")


def whole_number(raw: str) -> int:
    """A whole number, zero allowed (``0`` turns the feature off)."""
    if not raw.isdigit():
        raise ValueError("not a whole number")
    return int(raw)


def dates(raw: str) -> Tuple[date, ...]:
    """``2026-12-24,2026-12-31``: ISO dates, comma-separated; empty is none."""
    return tuple(date.fromisoformat(part) for part in filter(None, (p.strip() for p in raw.split(","))))


def positive_seconds(raw: str) -> float:
    value = float(raw)
    if not value > 0:
        raise ValueError("not positive")
    return value


def optional_boolean(raw: str) -> Optional[bool]:
    return None if not raw else boolean(raw)


def countries(raw: str) -> Tuple[str, ...]:
    """``US,CA``: ISO 3166 alpha-2 codes, upper-cased; at least one."""
    codes = tuple(part.strip().upper() for part in raw.split(",") if part.strip())
    if not codes or not all(len(code) == 2 and code.isalpha() for code in codes):
        raise ValueError("not country codes")
    return codes


def networks(raw: str) -> Tuple[str, ...]:
    """Comma-separated IP addresses or networks ("10.0.0.5, 10.1.0.0/16"), each checked."""
    return tuple(str(ipaddress.ip_network(part.strip(), strict=False)) for part in raw.split(",") if part.strip())
