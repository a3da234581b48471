"""Fulfilment's errors: they carry names and counts, never a person's values."""

from __future__ import annotations

from typing import Optional

__all__ = ["FulfilmentError", "DataMapError", "ConnectorError", "AmbiguousPerson", "RunNotFound", "PlanChanged"]


class FulfilmentError(Exception):
    """Base class."""


class DataMapError(FulfilmentError):
    """The data map is unclear or does not fit the systems; ``str()`` names file, line and field."""

    def __init__(self, message: str, path: str, where: str, line: Optional[int]) -> None:
        self.message = message
        self.path = path
        self.where = where
        self.line = line
        position = f"{path}, line {line}" if line else path
        super().__init__(f"{position}: {where + ': ' if where else ''}{message}")


class ConnectorError(FulfilmentError):
    """A system failed a step (down, slow, refused, answered garbage); ``code`` is a short machine name."""

    def __init__(self, code: str, detail: str = "", *, retryable: bool = False) -> None:
        self.code = code
        self.detail = detail
        self.retryable = retryable
        super().__init__(f"{code}: {detail}" if detail else code)


class AmbiguousPerson(FulfilmentError):
    """A unique identity resolved to several values: an agent must decide, nothing is touched."""

    def __init__(self, identity: str, count: int) -> None:
        self.identity = identity
        self.count = count
        super().__init__(f"the request matches {count} different {identity} values; refine it before fulfilment")


class RunNotFound(FulfilmentError):
    pass


class PlanChanged(FulfilmentError):
    """The data map changed between the approved plan and its execution."""
