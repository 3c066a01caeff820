"""Kept answers of the idempotency table, written inside the save they answer for.

Laid out as Powertools Idempotency lays out its records (`id`, `status`, `data`,
`validation`, `expiration` in epoch seconds), so a retry sent across a release that changes
which of the two keeps an operation's answers still finds the first answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.models.base import Guard, TableName
from chalicelib.resource_names import Table

COMPLETED = "COMPLETED"


class KeptAnswerRecord(Model):
    class Meta:
        table_name = TableName(Table.IDEMPOTENCY)

    id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()
    data = UnicodeAttribute(null=True)  # the answer, as JSON
    validation = UnicodeAttribute(null=True)  # a hash of the request it answered
    expiration = NumberAttribute()  # epoch seconds; DynamoDB's TTL removes it some time after


@dataclass(frozen=True)
class KeptAnswer:
    status: str
    answer: str | None
    request_hash: str | None
    expires_at: int


def keep_guard(key: str, answer: str, request_hash: str, *, now: int, expires_at: int, refusal: Exception) -> Guard:
    """Keeping `answer` under `key` as part of the save it answers for (`Guard`): refused
    with `refusal` while an unexpired answer is kept there already."""
    record = KeptAnswerRecord(key, status=COMPLETED, data=answer, validation=request_hash, expiration=expires_at)
    unused = KeptAnswerRecord.id.does_not_exist() | (KeptAnswerRecord.expiration < now)
    return Guard(record, unused, refusal)


def kept_answer(key: str, *, now: int) -> KeptAnswer | None:
    """The unexpired answer kept under `key` (one strongly consistent GetItem)."""
    try:
        record = KeptAnswerRecord.get(key, consistent_read=True)
    except KeptAnswerRecord.DoesNotExist:
        return None
    if record.expiration < now:
        return None
    return KeptAnswer(record.status, record.data, record.validation, int(record.expiration))
