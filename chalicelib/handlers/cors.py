"""CORS for the state's citizen portal: the stage's own origins, and no one else's.

Chalice's `cors=` cannot do this: its CORSConfig names one origin per route, and on API
Gateway it answers OPTIONS with a mock integration whose headers are fixed when the API
is built. So the Lambda answers both halves itself:

- `answer_portal_origins`, an HTTP middleware, echoes the request's `Origin` on every
  answer (errors, 401s, Chalice's own 405/415 included) when it is exactly one of the
  stage's `ALLOWED_ORIGINS`, read from the settings at request time; otherwise it adds no
  Access-Control-* header at all. Never `*`, never an origin it was merely sent.
- `register_preflight_routes` gives every path an explicit OPTIONS route. An explicit
  OPTIONS route is an ordinary Lambda-proxy method in the API Chalice generates, and
  `chalice local` and `chalice.test.Client` call the app for it instead of answering the
  preflight themselves, so one code path serves the deployed, local and test stacks.

The portal sends a bearer token, not cookies: no Access-Control-Allow-Credentials.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chalice.app import Blueprint, Chalice, Request, Response

from chalicelib.config import ConfigurationError, get_settings
from chalicelib.domain import errors
from chalicelib.handlers.http import route

# What the API reads from a browser beyond the CORS-safelisted headers (X-Signature is
# server to server: a browser never sends it).
REQUEST_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key")
# Answer headers a portal must be able to read beyond the safelisted ones (Content-Type...):
# how long to wait after a 429, and that a 401 wants a bearer token.
EXPOSED_HEADERS = ("Retry-After", "WWW-Authenticate")
# Chromium caps a cached preflight at 2 hours; each one not cached is a Lambda invocation.
PREFLIGHT_MAX_AGE_SECONDS = 7200


def portal_origin(headers: Mapping[str, str]) -> str | None:
    """The request's `Origin` if it is exactly one of the stage's allowed origins."""
    origin = headers.get("origin")
    if not origin:
        return None
    try:
        allowed = get_settings().allowed_origins
    except ConfigurationError:
        # A broken stage lets no browser in; the route itself answers the 500 and logs why.
        return None
    return origin if origin in allowed else None


def answer_portal_origins(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """HTTP middleware: the CORS headers of every answer (see the module's docstring)."""
    response = get_response(event)
    # Always, whatever the origin: the answer depends on it, so no cache (the browser's
    # included) may hand a portal an answer stored for another origin, or for none.
    _vary_on_origin(response)
    origin = portal_origin(event.headers)
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
        if not _is_preflight_answer(event, response):
            response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)
    return response


def register_preflight_routes(app: Chalice) -> None:
    """Give every path of `app` an OPTIONS route answering the browser's preflight with the
    methods that path really has. Call it once, after every blueprint is registered."""
    preflight_api = Blueprint(__name__)
    for path, views in list(app.routes.items()):
        if "OPTIONS" not in views:
            _add_preflight_route(preflight_api, path, ", ".join([*sorted(views), "OPTIONS"]))
    app.register_blueprint(preflight_api)


def is_preflight(view: Any) -> bool:
    """Whether a route's view is one `register_preflight_routes` added: CORS machinery,
    not an operation of the API (the OpenAPI document and the access matrix leave it out)."""
    return bool(getattr(view, "answers_preflight", False))


def _add_preflight_route(preflight_api: Blueprint, path: str, methods: str) -> None:
    @route(preflight_api, path, methods=["OPTIONS"], public=True)
    def preflight(**_path_parameters: str) -> Response:
        return preflight_answer(preflight_api.current_request, methods)

    preflight.answers_preflight = True  # type: ignore[attr-defined]


def preflight_answer(request: Request, methods: str) -> Response:
    """204 with what the path allows. A preflight from an origin not allowed is refused
    with a 403: the browser blocks it either way, but a 403 shows in the request log."""
    if not request.headers.get("origin"):
        # No browser sent this: a plain OPTIONS asking what the path allows.
        return Response(status_code=204, body="", headers={"Allow": methods})
    if portal_origin(request.headers) is None:
        raise errors.Forbidden("This origin may not call the API from a browser.", code="origin_not_allowed")
    return Response(
        status_code=204,
        body="",
        headers={
            "Allow": methods,
            "Access-Control-Allow-Methods": methods,
            "Access-Control-Allow-Headers": ", ".join(REQUEST_HEADERS),
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_SECONDS),
        },
    )


def _is_preflight_answer(event: Request, response: Response) -> bool:
    return event.method == "OPTIONS" and "Access-Control-Allow-Methods" in response.headers


def _vary_on_origin(response: Response) -> None:
    name = next((key for key in response.headers if key.lower() == "vary"), "Vary")
    value = response.headers.get(name, "")
    present = [part.strip() for part in (value if isinstance(value, str) else ",".join(value)).split(",")]
    present = [part for part in present if part]
    if not any(part.lower() == "origin" or part == "*" for part in present):
        response.headers[name] = ", ".join([*present, "Origin"])
