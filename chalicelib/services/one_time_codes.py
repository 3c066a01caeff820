"""Send and check the 6-digit codes that prove a citizen holds a mobile number or an email.

A code is random (`secrets`), stored only as a keyed hash, lives 5 minutes, allows 3
guesses, works once, and is replaced by a resend. Sends are limited per mobile (and per
source address when a public caller asks); guesses per mobile per day. A code goes out by
SMS (or email) straight from the request, never through a queue, and is never logged. Every way a code can
fail answers the same, so a caller learns nothing about what codes exist.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Literal

from chalicelib.config import get_settings
from chalicelib.domain.contact import normalize_mobile
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.identity import REGISTRATION_LIFETIME
from chalicelib.models import otp_challenges
from chalicelib.notify.email import send_email
from chalicelib.notify.sms import send_sms
from chalicelib.security.keyed_hash import keyed_hash, same_hash
from chalicelib.services import limits

CODE_LIFETIME = timedelta(minutes=5)
MAX_ATTEMPTS = 3
WRONG_CODE = "otp: the code is wrong or has expired; request a new one."
TOO_MANY_GUESSES = "Too many wrong codes today; try again tomorrow."

CODE_TEXTS = {
    "en": "citizen-crm: your verification code is {code}. It expires in 5 minutes. Never share it with anyone.",
    "hi": "citizen-crm: आपका सत्यापन कोड {code} है। यह 5 मिनट में समाप्त हो जाएगा। इसे किसी से साझा न करें।",
    "or": "citizen-crm: ଆପଣଙ୍କ ଯାଞ୍ଚ କୋଡ୍ {code}। ଏହା 5 ମିନିଟରେ ଶେଷ ହେବ। ଏହାକୁ କାହା ସହ ସେୟାର କରନ୍ତୁ ନାହିଁ।",
    "pa": "citizen-crm: ਤੁਹਾਡਾ ਪੁਸ਼ਟੀ ਕੋਡ {code} ਹੈ। ਇਹ 5 ਮਿੰਟਾਂ ਵਿੱਚ ਖ਼ਤਮ ਹੋ ਜਾਵੇਗਾ। ਇਸਨੂੰ ਕਿਸੇ ਨਾਲ ਸਾਂਝਾ ਨਾ ਕਰੋ।",
}
CODE_EMAIL_TITLES = {
    "en": "Your citizen-crm verification code",
    "hi": "आपका citizen-crm सत्यापन कोड",
    "or": "ଆପଣଙ୍କ citizen-crm ଯାଞ୍ଚ କୋଡ୍",
    "pa": "ਤੁਹਾਡਾ citizen-crm ਪੁਸ਼ਟੀ ਕੋਡ",
}


def wrong_code() -> InvalidInput:
    """The one answer to a code that does not work, whatever the reason."""
    return InvalidInput(WRONG_CODE, field="otp")


def reachable_mobile(raw: str, field: str = "mobile") -> str:
    """`raw` as E.164, if it is a mobile of the stage's own countries (`MOBILE_REGIONS`):
    no code is ever sent anywhere else. InvalidInput naming `field` otherwise."""
    regions = get_settings().mobile_regions
    return normalize_mobile(raw, field=field, region=regions[0], allowed_regions=regions)


def holder_of(address: str) -> str:
    """What codes and counters are stored under instead of the mobile or email itself."""
    return keyed_hash("otp-holder", address)


def _holder(to: str, slot: str | None) -> str:
    return holder_of(f"{slot}:{to}" if slot else to)


def count_send(*, mobile: str, now: datetime, source: str | None = None) -> None:
    """Count one send for `mobile` against `otp_sends_per_mobile` and, when a public caller
    asked from `source`, `otp_sends_per_source`; RateLimited (429, with Retry-After) once a
    window is full."""
    if source is not None:
        limits.take("otp_sends_per_source", source, now, "Too many codes requested; try again later.")
    limits.take("otp_sends_per_mobile", mobile, now, "Too many codes sent to this mobile; try again later.")


def deliver_code(
    *,
    to: str,
    purpose: str,
    subject_id: str,
    language: str,
    now: datetime,
    channel: Literal["sms", "email"] = "sms",
    slot: str | None = None,
    texts: dict[str, str] | None = None,
) -> None:
    """Send a fresh code to `to` (a mobile, or an email with `channel="email"`) whose send
    the caller has already counted. A `slot` keeps the code apart from the address's other
    codes (a staff member's request must not replace a registration's code); `texts` (by
    language, with `{code}`) say what the code is for."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    otp_challenges.replace_otp_challenge(
        holder=_holder(to, slot),
        purpose=purpose,
        subject_id=subject_id,
        code_hash=keyed_hash("otp", f"{to}:{code}"),
        now=now,
        code_expires_at=now + CODE_LIFETIME,
        keep_until=now + REGISTRATION_LIFETIME,
    )
    wording = texts or CODE_TEXTS
    text = wording.get(language, wording["en"]).format(code=code)
    # Sent here rather than queued: a queued message would hold the code in plain text on SQS
    # until delivered, and a code retried minutes later is nearly expired anyway. A provider
    # failure raises SendFailed (the API answers 503) and the caller asks again.
    if channel == "email":
        send_email(to, CODE_EMAIL_TITLES.get(language, CODE_EMAIL_TITLES["en"]), text)
    else:
        send_sms(to, text)


def waiting_subject(to: str, purpose: str, now: datetime) -> str | None:
    """Whom the last code sent to `to` for `purpose` was for, while it is kept (a resend)."""
    challenge = otp_challenges.waiting_challenge(holder_of(to), now)
    return challenge.subject_id if challenge is not None and challenge.purpose == purpose else None


def check_code(
    *,
    to: str,
    code: str,
    purpose: str,
    now: datetime,
    mobile: str | None = None,
    source: str | None = None,
    slot: str | None = None,
) -> str:
    """The subject the code sent to `to` for `purpose` was for, once it matches; the code is
    then used up.

    Every guess counts against `otp_guesses_per_mobile` for `mobile` (default: `to`; an email
    code counts against the account's mobile), and against `otp_guesses_per_mobile_and_source`
    when a public caller guesses from `source`, before anything else; a guess at a code sent
    for another purpose spends none of its tries. Raises `wrong_code()` for a wrong,
    expired, used-up, never-sent or other-purpose code alike.
    """
    counted = mobile or to
    if source is not None:
        limits.take("otp_guesses_per_mobile_and_source", f"{counted}|{source}", now, TOO_MANY_GUESSES)
    limits.take("otp_guesses_per_mobile", counted, now, TOO_MANY_GUESSES)
    holder = _holder(to, slot)
    challenge = otp_challenges.spend_otp_attempt(holder, purpose=purpose, max_attempts=MAX_ATTEMPTS, now=now)
    if challenge is None:
        raise wrong_code()
    offered = keyed_hash("otp", f"{to}:{code}")
    if not same_hash(offered, challenge.code_hash):
        raise wrong_code()
    if not otp_challenges.consume_otp_challenge(holder, challenge.code_hash):
        raise wrong_code()
    return challenge.subject_id


def forget_codes(*addresses: str | None) -> None:
    """Drop any code still waiting for these mobiles or emails (erasure)."""
    for address in addresses:
        if address:
            otp_challenges.discard_otp_challenge(holder_of(address))
