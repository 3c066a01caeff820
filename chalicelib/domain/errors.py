"""The one error vocabulary of citizen-crm.

Domain and service code raise these; `handlers/http.py` is the only place that turns
them into HTTP responses. Each carries the field it is about when there is one, so a
client can point at the offending input.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a client can cause. Never a 500."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    """The request is well-formed but a field's value is not acceptable."""

    code = "invalid_input"


class MalformedRequest(DomainError):
    """The request could not be read at all (not JSON, wrong content type)."""

    code = "malformed_request"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class NotFound(DomainError):
    """Missing, or not visible to the caller: the two are indistinguishable on purpose."""

    code = "not_found"


class Conflict(DomainError):
    """A uniqueness or version check failed: the caller should re-read and retry."""

    code = "conflict"


class OpenGrievancesInTheWay(Conflict):
    """A catalogue change would leave open grievances behind: names them (`problems`)."""

    code = "open_grievances"

    def __init__(self, message: str, tracking_ids: list[str], *, field: str) -> None:
        super().__init__(message, field=field)
        self.problems = [
            {"field": field, "message": f"open grievance {tracking_id}", "tracking_id": tracking_id}
            for tracking_id in tracking_ids
        ]


class IdentityTaken(Conflict):
    """A national ID, mobile or email the caller proved is already held by another account.

    Never says which: the caller learns only that their details conflict, and the holders
    (`holders`, citizen ids) are told by SMS.
    """

    code = "identity_conflict"

    def __init__(self, holders: list[str]) -> None:
        super().__init__(
            "These identity details are already registered to another account, whose holder has been told. "
            "If they are yours, contact the state grievance cell to settle it."
        )
        self.holders = holders


class Unauthenticated(DomainError):
    code = "unauthenticated"
    # The WWW-Authenticate challenge: how to authenticate instead (a bearer token, or a
    # provider's signature on an inbound channel).
    challenge = "Bearer"


class Forbidden(DomainError):
    code = "forbidden"


class AboveYourLevel(Forbidden):
    """403: the caller may see the case but it has reached a level above theirs."""

    code = "above_your_level"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_seconds: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after_seconds = retry_after_seconds


class Unavailable(DomainError):
    """A dependency (a table, a queue) cannot be reached right now."""

    code = "unavailable"
