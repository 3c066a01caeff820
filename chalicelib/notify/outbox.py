"""The local stack's outbox: the SMS and emails moto captured instead of sending, and the
webhook deliveries the dev runner's receiver got.

Reads moto server's own state dump (`/moto-api/data.json`), so what it shows is what the
app really handed to SNS and SES, and the receiver's log of what it was really POSTed
(with whether each signature verified). Only meaningful on the local stage.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

from chalicelib.config import get_settings


def read_outbox(recipient: str | None) -> list[dict[str, Any]]:
    """Captured messages, oldest first, optionally only those to `recipient`."""
    endpoint = get_settings().aws_endpoint_url
    if not endpoint:
        return []
    url = f"{endpoint.rstrip('/')}/moto-api/data.json"
    if not url.startswith(("http://", "https://")):
        return []
    # The dump grows with the session: a loaded machine needs more than a few seconds for it.
    with urllib.request.urlopen(url, timeout=20) as reply:  # noqa: S310 (scheme checked above)
        state = json.loads(reply.read())
    messages = [*_sms(state), *_emails(state)]
    if recipient:
        wanted = recipient.strip().casefold()
        messages = [m for m in messages if m["to"].casefold() == wanted]
    return messages


def read_webhook_deliveries(department: str | None) -> list[dict[str, Any]]:
    """Deliveries the local webhook receiver got, oldest first, optionally for one department."""
    receiver = get_settings().webhook_receiver_url
    if not receiver or not receiver.startswith(("http://", "https://")):
        return []
    query = "?" + urllib.parse.urlencode({"department": department}) if department else ""
    with urllib.request.urlopen(f"{receiver.rstrip('/')}/deliveries{query}", timeout=5) as reply:  # noqa: S310
        return list(json.loads(reply.read())["deliveries"])


def _sms(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"channel": "sms", "to": sms["phone_number"], "text": sms["message"], "message_id": sms["message_id"]}
        for sms in state.get("sns", {}).get("SMS", [])
    ]


def _emails(state: dict[str, Any]) -> list[dict[str, Any]]:
    emails = []
    for message in state.get("ses", {}).get("Message", []):
        for to in message.get("destinations", {}).get("ToAddresses", []):
            emails.append(
                {
                    "channel": "email",
                    "to": to,
                    "from": message.get("source"),
                    "title": message.get("subject"),
                    "text": message.get("body"),
                    "message_id": message.get("id"),
                }
            )
    return emails
