"""Bounded request bodies: forms (``application/x-www-form-urlencoded``) and JSON.

Every console form and API body is read through here, with a cap
(:data:`MAX_BODY_BYTES`, 256 KiB: a 10,000-character note in any script fits);
bigger bodies are refused with 413 before they are parsed.
"""

from __future__ import annotations

import json
from typing import Any, Dict
from urllib.parse import parse_qsl

from starlette.requests import Request

__all__ = ["MAX_BODY_BYTES", "BodyTooLarge", "BadBody", "read_body", "read_form", "read_json"]

MAX_BODY_BYTES = 256 * 1024
MAX_FIELDS = 50


class BodyTooLarge(Exception):
    def __init__(self) -> None:
        super().__init__(f"request body larger than {MAX_BODY_BYTES} bytes")


class BadBody(Exception):
    """The body is not the form / JSON object expected (the message never echoes it)."""


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise BodyTooLarge()
        except ValueError:
            raise BadBody("invalid Content-Length") from None
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


async def read_form(request: Request) -> Dict[str, str]:
    """The URL-encoded form as ``{name: last value}``; anything else is an empty form."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await read_body(request)
    if content_type != "application/x-www-form-urlencoded":
        return {}
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(
            text, keep_blank_values=True, strict_parsing=False, errors="strict", max_num_fields=MAX_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        raise BadBody("the form is not valid UTF-8 URL-encoded data") from None
    return {key: value for key, value in pairs}


async def read_json(request: Request, *, allow_empty: bool = False) -> Dict[str, Any]:
    """The JSON object in the body (``{}`` for an empty body when ``allow_empty``)."""
    body = await read_body(request)
    if not body.strip():
        if allow_empty:
            return {}
        raise BadBody("a JSON object body is required")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadBody("the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadBody("the body must be a JSON object")
    return data
