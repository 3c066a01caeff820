"""Send and check the 6-digit codes that prove a citizen holds a mobile number.

A code is random (`secrets`), stored only as a keyed hash, lives 5 minutes, allows 3
guesses, works once, and is replaced by a resend. Sends are limited per mobile. The code
goes out by SMS through the notifications queue and is never logged.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from chalicelib.domain.errors import InvalidInput
from chalicelib.models import otp_challenges
from chalicelib.notify.messages import OutboundMessage
from chalicelib.notify.queue import enqueue_notification
from chalicelib.security.keyed_hash import keyed_hash, same_hash
from chalicelib.services import limits

CODE_LIFETIME = timedelta(minutes=5)
MAX_ATTEMPTS = 3

_MESSAGES = {
    "en": "citizen-crm: your verification code is {code}. It expires in 5 minutes. Never share it with anyone.",
    "hi": "citizen-crm: आपका सत्यापन कोड {code} है। यह 5 मिनट में समाप्त हो जाएगा। इसे किसी से साझा न करें।",
}


def holder_of(mobile: str) -> str:
    """What codes and counters are stored under instead of the mobile number itself."""
    return keyed_hash("otp-holder", mobile)


def count_send(*, mobile: str, now: datetime) -> None:
    """Count one send to `mobile` against `otp_sends_per_mobile`; RateLimited (429, with
    Retry-After) once the window is full."""
    limits.take("otp_sends_per_mobile", mobile, now, "Too many codes sent to this mobile; try again later.")


def send_code(*, mobile: str, purpose: str, subject_id: str, language: str, now: datetime) -> None:
    """Send a fresh code to `mobile` (any earlier one stops working), within the send limit."""
    count_send(mobile=mobile, now=now)
    deliver_code(mobile=mobile, purpose=purpose, subject_id=subject_id, language=language, now=now)


def deliver_code(*, mobile: str, purpose: str, subject_id: str, language: str, now: datetime) -> None:
    """Send a fresh code to `mobile` whose send the caller has already counted."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    otp_challenges.replace_otp_challenge(
        holder=holder_of(mobile),
        purpose=purpose,
        subject_id=subject_id,
        code_hash=keyed_hash("otp", f"{mobile}:{code}"),
        now=now,
        expires_at=now + CODE_LIFETIME,
    )
    text = _MESSAGES.get(language, _MESSAGES["en"]).format(code=code)
    enqueue_notification(OutboundMessage(channel="sms", to=mobile, text=text, subject=subject_id))


def check_code(*, mobile: str, code: str, purpose: str, now: datetime) -> str:
    """The subject the code was sent for, once it matches; the code is then used up.

    Raises InvalidInput naming `otp` for a wrong, expired, used-up or never-sent code.
    """
    holder = holder_of(mobile)
    challenge = otp_challenges.spend_otp_attempt(holder, max_attempts=MAX_ATTEMPTS, now=now)
    if challenge is None or challenge.purpose != purpose:
        raise InvalidInput("otp: no valid code for this mobile; request a new one.", field="otp")
    offered = keyed_hash("otp", f"{mobile}:{code}")
    if not same_hash(offered, challenge.code_hash):
        left = MAX_ATTEMPTS - challenge.attempts
        raise InvalidInput(f"otp: wrong code; {left} attempt(s) left.", field="otp")
    if not otp_challenges.consume_otp_challenge(holder, challenge.code_hash):
        raise InvalidInput("otp: this code was already used; request a new one.", field="otp")
    return challenge.subject_id


def forget_codes(*mobiles: str | None) -> None:
    """Drop any code still waiting for these mobiles (erasure)."""
    for mobile in mobiles:
        if mobile:
            otp_challenges.discard_otp_challenge(holder_of(mobile))
