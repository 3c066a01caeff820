"""`make dev`: the whole citizen-crm stack on this machine, no AWS account needed.

One process: moto server (DynamoDB, SQS, SNS, SES, Step Functions that really execute),
every resource created from `infra/resources.json`, the demo state seeded, the Chalice
app served over HTTP, and its SQS handlers fed by pollers. Ctrl-C or SIGTERM stops it.
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from infra.provision import REPO_ROOT, ProvisionedStack, provision

CHALICE_CONFIG = REPO_ROOT / ".chalice" / "config.json"
DEMO_STATE = REPO_ROOT / "infra" / "seed" / "demo_state.json"
HOST = "127.0.0.1"

log = logging.getLogger("devstack")


def free_port() -> int:
    """A port nothing listens on now (for tests and benches that run the stack beside others)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def local_stage_environment() -> dict[str, str]:
    """The environment Lambda would give the app on the `local` stage."""
    config = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
    return {**config.get("environment_variables", {}), **config["stages"]["local"].get("environment_variables", {})}


def prepare_environment(moto_port: int, webhook_port: int | None = None, web_port: int | None = None) -> None:
    """Point every AWS client of this process (and moto's own task runners) at moto, the
    demo departments' webhooks at the local receiver, and CORS at the portal's port."""
    os.environ.update(local_stage_environment())
    if web_port is not None:
        os.environ["ALLOWED_ORIGINS"] = f"http://{HOST}:{web_port},http://localhost:{web_port}"
    # A failed delivery comes back after 5 s, 10 s, 20 s... rather than minutes.
    os.environ.setdefault("RETRY_BASE_SECONDS", "5")
    if webhook_port is not None:
        os.environ["WEBHOOK_RECEIVER_URL"] = f"http://{HOST}:{webhook_port}"
    os.environ.update(
        {
            # moto's Step Functions Wait compares a UTC deadline with local time.
            "TZ": "UTC",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "ap-south-1"),
            "AWS_ENDPOINT_URL": f"http://{HOST}:{moto_port}",
            # moto's state-machine interpreter calls its own services on localhost:$MOTO_PORT.
            "MOTO_PORT": str(moto_port),
        }
    )
    os.environ.pop("AWS_PROFILE", None)
    time.tzset()


class OneDynamoDBRequestAtATime:
    """WSGI wrapper around moto: DynamoDB requests are handled one at a time.

    moto's DynamoDB is not thread-safe. Its own transactions deep-copy every table they touch
    so they can roll back, and a concurrent write made that copy fail (a 500) or the rollback
    erase another request's committed write; the local stack's per-item undo
    (infra/moto_transactions.py) copies less but still reads and restores items other
    requests may be writing. Real
    DynamoDB never loses a committed write, so the local stack must not either: DynamoDB
    calls are short, and serialising them costs little. Every other service keeps its
    concurrency (an SQS long poll must not hold up the rest).

    moto also registers every item, table and index it ever creates — those deep copies
    included — in class-level lists that only feed its dashboard; left alone they grow by a
    table's worth of items per transaction until the machine runs out of memory. The
    backend holds its live tables itself, so the lists are emptied after each request."""

    def __init__(self, app: Any) -> None:
        from moto.core.model_instances import model_data

        self.app = app
        self.lock = threading.Lock()
        self.dynamodb_models = model_data["dynamodb"]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with self.lock:
                try:
                    return list(self.app(environ, start_response))
                finally:
                    for model in self.dynamodb_models.values():  # items, tables, indexes
                        model.instances_tracked.clear()  # type: ignore[attr-defined]
        return self.app(environ, start_response)


def keep_alive_handler() -> type[Any]:
    """moto's request handler, keeping a client's connection open between requests.

    Werkzeug 3's development server sends `Connection: close` on every answer (Python's
    http.server cannot skip a request body the application left unread, so the next request
    line could be read from the middle of it). Every AWS call of the local stack so opened a
    TCP connection, and the server a thread, for one request: in `make burst` (N = 100) the
    app made 12,473 calls over 12,473 connections, and ~8,000 sockets sat in TIME_WAIT at once.

    Here the body is read whole before the application runs (it gets it from memory), so the
    next request line is always where it should be, and the `close` is dropped: the
    connection stays open as HTTP/1.1 says, unless the client asked to close it or sent a
    chunked body (then werkzeug's `close` stands). After answering, werkzeug discards
    whatever the socket still holds (safe only when it closes): that would swallow the
    client's next request, so while it runs it reads from an empty stream instead. Nagle's
    algorithm is off, or a kept-alive answer written in two sends would wait ~40 ms on the
    client's delayed ACK.
    """
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class KeepAliveRequestHandler(MotoRequestHandler):
        disable_nagle_algorithm = True
        _body_read = False

        def run_wsgi(self) -> None:
            connection = self.rfile
            try:
                super().run_wsgi()
            finally:
                self.rfile = connection  # the next request is read from the socket again

        def make_environ(self) -> dict[str, Any]:
            environ: dict[str, Any] = super().make_environ()
            length = self.headers.get("Content-Length")
            chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
            self._body_read = not chunked
            if not chunked:
                body = self.rfile.read(int(length)) if length else b""
                environ["wsgi.input"] = io.BytesIO(body)
                self.rfile = io.BytesIO()  # what werkzeug's discard after the answer reads
            return environ

        def send_header(self, keyword: str, value: str) -> None:
            keep_open = self._body_read and not self.close_connection  # as the request left it
            if keyword.lower() == "connection" and value.lower() == "close" and keep_open:
                return
            super().send_header(keyword, value)

    return KeepAliveRequestHandler


