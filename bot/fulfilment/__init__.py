"""Fulfilment: access, erasure and stop-using in the company's own systems, driven by a data map.

Plain Python + SQLAlchemy + httpx (no Rasa, no Starlette).  Public surface:

* :func:`~bot.fulfilment.datamap.load_datamap` / :func:`~bot.fulfilment.datamap.parse_datamap`
  and :func:`~bot.fulfilment.checks.check_against_systems` — the operator's map, checked;
* :func:`~bot.fulfilment.service.open_systems` — connectors for every system of a map;
* :class:`~bot.fulfilment.service.FulfilmentService` — plan, approve, execute (resumable),
  complete manual items; :class:`~bot.fulfilment.package.AccessPackage`.
"""

from bot.fulfilment.connectors import Purpose, Receipt
from bot.fulfilment.datamap import DataMap, load_datamap, parse_datamap
from bot.fulfilment.errors import (
    AmbiguousPerson,
    ConnectorError,
    DataMapError,
    FulfilmentError,
    PlanChanged,
    RunNotFound,
)
from bot.fulfilment.package import AccessPackage
from bot.fulfilment.service import FulfilmentService, Systems, load_checked_datamap, open_systems
from bot.fulfilment.store import RunBusy, RunView, StepView

__all__ = [
    "Purpose",
    "Receipt",
    "DataMap",
    "load_datamap",
    "parse_datamap",
    "AmbiguousPerson",
    "ConnectorError",
    "DataMapError",
    "FulfilmentError",
    "PlanChanged",
    "RunNotFound",
    "AccessPackage",
    "FulfilmentService",
    "Systems",
    "load_checked_datamap",
    "open_systems",
    "RunBusy",
    "RunView",
    "StepView",
]
