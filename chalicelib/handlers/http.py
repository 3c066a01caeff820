"""The HTTP edge shared by every blueprint: routes that speak one JSON error shape.

`@route(blueprint, path, ...)` registers a Chalice view whose domain errors, validation
errors and unreadable bodies all become `{"error": {"code", "message", "field"}}` with a
4xx status. A throttle, 5xx or timeout of AWS is a 503 `service_unavailable` with
`Retry-After` (chalicelib/aws_faults.py says which). Anything else is a bug: it is logged
with its stack and answered with the same shape and a 500, never with a stack trace.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar

from aws_lambda_powertools import Logger
from chalice.app import Blueprint, Response

from chalicelib.aws_faults import passing_fault
from chalicelib.domain import errors
from chalicelib.domain.principal import Principal, Role

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

logger = Logger(child=True)

MAX_BODY_BYTES = 64 * 1024
# After a throttle or an outage of AWS that outlasted botocore's retries: a short pause, as
# a throttle usually passes in a second or two.
RETRY_AFTER_SECONDS = 1
UNAVAILABLE_MESSAGE = (
    "The service is briefly unavailable; try again in a moment (with the same Idempotency-Key, if you sent one)."
)

_STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.MalformedRequest: 400,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.InvalidInput: 422,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
}

Model = TypeVar("Model", bound="BaseModel")
View = Callable[..., Any]


def error_response(
    status: int, code: str, message: str, field: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        body={"error": {"code": code, "message": message, "field": field}},
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def domain_error_response(error: errors.DomainError) -> Response:
    status = next((status for kind, status in _STATUS_BY_ERROR.items() if isinstance(error, kind)), 400)
    headers = {}
    if isinstance(error, errors.RateLimited):
        headers["Retry-After"] = str(error.retry_after_seconds)
    if isinstance(error, errors.Unauthenticated):
        headers["WWW-Authenticate"] = error.challenge
    response = error_response(status, error.code, error.message, error.field, headers)
    allowed = getattr(error, "allowed", None)
    if allowed is not None:  # a move the state does not allow: say which ones it does
        response.body["error"]["allowed"] = allowed
    problems = getattr(error, "problems", None)
    if problems is not None:  # a form with several wrong fields: name every one
        response.body["error"]["problems"] = problems
    return response


def is_validation_error(error: Exception) -> TypeGuard[ValidationError]:
    """Whether `error` is pydantic's, asked without importing pydantic: a request that
    validated nothing has not loaded it, and so cannot have raised it."""
    pydantic_core = sys.modules.get("pydantic_core")
    return pydantic_core is not None and isinstance(error, pydantic_core.ValidationError)


def validation_error_response(error: ValidationError) -> Response:
    field, message = first_problem(error)
    return error_response(422, "invalid_input", f"{field}: {message}" if field else message, field)


def first_problem(error: ValidationError) -> tuple[str | None, str]:
    """The field path (`address.pincode`) and message of the first thing wrong."""
    first = error.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    message = "Unknown field" if first["type"] == "extra_forbidden" else first["msg"]
    return field, message


def unexpected_error_response(error: Exception, route_path: str) -> Response:
    """A throttle, 5xx or timeout of AWS that botocore's retries did not get past is a 503 to
    retry shortly, logged as a warning; anything else is a bug: a 500, logged with its stack.
    Neither body says what failed: AWS's own message names tables, queues and accounts."""
    fault = passing_fault(error)
    if fault is None:
        logger.exception("unhandled error", extra={"route": route_path})
        return error_response(500, "internal_error", "An internal error occurred.")
    logger.warning(
        "AWS unavailable: answered 503",
        extra={"route": route_path, "aws_operation": fault.operation, "aws_error": fault.error},
    )
    return error_response(
        503,
        "service_unavailable",
        UNAVAILABLE_MESSAGE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


EVERYONE = frozenset(Role)
CITIZENS = frozenset({Role.CITIZEN})
STAFF = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.DEPARTMENT_HEAD, Role.STATE_ADMIN})
MANAGERS = frozenset({Role.SUPERVISOR, Role.DEPARTMENT_HEAD, Role.STATE_ADMIN})


