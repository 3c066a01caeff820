"""Once per Idempotency-Key: a retried request gets the first answer; the same key with
another body is refused.

Two ways to keep the first answer, in one table and one record layout:
- `run_once` wraps a piece of work in Powertools Idempotency: a record "in progress" before
  the work, "completed" with the answer after it (two writes of their own);
- `Once` keeps the answer inside the very transaction that saves what it answers for
  (`Once.keep`, a `Guard`): no writes of its own, and no gap between the save and the kept
  answer in which a crash would let a retry save it again. Filing a grievance uses it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.models import kept_answers
from chalicelib.models.base import Guard
from chalicelib.resource_names import Table


class StillInProgress(Conflict):
    def __init__(self) -> None:
        super().__init__("A request with this Idempotency-Key is still being handled; retry shortly.")


class IdempotencyKeyReused(InvalidInput):
    def __init__(self) -> None:
        super().__init__("Idempotency-Key: already used with a different request.", field="Idempotency-Key")


MAX_KEY_CHARS = 200  # a longer key is cut here, not refused: only its first 200 characters count


def read_key(header: str | None) -> str | None:
    """The `Idempotency-Key` header as a key: None when the header is not sent, else its first
    200 characters. InvalidInput (field `Idempotency-Key`) when it is sent empty or blank: the
    client meant its retries to be safe, and treating the key as absent would quietly file
    each retry again."""
    if header is None:
        return None
    if not header.strip():
        raise InvalidInput(
            "Idempotency-Key: must not be empty; send a key or leave the header out.", field="Idempotency-Key"
        )
    return header[:MAX_KEY_CHARS]


def run_once(
    operation: str,
    caller_id: str,
    key: str,
    request: dict[str, Any],
    work: Callable[[], dict[str, Any]],
    lambda_context: Any = None,
    keep_seconds: int = 24 * 3600,
) -> dict[str, Any]:
    """`work()` once per (operation, caller, key); its JSON-able answer is kept `keep_seconds`
    (a day unless said). With the Lambda's context, a request cut off mid-way (timeout,
    crash) frees its key when the invocation's time is up, instead of answering "still in
    progress" to every retry until the answer would have expired."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    config = IdempotencyConfig(
        event_key_jmespath="[caller, key]",
        payload_validation_jmespath="request",
        expires_after_seconds=keep_seconds,
    )
    if lambda_context is not None:
        config.register_lambda_context(lambda_context)

    def run(call: dict[str, Any]) -> dict[str, Any]:
        return work()

    once = idempotent_function(
        data_keyword_argument="call", persistence_store=_store(), config=config, key_prefix=operation
    )(run)
    try:
        return dict(once(call={"caller": caller_id, "key": key, "request": request}))
    except IdempotencyValidationError:
        raise IdempotencyKeyReused() from None
    except IdempotencyAlreadyInProgressError:
        raise StillInProgress() from None


KEEP_ANSWERS = timedelta(days=1)


class AnsweredBefore(Exception):
    """The transaction keeping an answer found one kept already: this is a retry."""


class Once:
    """One Idempotency-Key of one caller for one operation, kept the way `run_once` keeps it
    (the same record id and request hash as Powertools derives them), so either finds the
    other's answer."""

    def __init__(self, operation: str, caller_id: str, key: str, request: dict[str, Any]) -> None:
        self.record_key = f"{operation}#{_digest([caller_id, key])}"
        self.request_hash = _digest(request)

    def keep(self, answer: dict[str, Any], now: datetime) -> Guard:
        """Keep `answer` in the save it answers for; that save raises AnsweredBefore when an
        answer is kept already (then `first_answer` reads it)."""
        return kept_answers.keep_guard(
            self.record_key,
            json.dumps(answer),
            self.request_hash,
            now=int(now.timestamp()),
            expires_at=int((now + KEEP_ANSWERS).timestamp()),
            refusal=AnsweredBefore(),
        )

    def first_answer(self, now: datetime) -> dict[str, Any] | None:
        """The answer kept for this key (None: none yet); IdempotencyKeyReused when it
        answered another request, StillInProgress while `run_once` is still at work on it."""
        kept = kept_answers.kept_answer(self.record_key, now=int(now.timestamp()))
        if kept is None:
            return None
        if kept.request_hash and kept.request_hash != self.request_hash:
            raise IdempotencyKeyReused()
        if kept.status != kept_answers.COMPLETED or kept.answer is None:
            raise StillInProgress()
        return dict(json.loads(kept.answer))


def _digest(data: Any) -> str:
    # What Powertools hashes (sorted JSON, MD5 as its default): the same request finds the
    # same record whichever of the two kept it. A record key, not a secret.
    return hashlib.md5(json.dumps(data, sort_keys=True).encode(), usedforsecurity=False).hexdigest()


@cache
def _store() -> Any:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(table_name=get_settings().resource_name(Table.IDEMPOTENCY))
