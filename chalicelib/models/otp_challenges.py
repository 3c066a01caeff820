"""One-time codes sent by SMS to prove a citizen holds a mobile number.

Only a keyed hash of each code is held; a challenge expires by TTL (and by an explicit
`expires_at` check, since TTL deletion is lazy) and changes only through conditional
writes, so two requests racing for one code cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, UpdateError
from pynamodb.models import Model

from chalicelib.models.base import TableName


def _failed_condition(error: UpdateError | DeleteError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


class OtpChallengeRecord(Model):
    class Meta:
        table_name = TableName("otp-challenges")

    # A keyed hash of the mobile: the table never holds the number itself.
    holder = UnicodeAttribute(hash_key=True)
    purpose = UnicodeAttribute()  # registration | mobile_change
    subject_id = UnicodeAttribute()
    code_hash = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    expires_at = TTLAttribute()


@dataclass(frozen=True)
class OtpChallenge:
    holder: str
    purpose: str
    subject_id: str
    code_hash: str
    attempts: int


def replace_otp_challenge(
    *, holder: str, purpose: str, subject_id: str, code_hash: str, now: datetime, expires_at: datetime
) -> None:
    """Store a new code for `holder`; any earlier code for it stops working."""
    OtpChallengeRecord(
        holder,
        purpose=purpose,
        subject_id=subject_id,
        code_hash=code_hash,
        attempts=0,
        created_at=now,
        expires_at=expires_at,
    ).save()


def spend_otp_attempt(holder: str, *, max_attempts: int, now: datetime) -> OtpChallenge | None:
    """Count one guess against the code for `holder` before it is compared.

    Returns the challenge when a guess was still allowed, None when there is no live code
    (never sent, expired, used, or out of tries). Counting first, atomically, means parallel
    guesses cannot exceed the limit.
    """
    record = OtpChallengeRecord(holder)
    try:
        record.update(
            actions=[OtpChallengeRecord.attempts.add(1)],
            condition=(
                OtpChallengeRecord.holder.exists()
                & (OtpChallengeRecord.attempts < max_attempts)
                & (OtpChallengeRecord.expires_at > now)
            ),
        )
    except UpdateError as error:
        if _failed_condition(error):
            return None
        raise
    return OtpChallenge(record.holder, record.purpose, record.subject_id, record.code_hash, int(record.attempts))


def consume_otp_challenge(holder: str, code_hash: str) -> bool:
    """Delete the code once it matched; False if it was already used or replaced."""
    try:
        OtpChallengeRecord(holder).delete(condition=OtpChallengeRecord.code_hash == code_hash)
    except DeleteError as error:
        if _failed_condition(error):
            return False
        raise
    return True


def discard_otp_challenge(holder: str) -> None:
    """Forget any code waiting for `holder` (erasure)."""
    OtpChallengeRecord(holder).delete()
