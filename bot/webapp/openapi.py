"""The OpenAPI 3.0 document of ``/api/v1`` (hand-written; tests check responses against it)."""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional

from bot.console.workflow import COMPLETION_OUTCOMES, MOVES, NOTE_LIMIT, REJECTION_REASONS, REPLY_LIMIT, REVEAL_REASONS
from bot.tickets import FIELD_LIMITS, Channel, Kind, NoteKind, Status, VerificationLevel, VerificationMethod
from bot.tickets.service import MAX_PAGE_SIZE
from bot.tickets.states import AuditAction

__all__ = ["openapi_document"]


def _enum(values: Any) -> Dict[str, Any]:
    return {"type": "string", "enum": [getattr(v, "value", v) for v in values]}


def _nullable(schema: Dict[str, Any]) -> Dict[str, Any]:
    return {**schema, "nullable": True}


def _ref(name: str) -> Dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(
    properties: Dict[str, Any], required: Optional[List[str]] = None, additional: bool = False
) -> Dict[str, Any]:
    schema: Dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": additional}
    schema["required"] = list(properties) if required is None else required
    if not schema["required"]:
        del schema["required"]
    return schema


STR = {"type": "string"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
VERSION = {
    "type": "integer",
    "minimum": 1,
    "maximum": 2**31 - 1,
    "description": "The ticket's `version` you last saw (stale → 409 version_conflict).",
}

SCHEMAS: Dict[str, Any] = {
    "Error": _object(
        {
            "error": STR,
            "message": STR,
            "holder": _nullable(STR),
            "current_version": INT,
            "field": STR,
            "retry_after": {
                "type": "integer",
                "minimum": 1,
                "description": "With 429: seconds to wait (as `Retry-After`).",
            },
        },
        required=["error", "message"],
    ),
    "Verification": _object(
        {
            "method": _enum(VerificationMethod),
            "level": _enum(VerificationLevel),
            "data_points": {"type": "array", "items": STR},
            "verified_at": _nullable(DATETIME),
        }
    ),
    "Ticket": _object(
        {
            "reference": STR,
            "kind": _enum(Kind),
            "status": _enum(Status),
            "channel": _enum(Channel),
            "priority": _enum(["normal", "high"]),
            "jurisdiction": STR,
            "regime": STR,
            "received_at": DATETIME,
            "acknowledge_by": _nullable(DATE),
            "acknowledged_at": _nullable(DATETIME),
            "due_date": DATE,
            "extended_due_date": _nullable(DATE),
            "respond_by": DATE,
            "extension_count": {"type": "integer", "minimum": 0},
            "closed_at": _nullable(DATETIME),
            "verification": _ref("Verification"),
            "assignee": _nullable(STR),
            "claimed_at": _nullable(DATETIME),
            "created_at": DATETIME,
            "updated_at": DATETIME,
            "has_personal_data": BOOL,
            "has_transcript": BOOL,
            "is_open": BOOL,
            "allowed_transitions": {"type": "array", "items": _enum(Status)},
            "version": {"type": "integer", "minimum": 1},
            "policy_version": {
                **_nullable(STR),
                "description": "The privacy policy in force when filed: revision @ source sha.",
            },
        }
    ),
    "Note": _object(
        {"id": INT, "kind": _enum(NoteKind), "author": STR, "created_at": DATETIME, "body": _nullable(STR)}
    ),
    "AuditEvent": _object(
        {
            "id": INT,
            "at": DATETIME,
            "actor": STR,
            "action": _enum(AuditAction),
            "reference": _nullable(STR),
            "from_status": _nullable(_enum(Status)),
            "to_status": _nullable(_enum(Status)),
            "reason_code": _nullable(STR),
        }
    ),
    "QueuePage": _object(
        {
            "items": {"type": "array", "items": _ref("Ticket")},
            "total": {"type": "integer", "minimum": 0},
            "limit": INT,
            "offset": INT,
            "next_offset": _nullable(INT),
            "next_cursor": {
                **_nullable(STR),
                "description": "Pass as `cursor` for the next page (null on a short page).",
            },
            "counts_by_status": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
        }
    ),
    "TicketDetail": _object(
        {
            "ticket": _ref("Ticket"),
            "notes": {"type": "array", "items": _ref("Note")},
            "history": {"type": "array", "items": _ref("AuditEvent")},
            "transcript": _nullable({"type": "string", "description": "Masked conversation transcript."}),
            "extension_reason": _nullable(STR),
        }
    ),
    "History": _object({"items": {"type": "array", "items": _ref("AuditEvent")}}),
    "AuditEventPage": _object(
        {"items": {"type": "array", "items": _ref("AuditEvent")}, "next_before_id": _nullable(INT)}
    ),
    "PersonalData": _object(
        {
            "personal_data": {
                "type": "object",
                "description": "Decrypted requester data (fields present only when stored). Every reveal is audited.",
                "properties": {
                    name: (DATE if name.endswith("date_of_birth") else STR)
                    for name in (
                        "requester_name",
                        "email",
                        "phone",
                        "date_of_birth",
                        "account_id",
                        "postal_address",
                        "child_name",
                        "child_date_of_birth",
                        "details",
                    )
                },
                "additionalProperties": False,
            }
        }
    ),
    "ReplyResult": _object(
        {
            "ticket": _ref("Ticket"),
            "note": _ref("Note"),
            "channel": _enum(["sms", "email"]),
            "delivery": {"type": "object", "additionalProperties": True},
        }
    ),
    "ExportPackage": {
        "type": "object",
        "additionalProperties": True,
        "required": ["format", "request", "personal_data"],
        "properties": {"format": STR, "request": {"type": "object"}, "personal_data": {"type": "object"}},
    },
    "Agent": _object(
        {
            "username": STR,
            "role": _enum(["agent", "admin"]),
            "disabled": BOOL,
            "created_at": DATETIME,
            "last_login_at": _nullable(DATETIME),
        }
    ),
    "AgentList": _object({"items": {"type": "array", "items": _ref("Agent")}}),
    "AccountEvent": _object({"id": INT, "at": DATETIME, "actor": STR, "action": STR, "subject": _nullable(STR)}),
    "AccountEventPage": _object({"items": {"type": "array", "items": _ref("AccountEvent")}, "total": INT}),
    "OutboxMessage": _object(
        {
            "id": STR,
            "created_at": DATETIME,
            "channel": _enum(["sms", "email"]),
            "to": STR,
            "subject": _nullable(STR),
            "body": STR,
        }
    ),
    "OutboxPage": _object({"items": {"type": "array", "items": _ref("OutboxMessage")}}),
}

_ERR = {"content": {"application/json": {"schema": _ref("Error")}}}
_DESCRIPTIONS = {
    400: "Body is not a JSON object.",
    401: "Missing or invalid API token.",
    403: "Admin operation called with an agent's token.",
    404: "Unknown ticket / agent.",
    409: "Conflict: claimed by someone else (`holder`), not holding the ticket, stale `expected_version` "
    "(`current_version`), transition not allowed, no extension left, reply not possible.",
    413: "Body larger than 256 KiB.",
    422: "Invalid or oversize field (`field` names it).",
    429: "Rate limit: too many requests with this token (`API_RATE_LIMIT`, default 300 a minute), or too many "
    "failed authentications from this address (`API_AUTH_FAILURE_LIMIT`, default 20 in 5 minutes). "
    "Wait `Retry-After` seconds.",
    502: "The SMS / e-mail provider did not accept the reply (nothing recorded).",
    503: "Messaging or the database is not available.",
}


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until the limit's window ends.",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}


def _op(
    op_id: str,
    summary: str,
    ok: Dict[str, Any],
    errors: List[int],
    *,
    ok_status: int = 200,
    body: Optional[Dict[str, Any]] = None,
    body_required: bool = True,
    params: Optional[List[Dict[str, Any]]] = None,
    tag: str = "tickets",
) -> Dict[str, Any]:
    responses: Dict[str, Any] = {str(ok_status): {"description": "OK", "content": {"application/json": {"schema": ok}}}}
    for status in sorted({401, 429, *errors}):
        responses[str(status)] = {"description": _DESCRIPTIONS[status], **copy.deepcopy(_ERR)}
    responses["429"]["headers"] = copy.deepcopy(_RETRY_AFTER)
    operation: Dict[str, Any] = {"operationId": op_id, "summary": summary, "tags": [tag], "responses": responses}
    if params:
        operation["parameters"] = params
    if body is not None:
        operation["requestBody"] = {"required": body_required, "content": {"application/json": {"schema": body}}}
    return operation


def _query(name: str, schema: Dict[str, Any], description: str = "") -> Dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


_REFERENCE = {
    "name": "reference",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "maxLength": 32},
    "description": "Ticket reference, e.g. PD-7K3D-9QXM.",
}
_USERNAME = {
    "name": "username",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_.-]{1,31}$"},
}
_TICKET_ERRORS = [400, 404, 409, 413, 422]