class LocalMoto:
    """moto's server on HOST:port in a thread, like `ThreadedMotoServer`, with DynamoDB
    serialised (see OneDynamoDBRequestAtATime) and connections kept alive (see
    keep_alive_handler)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        from infra import (
            moto_attribute_values,
            moto_expressions,
            moto_item_copies,
            moto_item_size,
            moto_lookups,
            moto_queries,
            moto_requests,
            moto_responses,
            moto_sqs,
            moto_stepfunctions,
            moto_transactions,
        )

        moto_transactions.install()  # a transaction costs the items it writes, not whole tables
        moto_sqs.install()  # a queue's call costs the messages it touches, one call at a time on a queue
        moto_lookups.install()  # a host's backend and an execution's name found by index
        moto_stepfunctions.install()  # an execution parses no definition, builds no client
        moto_attribute_values.install()  # an item is written as it is, not walked member by member
        moto_queries.install()  # a Query lists what can answer it (a partition, an index's holders), not all sorted
        moto_item_copies.install()  # an item is copied value by value, not through copy.deepcopy's dispatch
        moto_expressions.install()  # an expression text is parsed once; its tree copied and walked cheaply
        moto_responses.install()  # a request finds its handler without listing the response class
        moto_item_size.install()  # an item's size counted once per value, without copying it
        moto_requests.install()  # a request's log line, Date header and body cost what is used; names converted once
        app = OneDynamoDBRequestAtATime(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(HOST, self.port, app, threaded=True, request_handler=keep_alive_handler())
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)


def start_moto(port: int) -> LocalMoto:
    server = LocalMoto(port)
    server.start()
    request = urllib.request.Request(
        f"http://{HOST}:{port}/moto-api/config",
        data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).close()
    return server


def build_stack() -> ProvisionedStack:
    from chalicelib.config import get_settings

    settings = get_settings()
    return provision(
        resource_prefix=settings.resource_prefix,
        ses_sender_domain=settings.ses_sender.split("@", 1)[1],
        allowed_origins=settings.allowed_origins,
        region=settings.region,
    )


def seed_demo_state() -> Any:
    from chalicelib.services.demo_state import seed_demo_state as seed

    document = json.loads(DEMO_STATE.read_text(encoding="utf-8"))
    return seed(document, now=datetime.now(UTC))


def seed_demo_history() -> Any:
    """Six weeks of past figures for the reports, and the alert run over them."""
    from chalicelib.services.demo_history import seed_demo_history as seed
    from chalicelib.services.reports import today

    return seed(today())


def load_app() -> ModuleType:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    import app as app_module

    return app_module


def serve_api(app_module: ModuleType, port: int) -> Any:
    from chalice.config import Config
    from chalice.local import ChaliceRequestHandler, LocalDevServer

    class RequestHandler(ChaliceRequestHandler):
        # Without this every keep-alive response waits ~40 ms on Nagle's algorithm.
        disable_nagle_algorithm = True
        # Chalice keeps the request it is handling on the app, not per thread: two requests
        # at once (a page loading two lists) could read each other's query string or token.
        # One at a time, as one Lambda instance handles them.
        one_at_a_time = threading.Lock()

        def _generic_handle(self) -> None:
            with self.one_at_a_time:
                super()._generic_handle()

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

        def __getattr__(self, name: str) -> Any:
            # http.server answers a verb it has no `do_<VERB>` for with its own 501; API Gateway
            # has no method for TRACE, CONNECT, PROPFIND or any other verb on any resource.
            if name.startswith("do_"):
                return self._answer_as_api_gateway_without_such_method
            raise AttributeError(name)

        def _answer_as_api_gateway_without_such_method(self) -> None:
            """API Gateway's MISSING_AUTHENTICATION_TOKEN gateway response (403), which a REST API
            gives for a method or resource it does not have, before any authorizer or Lambda runs.
            A caller sending a bearer token is told instead that it is not an AWS signature."""
            headers, _ = self._parse_payload()  # read any body, so the keep-alive connection stays in step
            authorization = next((value for name, value in headers.items() if name.lower() == "authorization"), None)
            if authorization is None:
                error_type, message = "MissingAuthenticationTokenException", "Missing Authentication Token"
            else:
                token = authorization.split(" ", 1)[-1]
                error_type = "IncompleteSignatureException"
                message = (
                    f"'{token}' not a valid key=value pair (missing equal-sign) "
                    f"in Authorization header: '{authorization}'."
                )
            body = json.dumps({"message": message}, separators=(",", ":"))
            self._send_http_response(
                403,
                {
                    "Content-Type": "application/json",
                    "x-amzn-RequestId": str(uuid.uuid4()),
                    "x-amzn-ErrorType": error_type,
                },
                body,
            )

    disk = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
    config = Config(chalice_stage="local", user_provided_params={}, config_from_disk=disk)
    server = LocalDevServer(app_module.app, config, HOST, port, handler_cls=RequestHandler)
    threading.Thread(target=server.server.serve_forever, name="api", daemon=True).start()
    return server


@dataclass
class LocalStack:
    moto_port: int
    api_port: int
    webhook_port: int
    web_port: int = 8080

    def start(self) -> None:
        from chalicelib.config import get_settings
        from infra.schedules import ScheduleRunner, schedules_of
        from infra.sqs_poller import SqsPoller, subscriptions_of
        from infra.web_server import PortalServer
        from infra.webhook_receiver import WebhookReceiver

        prepare_environment(self.moto_port, self.webhook_port, self.web_port)
        self.moto = start_moto(self.moto_port)
        self.webhooks = WebhookReceiver(HOST, self.webhook_port).start()
        self.resources = build_stack()
        self.seed = seed_demo_state()
        self.history = seed_demo_history()
        app_module = load_app()
        self.api = serve_api(app_module, self.api_port)
        self.poller = SqsPoller(subscriptions_of(app_module), region=os.environ["AWS_DEFAULT_REGION"])
        self.poller.start()
        self.schedules = ScheduleRunner(schedules_of(app_module), region=os.environ["AWS_DEFAULT_REGION"])
        self.schedules.start()
        languages = list(get_settings().languages)
        self.web = PortalServer(HOST, self.web_port, f"http://{HOST}:{self.api_port}", languages).start()

    def stop(self, within: float = 20.0) -> list[str]:
        """Stop every part; consumers and schedules are asked together and waited for against
        one deadline, before moto goes. Returns the threads that were still busy (abandoned)."""
        deadline = time.monotonic() + within
        self.poller.request_stop()
        self.schedules.request_stop()
        self.web.stop()
        self.api.shutdown()
        self.webhooks.stop()
        busy = self.poller.wait_stopped(deadline) + self.schedules.wait_stopped(deadline)
        self.moto.stop()
        return busy


def banner(stack: LocalStack) -> str:
    accounts = stack.seed.accounts
    shown = [
        next(a for a in accounts if a.role == role)
        for role in ("state_admin", "department_head", "supervisor", "officer")
    ]
    lines = [
        "",
        f"citizen-crm local stack ready on http://{HOST}:{stack.api_port}",
        f"  the portal (citizen, officer, administrator) on http://{HOST}:{stack.web_port}",
        f"  moto (the embedded AWS) on http://{HOST}:{stack.moto_port}",
        f"  demo state: {stack.seed.districts} districts, {stack.seed.departments} departments, "
        f"{stack.seed.services} services, {stack.seed.categories} grievance categories, {len(accounts)} staff logins",
        "  demo logins (username / password / role):",
        *(f"    {a.username} / {a.password} / {a.role}" for a in shown),
        f"  all of them: GET http://{HOST}:{stack.api_port}/dev/accounts",
        f"  reports: {stack.history.grievances} past grievances over 6 weeks; a surge of "
        f"{stack.history.surge[1]} in {stack.history.surge[0]} and a quiet {stack.history.quiet}: "
        f"{stack.history.alerts} alerts at GET /reports/alerts (public figures: GET /public/performance)",
        f"  channels: POST http://{HOST}:{stack.api_port}/channels/<sms|email|ivrs|kiosk|whatsapp|portal>/inbound "
        "signed with the channel's secret; Open311 at /open311/v2/ (secrets and api_key: /dev/accounts)",
        f"  messages sent: GET http://{HOST}:{stack.api_port}/dev/outbox?to=<mobile or email>",
        f"  department webhooks (received on :{stack.webhook_port}): "
        f"GET http://{HOST}:{stack.api_port}/dev/outbox?department=<code>",
        "  Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("werkzeug", "botocore", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    stack = LocalStack(
        moto_port=int(os.environ.get("MOTO_PORT", "5000")),
        api_port=int(os.environ.get("API_PORT", "8000")),
        webhook_port=int(os.environ.get("WEBHOOK_PORT", "8001")),
        web_port=int(os.environ.get("WEB_PORT", "8080")),
    )
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        stack.start()
    except OSError as error:
        print(
            f"cannot start the local stack: {error} (is MOTO_PORT/API_PORT/WEBHOOK_PORT/WEB_PORT already in use?)",
            file=sys.stderr,
        )
        return 1
    print(banner(stack), flush=True)
    stopping.wait()
    print("stopping citizen-crm local stack ...", flush=True)
    started = time.monotonic()
    busy = stack.stop()
    abandoned = f" (still busy, abandoned: {', '.join(busy)})" if busy else ""
    print(f"stopped in {time.monotonic() - started:.1f} s{abandoned}.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
