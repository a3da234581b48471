"""A fake company system on loopback that speaks the fulfilment webhook protocol."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List


class FakeSystem:
    """``mode``: ok | 500 | garbage | 404 | slow.  Records every request it gets."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.requests: List[Dict[str, Any]] = []
        self.records: Dict[str, List[Dict[str, Any]]] = {"tickets": [{"id": 7, "subject": "Where is my order?"}]}
        self.url = ""


@contextmanager
def fake_system() -> Iterator[FakeSystem]:
    state = FakeSystem()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.requests.append({"headers": dict(self.headers), "body": body})
            if state.mode == "slow":
                time.sleep(0.5)
            status, payload = {
                "500": (500, b'{"error": "down"}'),
                "404": (404, b"{}"),
                "garbage": (200, b"<html>maintenance</html>"),
            }.get(state.mode, (200, None))
            if payload is None:
                operation = json.loads(body)["operation"]
                answer: Dict[str, Any] = {"found": 1, "changed": 0 if operation in ("access", "preview") else 1}
                if operation == "access":
                    answer["records"] = state.records
                payload = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/privacy"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
