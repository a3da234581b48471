"""Building blocks of the ``/api/v1`` OpenAPI document: schema helpers, shared types, operations.

:mod:`bot.webapp.openapi_tickets`, :mod:`bot.webapp.openapi_admin` and
:mod:`bot.webapp.openapi_reports` build their paths and schemas from these; the
document itself is put together by :func:`bot.webapp.openapi.openapi_document`.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional

__all__ = [
    "BOOL",
    "DATE",
    "DATETIME",
    "INT",
    "REFERENCE",
    "STR",
    "TICKET_ERRORS",
    "USERNAME",
    "VERSION",
    "body_of",
    "enum_of",
    "nullable",
    "object_of",
    "operation",
    "query_param",
    "ref",
]


def enum_of(values: Any) -> Dict[str, Any]:
    return {"type": "string", "enum": [getattr(v, "value", v) for v in values]}


def nullable(schema: Dict[str, Any]) -> Dict[str, Any]:
    return {**schema, "nullable": True}


def ref(name: str) -> Dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def object_of(
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

_ERR = {"content": {"application/json": {"schema": ref("Error")}}}
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


def operation(
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
    spec: Dict[str, Any] = {"operationId": op_id, "summary": summary, "tags": [tag], "responses": responses}
    if params:
        spec["parameters"] = params
    if body is not None:
        spec["requestBody"] = {"required": body_required, "content": {"application/json": {"schema": body}}}
    return spec


def query_param(name: str, schema: Dict[str, Any], description: str = "") -> Dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


REFERENCE = {
    "name": "reference",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "maxLength": 32},
    "description": "Ticket reference, e.g. PD-7K3D-9QXM.",
}
USERNAME = {
    "name": "username",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_.-]{1,31}$"},
}
TICKET_ERRORS = [400, 404, 409, 413, 422]


def body_of(properties: Dict[str, Any], required: List[str]) -> Dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}
