"""The manual connector: a system with no API becomes a checklist item an agent ticks.

It never touches anything itself: access and erasure return a ``waiting`` receipt
carrying the map's instructions; the run stays incomplete until an agent marks the
item done (:meth:`bot.fulfilment.service.FulfilmentService.complete_manual`).
"""

from __future__ import annotations

from typing import Dict, List

from bot.fulfilment.connectors.base import AccessResult, Purpose, Receipt, TablePlan, now_utc
from bot.fulfilment.datamap import DataMap, System
from bot.fulfilment.identities import Identities

__all__ = ["ManualConnector"]


class ManualConnector:
    def __init__(self, datamap: DataMap, system: System) -> None:
        self.datamap = datamap
        self.system = system

    @property
    def rule(self) -> str:
        return f"{self.datamap.path} systems.{self.system.name} (line {self.system.line})"

    def _waiting(self, operation: str) -> Receipt:
        return Receipt(self.system.name, operation, "waiting", self.rule, now_utc().isoformat())

    def lookup(self, known: Identities) -> Dict[str, frozenset]:
        return {}

    def preview(self, known: Identities, purpose: Purpose, request_id: str) -> List[TablePlan]:
        return [TablePlan("(manual)", 0, "checklist: " + (self.system.instructions or ""))]

    def access(self, known: Identities, request_id: str) -> AccessResult:
        return AccessResult(self._waiting(Purpose.ACCESS.value), {})

    def erase(self, known: Identities, purpose: Purpose, request_id: str) -> Receipt:
        return self._waiting(purpose.value)
