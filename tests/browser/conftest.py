"""The portal in Debian's chromium: one API server on a port of its own and one portal server
on another (its own origin, let in by CORS) for the whole session; a fresh browser context for
each test. The integration suite's fixtures (citizens, staff, consumers, the outbox) are
re-exported here for the browser tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from chalicelib.config import get_settings
from infra import devstack
from infra.web_server import PortalServer
from tests.integration.conftest import (  # noqa: F401  (fixtures, used by name)
    admin_token,
    assignee_token,
    citizen,
    consume,
    deliver_notifications,
    file_grievance,
    grievance_body,
    latest_otp,
    officer_token,
    outbox,
    register,
    registration_body,
    routed_grievance,
    staff_token,
)

CHROMIUM = "/usr/bin/chromium"
# How long an expectation waits for the page to show something: a bound on a hang, not a speed
# claim. Playwright's 5 s is too short on a loaded 2-core CI machine, where the one-at-a-time
# local API can take that long to answer a page's first request (a CI run failed on it).
expect.set_options(timeout=20_000)
# As root in a container, with the machine's closed network: no sandbox, no background calls.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def settle_settings() -> None:
    """Read the settings again now, from this environment: `chalice.test.Client` swaps in the
    stage configuration's environment (its own ALLOWED_ORIGINS) during each of its calls, and
    settings first read inside one would keep that."""
    get_settings.cache_clear()
    get_settings()


@pytest.fixture(scope="session")
def portal(chalice_app: Any, _stack_state: Any) -> Iterator[str]:
    """The API on a real port and the portal on another, whose origin the API lets in."""
    api_port, web_port = devstack.free_port(), devstack.free_port()
    origin = f"http://{devstack.HOST}:{web_port}"
    saved = os.environ.get("ALLOWED_ORIGINS")
    os.environ["ALLOWED_ORIGINS"] = ",".join(filter(None, [saved, origin]))
    settle_settings()
    api = devstack.serve_api(chalice_app, api_port)
    languages = list(get_settings().languages)
    web = PortalServer(devstack.HOST, web_port, f"http://{devstack.HOST}:{api_port}", languages).start()
    yield origin
    web.stop()
    api.server.shutdown()
    if saved is None:
        os.environ.pop("ALLOWED_ORIGINS", None)
    else:
        os.environ["ALLOWED_ORIGINS"] = saved
    settle_settings()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, portal: str, stack: Any) -> Iterator[Page]:
    # Other modules' tests clear the cached settings as they tidy up; read them again here, from
    # the session's environment that lets the portal in, before a test client's call can.
    settle_settings()
    context = browser.new_context(base_url=portal, locale="en-IN")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], errors  # no uncaught script error on any page
