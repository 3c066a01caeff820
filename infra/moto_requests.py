"""The work moto's server does on every request of every service around the operation
itself, made cheaper without changing an answer, for the local stack.

Measured with `bench/moto_requests.py` (and py-spy on `make burst`), four costs of the
request path did work nobody needed:

- The request log line. werkzeug's request handler formats `"GET /path HTTP/1.1" 200 -`
  for every answer (decoding the path with `uri_to_iri`, styling it, formatting the local
  time) and only then hands it to the `werkzeug` logger, which drops it when INFO is off,
  as it is in the local stack (`make dev`, `make burst`). That was ~10 % of the serving
  thread's CPU in the benchmark. Here the line is built only if the logger would write it;
  until werkzeug has set its logger up (its first line sets the level and a handler when
  none is set), werkzeug's own code runs.
- The `Date` header: `http.server` formats the current time for every answer (and werkzeug
  asks again for its own check); it changes once a second, so the string is kept for the
  second it names (`email.utils.formatdate` drops the fraction).
- Reading the body. moto's server runs Flask in debug mode, whose `Request._load_form_data`
  then replaces the request's empty `files` with an instance of a class made for the
  request (`attach_enctype_error_multidict`: a better KeyError message for a form posted
  without `multipart/form-data`); no moto code looks a file up in an empty `files`, and
  making a class per request was ~5 % of the thread. werkzeug's own `_load_form_data` is
  used instead. For a body that is not a form (the JSON of DynamoDB, SQS, Step Functions),
  werkzeug builds a form parser only to have it answer the stream it was given and two
  empty dicts; that answer is given directly.
- `moto.core.utils.camelcase_to_underscores` walks its argument character by character,
  several times per request (the action's handler name, every SQS queue attribute asked
  for: 8.6 % of the SQS/SNS process in `make burst`, N = 1,000). It is a pure function of a
  string from a small set (action and attribute names), so answers are remembered (an LRU
  of 4,096, so a client sending new names cannot grow it); every module that imported the
  function by name is given the remembering one.

What each answers is moto's: `tests/integration/test_moto_requests.py` compares both ways for
the log (written, or not, as werkzeug would), the `Date` header, the form, files, stream and
body of requests of every content type, and names of every shape for the conversion; then
serves requests of each service of the local stack with and without the patches and compares
status, headers and bodies. Like the other `moto_*` patches it is upstream-shaped;
`install()` puts it in the process that serves moto.
"""

from __future__ import annotations

import email.utils
import functools
import logging
import sys
import time
from typing import Any

import moto.core.utils
import werkzeug._internal
from moto.moto_server.werkzeug_app import BackendRequest, MotoRequestHandler
from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Request as WerkzeugRequest

MOTOS_OWN: dict[str, Any] = {}

FORM_MIMETYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


def log_request(handler: WSGIRequestHandler, code: int | str = "-", size: int | str = "-") -> None:
    """werkzeug's request log line, built only when the `werkzeug` logger would write it."""
    logger = werkzeug._internal._logger
    if logger is not None and not logger.isEnabledFor(logging.INFO):
        return  # werkzeug's `_log` would hand the line to `logger.info`, which drops it
    WSGIRequestHandler.log_request(handler, code, size)


_date_header: tuple[int, str] = (-1, "")


def date_time_string(handler: Any, timestamp: float | None = None) -> str:
    """`BaseHTTPRequestHandler.date_time_string`, formatted once per second."""
    global _date_header
    if timestamp is None:
        timestamp = time.time()
    second = int(timestamp)
    kept_second, kept = _date_header  # one tuple, so threads never see half of an update
    if second == kept_second:
        return kept
    formatted = email.utils.formatdate(timestamp, usegmt=True)
    _date_header = (second, formatted)
    return formatted


def _load_form_data(request: WerkzeugRequest) -> None:
    """werkzeug's `Request._load_form_data` (without Flask's debug-mode class per request),
    answering a body that is not a form as werkzeug's form parser does, without building one."""
    if "form" in request.__dict__:
        return
    if request.want_form_data_parsed and request.mimetype not in FORM_MIMETYPES:
        empty = request.parameter_storage_class
        d = request.__dict__
        d["stream"], d["form"], d["files"] = request._get_stream_for_parsing(), empty(), empty()
        return
    WerkzeugRequest._load_form_data(request)


_motos_camelcase_to_underscores = moto.core.utils.camelcase_to_underscores


@functools.lru_cache(maxsize=4096)
def _remembered_camelcase_to_underscores(argument: str) -> str:
    return _motos_camelcase_to_underscores(argument)


def camelcase_to_underscores(argument: str) -> str:
    """moto's `camelcase_to_underscores`, each name converted once."""
    try:
        return _remembered_camelcase_to_underscores(argument)
    except TypeError:  # not hashable: moto's own walk decides what it makes of it
        return _motos_camelcase_to_underscores(argument)


def _rebind(old: Any, new: Any) -> None:
    """Every loaded module holding `old` as `camelcase_to_underscores` gets `new` (this one
    keeps its own)."""
    for module in list(sys.modules.values()):
        if module is not sys.modules[__name__] and getattr(module, "camelcase_to_underscores", None) is old:
            module.camelcase_to_underscores = new  # type: ignore[attr-defined]


def install() -> None:
    """Make this process's moto serve requests with the cheaper request path."""
    if MOTOS_OWN:
        return
    MOTOS_OWN["camelcase_to_underscores"] = _motos_camelcase_to_underscores
    MOTOS_OWN["handler"] = {name: vars(MotoRequestHandler).get(name) for name in ("log_request", "date_time_string")}
    MOTOS_OWN["request"] = vars(BackendRequest).get("_load_form_data")
    MotoRequestHandler.log_request = log_request  # type: ignore[method-assign,assignment]
    MotoRequestHandler.date_time_string = date_time_string  # type: ignore[method-assign,assignment]
    BackendRequest._load_form_data = _load_form_data  # type: ignore[method-assign,assignment]
    _rebind(MOTOS_OWN["camelcase_to_underscores"], camelcase_to_underscores)


def uninstall() -> None:
    """Put moto's own code back (the equivalence test runs both in one process)."""
    if not MOTOS_OWN:
        return
    for name, own in MOTOS_OWN["handler"].items():
        if own is None:
            delattr(MotoRequestHandler, name)
        else:
            setattr(MotoRequestHandler, name, own)
    if MOTOS_OWN["request"] is None:
        del BackendRequest._load_form_data
    else:
        BackendRequest._load_form_data = MOTOS_OWN["request"]  # type: ignore[method-assign]
    _rebind(camelcase_to_underscores, MOTOS_OWN["camelcase_to_underscores"])
    MOTOS_OWN.clear()
    _remembered_camelcase_to_underscores.cache_clear()
