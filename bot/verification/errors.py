"""Domain errors of verification and the customer directory.

Expected outcomes (a wrong code, a rate limit, a locked challenge) are *results*
(:class:`~bot.verification.codes.CheckResult`, :class:`~bot.verification.service.StartStatus`),
not exceptions.  These errors are for what callers must not ignore.  Messages
name fields and codes, never values (no personal data).
"""

from __future__ import annotations

__all__ = [
    "VerificationError",
    "InvalidContact",
    "UnknownRequestKind",
    "VerificationStoreNotReady",
]


class VerificationError(Exception):
    """Base class for every verification error."""


class InvalidContact(VerificationError):
    """A contact (e-mail address or phone number) that cannot receive a code; ``field`` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class UnknownRequestKind(VerificationError):
    """``assess`` was given a request kind it has no rule for."""

    def __init__(self, kind: object) -> None:
        shown = kind if isinstance(kind, str) and len(kind) <= 40 and kind.isascii() else "<invalid>"
        super().__init__(f"no verification rule for request kind {shown}")
        self.kind = shown


class VerificationStoreNotReady(VerificationError):
    """The verification tables do not exist (run ``privacy-desk migrate``)."""
