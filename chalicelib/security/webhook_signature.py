"""Signatures on department webhooks: `X-Signature: sha256=<hex HMAC of the body>`.

The body carries its own `timestamp` (also sent as `X-Signature-Timestamp`), so the
signature covers it and a receiver can refuse a replayed delivery as too old. Each
department's secret is derived from the stage's webhook signing key (its own key, not the
one that hashes national IDs: the function that posts webhooks never holds that one) and
the department's secret version: nothing secret is stored in a table, and rotating one
department's secret (a new version) leaves the others alone.
"""

from __future__ import annotations

import hashlib
import hmac

from chalicelib.security import keys

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
DELIVERY_HEADER = "X-Delivery-Id"
FRESH_SECONDS = 300  # what we tell receivers to accept


def department_secret(department: str, version: int) -> str:
    key = keys.stage_key("webhook_signing_key").encode()
    return hmac.new(key, f"department-webhook\x00{department}#{version}".encode(), hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str | None) -> bool:
    """True when `signature` is this secret's signature of exactly these bytes."""
    # Bytes, not str: compare_digest refuses non-ASCII str, and a header may carry anything.
    return signature is not None and hmac.compare_digest(sign(secret, body).encode(), signature.encode())
