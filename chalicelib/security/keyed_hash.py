"""Keyed hashes (HMAC-SHA256) for values we must find again but never hold in clear:
national IDs, OTP codes, refresh tokens. Each use has its own purpose label, so a hash made
for one purpose is useless for another."""

from __future__ import annotations

import hashlib
import hmac

from chalicelib.security import keys


def keyed_hash(purpose: str, value: str) -> str:
    key = keys.stage_key("identity_hmac_key").encode()
    return hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)
