"""The OpenAPI 3.0 document of ``/api/v1`` (hand-written; tests check responses against it).

The paths and schemas live with their area: tickets (:mod:`bot.webapp.openapi_tickets`),
admin (:mod:`bot.webapp.openapi_admin`), search and reports
(:mod:`bot.webapp.openapi_reports`), all built from :mod:`bot.webapp.openapi_parts`.
"""

from __future__ import annotations

import copy
from typing import Any, Dict

from bot.webapp.openapi_admin import ADMIN_SCHEMAS, admin_paths
from bot.webapp.openapi_reports import REPORT_SCHEMAS, report_paths
from bot.webapp.openapi_tickets import TICKET_SCHEMAS, ticket_paths

__all__ = ["openapi_document"]


def openapi_document() -> Dict[str, Any]:
    paths: Dict[str, Any] = {**ticket_paths(), **admin_paths(), **report_paths()}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Privacy Desk agent API",
            "version": "1.0.0",
            "description": "The agent console's operations. Authenticate with a per-agent API token: "
            "`Authorization: Bearer pdt_...`. Personal data only comes from `reveal` and `export`, both audited.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": copy.deepcopy({**TICKET_SCHEMAS, **ADMIN_SCHEMAS, **REPORT_SCHEMAS}),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "Per-agent API token (pdt_...)."}
            },
        },
    }
