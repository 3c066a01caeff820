"""Once per Idempotency-Key: a retried request gets the first answer (Powertools Idempotency
on the idempotency table); the same key with another body is refused."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain.errors import Conflict, InvalidInput
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


@cache
def _store() -> Any:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(table_name=get_settings().resource_name(Table.IDEMPOTENCY))
