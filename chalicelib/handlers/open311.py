"""Open311 GeoReport v2 under `/open311/v2/`, in `.json` and `.xml` (the spec's required
format), with errors in Open311's own shape (`[{"code", "description"}]` or
`<errors><error>…</error></errors>`): an Open311 client cannot read ours.

So these views do not use `route()` (whose errors are citizen-crm's shape); `open311_route`
gives them the same guarantees: every client mistake is a 4xx, anything else a logged 500
in Open311's shape. The POST takes any Content-Type so that Chalice does not answer 415 in
its own words; the view asks for `application/x-www-form-urlencoded` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from aws_lambda_powertools import Logger
from chalice.app import Blueprint, Response

from chalicelib.config import get_settings
from chalicelib.domain import errors
from chalicelib.handlers.http import MAX_BODY_BYTES

logger = Logger(child=True)

open311_api = Blueprint(__name__)

ROOT = "/open311/v2"
# The spec's two formats (`spec.FORMATS`), spelled out: the routes are declared at import, and
# the spec module, which knows grievances, is loaded by the first Open311 request.
FORMATS = ("json", "xml")
FORM = "application/x-www-form-urlencoded"


def open311_route(path: str, fmt: str | None, *, methods: list[str]) -> Callable[[Callable[..., Any]], Any]:
    """Register a public Open311 view; `fmt` fixed by a literal path (`services.json`), or
    None when the last path segment carries it (`services/{code_fmt}`)."""

    def decorate(view: Callable[..., Any]) -> Any:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Response:
            from chalicelib.domain import open311 as spec

            answer_in = fmt or "xml"
            try:
                if fmt is None:  # Chalice passes the one path parameter by name
                    ident, answer_in = spec.split_format(str(next(iter(kwargs.values()), "")))
                    return _answer(answer_in, *view(ident, answer_in))
                return _answer(answer_in, *view(answer_in))
            except spec.Open311Error as error:
                return _error(answer_in, error.status, error.code, error.description)
            except errors.RateLimited as error:
                response = _error(answer_in, 429, 429, error.message)
                response.headers["Retry-After"] = str(error.retry_after_seconds)
                return response
            except errors.DomainError as error:
                return _error(answer_in, 400, 400, error.message)
            except Exception:
                logger.exception("unhandled error", extra={"route": path})
                return _error(answer_in, 500, 500, "An internal error occurred.")

        guarded.__name__ = f"{view.__name__}_{fmt or 'suffix'}_{'_'.join(methods).lower()}"
        # Held against the access matrix like every route: public, no login.
        guarded.allowed_roles = None  # type: ignore[attr-defined]
        guarded.allows_temporary_password = False  # type: ignore[attr-defined]
        open311_api.route(path, methods=methods, content_types=["*/*"])(guarded)
        return guarded

    return decorate


def _answer(fmt: str, root: str, rows: Any) -> Response:
    from chalicelib.domain import open311 as spec

    body, content_type = spec.render(fmt, root, rows)
    return Response(body=body, status_code=200, headers={"Content-Type": content_type})


def _error(fmt: str, status: int, code: int, description: str) -> Response:
    from chalicelib.domain import open311 as spec

    body, content_type = spec.error_body(fmt if fmt in spec.FORMATS else "xml", [(code, description)])
    return Response(body=body, status_code=status, headers={"Content-Type": content_type})


def _params() -> dict[str, list[str]]:
    """The query string, each name's values (repeated or comma-separated); empty means absent,
    as the spec makes an empty optional parameter (FixMyStreet sends `api_key=`)."""
    query: Any = open311_api.current_request.query_params or {}
    params: dict[str, list[str]] = {}
    for name in query:
        split = [part.strip() for value in _given(name) for part in value.split(",") if part.strip()]
        if split:
            params[name] = split
    return params


def _given(name: str) -> list[str]:
    query: Any = open311_api.current_request.query_params or {}
    if name not in query:
        return []
    return [str(value) for value in (query.getlist(name) if hasattr(query, "getlist") else [query[name]])]


def _filter(name: str) -> list[str]:
    """A list filter's parts: a value sent empty is absent (the spec), but a value given is read
    whole, so an empty part of it (`open,`) is checked, and refused, like any other."""
    return [part.strip() for value in _given(name) if value.strip() for part in value.split(",")]


def _when(params: dict[str, list[str]], name: str) -> datetime | None:
    from chalicelib.domain import open311 as spec

    # Every value given must read (the last one counts): a window we could not read would
    # silently list the default one instead of the one the client meant.
    return [spec.parse_datetime(value, name) for value in params[name]][-1] if name in params else None


def _language(params: dict[str, list[str]]) -> str:
    languages = get_settings().languages
    asked = params.get("locale", [""])[-1][:2].lower()
    return asked if asked in languages else languages[0]


def _services(fmt: str) -> tuple[str, Any]:
    from chalicelib.services import open311_requests

    return "services", open311_requests.services(_language(_params()))


def _service_definition(code: str, fmt: str) -> tuple[str, Any]:
    from chalicelib.services import open311_requests

    return "service_definition", open311_requests.service_definition(code, _language(_params()))


def _requests(fmt: str) -> tuple[str, Any]:
    from chalicelib.domain import open311 as spec
    from chalicelib.services import open311_requests

    params = _params()
    rows = open311_requests.requests(
        ids=spec.parse_listed("service_request_id", _filter("service_request_id")),
        service_codes=spec.parse_listed("service_code", _filter("service_code")),
        statuses=spec.parse_statuses(_filter("status")),
        start=_when(params, "start_date"),
        end=_when(params, "end_date"),
        language=_language(params),
    )
    return "service_requests", rows


def _file(fmt: str) -> tuple[str, Any]:
    from chalicelib.domain import open311 as spec
    from chalicelib.services import open311_requests

    request = open311_api.current_request
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != FORM:
        raise spec.Open311Error(400, f"Content-Type: send the request as {FORM}.")
    raw = request.raw_body or b""
    raw = raw.encode() if isinstance(raw, str) else raw
    if len(raw) > MAX_BODY_BYTES:
        raise spec.Open311Error(400, f"The body may be at most {MAX_BODY_BYTES} bytes.")
    fields, attributes = spec.parse_form(raw)
    return "service_requests", [open311_requests.file_request(fields, attributes)]


def _request(tracking_id: str, fmt: str) -> tuple[str, Any]:
    from chalicelib.services import open311_requests

    return "service_requests", open311_requests.request(tracking_id, _language(_params()))


def _updates(fmt: str) -> tuple[str, Any]:
    from chalicelib.services import open311_requests

    params = _params()
    return "service_request_updates", open311_requests.updates(_when(params, "start_date"), _when(params, "end_date"))


for _fmt in FORMATS:
    open311_route(f"{ROOT}/services.{_fmt}", _fmt, methods=["GET"])(_services)
    open311_route(f"{ROOT}/requests.{_fmt}", _fmt, methods=["GET"])(_requests)
    open311_route(f"{ROOT}/requests.{_fmt}", _fmt, methods=["POST"])(_file)
    open311_route(f"{ROOT}/servicerequestupdates.{_fmt}", _fmt, methods=["GET"])(_updates)
open311_route(f"{ROOT}/services/{{code_fmt}}", None, methods=["GET"])(_service_definition)
open311_route(f"{ROOT}/requests/{{id_fmt}}", None, methods=["GET"])(_request)
