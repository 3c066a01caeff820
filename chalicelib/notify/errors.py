"""What a provider's failure looks like above the notify layer (no botocore up there)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError


class SendFailed(Exception):
    """SNS, SES or a department's server did not take the message; `code` says why
    (the provider's error code, an HTTP status, or the network error's name)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@contextmanager
def provider_call() -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        raise SendFailed(str(error.response.get("Error", {}).get("Code") or "ClientError")) from error
    except BotoCoreError as error:
        raise SendFailed(type(error).__name__) from error


class TryLater(Exception):
    """Not delivered now, another attempt is due: the consumer hides the message for its
    backoff, then it comes back."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"to be tried again: {reason}")
        self.reason = reason


class Held(Exception):
    """Held back on purpose (quiet hours), not failed: the consumer hides the message for
    `seconds`, and holding it must not use up delivery attempts."""

    def __init__(self, seconds: int, reason: str) -> None:
        super().__init__(f"held for {seconds} s: {reason}")
        self.seconds = seconds
        self.reason = reason
