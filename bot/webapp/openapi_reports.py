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
from bot.webapp.openapi import BOOL, DATE, DATETIME, INT, STR, _enum, _nullable, _object, _op, _query, _ref

__all__ = ["REPORT_SCHEMAS", "report_paths"]

_COUNT = {"type": "integer", "minimum": 0}
_DAYS = _nullable({"type": "number", "minimum": 0})
_COUNTS_BY = {"type": "object", "additionalProperties": _COUNT}

REPORT_SCHEMAS: Dict[str, Any] = {
    "Dashboard": _object(
        {
            "today": DATE,
            "open_total": _COUNT,
            "open_by_status_kind": {"type": "object", "additionalProperties": _COUNTS_BY},
            "open_by_status": _COUNTS_BY,
            "open_by_kind": _COUNTS_BY,
            "due_soon": {**_COUNT, "description": "Open tickets due today or within `soon_days` days."},
            "overdue": {**_COUNT, "description": "Open tickets whose respond-by date has passed."},
            "soon_days": INT,
            "received_per_week": {"type": "array", "items": _object({"week_start": DATE, "received": _COUNT})},
            "median_days_to_close": _DAYS,
            "closed_in_window": _COUNT,
            "closed_window_days": INT,
        }
    ),
    "CcpaCategory": _object(
        {
            "category": _enum(CATEGORIES),
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
    "Ccpa7102": _object(
        {
            "regulation": STR,
            "period_start": DATE,
            "period_end": DATE,
            "time_zone": STR,
            "generated_at": DATETIME,
            "categories": {"type": "array", "items": _ref("CcpaCategory")},
            "text": {"type": "string", "description": "Sentences to publish (7102(a))."},
        }
    ),
    "CcpaRecord": _object(
        {
            "reference": STR,
            "request_type": _enum(CATEGORIES),
            "ticket_kind": _enum(Kind),
            "received_on": DATE,
            "manner": _enum(Channel),
            "responded_on": _nullable(DATE),
            "response": _enum(RESPONSES),
            "denial_basis": _nullable(STR),
            "extended": BOOL,
            "respond_by": DATE,
        }
    ),
    "Ccpa7101": _object(
        {
            "regulation": STR,
            "period_start": DATE,
            "period_end": DATE,
            "time_zone": STR,
            "items": {"type": "array", "items": _ref("CcpaRecord")},
        }
    ),
}

_PERIOD = [
    _query("start", DATE, "First day (inclusive), in the CCPA jurisdiction's time zone."),
    _query("end", DATE, f"Last day (inclusive); at most {MAX_PERIOD_DAYS} days after `start`."),
]


def _with_csv(operation: Dict[str, Any], description: str) -> Dict[str, Any]:
    """Document a CSV body beside the JSON one for the 200 response (``format=csv``)."""
    operation["responses"]["200"]["content"]["text/csv"] = {"schema": {"type": "string", "description": description}}
    return operation


def report_paths() -> Dict[str, Any]:
    fmt_json = _query("format", {**_enum(["json", "csv"]), "default": "json"})
    fmt_csv = _query("format", {**_enum(["json", "csv"]), "default": "csv"})
    return {
        "/api/v1/search": {
            "get": _op(
                "searchTickets",
                "Find tickets by reference (any format), requester e-mail or phone (blind index), status, kind, "
                "channel, received dates, due state; queue order, closed tickets included",
                _ref("QueuePage"),
                [422],
                tag="search",
                params=[
                    _query(
                        "q",
                        {"type": "string", "maxLength": QUERY_LIMIT},
                        "A reference, an e-mail address or a phone number.",
                    ),
                    _query("status", _enum(Status)),
                    _query("kind", _enum(Kind)),
                    _query("channel", _enum(Channel)),
                    _query("from", DATE, "Received on or after this day."),
                    _query("to", DATE, "Received on or before this day."),
                    _query("due", _enum(["overdue", "soon"]), "Open tickets overdue, or due within 3 days."),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 50}),
                    _query("offset", {"type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0}),
                    _query("cursor", {"type": "string", "maxLength": 100}, "A page's `next_cursor`."),
                ],
            )
        },
        "/api/v1/reports/dashboard": {
            "get": _op(
                "getDashboard",
                "Open tickets by status and kind, due soon / overdue, received per week, " "median days to close",
                _ref("Dashboard"),
                [],
                tag="reports",
            ),
        },
        "/api/v1/reports/ccpa-7102": {
            "get": _with_csv(
                _op(
                    "getCcpaMetrics",
                    "The 11 CCR 7102 table for a period (default: last calendar year); admins",
                    _ref("Ccpa7102"),
                    [403, 422],
                    tag="reports",
                    params=[*copy.deepcopy(_PERIOD), fmt_json],
                ),
                "One row per category: received, complied (whole / part), denied, withdrawn, pending, extended, median and mean days.",
            ),
        },
        "/api/v1/reports/ccpa-7101": {
            "get": _with_csv(
                _op(
                    "getCcpaRecords",
                    "Request records (11 CCR 7101) for a period (default: the last 24 months); "
                    "no personal data beyond the request; admins",
                    _ref("Ccpa7101"),
                    [403, 422],
                    tag="reports",
                    params=[*copy.deepcopy(_PERIOD), fmt_csv],
                ),
                "One row per request: reference, request_type, ticket_kind, received_on, manner, responded_on, "
                "response, denial_basis, extended, respond_by.",
            ),
        },
    }
