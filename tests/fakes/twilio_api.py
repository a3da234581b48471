"""A fake Twilio REST API on loopback that the real ``twilio`` client is pointed at.

A small real HTTP server (``http.server`` in a daemon thread, port chosen by the
OS on 127.0.0.1) implementing what Privacy Desk calls:

* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` — form body ``To``,
  ``From`` or ``MessagingServiceSid``, ``Body``; HTTP Basic auth must be
  ``AccountSid:AuthToken`` and the path's sid must be the same account.  Answers
  ``201`` with a message resource shaped like Twilio's (``sid`` ``SM…``,
  ``status`` ``queued``, ``num_segments`` computed for GSM-7 / UCS-2, …).
* ``GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`` — one sent message.

Errors use Twilio's JSON shape ``{"code", "message", "more_info", "status"}``:
``401``/20003 for bad credentials, ``400``/21602/21603/21604 for missing
fields, ``400``/21610 for a recipient that opted out (:meth:`FakeTwilioApi.opt_out`),
and scripted failures (:meth:`FakeTwilioApi.fail_next`, e.g. ``500``).
Everything received is recorded (:attr:`messages`, :attr:`requests`).

Use::

    from tests.fakes.twilio_api import FakeTwilioApi, fake_twilio_api  # the fixture

    def test_x(fake_twilio_api):
        sender = TwilioSmsSender(fake_twilio_api.account_sid, fake_twilio_api.auth_token, "+15005550006",
                                 api_base=fake_twilio_api.base_url)
        ...
        assert fake_twilio_api.messages[0].body == "hello"

or as a context manager: ``with FakeTwilioApi() as api: ...``.  Import the
fixture into a ``conftest.py`` (``from tests.fakes.twilio_api import fake_twilio_api``)
to use it by name.  Settings: ``TWILIO_API_BASE=api.base_url``,
``TWILIO_ACCOUNT_SID=api.account_sid``, ``TWILIO_AUTH_TOKEN=api.auth_token``.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qs

import pytest

__all__ = ["FakeTwilioApi", "ReceivedMessage", "RecordedRequest", "fake_twilio_api", "sms_segments"]

API_VERSION = "2010-04-01"
_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")
_MESSAGE = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages/(?P<msid>[^/]+)\.json$")

_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")

_ERRORS = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    20500: "An internal server error has occurred",
}


def sms_segments(body: str) -> Tuple[str, int]:
    """``("GSM-7" | "UCS-2", segments)`` the way carriers count them (153/67 per part when split)."""
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENDED for ch in body):
        units = sum(2 if ch in _GSM7_EXTENDED else 1 for ch in body)
        return "GSM-7", 1 if units <= 160 else -(-units // 153)
    units = len(body.encode("utf-16-le")) // 2
    return "UCS-2", 1 if units <= 70 else -(-units // 67)


@dataclass(frozen=True)
class ReceivedMessage:
    """A message the fake accepted (``status`` 201)."""

    sid: str
    to: str
    from_: Optional[str]
    messaging_service_sid: Optional[str]
    body: str
    encoding: str
    segments: int
    form: Dict[str, str] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class RecordedRequest:
    """Every request, accepted or not."""

    method: str
    path: str
    form: Dict[str, str]
    authorized: bool
    status: int


@dataclass
class _Failure:
    status: int
    code: Optional[int]
    message: str
    times: int


class FakeTwilioApi:
    """The fake server.  Thread-safe; start with :meth:`start` or ``with``."""

    def __init__(
        self, account_sid: Optional[str] = None, auth_token: Optional[str] = None, host: str = "127.0.0.1"
    ) -> None:
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self._host = host
        self._lock = threading.Lock()
        self._messages: List[ReceivedMessage] = []
        self._requests: List[RecordedRequest] = []
        self._opted_out: set = set()
        self._failures: List[_Failure] = []
        self._delay = 0.0
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "FakeTwilioApi":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_GET(self) -> None:
                fake._handle(self, "GET")

        self._server = ThreadingHTTPServer((self._host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-twilio-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "FakeTwilioApi":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` — give it to the client as ``TWILIO_API_BASE``."""
        if self._server is None:
            raise RuntimeError("FakeTwilioApi is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # ------------------------------------------------------------------ scripting

    def opt_out(self, number: str) -> None:
        """Sends to ``number`` now fail with HTTP 400 / error 21610 (the user replied STOP)."""
        with self._lock:
            self._opted_out.add(number)

    def opt_in(self, number: str) -> None:
        with self._lock:
            self._opted_out.discard(number)

    def fail_next(
        self, status: int = 500, code: Optional[int] = None, times: int = 1, message: Optional[str] = None
    ) -> None:
        """The next ``times`` message requests fail with ``status`` (and Twilio error ``code``)."""
        with self._lock:
            self._failures.append(
                _Failure(status, code, message or _ERRORS.get(code or 0, "Service unavailable"), max(1, times))
            )

    def set_delay(self, seconds: float) -> None:
        """Wait ``seconds`` before answering each request (to test client timeouts)."""
        self._delay = max(0.0, seconds)

    def reset(self) -> None:
        with self._lock:
            self._messages.clear()
            self._requests.clear()
            self._opted_out.clear()
            self._failures.clear()
            self._delay = 0.0

    # ------------------------------------------------------------------ inspection

    @property
    def messages(self) -> List[ReceivedMessage]:
        with self._lock:
            return list(self._messages)

    @property
    def requests(self) -> List[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def wait_for_messages(self, count: int, timeout: float = 5.0) -> List[ReceivedMessage]:
        """Block until at least ``count`` messages arrived (for senders running in the background)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.messages
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} message(s) at the fake Twilio API, got {len(self.messages)}")

    # ------------------------------------------------------------------ HTTP

    def _authorized(self, header: Optional[str], path_sid: str) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return (
            hmac.compare_digest(user, self.account_sid)
            and hmac.compare_digest(password, self.auth_token)
            and hmac.compare_digest(path_sid, self.account_sid)
        )

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        form = {key: values[-1] for key, values in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
        path = handler.path.split("?", 1)[0]
        if self._delay:
            time.sleep(self._delay)
        status, payload, authorized = self._route(method, path, form, handler.headers.get("Authorization"))
        with self._lock:
            self._requests.append(RecordedRequest(method, path, form, authorized, status))
        body = json.dumps(payload).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Twilio-Request-Id", "RQ" + secrets.token_hex(16))
        handler.end_headers()
        handler.wfile.write(body)

    def _route(
        self, method: str, path: str, form: Dict[str, str], auth: Optional[str]
    ) -> Tuple[int, Dict[str, Any], bool]:
        create = _MESSAGES.match(path)
        fetch = _MESSAGE.match(path)
        sid = (create or fetch).group("sid") if (create or fetch) else ""
        authorized = self._authorized(auth, sid)
        if not (create and method == "POST") and not (fetch and method == "GET"):
            return 404, _error(404, 20404), authorized
        if not authorized:
            return 401, _error(401, 20003), False
        if fetch:
            with self._lock:
                found = next((m for m in self._messages if m.sid == fetch.group("msid")), None)
            return (200, self._resource(found), True) if found else (404, _error(404, 20404), True)
        with self._lock:
            if self._failures:
                failure = self._failures[0]
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.pop(0)
                return failure.status, _error(failure.status, failure.code, failure.message), True
        to = form.get("To", "").strip()
        if not to:
            return 400, _error(400, 21604), True
        sender = form.get("From") or None
        service = form.get("MessagingServiceSid") or None
        if not sender and not service:
            return 400, _error(400, 21603), True
        body = form.get("Body", "")
        if not body and not form.get("MediaUrl"):
            return 400, _error(400, 21602), True
        with self._lock:
            if to in self._opted_out:
                return 400, _error(400, 21610), True
            encoding, segments = sms_segments(body)
            message = ReceivedMessage(
                sid="SM" + secrets.token_hex(16),
                to=to,
                from_=sender,
                messaging_service_sid=service,
                body=body,
                encoding=encoding,
                segments=segments,
                form=dict(form),
            )
            self._messages.append(message)
        return 201, self._resource(message), True

    def _resource(self, message: ReceivedMessage) -> Dict[str, Any]:
        now = formatdate(usegmt=True).replace("GMT", "+0000")
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{message.sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": message.body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": message.from_,
            "messaging_service_sid": message.messaging_service_sid,
            "num_media": "0",
            "num_segments": str(message.segments),
            "price": None,
            "price_unit": "USD",
            "sid": message.sid,
            "status": "accepted" if message.messaging_service_sid and not message.from_ else "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": message.to,
            "uri": uri,
        }


def _error(status: int, code: Optional[int], message: Optional[str] = None) -> Dict[str, Any]:
    text = message or _ERRORS.get(code or 0, "Error")
    payload: Dict[str, Any] = {"code": code, "message": text, "more_info": None, "status": status}
    if code:
        payload["more_info"] = f"https://www.twilio.com/docs/errors/{code}"
    return payload


@pytest.fixture
def fake_twilio_api() -> Iterator[FakeTwilioApi]:
    """A started :class:`FakeTwilioApi` (fresh account sid and token), stopped after the test."""
    with FakeTwilioApi() as api:
        yield api
