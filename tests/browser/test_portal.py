"""The portal in a real browser: Debian's chromium, driven by Playwright, against the real
handlers served on a port of their own and the portal served as `make dev` serves it (its
own origin: every call is a CORS request). The OTP is read from the local outbox, as a
citizen would read their SMS. Screenshots of each page land in `build/screenshots/`."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from chalicelib.config import get_settings
from infra import devstack
from infra.web_server import PortalServer
from tests.integration.conftest import unique_aadhaar, unique_mobile

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
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


@pytest.fixture(scope="module")
def portal(chalice_app, _stack_state) -> Iterator[str]:
    """The API on a real port and the portal on another, whose origin the API lets in."""
    api_port, web_port = devstack.free_port(), devstack.free_port()
    origin = f"http://{devstack.HOST}:{web_port}"
    saved = os.environ.get("ALLOWED_ORIGINS")
    os.environ["ALLOWED_ORIGINS"] = origin
    get_settings.cache_clear()
    api = devstack.serve_api(chalice_app, api_port)
    web = PortalServer(devstack.HOST, web_port, f"http://{devstack.HOST}:{api_port}", ["en", "hi"]).start()
    yield origin
    web.stop()
    api.server.shutdown()
    if saved is None:
        os.environ.pop("ALLOWED_ORIGINS", None)
    else:
        os.environ["ALLOWED_ORIGINS"] = saved
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, portal: str, stack: Any) -> Iterator[Page]:
    context = browser.new_context(base_url=portal, locale="en-IN")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], errors  # no uncaught script error on any page


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def register_and_log_in(page: Page, latest_otp: Any) -> dict[str, str]:
    mobile = unique_mobile()
    person = {"mobile": mobile, "password": "a long enough passphrase"}
    page.goto("/#/register")
    page.get_by_label("Full name").fill("Asha Devi")
    page.get_by_label("Aadhaar number").fill(unique_aadhaar())
    page.get_by_label("Mobile number").fill(mobile)
    page.get_by_label("Password (at least 12 characters)").fill(person["password"])
    page.get_by_label("Address").fill("12 MG Road")
    page.get_by_label("District").select_option("KHORDHA")
    page.get_by_label("PIN code").fill("751001")
    screenshot(page, "citizen-register")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Enter the code")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("A code was sent to")
    page.get_by_label("Code from the SMS").fill(latest_otp(mobile))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Password").fill(person["password"])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My grievances")).to_be_visible()
    return person


def test_a_citizen_registers_files_a_grievance_and_follows_it(page, latest_otp, consume):
    person = register_and_log_in(page, latest_otp)

    page.get_by_role("link", name="File a grievance").first.click()
    page.get_by_label("What is wrong?").select_option("WATER_NO_SUPPLY")
    page.get_by_label("District").select_option("KHORDHA")
    page.get_by_label("Describe the problem").fill("No water in our lane since Monday morning.")
    screenshot(page, "citizen-file")
    page.get_by_role("button", name="File").click()

    heading = page.get_by_role("heading", name=re.compile(r"^Grievance OD-\d{6}-[0-9A-Z]{6}$"))
    expect(heading).to_be_visible()
    tracking_id = heading.inner_text().split()[-1]
    consume("route_grievances")
    page.goto("/#/mine")
    expect(page.get_by_role("link", name=tracking_id)).to_be_visible()
    page.get_by_role("link", name=tracking_id).click()
    expect(page.get_by_role("heading", name=f"Grievance {tracking_id}")).to_be_visible()
    expect(page.get_by_role("heading", name="What happened")).to_be_visible()
    expect(page.get_by_text("With the officer").first).to_be_visible()
    screenshot(page, "citizen-grievance")

    # The public tracking page, without logging in
    page.goto("/#/logout")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    page.get_by_role("link", name="Track").click()
    page.get_by_label("Tracking id").fill(tracking_id)
    page.get_by_label("Last 4 digits of the mobile it was filed from").fill(person["mobile"][-4:])
    page.get_by_role("button", name="Track").click()
    expect(page.get_by_text("With the officer")).to_be_visible()
    screenshot(page, "track")


def test_the_language_switch_turns_the_portal_to_hindi_and_keeps_it(page):
    page.goto("/#/")
    expect(page.get_by_role("heading", name="Services and grievances")).to_be_visible()

    page.get_by_label("Language").select_option("hi")

    expect(page.get_by_role("heading", name="सेवाएँ और शिकायतें")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    page.reload()
    expect(page.get_by_role("heading", name="सेवाएँ और शिकायतें")).to_be_visible()
    screenshot(page, "home-hindi")


def test_a_wrong_code_is_said_next_to_the_field_and_nothing_breaks(page):
    page.goto("/#/verify?mobile=%2B919812399999")
    page.get_by_label("Code from the SMS").fill("000000")
    page.get_by_role("button", name="Verify").click()

    expect(page.locator("#status .error")).to_contain_text("otp")
    expect(page.get_by_label("Code from the SMS")).to_have_attribute("aria-invalid", "true")
