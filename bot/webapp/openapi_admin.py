"""The OpenAPI paths and schemas of the admin operations (agents, audit trails, the local outbox).

Merged into the one document by :func:`bot.webapp.openapi.openapi_document`.
"""

from __future__ import annotations

from typing import Any, Dict

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


def admin_paths() -> Dict[str, Any]:
    return {
        "/api/v1/audit-events": {
            "get": operation(
                "listAuditEvents",
                "The ticket audit trail, newest first (admin only); page with `before_id`",
                ref("AuditEventPage"),
                [403, 422],
                tag="admin",
                params=[
                    query_param("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
                    query_param("before_id", {"type": "integer", "minimum": 1, "maximum": 2**62}),
                ],
            ),
        },
        "/api/v1/agents": {
            "get": operation("listAgents", "Agents and admins (admin only)", ref("AgentList"), [403], tag="admin"),
            "post": operation(
                "createAgent",
                "Create an agent or admin (admin only)",
                ref("Agent"),
                [400, 403, 409, 413, 422],
                ok_status=201,
                tag="admin",
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
            "post": operation(
                "disableAgent",
                "Disable an account: sessions end, tokens stop working (admin only)",
                ref("Agent"),
                [403, 404, 422],
                tag="admin",
            ),
        },
        "/api/v1/agents/{username}/enable": {
            "parameters": [USERNAME],
            "post": operation(
                "enableAgent", "Re-enable an account (admin only)", ref("Agent"), [403, 404, 422], tag="admin"
            ),
        },
        "/api/v1/account-events": {
            "get": operation(
                "listAccountEvents",
                "Account audit events, newest first (admin only)",
                ref("AccountEventPage"),
                [403, 422],
                tag="admin",
                params=[
                    query_param("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}),
                    query_param("offset", {"type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0}),
                ],
            ),
        },
        "/api/v1/outbox": {
            "get": operation(
                "listOutbox",
                "Messages the local profile would have sent (admin only; 404 in production)",
                ref("OutboxPage"),
                [403, 404, 422],
                tag="admin",
                params=[query_param("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50})],
            ),
        },
    }
