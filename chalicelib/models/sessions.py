"""Logins and their refresh tokens.

One item per login (`login#<login id>`, the access token's `sid`): every authenticated
request reads it, by key, to know the login still stands. One item per refresh token (its
keyed hash; the tokens themselves are never held), each naming its login (`family_id`).
Ending a login marks its item and its tokens revoked. Items expire by TTL (and by an explicit
`expires_at` check, since TTL deletion is lazy) and change state only through conditional
writes, so two requests racing for one refresh token cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.attributes import BooleanAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.models.base import ItemRead, TableName, failed_condition
from chalicelib.resource_names import Table

LOGIN_PREFIX = "login#"  # a refresh token's key is a hex digest: the two never collide


class SubjectIndex(GlobalSecondaryIndex["RefreshSessionRecord"]):
    class Meta:
        index_name = "subject-index"
        projection = AllProjection()

    subject_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class RefreshSessionRecord(Model):
    """A login (`login#...`) or one of its refresh tokens: the same attributes, so revoking
    everything of a subject is one Query on `subject-index` that finds both."""

    class Meta:
        table_name = TableName(Table.SESSIONS)

    token_hash = UnicodeAttribute(hash_key=True)  # or `login#<login id>`
    subject_id = UnicodeAttribute()
    subject_kind = UnicodeAttribute()  # citizen | officer
    family_id = UnicodeAttribute()  # the login: every token rotated from it shares it
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


def login_key(login_id: str) -> str:
    return LOGIN_PREFIX + login_id


def save_login(*, login_id: str, subject_id: str, subject_kind: str, now: datetime, expires_at: datetime) -> None:
    RefreshSessionRecord(
        login_key(login_id),
        subject_id=subject_id,
        subject_kind=subject_kind,
        family_id=login_id,
        created_at=now.isoformat(),
        expires_at=expires_at,
    ).save(condition=RefreshSessionRecord.token_hash.does_not_exist())


def extend_login(login_id: str, expires_at: datetime) -> bool:
    """Keep a login standing until `expires_at` (its newest refresh token's expiry); False
    when it has ended (revoked, or gone)."""
    try:
        RefreshSessionRecord(login_key(login_id)).update(
            actions=[RefreshSessionRecord.expires_at.set(expires_at)],
            condition=RefreshSessionRecord.token_hash.exists() & (RefreshSessionRecord.revoked == False),  # noqa: E712
        )
    except UpdateError as error:
        if not failed_condition(error):
            raise
        return False
    return True


def login_read(login_id: str, subject_id: str) -> ItemRead[bool]:
    """Whether `subject_id`'s login `login_id` still stands, as a consistent read that can
    share its call with the request's other reads (`read_together`): a logout answers every
    request after it, not a second later."""
    return ItemRead(RefreshSessionRecord, login_key(login_id), lambda record: stands(record, subject_id))


def stands(login: RefreshSessionRecord | None, subject_id: str) -> bool:
    """Whether a login item, read however, shows the login still standing."""
    return login is not None and not login.revoked and login.subject_id == subject_id


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
        if not failed_condition(error):
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
    """End every login of a subject, or only one (`family_id`), or all but one
    (`keep_family`): the login items and their refresh tokens. One Query, an update each."""
    revoked = 0
    if family_id is not None:
        _revoke_login(family_id)  # by key: the index may not have caught up with a new login
    for record in RefreshSessionRecord.by_subject.query(subject_id):
        if record.revoked or record.family_id == keep_family:
            continue
        if family_id is None or record.family_id == family_id:
            record.update(actions=[RefreshSessionRecord.revoked.set(True)])
            revoked += 1
    return revoked


def _revoke_login(login_id: str) -> None:
    try:
        RefreshSessionRecord(login_key(login_id)).update(
            actions=[RefreshSessionRecord.revoked.set(True)], condition=RefreshSessionRecord.token_hash.exists()
        )
    except UpdateError as error:
        if not failed_condition(error):  # no such login: nothing to end
            raise


def find_refresh_session(token_hash: str) -> RefreshSession | None:
    try:
        return _to_session(RefreshSessionRecord.get(token_hash))
    except RefreshSessionRecord.DoesNotExist:
        return None


def _to_session(record: RefreshSessionRecord) -> RefreshSession:
    return RefreshSession(record.subject_id, record.subject_kind, record.family_id)
