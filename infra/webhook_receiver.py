"""The demo departments' webhook server, run by the dev runner (and the tests).

It does what a department's server should: checks `X-Signature` against the department's
secret, refuses a timestamp that is stale or differs from the signed body's, and answers
401 when either fails, 204 when the delivery is accepted. It keeps what it received, so
`GET /dev/outbox?department=` can show it.

- `POST /departments/{code}`: a department's webhook;
- `POST /fail/{status}`: always answers `status` (point a webhook here to watch retries);
- `GET /deliveries?department=`: what was received, oldest first.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from chalicelib.models import catalogue
from chalicelib.security.webhook_signature import (
    DELIVERY_HEADER,
    FRESH_SECONDS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    department_secret,
    verify,
)


class WebhookReceiver:
    """`tls`, a server-side context with a certificate, serves https (tests of certificate
    checks); without it, plain http as the dev runner serves it."""

    def __init__(self, host: str, port: int, tls: ssl.SSLContext | None = None) -> None:
        self.deliveries: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urllib.parse.urlsplit(self.path).path.strip("/").split("/")
                if len(parts) == 2 and parts[0] == "fail" and parts[1].isdigit():
                    self._answer(int(parts[1]))
                elif len(parts) == 2 and parts[0] == "departments":
                    self._answer(receiver.receive(parts[1], body, {k.lower(): v for k, v in self.headers.items()}))
                else:
                    self._answer(404)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                if url.path != "/deliveries":
                    self._answer(404)
                    return
                department = urllib.parse.parse_qs(url.query).get("department", [None])[0]
                payload = json.dumps({"deliveries": receiver.received(department)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the dev runner's log stays readable

        self.server = ThreadingHTTPServer((host, port), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.url = f"{'https' if tls else 'http'}://{host}:{self.server.server_address[1]}"

    def start(self) -> WebhookReceiver:
        threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def receive(self, department: str, body: bytes, headers: dict[str, str]) -> int:
        """Check and keep one delivery; returns the HTTP status to answer. `headers` have
        lower-case names (HTTP header names are case-insensitive)."""
        webhook = catalogue.get_department_webhook(department)
        signed = webhook is not None and verify(
            department_secret(department, webhook.secret_version), body, headers.get(SIGNATURE_HEADER.lower())
        )
        fresh = _fresh(body, headers.get(TIMESTAMP_HEADER.lower()))
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        with self._lock:
            self.deliveries.append(
                {
                    "department": department,
                    "delivery_id": headers.get(DELIVERY_HEADER.lower()),
                    "signature": headers.get(SIGNATURE_HEADER.lower()),
                    "verified": signed and fresh,
                    "received_at": datetime.now(UTC).isoformat(),
                    "body": payload,
                }
            )
        return 204 if signed and fresh else 401

    def received(self, department: str | None) -> list[dict[str, Any]]:
        with self._lock:
            return [d for d in self.deliveries if department is None or d["department"] == department]


def _fresh(body: bytes, timestamp: str | None) -> bool:
    """The header's timestamp is the signed body's, and recent: a replay is refused."""
    try:
        signed_timestamp = json.loads(body)["timestamp"]
        return (
            timestamp is not None
            and int(timestamp) == signed_timestamp
            and abs(time.time() - signed_timestamp) <= FRESH_SECONDS
        )
    except (ValueError, KeyError, TypeError):
        return False
