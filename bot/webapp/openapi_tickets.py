"""The OpenAPI paths and schemas of the ticket operations (``/api/v1/me``, ``/api/v1/tickets/...``).

Merged into the one document by :func:`bot.webapp.openapi.openapi_document`.
"""

from __future__ import annotations

from typing import Any, Dict

from bot.console.workflow import COMPLETION_OUTCOMES, MOVES, NOTE_LIMIT, REJECTION_REASONS, REPLY_LIMIT, REVEAL_REASONS
from bot.tickets import FIELD_LIMITS, Channel, Kind, NoteKind, Status, VerificationLevel, VerificationMethod
from bot.tickets.service import MAX_PAGE_SIZE
from bot.tickets.states import AuditAction
from bot.tickets.types import PERSONAL_FIELDS
from bot.webapp.openapi_parts import (
    BOOL,
    DATE,
    DATETIME,
    INT,
    REFERENCE,
    STR,
    TICKET_ERRORS,
    VERSION,
    body_of,
    enum_of,
    nullable,
    object_of,
    operation,
    query_param,
    ref,
)

__all__ = ["TICKET_SCHEMAS", "ticket_paths"]

TICKET_SCHEMAS: Dict[str, Any] = {
    "Error": object_of(
        {
            "error": STR,
            "message": STR,
            "holder": nullable(STR),
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
    "Verification": object_of(
        {
            "method": enum_of(VerificationMethod),
            "level": enum_of(VerificationLevel),
            "data_points": {"type": "array", "items": STR},
            "verified_at": nullable(DATETIME),
        }
    ),
    "Ticket": object_of(
        {
            "reference": STR,
            "kind": enum_of(Kind),
            "status": enum_of(Status),
            "channel": enum_of(Channel),
            "priority": enum_of(["normal", "high"]),
            "jurisdiction": STR,
            "regime": STR,
            "received_at": DATETIME,
            "acknowledge_by": nullable(DATE),
            "acknowledged_at": nullable(DATETIME),
            "due_date": DATE,
            "extended_due_date": nullable(DATE),
            "respond_by": DATE,
            "extension_count": {"type": "integer", "minimum": 0},
            "closed_at": nullable(DATETIME),
            "verification": ref("Verification"),
            "assignee": nullable(STR),
            "claimed_at": nullable(DATETIME),
            "created_at": DATETIME,
            "updated_at": DATETIME,
            "has_personal_data": BOOL,
            "has_transcript": BOOL,
            "is_open": BOOL,
            "allowed_transitions": {"type": "array", "items": enum_of(Status)},
            "version": {"type": "integer", "minimum": 1},
            "policy_version": {
                **nullable(STR),
                "description": "The privacy policy in force when filed: revision @ source sha.",
            },
        }
    ),
    "Note": object_of(
        {"id": INT, "kind": enum_of(NoteKind), "author": STR, "created_at": DATETIME, "body": nullable(STR)}
    ),
    "AuditEvent": object_of(
        {
            "id": INT,
            "at": DATETIME,
            "actor": STR,
            "action": enum_of(AuditAction),
            "reference": nullable(STR),
            "from_status": nullable(enum_of(Status)),
            "to_status": nullable(enum_of(Status)),
            "reason_code": nullable(STR),
        }
    ),
    "QueuePage": object_of(
        {
            "items": {"type": "array", "items": ref("Ticket")},
            "total": {"type": "integer", "minimum": 0},
            "limit": INT,
            "offset": INT,
            "next_offset": nullable(INT),
            "next_cursor": {
                **nullable(STR),
                "description": "Pass as `cursor` for the next page (null on a short page).",
            },
            "counts_by_status": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
        }
    ),
    "TicketDetail": object_of(
        {
            "ticket": ref("Ticket"),
            "notes": {"type": "array", "items": ref("Note")},
            "history": {"type": "array", "items": ref("AuditEvent")},
            "transcript": nullable({"type": "string", "description": "Masked conversation transcript."}),
            "extension_reason": nullable(STR),
        }
    ),
    "History": object_of({"items": {"type": "array", "items": ref("AuditEvent")}}),
    "AuditEventPage": object_of(
        {"items": {"type": "array", "items": ref("AuditEvent")}, "next_before_id": nullable(INT)}
    ),
    "PersonalData": object_of(
        {
            "personal_data": {
                "type": "object",
                "description": "Decrypted requester data (fields present only when stored). Every reveal is audited.",
                "properties": {name: (DATE if name.endswith("date_of_birth") else STR) for name in PERSONAL_FIELDS},
                "additionalProperties": False,
            }
        }
    ),
    "ReplyResult": object_of(
        {
            "ticket": ref("Ticket"),
            "note": ref("Note"),
            "channel": enum_of(["sms", "email"]),
            "delivery": {"type": "object", "additionalProperties": True},
        }
    ),
    "ExportPackage": {
        "type": "object",
        "additionalProperties": True,
        "required": ["format", "request", "personal_data"],
        "properties": {"format": STR, "request": {"type": "object"}, "personal_data": {"type": "object"}},
    },
}


def _closing(op_id: str, summary: str, field: str, choices: Any) -> Dict[str, Any]:
    """A closing operation: one of ``choices`` under ``field``, the version seen, an optional note."""
    body = body_of(
        {field: enum_of(choices), "expected_version": VERSION, "note": {"type": "string", "maxLength": NOTE_LIMIT}},
        [field, "expected_version"],
    )
    return {"parameters": [REFERENCE], "post": operation(op_id, summary, ref("Ticket"), TICKET_ERRORS, body=body)}


def ticket_paths() -> Dict[str, Any]:
    ticket = ref("Ticket")
    version_only = body_of({"expected_version": VERSION}, [])
    return {
        "/api/v1/me": {"get": operation("getMe", "The agent owning the token", ref("Agent"), [], tag="account")},
        "/api/v1/tickets": {
            "get": operation(
                "listTickets",
                "The queue: high priority first, then earliest due date",
                ref("QueuePage"),
                [422],
                params=[
                    query_param("kind", enum_of(Kind)),
                    query_param("status", enum_of(Status), "Default: every open status."),
                    query_param("channel", enum_of(Channel)),
                    query_param("assigned", enum_of(["any", "mine", "unassigned"])),
                    query_param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 50}),
                    query_param("offset", {"type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0}),
                    query_param(
                        "cursor",
                        {"type": "string", "maxLength": 100},
                        "A page's `next_cursor`: the tickets after it (instead of `offset`; as fast at any depth).",
                    ),
                ],
            )
        },
        "/api/v1/tickets/{reference}": {
            "parameters": [REFERENCE],
            "get": operation(
                "getTicket",
                "A ticket with notes, history and masked transcript (no personal data)",
                ref("TicketDetail"),
                [404],
            ),
        },
        "/api/v1/tickets/{reference}/history": {
            "parameters": [REFERENCE],
            "get": operation("getTicketHistory", "The ticket's audit events, oldest first", ref("History"), [404]),
        },
        "/api/v1/tickets/{reference}/claim": {
            "parameters": [REFERENCE],
            "post": operation(
                "claimTicket",
                "Claim (atomic; 409 with `holder` if someone else has it)",
                ticket,
                TICKET_ERRORS,
                body=version_only,
                body_required=False,
            ),
        },
        "/api/v1/tickets/{reference}/release": {
            "parameters": [REFERENCE],
            "post": operation(
                "releaseTicket",
                "Release a ticket you hold",
                ticket,
                TICKET_ERRORS,
                body=version_only,
                body_required=False,
            ),
        },
        "/api/v1/tickets/{reference}/notes": {
            "parameters": [REFERENCE],
            "post": operation(
                "addNote",
                f"Add an internal note (at most {NOTE_LIMIT} characters)",
                ref("Note"),
                TICKET_ERRORS,
                ok_status=201,
                body=body_of({"body": {"type": "string", "minLength": 1, "maxLength": NOTE_LIMIT}}, ["body"]),
            ),
        },
        "/api/v1/tickets/{reference}/reveal": {
            "parameters": [REFERENCE],
            "post": operation(
                "revealPersonalData",
                "Reveal the requester's personal data (audited with the reason)",
                ref("PersonalData"),
                TICKET_ERRORS,
                body=body_of({"reason": enum_of(REVEAL_REASONS)}, ["reason"]),
            ),
        },
        "/api/v1/tickets/{reference}/reply": {
            "parameters": [REFERENCE],
            "post": operation(
                "replyToRequester",
                f"Send a reply on the requester's verified channel and record it (at most {REPLY_LIMIT} characters)",
                ref("ReplyResult"),
                [*TICKET_ERRORS, 502, 503],
                body=body_of(
                    {
                        "message": {"type": "string", "minLength": 1, "maxLength": REPLY_LIMIT},
                        "expected_version": VERSION,
                    },
                    ["message", "expected_version"],
                ),
            ),
        },
        "/api/v1/tickets/{reference}/request-documents": {
            "parameters": [REFERENCE],
            "post": operation(
                "requestDocuments",
                "Ask the requester for documents and wait for them",
                ticket,
                [*TICKET_ERRORS, 502, 503],
                body=body_of({"expected_version": VERSION}, ["expected_version"]),
            ),
        },
        "/api/v1/tickets/{reference}/extend": {
            "parameters": [REFERENCE],
            "post": operation(
                "extendTicket",
                "Extend the deadline once, with the reason told to the requester",
                ticket,
                TICKET_ERRORS,
                body=body_of(
                    {
                        "reason": {"type": "string", "minLength": 1, "maxLength": FIELD_LIMITS["extension_reason"]},
                        "expected_version": VERSION,
                    },
                    ["reason", "expected_version"],
                ),
            ),
        },
        "/api/v1/tickets/{reference}/transition": {
            "parameters": [REFERENCE],
            "post": operation(
                "transitionTicket",
                "Move the ticket (start work, wait for requester, documents received, withdrawn)",
                ticket,
                TICKET_ERRORS,
                body=body_of(
                    {"to": enum_of([s.value for s in MOVES]), "expected_version": VERSION}, ["to", "expected_version"]
                ),
            ),
        },
        "/api/v1/tickets/{reference}/complete": _closing(
            "completeTicket", "Complete with an outcome", "outcome", COMPLETION_OUTCOMES
        ),
        "/api/v1/tickets/{reference}/reject": _closing(
            "rejectTicket", "Reject with a reason", "reason", REJECTION_REASONS
        ),
        "/api/v1/tickets/{reference}/export": {
            "parameters": [REFERENCE],
            "post": operation(
                "exportTicket",
                "The access-request package (verified access requests only; audited)",
                ref("ExportPackage"),
                [404, 409],
            ),
        },
        "/api/v1/tickets/{reference}/reassign": {
            "parameters": [REFERENCE],
            "post": operation(
                "reassignTicket",
                "Hand an open ticket to another agent, or back to the queue with `to: null` (admin only)",
                ticket,
                [*TICKET_ERRORS, 403],
                tag="admin",
                body=body_of(
                    {
                        "to": {"type": "string", "nullable": True, "pattern": "^[A-Za-z][A-Za-z0-9_.-]{1,31}$"},
                        "expected_version": VERSION,
                    },
                    ["to", "expected_version"],
                ),
            ),
        },
    }
