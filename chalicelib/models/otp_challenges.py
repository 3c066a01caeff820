"""One-time codes sent by SMS or email to prove a citizen holds a mobile number or an email.

Only a keyed hash of each code is held, keyed by a keyed hash of where it was sent (a
mobile or an email). The code works until `code_expires_at`; the challenge itself is kept
(TTL `expires_at`) as long as the registration it belongs to, so a resend can find what the
code was for. It changes only through conditional writes, so two requests racing for one
code cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, UpdateError
from pynamodb.models import Model

from chalicelib.models.base import TableName, failed_condition
from chalicelib.resource_names import Table


class OtpChallengeRecord(Model):
    class Meta:
        table_name = TableName(Table.OTP_CHALLENGES)

    # A keyed hash of the mobile or email: the table never holds the address itself.
    holder = UnicodeAttribute(hash_key=True)
    purpose = UnicodeAttribute()  # registration | mobile_change | email_verification | password_reset
    subject_id = UnicodeAttribute()
    code_hash = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    code_expires_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()


@dataclass(frozen=True)
class OtpChallenge:
    holder: str
    purpose: str
    subject_id: str
    code_hash: str
    attempts: int


def replace_otp_challenge(
    *,
    holder: str,
    purpose: str,
    subject_id: str,
    code_hash: str,
    now: datetime,
    code_expires_at: datetime,
    keep_until: datetime,
) -> None:
    """Store a new code for `holder`; any earlier code for it stops working."""
    OtpChallengeRecord(
        holder,
        purpose=purpose,
        subject_id=subject_id,
        code_hash=code_hash,
        attempts=0,
        created_at=now,
        code_expires_at=code_expires_at,
        expires_at=keep_until,
    ).save()


def waiting_challenge(holder: str, now: datetime) -> OtpChallenge | None:
    """The challenge last sent to `holder` while it is kept, live code or not (a resend
    needs to know what it was for)."""
    try:
        record = OtpChallengeRecord.get(holder, consistent_read=True)
    except OtpChallengeRecord.DoesNotExist:
        return None
    if record.expires_at <= now:  # TTL deletion is lazy (and never happens on moto)
        return None
    return OtpChallenge(record.holder, record.purpose, record.subject_id, record.code_hash, int(record.attempts))


def spend_otp_attempt(holder: str, *, purpose: str, max_attempts: int, now: datetime) -> OtpChallenge | None:
    """Count one guess against the code for `holder` before it is compared.

    Returns the challenge when a guess was still allowed, None when there is no live code
    for this purpose (never sent, sent for something else, expired, used, or out of tries).
    The purpose is part of the condition, so a guess aimed at the wrong purpose spends
    nothing; counting first, atomically, means parallel guesses cannot exceed the limit.
    """
    record = OtpChallengeRecord(holder)
    try:
        record.update(
            actions=[OtpChallengeRecord.attempts.add(1)],
            condition=(
                OtpChallengeRecord.holder.exists()
                & (OtpChallengeRecord.purpose == purpose)
                & (OtpChallengeRecord.attempts < max_attempts)
                & (OtpChallengeRecord.code_expires_at > now)
            ),
        )
    except UpdateError as error:
        if failed_condition(error):
            return None
        raise
    return OtpChallenge(record.holder, record.purpose, record.subject_id, record.code_hash, int(record.attempts))


def consume_otp_challenge(holder: str, code_hash: str) -> bool:
    """Delete the code once it matched; False if it was already used or replaced."""
    try:
        OtpChallengeRecord(holder).delete(condition=OtpChallengeRecord.code_hash == code_hash)
    except DeleteError as error:
        if failed_condition(error):
            return False
        raise
    return True


def discard_otp_challenge(holder: str) -> None:
    """Forget any code waiting for `holder` (erasure)."""
    OtpChallengeRecord(holder).delete()