def _body(properties: Dict[str, Any], required: List[str]) -> Dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


def openapi_document() -> Dict[str, Any]:
    ticket = _ref("Ticket")
    version_only = _body({"expected_version": VERSION}, [])
    paths: Dict[str, Any] = {
        "/api/v1/me": {"get": _op("getMe", "The agent owning the token", _ref("Agent"), [], tag="account")},
        "/api/v1/tickets": {
            "get": _op(
                "listTickets",
                "The queue: high priority first, then earliest due date",
                _ref("QueuePage"),
                [422],
                params=[
                    _query("kind", _enum(Kind)),
                    _query("status", _enum(Status), "Default: every open status."),
                    _query("channel", _enum(Channel)),
                    _query("assigned", _enum(["any", "mine", "unassigned"])),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 50}),
                    _query("offset", {"type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0}),
                    _query(
                        "cursor",
                        {"type": "string", "maxLength": 100},
                        "A page's `next_cursor`: the tickets after it (instead of `offset`; as fast at any depth).",
                    ),
                ],
            )
        },
        "/api/v1/tickets/{reference}": {
            "parameters": [_REFERENCE],
            "get": _op(
                "getTicket",
                "A ticket with notes, history and masked transcript (no personal data)",
                _ref("TicketDetail"),
                [404],
            ),
        },
        "/api/v1/tickets/{reference}/history": {
            "parameters": [_REFERENCE],
            "get": _op("getTicketHistory", "The ticket's audit events, oldest first", _ref("History"), [404]),
        },
        "/api/v1/tickets/{reference}/claim": {
            "parameters": [_REFERENCE],
            "post": _op(
                "claimTicket",
                "Claim (atomic; 409 with `holder` if someone else has it)",
                ticket,
                _TICKET_ERRORS,
                body=version_only,
                body_required=False,
            ),
        },
        "/api/v1/tickets/{reference}/release": {
            "parameters": [_REFERENCE],
            "post": _op(
                "releaseTicket",
                "Release a ticket you hold",
                ticket,
                _TICKET_ERRORS,
                body=version_only,
                body_required=False,
            ),
        },
        "/api/v1/tickets/{reference}/notes": {
            "parameters": [_REFERENCE],
            "post": _op(
                "addNote",
                f"Add an internal note (at most {NOTE_LIMIT} characters)",
                _ref("Note"),
                _TICKET_ERRORS,
                ok_status=201,
                body=_body({"body": {"type": "string", "minLength": 1, "maxLength": NOTE_LIMIT}}, ["body"]),
            ),
        },
        "/api/v1/tickets/{reference}/reveal": {
            "parameters": [_REFERENCE],
            "post": _op(
                "revealPersonalData",
                "Reveal the requester's personal data (audited with the reason)",
                _ref("PersonalData"),
                _TICKET_ERRORS,
                body=_body({"reason": _enum(REVEAL_REASONS)}, ["reason"]),
            ),
        },
        "/api/v1/tickets/{reference}/reply": {
            "parameters": [_REFERENCE],
            "post": _op(
                "replyToRequester",
                f"Send a reply on the requester's verified channel and record it (at most {REPLY_LIMIT} characters)",
                _ref("ReplyResult"),
                [*_TICKET_ERRORS, 502, 503],
                body=_body(
                    {
                        "message": {"type": "string", "minLength": 1, "maxLength": REPLY_LIMIT},
                        "expected_version": VERSION,
                    },
                    ["message", "expected_version"],
                ),
            ),
        },
        "/api/v1/tickets/{reference}/request-documents": {
            "parameters": [_REFERENCE],
            "post": _op(
                "requestDocuments",
                "Ask the requester for documents and wait for them",
                ticket,
                [*_TICKET_ERRORS, 502, 503],
                body=_body({"expected_version": VERSION}, ["expected_version"]),
            ),
        },
        "/api/v1/tickets/{reference}/extend": {
            "parameters": [_REFERENCE],
            "post": _op(
                "extendTicket",
                "Extend the deadline once, with the reason told to the requester",
                ticket,
                _TICKET_ERRORS,
                body=_body(
                    {
                        "reason": {"type": "string", "minLength": 1, "maxLength": FIELD_LIMITS["extension_reason"]},
                        "expected_version": VERSION,
                    },
                    ["reason", "expected_version"],
                ),
            ),
        },
        "/api/v1/tickets/{reference}/transition": {
            "parameters": [_REFERENCE],
            "post": _op(
                "transitionTicket",
                "Move the ticket (start work, wait for requester, documents received, withdrawn)",
                ticket,
                _TICKET_ERRORS,
                body=_body(
                    {"to": _enum([s.value for s in MOVES]), "expected_version": VERSION}, ["to", "expected_version"]
                ),
            ),
        },
        "/api/v1/tickets/{reference}/complete": {
            "parameters": [_REFERENCE],
            "post": _op(
                "completeTicket",
                "Complete with an outcome",
                ticket,
                _TICKET_ERRORS,
                body=_body(
                    {
                        "outcome": _enum(COMPLETION_OUTCOMES),
                        "expected_version": VERSION,
                        "note": {"type": "string", "maxLength": NOTE_LIMIT},
                    },
                    ["outcome", "expected_version"],
                ),
            ),
        },
        "/api/v1/tickets/{reference}/reject": {
            "parameters": [_REFERENCE],
            "post": _op(
                "rejectTicket",
                "Reject with a reason",
                ticket,
                _TICKET_ERRORS,
                body=_body(
                    {
                        "reason": _enum(REJECTION_REASONS),
                        "expected_version": VERSION,
                        "note": {"type": "string", "maxLength": NOTE_LIMIT},
                    },
                    ["reason", "expected_version"],
                ),
            ),
        },
        "/api/v1/tickets/{reference}/export": {
            "parameters": [_REFERENCE],
            "post": _op(
                "exportTicket",
                "The access-request package (verified access requests only; audited)",
                _ref("ExportPackage"),
                [404, 409],
            ),
        },
        "/api/v1/tickets/{reference}/reassign": {
            "parameters": [_REFERENCE],
            "post": _op(
                "reassignTicket",
                "Hand an open ticket to another agent, or back to the queue with `to: null` (admin only)",
                ticket,
                [*_TICKET_ERRORS, 403],
                tag="admin",
                body=_body(
                    {
                        "to": {"type": "string", "nullable": True, "pattern": "^[A-Za-z][A-Za-z0-9_.-]{1,31}$"},
                        "expected_version": VERSION,
                    },
                    ["to", "expected_version"],
                ),
            ),
        },
        "/api/v1/audit-events": {
            "get": _op(
                "listAuditEvents",
                "The ticket audit trail, newest first (admin only); page with `before_id`",
                _ref("AuditEventPage"),
                [403, 422],
                tag="admin",
                params=[
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
                    _query("before_id", {"type": "integer", "minimum": 1, "maximum": 2**62}),
                ],
            ),
        },
        "/api/v1/agents": {
            "get": _op("listAgents", "Agents and admins (admin only)", _ref("AgentList"), [403], tag="admin"),
            "post": _op(
                "createAgent",
                "Create an agent or admin (admin only)",
                _ref("Agent"),
                [400, 403, 409, 413, 422],
                ok_status=201,
                tag="admin",
                body=_body(
                    {
                        "username": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_.-]{1,31}$"},
                        "password": {"type": "string", "minLength": 12, "maxLength": 1024},
                        "role": _enum(["agent", "admin"]),
                    },
                    ["username", "password"],
                ),
            ),
        },
        "/api/v1/agents/{username}/disable": {
            "parameters": [_USERNAME],
            "post": _op(
                "disableAgent",
                "Disable an account: sessions end, tokens stop working (admin only)",
                _ref("Agent"),
                [403, 404, 422],
                tag="admin",
            ),
        },
        "/api/v1/agents/{username}/enable": {
            "parameters": [_USERNAME],
            "post": _op(
                "enableAgent", "Re-enable an account (admin only)", _ref("Agent"), [403, 404, 422], tag="admin"
            ),
        },
        "/api/v1/account-events": {
            "get": _op(
                "listAccountEvents",
                "Account audit events, newest first (admin only)",
                _ref("AccountEventPage"),
                [403, 422],
                tag="admin",
                params=[
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}),
                    _query("offset", {"type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0}),
                ],
            ),
        },
        "/api/v1/outbox": {
            "get": _op(
                "listOutbox",
                "Messages the local profile would have sent (admin only; 404 in production)",
                _ref("OutboxPage"),
                [403, 404, 422],
                tag="admin",
                params=[_query("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 50})],
            ),
        },
    }
    from bot.webapp.openapi_reports import REPORT_SCHEMAS, report_paths  # built from this module's helpers

    paths.update(report_paths())
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
            "schemas": copy.deepcopy({**SCHEMAS, **REPORT_SCHEMAS}),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "Per-agent API token (pdt_...)."}
            },
        },
    }
