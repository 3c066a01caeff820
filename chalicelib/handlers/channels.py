"""Inbound channels: SMS gateway, SES, IVRS, WhatsApp, kiosks and other portals post the
messages citizens send them to `POST /channels/{channel}/inbound`.

No login: the provider signs the raw body with its channel's secret (`X-Signature:
sha256=<hex>`) and says when (`X-Signature-Timestamp`, Unix seconds, within 5 minutes).
Anything unsigned, wrongly signed or stale is a 401 before the body is even read, so nothing
is stored. Each provider's payload is read into `InboundMessage`s and each handled once by
its message id (services/channel_intake.py).
"""

from __future__ import annotations

import json
import time
from typing import Any

from chalice.app import Blueprint

from chalicelib.domain import errors
from chalicelib.handlers.http import MAX_BODY_BYTES, route
from chalicelib.security.webhook_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER

channels_api = Blueprint(__name__)

# An email's whole MIME message rides in the body (SES's notification): more room than JSON requests.
MAX_INBOUND_BYTES = 256 * 1024


@route(channels_api, "/channels/{channel}/inbound", methods=["POST"], public=True)
def inbound(channel: str) -> dict[str, Any]:
    from chalicelib.domain.inbound import Channel
    from chalicelib.handlers.channel_payloads import read_inbound
    from chalicelib.security.channel_keys import signed_by_channel
    from chalicelib.services import channel_intake

    if channel not in Channel.__members__.values():
        raise errors.NotFound(f"channel: one of {', '.join(c.value for c in Channel)}.", field="channel")
    request = channels_api.current_request
    raw = request.raw_body or b""
    raw = raw.encode() if isinstance(raw, str) else raw
    if len(raw) > max(MAX_INBOUND_BYTES, MAX_BODY_BYTES):
        raise errors.PayloadTooLarge(f"The body may be at most {MAX_INBOUND_BYTES} bytes.")
    headers = request.headers
    if not signed_by_channel(
        channel, raw, headers.get(SIGNATURE_HEADER.lower()), headers.get(TIMESTAMP_HEADER.lower()), time.time()
    ):
        refused = errors.Unauthenticated(
            f"{SIGNATURE_HEADER}: sign the body with the channel's secret and send {TIMESTAMP_HEADER} "
            "(Unix seconds, within 5 minutes).",
            field=SIGNATURE_HEADER,
            code="bad_signature",
        )
        refused.challenge = f'HMAC-SHA256 header="{SIGNATURE_HEADER}"'
        raise refused
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        raise errors.MalformedRequest("The body is not valid JSON.") from None
    messages = read_inbound(Channel(channel), document)
    answers = channel_intake.receive_all(messages, channels_api.lambda_context)
    return {"channel": channel, "results": [answer.as_dict() for answer in answers]}
