"""Connectors: how fulfilment reaches each system of the data map (SQL, signed webhook, manual checklist)."""

from bot.fulfilment.connectors.base import AccessResult, Connector, Purpose, Receipt, TableCount, TablePlan
from bot.fulfilment.connectors.manual import ManualConnector
from bot.fulfilment.connectors.sql import SqlConnector
from bot.fulfilment.connectors.webhook import WebhookConnector

__all__ = [
    "AccessResult",
    "Connector",
    "Purpose",
    "Receipt",
    "TableCount",
    "TablePlan",
    "ManualConnector",
    "SqlConnector",
    "WebhookConnector",
]
