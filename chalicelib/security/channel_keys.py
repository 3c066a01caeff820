"""The secrets of the inbound channels and the api_keys of Open311 clients.

Like the departments' webhook secrets, each is derived from the stage's webhook signing key
(in Secrets Manager on a deployed stage) and a label of its own: nothing secret is stored in
a table, the providers' secrets differ from each other and from every department's, and the
state cell hands each provider its own. Rotating one means a new version for it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from chalicelib.security import keys
from chalicelib.security.webhook_signature import verify

FRESH_SECONDS = 300  # a signed message older (or newer) than this is refused: a replay


def _derive(label: str) -> str:
    key = keys.stage_key("webhook_signing_key").encode()
    return hmac.new(key, label.encode(), hashlib.sha256).hexdigest()


def channel_secret(channel: str, version: int = 1) -> str:
    """What a channel's provider signs its inbound messages with."""
    return _derive(f"channel-inbound\x00{channel}#{version}")


def open311_api_key(client: str, version: int = 1) -> str:
    """The api_key an Open311 client (a civic app such as FixMyStreet) files with."""
    return _derive(f"open311-client\x00{client}#{version}")


def open311_client_of(api_key: str, clients: Iterable[str]) -> str | None:
    """Which configured client `api_key` belongs to, if any (each compared in constant time)."""
    found = None
    for client in clients:
        if hmac.compare_digest(open311_api_key(client).encode(), api_key.encode()):
            found = client
    return found


def signed_by_channel(channel: str, body: bytes, signature: str | None, timestamp: str | None, now: float) -> bool:
    """Whether `body` carries the channel's signature and a timestamp within FRESH_SECONDS of now."""
    if not timestamp or not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    return abs(now - int(timestamp)) <= FRESH_SECONDS and verify(channel_secret(channel), body, signature)
