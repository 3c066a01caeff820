"""The refresh tokens of logged-in people.

Only keyed hashes of the tokens are held; they expire by TTL (and by an explicit
`expires_at` check, since TTL deletion is lazy) and change state only through conditional
writes, so two requests racing for one refresh token cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.attributes import BooleanAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.models.base import TableName


def _failed_condition(error: UpdateError | DeleteError) -> bool:
    return error.cause_response_code == "ConditionalCheckFailedException"


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