def route(
    blueprint: Blueprint,
    path: str,
    *,
    methods: list[str],
    roles: frozenset[Role] | None = None,
    public: bool = False,
    allow_temporary_password: bool = False,
    login_checked_with_first_read: bool = False,
    **options: Any,
) -> Callable[[View], View]:
    """Register a view on `blueprint` with citizen-crm's authentication and error handling.

    Every route declares who may call it: `public=True`, or `roles=` — deny by default. An
    authenticated view receives the caller's `Principal` as its first argument. Staff whose
    password is still the temporary one they were given reach only the route declared
    `allow_temporary_password=True` (changing it).

    `login_checked_with_first_read=True` (a GET that shows one case): the check that the
    caller's login still stands rides on the view's first read of its case, one call fewer
    (`standing_login`). It is made before the view answers all the same.
    """
    if public == (roles is not None):
        raise TypeError(f"{path}: declare exactly one of public=True or roles=...")
    if login_checked_with_first_read and (public or methods != ["GET"]):
        # A view that writes must know who is asking before it writes, not after.
        raise TypeError(f"{path}: only an authenticated GET may check the login with its first read")

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                if roles is None:
                    return view(*args, **kwargs)
                caller = authenticate(
                    blueprint,
                    roles,
                    changing_password=allow_temporary_password,
                    defer_login_check=login_checked_with_first_read,
                )
                if not login_checked_with_first_read:
                    return view(caller, *args, **kwargs)
                from chalicelib.services.standing_login import checked_with_first_read

                with checked_with_first_read(caller):
                    return view(caller, *args, **kwargs)
            except errors.DomainError as error:
                return domain_error_response(error)
            except Exception as error:
                if is_validation_error(error):
                    return validation_error_response(error)
                return unexpected_error_response(error, path)

        # Kept on the view so tests can hold every route of the app against the access matrix.
        guarded.allowed_roles = roles  # type: ignore[attr-defined]
        guarded.allows_temporary_password = allow_temporary_password  # type: ignore[attr-defined]
        blueprint.route(path, methods=methods, **options)(guarded)
        return guarded

    return decorate


def authenticate(
    blueprint: Blueprint, roles: frozenset[Role], *, changing_password: bool = False, defer_login_check: bool = False
) -> Principal:
    """The caller behind the request's bearer token, if its login still stands and their
    role may use this route. `defer_login_check`: the caller's view checks the login
    (`standing_login.checked_with_first_read`), unless the role is refused here."""
    # Imported on the first authenticated request: the login check reads the sessions and
    # officers tables (their PynamoDB models), which public routes never need.
    from chalicelib.security.tokens import verify_access_token
    from chalicelib.services.standing_login import require_standing_login

    header = blueprint.current_request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise errors.Unauthenticated("Send an access token: Authorization: Bearer <token>.")
    principal = verify_access_token(token.strip())
    # Before the role: a token whose login has ended is nobody's, whatever it may claim.
    if not defer_login_check or principal.role not in roles:
        require_standing_login(principal, changing_password=changing_password)
    if principal.role not in roles:
        raise errors.Forbidden("Your role may not use this route.", code="role_not_allowed")
    return principal


def uniform_error_shape(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """HTTP middleware: the few errors Chalice answers itself (415 for a non-JSON
    Content-Type) get the same `{"error": ...}` shape as everything else."""
    response = get_response(event)
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = re.sub(r"(?<!^)(?=[A-Z])", "_", str(body["Code"])).lower()
        field = "Content-Type" if response.status_code == 415 else None
        response.body = {"error": {"code": code, "message": body["Message"], "field": field}}
    return response


def parse_body(blueprint: Blueprint, model: type[Model]) -> Model:
    """The request's JSON body validated as `model`; raises a 4xx-mapped error otherwise."""
    request = blueprint.current_request
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise errors.PayloadTooLarge(f"The body may be at most {MAX_BODY_BYTES} bytes.")
    try:
        document = json.loads(raw or b"null")
    except (ValueError, RecursionError) as error:
        # ValueError: not UTF-8, not JSON, or an integer of thousands of digits;
        # RecursionError: thousands of nested arrays. Either way the body cannot be read.
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)[:200]
        raise errors.MalformedRequest(f"The body is not valid JSON: {reason}") from None
    if not isinstance(document, dict):
        raise errors.MalformedRequest("The body must be a JSON object.")
    return model.model_validate(document)


def source_address(blueprint: Blueprint) -> str:
    """The caller's IP address as API Gateway saw the connection; never `X-Forwarded-For`,
    which the caller writes itself."""
    context = blueprint.current_request.context or {}
    return str((context.get("identity") or {}).get("sourceIp") or "unknown")


def parse_query(blueprint: Blueprint, model: type[Model]) -> Model:
    """The query string validated as `model` (declare `extra="forbid"` to reject unknowns)."""
    params: Any = blueprint.current_request.query_params or {}
    return model.model_validate({key: params[key] for key in params})


def query_parameter(blueprint: Blueprint, name: str, pattern: str) -> str | None:
    """One optional query parameter that must match `pattern`, checked without pydantic (for
    the few public reads whose cold start it would weigh on); a wrong one is the same 422 a
    query model gives."""
    params: Any = blueprint.current_request.query_params or {}
    value: str | None = params.get(name)
    if value is not None and not re.fullmatch(pattern, value):
        raise errors.InvalidInput(f"{name}: String should match pattern '{pattern}'", field=name)
    return value
