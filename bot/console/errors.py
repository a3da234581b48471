"""Errors of the console's account domain.  Messages never contain passwords, tokens or session ids."""

from __future__ import annotations

__all__ = [
    "ConsoleError",
    "InvalidCredentials",
    "AccountLocked",
    "AgentNotFound",
    "AgentExists",
    "InvalidAccountField",
    "TokenNotFound",
]


class ConsoleError(Exception):
    """Base class for account errors."""


class InvalidCredentials(ConsoleError):
    """Unknown user, wrong password or disabled account (one message for all: no enumeration)."""

    def __init__(self) -> None:
        super().__init__("invalid username or password")


class AccountLocked(ConsoleError):
    """Too many failed logins for this username or client; ``retry_after`` seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {max(1, retry_after // 60)} minute(s)")
        self.retry_after = retry_after


class AgentNotFound(ConsoleError):
    def __init__(self, username: str) -> None:
        super().__init__(f"no agent named {username}")
        self.username = username


class AgentExists(ConsoleError):
    def __init__(self, username: str) -> None:
        super().__init__(f"an agent named {username} already exists")
        self.username = username


class InvalidAccountField(ConsoleError):
    """``field`` is not acceptable; ``problem`` says why (never echoes the value)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class TokenNotFound(ConsoleError):
    def __init__(self) -> None:
        super().__init__("no such API token")
