"""The OpenAPI paths and schemas of ``/api/v1/search`` and ``/api/v1/reports/...`` (:mod:`bot.webapp.api_reports`).

Merged into the one document by :func:`bot.webapp.openapi.openapi_document`.
"""

from __future__ import annotations

import copy
from typing import Any, Dict

from bot.console.metrics import CATEGORIES, MAX_PERIOD_DAYS, RESPONSES
from bot.tickets import Channel, Kind, Status
from bot.tickets.search import QUERY_LIMIT
from bot.tickets.service import MAX_PAGE_SIZE
from bot.webapp.openapi_parts import (
    BOOL,
    DATE,
    DATETIME,
    INT,
    STR,
    enum_of,
    nullable,
    object_of,
    operation,
    query_param,
    ref,
)

__all__ = ["REPORT_SCHEMAS", "report_paths"]

_COUNT = {"type": "integer", "minimum": 0}
_DAYS = nullable({"type": "number", "minimum": 0})
_COUNTS_BY = {"type": "object", "additionalProperties": _COUNT}

REPORT_SCHEMAS: Dict[str, Any] = {
    "Dashboard": object_of(
        {
            "today": DATE,
            "open_total": _COUNT,
            "open_by_status_kind": {"type": "object", "additionalProperties": _COUNTS_BY},
            "open_by_status": _COUNTS_BY,
            "open_by_kind": _COUNTS_BY,
            "due_soon": {**_COUNT, "description": "Open tickets due today or within `soon_days` days."},
            "overdue": {**_COUNT, "description": "Open tickets whose respond-by date has passed."},
            "soon_days": INT,
            "received_per_week": {"type": "array", "items": object_of({"week_start": DATE, "received": _COUNT})},
            "median_days_to_close": _DAYS,
            "closed_in_window": _COUNT,
            "closed_window_days": INT,
        }
    ),
    "CcpaCategory": object_of(
        {
            "category": enum_of(CATEGORIES),
            "label": STR,
            "received": _COUNT,
            "complied": {**_COUNT, "description": "Complied with in whole or in part."},
            "complied_in_whole": _COUNT,
            "complied_in_part": _COUNT,
            "denied": _COUNT,
            "withdrawn": _COUNT,
            "pending": {**_COUNT, "description": "Still open when the report was made."},
            "extended": _COUNT,
            "median_days": _DAYS,
            "mean_days": _DAYS,
            "denial_bases": _COUNTS_BY,
        }
    ),
    "Ccpa7102": object_of(
        {
            "regulation": STR,
            "period_start": DATE,
            "period_end": DATE,
            "time_zone": STR,
            "generated_at": DATETIME,
            "categories": {"type": "array", "items": ref("CcpaCategory")},
            "text": {"type": "string", "description": "Sentences to publish (7102(a))."},
        }
    ),
    "CcpaRecord": object_of(
        {
            "reference": STR,
            "request_type": enum_of(CATEGORIES),
            "ticket_kind": enum_of(Kind),
            "received_on": DATE,
            "manner": enum_of(Channel),
            "responded_on": nullable(DATE),
            "response": enum_of(RESPONSES),
            "denial_basis": nullable(STR),
            "extended": BOOL,
            "respond_by": DATE,
        }
    ),
    "Ccpa7101": object_of(
        {
            "regulation": STR,
            "period_start": DATE,
            "period_end": DATE,
            "time_zone": STR,
            "items": {"type": "array", "items": ref("CcpaRecord")},
        }
    ),
}

_PERIOD = [
    query_param("start", DATE, "First day (inclusive), in the CCPA jurisdiction's time zone."),
    query_param("end", DATE, f"Last day (inclusive); at most {MAX_PERIOD_DAYS} days after `start`."),
]


def _with_csv(operation: Dict[str, Any], description: str) -> Dict[str, Any]:
    """Document a CSV body beside the JSON one for the 200 response (``format=csv``)."""
    operation["responses"]["200"]["content"]["text/csv"] = {"schema": {"type": "string", "description": description}}
    return operation


def report_paths() -> Dict[str, Any]:
    fmt_json = query_param("format", {**enum_of(["json", "csv"]), "default": "json"})
    fmt_csv = query_param("format", {**enum_of(["json", "csv"]), "default": "csv"})
    return {
        "/api/v1/search": {
            "get": operation(
                "searchTickets",
                "Find tickets by reference (any format), requester e-mail or phone (blind index), status, kind, "
                "channel, received dates, due state; queue order, closed tickets included",
                ref("QueuePage"),
                [422],
                tag="search",
                params=[
                    query_param(
                        "q",
                        {"type": "string", "maxLength": QUERY_LIMIT},
                        "A reference, an e-mail address or a phone number.",
                    ),
                    query_param("status", enum_of(Status)),
                    query_param("kind", enum_of(Kind)),
                    query_param("channel", enum_of(Channel)),
                    query_param("from", DATE, "Received on or after this day."),
                    query_param("to", DATE, "Received on or before this day."),
                    query_param("due", enum_of(["overdue", "soon"]), "Open tickets overdue, or due within 3 days."),
                    query_param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 50}),
                    query_param("offset", {"type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0}),
                    query_param("cursor", {"type": "string", "maxLength": 100}, "A page's `next_cursor`."),
                ],
            )
        },
        "/api/v1/reports/dashboard": {
            "get": operation(
                "getDashboard",
                "Open tickets by status and kind, due soon / overdue, received per week, " "median days to close",
                ref("Dashboard"),
                [],
                tag="reports",
            ),
        },
        "/api/v1/reports/ccpa-7102": {
            "get": _with_csv(
                operation(
                    "getCcpaMetrics",
                    "The 11 CCR 7102 table for a period (default: last calendar year); admins",
                    ref("Ccpa7102"),
                    [403, 422],
                    tag="reports",
                    params=[*copy.deepcopy(_PERIOD), fmt_json],
                ),
                "One row per category: received, complied (whole / part), denied, withdrawn, pending, extended, median and mean days.",
            ),
        },
        "/api/v1/reports/ccpa-7101": {
            "get": _with_csv(
                operation(
                    "getCcpaRecords",
                    "Request records (11 CCR 7101) for a period (default: the last 24 months); "
                    "no personal data beyond the request; admins",
                    ref("Ccpa7101"),
                    [403, 422],
                    tag="reports",
                    params=[*copy.deepcopy(_PERIOD), fmt_csv],
                ),
                "One row per request: reference, request_type, ticket_kind, received_on, manner, responded_on, "
                "response, denial_basis, extended, respond_by.",
            ),
        },
    }
