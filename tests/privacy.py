"""The privacy scan: what the suite's traffic would show a reader of logs, queues and tables.

Installed for the whole test session (tests/conftest.py), it watches three doors:

- every answer of the API (`chalice.local.LocalGateway.handle_request`, which both the test
  client and the dev server go through),
- every log record (`logging.Logger.callHandlers`),
- every AWS call the process makes (`botocore.client.BaseClient._make_api_call`): DynamoDB
  items and keys, SQS and SNS messages, Step Functions inputs, S3 objects.

It learns the secrets as they pass — national IDs and passwords from request bodies, one-time
codes from the SMS and emails that carry them to their holder, refresh tokens from login
answers — and looks for each of them everywhere they must not be: a full national ID
(Aadhaar or CNIC, in any spacing), a one-time code or a password anywhere but the message to
its holder, a token (a JWT or a refresh token) in a log, a message or a table item. Any sight
is a hit, kept with where it was seen.

What is not scanned, and why: the SMS and emails themselves (they are how a code reaches its
holder; `sns:Publish` to a phone number, SES `SendEmail`), the local stage's `/dev/` aids (the
outbox stands in for the citizen's phone, `/dev/accounts` lists the demo logins), the OpenAPI
document, and processes other than the test session's own (the e2e tests' local stacks).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# A national ID as it may be written: Aadhaar 12 digits (4-4-4 with spaces or dashes, or
# none; never a mobile's tail after "+"), CNIC 13 digits (5-7-1).
AADHAAR = re.compile(r"(?<![\d+])\d{4}[ -]?\d{4}[ -]?\d{4}(?!\d)")
CNIC = re.compile(r"(?<![\d+])\d{5}-?\d{7}-?\d(?!\d)")
# The AWS account moto runs as is in every ARN, queue URL and bucket name; a test that sends
# it as a (refused) national ID must not make every queue URL a sighting.
MOTO_ACCOUNT = "123456789012"
# A code as it would be written in a message or a stored value: six digits standing alone, not
# the tail of a timestamp's microseconds (".469123"), the date in a tracking id
# ("OD-261204-9BMQMP"), or a run inside an id or a hash ("cit-01m8zj493021q").
SIX_DIGITS = re.compile(r"(?<![\w.,-])\d{6}(?!\w)")
# A code is sighted only this close to when it was sent: a real leak (a queued message, a stored
# item, a log line) happens while it is sent or used (it lives 5 minutes), whereas the random
# six-digit values of a long session would now and then equal one of its thousands of codes.
CODE_WINDOW_SECONDS = 600
JWT = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,}")
# `secrets.token_urlsafe(32)`, the refresh token's shape.
URLSAFE_43 = re.compile(r"(?<![\w-])[\w-]{43}(?![\w-])")

PASSWORD_KEYS = {"password", "new_password", "current_password", "old_password"}
TOKEN_KEYS = {"refresh_token"}
LEAST_PASSWORD_LENGTH = 12  # shorter "passwords" in tests are refused ones, and too common to look for
UNSCANNED_PATHS = ("/dev/", "/openapi.json")


@dataclass(frozen=True)
class Hit:
    kind: str  # national_id, one_time_code, password, token
    source: str  # response, log, aws
    where: str  # the route, the logger, the AWS operation

    def __str__(self) -> str:
        return f"a {self.kind.replace('_', ' ')} in a {self.source}: {self.where}"


@dataclass
class PrivacyScan:
    national_ids: set[str] = field(default_factory=set)
    passwords: set[str] = field(default_factory=set)
    codes: dict[str, float] = field(default_factory=dict)  # code -> when it was sent (monotonic)
    pincodes: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    scanned: Counter[str] = field(default_factory=Counter)
    hits: list[Hit] = field(default_factory=list)
    unresolved: set[tuple[str, str, str, str, float]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    clock: Callable[[], float] = time.monotonic
    _code_texts: list[re.Pattern[str]] | None = None

    # What is learned ---------------------------------------------------------------------

    def learn_from_request(self, path: str, body: bytes | str | None) -> None:
        query = urllib.parse.urlsplit(path).query
        values: list[tuple[str, Any]] = list(urllib.parse.parse_qsl(query))
        if body:
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
            try:
                values.extend(_pairs(json.loads(text)))
            except ValueError:
                values.extend(urllib.parse.parse_qsl(text))
        for key, value in values:
            if not isinstance(value, str):
                continue
            if "national_id" in key:
                digits = re.sub(r"\D", "", value)
                if len(digits) in (12, 13) and digits != MOTO_ACCOUNT:
                    self.national_ids.add(digits)
            elif key in PASSWORD_KEYS and len(value) >= LEAST_PASSWORD_LENGTH:
                self.passwords.add(value)
            elif "pincode" in key:  # six digits too, and stored everywhere: never taken for a code
                self.pincodes.add(value.strip())

    def learn_from_delivery(self, text: str) -> None:
        now = self.clock()
        for template in self.code_texts():
            self.codes.update((code, now) for code in template.findall(text) if code not in self.pincodes)

    def learn_from_answer(self, body: Any) -> None:
        for key, value in _pairs(body):
            if key in TOKEN_KEYS and isinstance(value, str):
                self.refresh_tokens.add(value)

    def code_texts(self) -> list[re.Pattern[str]]:
        if self._code_texts is None:
            # Imported late: the app must not be imported before the suite sets its environment.
            from chalicelib.services import assisted_filing, one_time_codes

            templates = {*one_time_codes.CODE_TEXTS.values(), *assisted_filing.CODE_TEXTS.values()}
            self._code_texts = [
                re.compile(re.escape(template).replace(re.escape("{code}"), r"(\d{6})")) for template in templates
            ]
        return self._code_texts

    # What is looked for ------------------------------------------------------------------

    def check(self, source: str, where: str, text: str, *, tokens: bool) -> None:
        """Look for every secret known so far; keep what could be a secret learned only later
        (a code is learned from its SMS, a refresh token from its answer) for `resolve`."""
        now = self.clock()
        found = list(self._kinds_in(text, now, tokens=tokens))
        codes = set(SIX_DIGITS.findall(text)) - self.codes.keys() - self.pincodes
        refresh_tokens = set(URLSAFE_43.findall(text)) - self.refresh_tokens if tokens else set()
        with self.lock:
            self.scanned[source] += 1
            self.hits.extend(Hit(kind, source, where) for kind in found)
            self.unresolved.update(("one_time_code", source, where, code, now) for code in codes)
            self.unresolved.update(("token", source, where, token, now) for token in refresh_tokens)

    def resolve(self) -> None:
        """Judge what was seen before the secret it may be was learned."""
        with self.lock:
            seen = {
                (kind, source, where, value, seen_at)
                for kind, source, where, value, seen_at in self.unresolved
                if self._is_secret(kind, value, seen_at)
            }
            self.hits.extend(Hit(kind, source, where) for kind, source, where, _, _ in seen)
            self.unresolved -= seen

    def _is_secret(self, kind: str, value: str, seen_at: float) -> bool:
        if kind == "token":
            return value in self.refresh_tokens
        sent_at = self.codes.get(value)
        return sent_at is not None and abs(seen_at - sent_at) <= CODE_WINDOW_SECONDS

    def _kinds_in(self, text: str, now: float, *, tokens: bool) -> Iterable[str]:
        for match in (*AADHAAR.findall(text), *CNIC.findall(text)):
            if re.sub(r"\D", "", match) in self.national_ids:
                yield "national_id"
                break
        if any(self._is_secret("one_time_code", code, now) for code in SIX_DIGITS.findall(text)):
            yield "one_time_code"
        if any(password in text for password in self.passwords):
            yield "password"
        if tokens and (JWT.search(text) or any(t in self.refresh_tokens for t in URLSAFE_43.findall(text))):
            yield "token"

    # The three doors -----------------------------------------------------------------------

    def answer(self, method: str, path: str, request_body: bytes | str | None, response: dict[str, Any]) -> None:
        self.learn_from_request(path, request_body)
        route = urllib.parse.urlsplit(path).path
        body = response.get("body") or b""
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        with contextlib.suppress(ValueError):
            self.learn_from_answer(json.loads(text))
        if not route.startswith(UNSCANNED_PATHS):
            # An answer may carry the caller's own tokens (a login), never anyone's codes or IDs.
            self.check("response", f"{method} {route}", text, tokens=False)

    def log(self, record: logging.LogRecord) -> None:
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD_RECORD_KEYS}
        text = f"{record.getMessage()} {extras!r}" if extras else record.getMessage()
        self.check("log", record.name, text, tokens=True)

    def aws_call(self, service: str, operation: str, params: dict[str, Any]) -> None:
        if service == "sns" and operation == "Publish" and "PhoneNumber" in params:
            self.learn_from_delivery(str(params.get("Message", "")))
            return
        if service in ("ses", "sesv2") and operation in ("SendEmail", "SendRawEmail"):
            self.learn_from_delivery(json.dumps(params, default=str, ensure_ascii=False))
            return
        text = json.dumps(params, default=str, ensure_ascii=False)
        self.check("aws", f"{service}:{operation}", text, tokens=True)

    def figures(self) -> dict[str, Any]:
        self.resolve()
        return {
            "scanned": dict(self.scanned),
            "learned": {
                "national_ids": len(self.national_ids),
                "passwords": len(self.passwords),
                "one_time_codes": len(self.codes),
                "refresh_tokens": len(self.refresh_tokens),
            },
            "hits": [str(hit) for hit in self.hits],
        }


def _pairs(value: Any, key: str = "") -> Iterable[tuple[str, Any]]:
    """Every (key, leaf value) of a JSON document, at any depth."""
    if isinstance(value, dict):
        for name, inner in value.items():
            yield from _pairs(inner, str(name))
    elif isinstance(value, list):
        for inner in value:
            yield from _pairs(inner, key)
    else:
        yield key, value


_STANDARD_RECORD_KEYS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class PrivacyLeak(AssertionError):
    pass


def install(scan: PrivacyScan) -> None:
    """Put the scan on the three doors, for the rest of the process."""
    from botocore.client import BaseClient
    from chalice.local import LocalGateway

    handle_request = LocalGateway.handle_request

    def scanned_request(self: Any, method: str, path: str, headers: Any, body: bytes | str | None) -> Any:
        response = handle_request(self, method, path, headers, body)
        scan.answer(method, path, body, response)
        return response

    LocalGateway.handle_request = scanned_request  # type: ignore[method-assign]

    call_handlers = logging.Logger.callHandlers

    def scanned_log(self: logging.Logger, record: logging.LogRecord) -> None:
        scan.log(record)
        call_handlers(self, record)

    logging.Logger.callHandlers = scanned_log  # type: ignore[method-assign]

    make_api_call = BaseClient._make_api_call

    def scanned_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        scan.aws_call(self.meta.service_model.service_name, operation_name, api_params)
        return make_api_call(self, operation_name, api_params)

    BaseClient._make_api_call = scanned_call  # type: ignore[method-assign]
