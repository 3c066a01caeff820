"""SMS through SNS `Publish(PhoneNumber=...)`: transactional, with the state's sender id."""

from __future__ import annotations

from chalicelib.aws import client
from chalicelib.config import get_settings
from chalicelib.notify.errors import provider_call


def send_sms(phone_e164: str, text: str) -> str:
    """Send one SMS; returns the provider's message id. The number must already be E.164
    (moto accepts anything, so validation happens where numbers enter the system)."""
    with provider_call():
        response = client("sns").publish(
            PhoneNumber=phone_e164,
            Message=text,
            MessageAttributes={
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": get_settings().sms_sender_id},
            },
        )
    return str(response["MessageId"])
