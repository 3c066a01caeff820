"""Which failures of an AWS call are AWS's passing trouble rather than our bug.

A throttle, a 5xx or a timeout that botocore's own retries did not get past is worth trying
again a moment later: the API answers 503 with `Retry-After` (handlers/http.py), an SQS
consumer lets the message come back. Anything else an AWS service refuses — a malformed
request, a missing table, a denied permission — is a bug of ours, and stays a 500.

The codes are botocore's standard retry mode's own (botocore/retries/standard.py), plus
the codes and statuses it leaves to the status alone, and a DynamoDB transaction cancelled
only because one of its items was throttled. Wrapped errors are looked through: PynamoDB's
(`.cause`) and anything raised `from` one (Powertools Idempotency's persistence errors).
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as CouldNotConnect
from pynamodb.exceptions import PynamoDBException

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "Throttled",  # SNS
        "RequestThrottledException",
        "RequestThrottled",  # SQS
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
        "BandwidthLimitExceeded",
        "SlowDown",  # S3
        "PriorRequestNotComplete",
    }
)
SERVER_ERROR_CODES = frozenset(
    {
        "InternalServerError",
        "InternalError",
        "InternalFailure",
        "InternalServiceErrorException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
# DynamoDB cancels a whole transaction when one item is throttled; the reasons say so.
THROTTLED_ITEM_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"})
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class PassingFault:
    """What failed, for the log line: the AWS operation when known, and the error's code
    (or the timeout's class name)."""

    operation: str | None
    error: str


def passing_fault(failure: BaseException) -> PassingFault | None:
    """The AWS fault worth retrying behind `failure` (itself, its PynamoDB cause, or what it
    was raised from), or None when it is not one: a bug, a refusal, not AWS at all."""
    seen: set[int] = set()
    current: BaseException | None = failure
    wrapper: str | None = None  # a timeout does not say its operation; PynamoDB's wrapper hints at it
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ClientError):
            code = _retryable_code(current)
            return PassingFault(getattr(current, "operation_name", None) or wrapper, code) if code else None
        if isinstance(current, CouldNotConnect | HTTPClientError):  # timeouts, refused, reset
            return PassingFault(wrapper, type(current).__name__)
        if isinstance(current, PynamoDBException) and current.cause is not None:
            wrapper = wrapper or type(current).__name__
            current = current.cause
            continue
        current = current.__cause__
    return None


def _retryable_code(error: ClientError) -> str | None:
    response = error.response or {}
    code = str(response.get("Error", {}).get("Code") or "")
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code in THROTTLING_CODES or code in SERVER_ERROR_CODES or status in RETRYABLE_STATUSES:
        return code or str(status)
    if code == "TransactionCanceledException":
        reasons = {str(reason.get("Code")) for reason in response.get("CancellationReasons") or []}
        reasons |= {r.code for r in getattr(error, "cancellation_reasons", None) or [] if r is not None}
        if reasons & THROTTLED_ITEM_REASONS and not reasons & {"ConditionalCheckFailed", "ValidationError"}:
            return code
    return None
