"""The webhook connector: a system the company runs elsewhere, reached by a signed HTTPS request.

Request (``POST`` to the system's URL, JSON)::

    {"operation": "preview" | "access" | "erasure" | "stop_using",
     "request_id": "<run id>", "identities": {"email": ["..."]}}

Headers: ``Idempotency-Key`` (run id, system, operation: a retried or resumed
call carries the same key, so the system can answer it once),
``X-PrivacyDesk-Timestamp`` (Unix seconds) and ``X-PrivacyDesk-Signature:
v1=<hex HMAC-SHA256 of "<timestamp>.<body>" under the system's secret>``
(a receiver checks it, and that the timestamp is within 5 minutes, with :func:`verify`).

Answer (2xx, JSON): ``{"found": int, "changed": int, "records": {"<table>": [{...}]}}``
(``records`` only for access).  Timeouts, connection errors and 5xx answers are
retried with exponential back-off; a 4xx answer or a body that is not that shape
fails the step at once.  Only the status code and counts are logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any, Callable, Dict, List, Mapping, Optional
from urllib.parse import urlsplit

import httpx

from bot.fulfilment.connectors.base import AccessResult, Purpose, Receipt, TableCount, TablePlan, now_utc
from bot.fulfilment.datamap import DataMap, System
from bot.fulfilment.errors import ConnectorError
from bot.fulfilment.identities import Identities

__all__ = ["WebhookConnector", "sign", "verify", "SIGNATURE_HEADER", "TIMESTAMP_HEADER"]

SIGNATURE_HEADER = "X-PrivacyDesk-Signature"
TIMESTAMP_HEADER = "X-PrivacyDesk-Timestamp"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
log = logging.getLogger(__name__)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, *, now: Optional[float] = None, tolerance_s: float = 300.0
) -> bool:
    """For the receiving system: is ``signature`` ours over ``timestamp`` and ``body``, and fresh (replays refused)?"""
    try:
        sent = float(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


def _count(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConnectorError("bad_response", f"'{key}' is not a count")
    return value


class WebhookConnector:
    def __init__(
        self,
        datamap: DataMap,
        system: System,
        *,
        url: Optional[str],
        secret: Optional[str],
        client: Optional[httpx.Client] = None,
        sleep: Callable[[float], None] = time.sleep,
        backoff_s: float = 0.5,
    ) -> None:
        self.datamap = datamap
        self.system = system
        self.url = url
        self.secret = secret
        self._client = client
        self._sleep = sleep
        self._backoff_s = backoff_s

    @property
    def rule(self) -> str:
        return f"{self.datamap.path} systems.{self.system.name} (line {self.system.line})"

    def _check_config(self) -> str:
        if not self.url or not self.secret:
            raise ConnectorError("not_configured", "the system's URL or signing secret is not set")
        parts = urlsplit(self.url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in _LOOPBACK):
            raise ConnectorError("not_configured", "webhook URLs must be https:// (plain http only on loopback)")
        return self.url

    def _call(self, operation: str, known: Identities, request_id: str) -> Dict[str, Any]:
        url = self._check_config()
        identities = {name: sorted(known[name]) for name in self.system.send if known.get(name)}
        body = json.dumps(
            {"operation": operation, "request_id": request_id, "identities": identities}, sort_keys=True
        ).encode("utf-8")
        key = f"{request_id}:{self.system.name}:{operation}"
        client = self._client or httpx.Client()
        attempts = self.system.retries + 1
        last: ConnectorError = ConnectorError("unreachable")
        try:
            for attempt in range(attempts):
                if attempt:
                    self._sleep(min(self._backoff_s * 2 ** (attempt - 1), 30.0))
                timestamp = str(int(time.time()))
                headers = {
                    "Content-Type": "application/json",
                    "Idempotency-Key": key,
                    TIMESTAMP_HEADER: timestamp,
                    SIGNATURE_HEADER: sign(self.secret or "", timestamp, body),
                }
                try:
                    response = client.post(url, content=body, headers=headers, timeout=self.system.timeout_s)
                except httpx.TimeoutException:
                    last = ConnectorError("timeout", f"no answer within {self.system.timeout_s:g} s", retryable=True)
                    log.warning("fulfilment webhook: system=%s attempt=%d timeout", self.system.name, attempt + 1)
                    continue
                except httpx.HTTPError as exc:
                    last = ConnectorError("unreachable", type(exc).__name__, retryable=True)
                    log.warning(
                        "fulfilment webhook: system=%s attempt=%d %s", self.system.name, attempt + 1, type(exc).__name__
                    )
                    continue
                log.info(
                    "fulfilment webhook: system=%s attempt=%d status=%d",
                    self.system.name,
                    attempt + 1,
                    response.status_code,
                )
                if response.status_code >= 500:
                    last = ConnectorError("server_error", f"HTTP {response.status_code}", retryable=True)
                    continue
                if response.status_code >= 400:
                    raise ConnectorError("refused", f"HTTP {response.status_code}")
                try:
                    data = response.json()
                except ValueError:
                    raise ConnectorError("bad_response", "the answer is not JSON") from None
                if not isinstance(data, dict):
                    raise ConnectorError("bad_response", "the answer is not a JSON object")
                return data
        finally:
            if self._client is None:
                client.close()
        raise ConnectorError(last.code, f"{last.detail} (after {attempts} attempts)")

    def lookup(self, known: Identities) -> Dict[str, frozenset]:
        return {}

    def preview(self, known: Identities, purpose: Purpose, request_id: str) -> List[TablePlan]:
        data = self._call("preview", known, request_id)
        return [TablePlan("(remote)", _count(data, "found"), "remote " + purpose.value)]

    def access(self, known: Identities, request_id: str) -> AccessResult:
        data = self._call(Purpose.ACCESS.value, known, request_id)
        records = data.get("records", {})
        if not isinstance(records, dict) or not all(
            isinstance(rows, list) and all(isinstance(r, dict) for r in rows) for rows in records.values()
        ):
            raise ConnectorError("bad_response", "'records' is not a mapping of tables to lists of rows")
        counts = tuple(TableCount(str(name), len(rows), 0, "access") for name, rows in records.items())
        receipt = Receipt(
            self.system.name,
            "access",
            "done",
            self.rule,
            now_utc().isoformat(),
            found=sum(c.found for c in counts),
            changed=0,
            tables=counts,
        )
        return AccessResult(receipt, {str(k): v for k, v in records.items()})

    def erase(self, known: Identities, purpose: Purpose, request_id: str) -> Receipt:
        data = self._call(purpose.value, known, request_id)
        found, changed = _count(data, "found"), _count(data, "changed")
        return Receipt(
            self.system.name,
            purpose.value,
            "done",
            self.rule,
            now_utc().isoformat(),
            found=found,
            changed=changed,
            tables=(TableCount("(remote)", found, changed, "webhook"),),
        )
