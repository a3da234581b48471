"""What every connector offers, and the receipts and previews they return.

Receipts and previews hold names and counts only — never a person's values — so
they can go to logs, ticket notes and audit lines.  Records (the person's data)
travel only inside :class:`AccessResult` to the access package.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Protocol, Tuple

from bot.fulfilment.datamap import System
from bot.fulfilment.identities import Identities

__all__ = ["Purpose", "TableCount", "TablePlan", "Receipt", "AccessResult", "Connector", "json_safe", "now_utc"]


class Purpose(str, enum.Enum):
    ACCESS = "access"
    ERASURE = "erasure"
    STOP_USING = "stop_using"


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class TableCount:
    """Rows found / changed in one table, and the map rule applied (``delete_row``, ``fields``...)."""

    table: str
    found: int
    changed: int = 0
    rule: str = ""


@dataclass(frozen=True)
class TablePlan:
    """What erasure would do to one table: rows, fields changed (by action) and fields kept (with reasons)."""

    table: str
    rows: int
    action: str  # delete_row | fields | set | none
    changed_fields: Tuple[Tuple[str, str], ...] = ()  # (field, nullify|mask|set)
    kept_fields: Tuple[Tuple[str, str], ...] = ()  # (field, legal reason name)


@dataclass(frozen=True)
class Receipt:
    """One system's part of a request: counts, when, which rule (``datamap.yml line N``)."""

    system: str
    operation: str
    status: str  # done | failed | waiting
    rule: str
    at: str
    found: Optional[int] = None
    changed: Optional[int] = None
    tables: Tuple[TableCount, ...] = ()
    error: Optional[str] = None

    def to_json(self) -> Dict[str, Any]:
        data = asdict(self)
        data["tables"] = [asdict(t) for t in self.tables]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Receipt":
        values = dict(data)
        values["tables"] = tuple(TableCount(**t) for t in values.get("tables", ()))
        return cls(**values)


@dataclass(frozen=True)
class AccessResult:
    receipt: Receipt
    records: Mapping[str, List[Dict[str, Any]]] = field(default_factory=dict)  # table → rows (personal data)


def json_safe(value: Any) -> Any:
    """Database values as JSON: dates in ISO form, decimals as text, bytes left out."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return None
    return value


class Connector(Protocol):
    """One system of the data map.  Methods raise :class:`~bot.fulfilment.errors.ConnectorError` on failure."""

    system: System

    def lookup(self, known: Identities) -> Dict[str, frozenset]:
        """Identities this system yields for the known ones (only SQL systems have lookups)."""

    def preview(self, known: Identities, purpose: Purpose, request_id: str) -> List[TablePlan]:
        """Read-only: what access would return / erasure would change, per table (counts)."""

    def access(self, known: Identities, request_id: str) -> AccessResult:
        """Read-only: the person's rows, per table."""

    def erase(self, known: Identities, purpose: Purpose, request_id: str) -> Receipt:
        """Erase (or stop using) in one transaction; safe to repeat."""
