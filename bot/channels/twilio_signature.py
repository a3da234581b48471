"""Check that a webhook request really comes from Twilio.

Twilio signs every webhook with ``X-Twilio-Signature``: HMAC-SHA1 (keyed with
the account's auth token) over the URL it called plus the sorted POST
parameters.  The URL is the *public* one configured in Twilio's console, not
the host this process sees behind a proxy, so it is rebuilt from
``PUBLIC_BASE_URL`` + the request path (+ query string, which Twilio signs too).
The check itself is twilio's own :class:`~twilio.request_validator.RequestValidator`.

The body is parsed here (not by Sanic) so a malformed body is a clean
:class:`MalformedRequest` (→ 400) and empty fields are kept: Twilio signs them.
"""

from __future__ import annotations

import logging
from typing import Dict, Iterable, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator

__all__ = [
    "MAX_BODY_BYTES",
    "SIGNATURE_HEADER",
    "FormParams",
    "MalformedRequest",
    "SignatureChecker",
    "parse_form",
]

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
MAX_BODY_BYTES = 64 * 1024  # Twilio's webhook bodies are a few hundred bytes; an SMS body is ≤ 1600 chars.
MAX_FIELDS = 200


class MalformedRequest(ValueError):
    """The request body is not a Twilio form post (undecodable, too big, too many fields)."""


class FormParams(Mapping[str, str]):
    """Form fields as Twilio sent them; ``getall`` lets ``RequestValidator`` sign repeated keys."""

    def __init__(self, pairs: Iterable[Tuple[str, str]] = ()) -> None:
        self._values: Dict[str, List[str]] = {}
        for key, value in pairs:
            self._values.setdefault(key, []).append(value)

    def __getitem__(self, key: str) -> str:
        return self._values[key][0]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def getall(self, key: str) -> List[str]:
        return list(self._values[key])

    def text(self, key: str) -> Optional[str]:
        """The field's first value, or ``None`` when absent."""
        values = self._values.get(key)
        return values[0] if values else None


def parse_form(body: Optional[bytes], content_type: Optional[str] = None) -> FormParams:
    """Parse an ``application/x-www-form-urlencoded`` body, strictly.

    Raises:
        MalformedRequest: wrong content type, too large, not UTF-8, or too many fields.
    """
    if content_type and not content_type.lower().startswith("application/x-www-form-urlencoded"):
        raise MalformedRequest("expected application/x-www-form-urlencoded")
    raw = body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise MalformedRequest("body too large")
    try:
        decoded = raw.decode("utf-8")
        pairs = parse_qsl(
            decoded, keep_blank_values=True, strict_parsing=False, errors="strict", max_num_fields=MAX_FIELDS
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedRequest("body is not a valid form") from exc
    return FormParams(pairs)


class SignatureChecker:
    """``X-Twilio-Signature`` against ``public_base_url`` + path (+ query)."""

    def __init__(self, auth_token: str, public_base_url: str) -> None:
        self._validator = RequestValidator(auth_token) if auth_token else None
        self.public_base_url = public_base_url.rstrip("/")
        if self._validator is None:
            logger.warning("TWILIO_AUTH_TOKEN is not set: every Twilio webhook request will be refused (403)")

    def public_url(self, path: str, query_string: str = "") -> str:
        """The URL Twilio called, as Twilio saw it."""
        return f"{self.public_base_url}{path}" + (f"?{query_string}" if query_string else "")

    def is_valid(self, path: str, query_string: str, params: FormParams, signature: Optional[str]) -> bool:
        if self._validator is None or not signature:
            return False
        try:
            return bool(self._validator.validate(self.public_url(path, query_string), params, signature))
        except Exception:  # noqa: BLE001 - a validator error on odd input is a failed check, never a 500
            return False

    def sign(self, path: str, query_string: str, params: Mapping[str, str]) -> str:
        """The signature Twilio would send (tests and local tooling)."""
        if self._validator is None:
            raise ValueError("TWILIO_AUTH_TOKEN is not set")
        return self._validator.compute_signature(self.public_url(path, query_string), params)
