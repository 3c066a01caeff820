"""One-time codes sent by SMS, and the refresh tokens of logged-in people.

Both hold only keyed hashes of their secrets, expire by TTL (and by an explicit
`expires_at` check, since TTL deletion is lazy), and change state only through conditional
writes, so two requests racing for one code or one refresh token cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.attributes import BooleanAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import DeleteError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.models.base import TableName


def _failed_condition(error: UpdateError | DeleteError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


# --- one-time codes ------------------------------------------------------------------------


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


# --- refresh tokens ------------------------------------------------------------------------


class SubjectIndex(GlobalSecondaryIndex["RefreshSessionRecord"]):
    class Meta:
        index_name = "subject-index"
        projection = AllProjection()

    subject_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class RefreshSessionRecord(Model):
    class Meta:
        table_name = TableName("sessions")

    token_hash = UnicodeAttribute(hash_key=True)
    subject_id = UnicodeAttribute()
    subject_kind = UnicodeAttribute()  # citizen | officer
    family_id = UnicodeAttribute()  # every token rotated from one login
    created_at = UnicodeAttribute()  # ISO-8601 UTC: the index sorts on it
    used = BooleanAttribute(default=False)
    revoked = BooleanAttribute(default=False)
    expires_at = TTLAttribute()

    by_subject = SubjectIndex()


@dataclass(frozen=True)
class RefreshSession:
    subject_id: str
    subject_kind: str
    family_id: str


class RefreshTokenReused(Exception):
    """A token that was already rotated came back: someone holds a copy."""

    def __init__(self, session: RefreshSession) -> None:
        super().__init__("refresh token reused")
        self.session = session


def save_refresh_session(
    *, token_hash: str, subject_id: str, subject_kind: str, family_id: str, now: datetime, expires_at: datetime
) -> None:
    RefreshSessionRecord(
        token_hash,
        subject_id=subject_id,
        subject_kind=subject_kind,
        family_id=family_id,
        created_at=now.isoformat(),
        expires_at=expires_at,
    ).save()


def use_refresh_session(token_hash: str, now: datetime) -> RefreshSession | None:
    """Mark a refresh token used (it rotates: one use each). None when unknown, expired or
    revoked; RefreshTokenReused when it had been used before."""
    record = RefreshSessionRecord(token_hash)
    try:
        record.update(
            actions=[RefreshSessionRecord.used.set(True)],
            condition=(
                RefreshSessionRecord.token_hash.exists()
                & (RefreshSessionRecord.used == False)  # noqa: E712 (a DynamoDB condition, not a bool)
                & (RefreshSessionRecord.revoked == False)  # noqa: E712
                & (RefreshSessionRecord.expires_at > now)
            ),
        )
    except UpdateError as error:
        if not _failed_condition(error):
            raise
        try:
            existing = RefreshSessionRecord.get(token_hash, consistent_read=True)
        except RefreshSessionRecord.DoesNotExist:
            return None
        if existing.used and not existing.revoked:
            raise RefreshTokenReused(_to_session(existing)) from None
        return None
    return _to_session(record)


def revoke_refresh_sessions(subject_id: str, family_id: str | None = None, keep_family: str | None = None) -> int:
    """Revoke every refresh token of a subject, or only those of one login (`family_id`),
    or all but one login (`keep_family`). One Query."""
    revoked = 0
    for record in RefreshSessionRecord.by_subject.query(subject_id):
        if record.revoked or record.family_id == keep_family:
            continue
        if family_id is None or record.family_id == family_id:
            record.update(actions=[RefreshSessionRecord.revoked.set(True)])
            revoked += 1
    return revoked


def find_refresh_session(token_hash: str) -> RefreshSession | None:
    try:
        return _to_session(RefreshSessionRecord.get(token_hash))
    except RefreshSessionRecord.DoesNotExist:
        return None


def _to_session(record: RefreshSessionRecord) -> RefreshSession:
    return RefreshSession(record.subject_id, record.subject_kind, record.family_id)
