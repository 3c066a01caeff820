"""Email through SES v2 from the state's verified sender."""

from __future__ import annotations

from typing import Any

from chalicelib.aws import client
from chalicelib.config import get_settings
from chalicelib.notify.errors import provider_call


def send_email(to: str, title: str, text: str, html: str | None = None) -> str:
    """Send one email (plain text, plus HTML when given); returns SES's message id."""
    body: dict[str, Any] = {"Text": {"Data": text, "Charset": "UTF-8"}}
    if html:
        body["Html"] = {"Data": html, "Charset": "UTF-8"}
    with provider_call():
        response = client("sesv2").send_email(
            FromEmailAddress=get_settings().ses_sender,
            Destination={"ToAddresses": [to]},
            Content={"Simple": {"Subject": {"Data": title, "Charset": "UTF-8"}, "Body": body}},
        )
    return str(response["MessageId"])
