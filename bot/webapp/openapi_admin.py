"""The OpenAPI paths and schemas of the admin operations (agents, audit trails, the local outbox).

Merged into the one document by :func:`bot.webapp.openapi.openapi_document`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from bot.webapp.openapi_parts import (
    BOOL,
    DATETIME,
    INT,
    STR,
    USERNAME,
    body_of,
    enum_of,
    nullable,
    object_of,
    operation,
    query_param,
    ref,
)

__all__ = ["ADMIN_SCHEMAS", "admin_paths"]

ADMIN_SCHEMAS: Dict[str, Any] = {
    "Agent": object_of(
        {
            "username": STR,
            "role": enum_of(["agent", "admin"]),
            "disabled": BOOL,
            "created_at": DATETIME,
            "last_login_at": nullable(DATETIME),
        }
    ),
    "AgentList": object_of({"items": {"type": "array", "items": ref("Agent")}}),
    "AccountEvent": object_of({"id": INT, "at": DATETIME, "actor": STR, "action": STR, "subject": nullable(STR)}),
    "AccountEventPage": object_of({"items": {"type": "array", "items": ref("AccountEvent")}, "total": INT}),
    "OutboxMessage": object_of(
        {
            "id": STR,
            "created_at": DATETIME,
            "channel": enum_of(["sms", "email"]),
            "to": STR,
            "subject": nullable(STR),
            "body": STR,
        }
    ),
    "OutboxPage": object_of({"items": {"type": "array", "items": ref("OutboxMessage")}}),
}


def _admin(op_id: str, summary: str, schema: str, errors: List[int], **kwargs: Any) -> Dict[str, Any]:
    """An admin-only operation answering with the schema named ``schema``."""
    return operation(op_id, summary, ref(schema), errors, tag="admin", **kwargs)


def _whole(low: int, high: int, default: Optional[int] = None) -> Dict[str, Any]:
    """A whole-number query parameter between ``low`` and ``high``."""
    bounds: Dict[str, Any] = {"type": "integer", "minimum": low, "maximum": high}
    return bounds if default is None else {**bounds, "default": default}


def admin_paths() -> Dict[str, Any]:
    return {
        "/api/v1/audit-events": {
            "get": _admin(
                "listAuditEvents",
                "The ticket audit trail, newest first (admin only); page with `before_id`",
                "AuditEventPage",
                [403, 422],
                params=[query_param("limit", _whole(1, 1000, 100)), query_param("before_id", _whole(1, 2**62))],
            ),
        },
        "/api/v1/agents": {
            "get": _admin("listAgents", "Agents and admins (admin only)", "AgentList", [403]),
            "post": _admin(
                "createAgent",
                "Create an agent or admin (admin only)",
                "Agent",
                [400, 403, 409, 413, 422],
                ok_status=201,
                body=body_of(
                    {
                        "username": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_.-]{1,31}$"},
                        "password": {"type": "string", "minLength": 12, "maxLength": 1024},
                        "role": enum_of(["agent", "admin"]),
                    },
                    ["username", "password"],
                ),
            ),
        },
        "/api/v1/agents/{username}/disable": {
            "parameters": [USERNAME],
            "post": _admin(
                "disableAgent",
                "Disable an account: sessions end, tokens stop working (admin only)",
                "Agent",
                [403, 404, 422],
            ),
        },
        "/api/v1/agents/{username}/enable": {
            "parameters": [USERNAME],
            "post": _admin("enableAgent", "Re-enable an account (admin only)", "Agent", [403, 404, 422]),
        },
        "/api/v1/account-events": {
            "get": _admin(
                "listAccountEvents",
                "Account audit events, newest first (admin only)",
                "AccountEventPage",
                [403, 422],
                params=[query_param("limit", _whole(1, 500, 100)), query_param("offset", _whole(0, 1_000_000, 0))],
            ),
        },
        "/api/v1/outbox": {
            "get": _admin(
                "listOutbox",
                "Messages the local profile would have sent (admin only; 404 in production)",
                "OutboxPage",
                [403, 404, 422],
                params=[query_param("limit", _whole(1, 1000, 50))],
            ),
        },
    }
