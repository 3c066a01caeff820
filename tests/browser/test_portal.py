"""The portal in a real browser: Debian's chromium, driven by Playwright, against the real
handlers served on a port of their own and the portal served as `make dev` serves it (its
own origin: every call is a CORS request). The OTP is read from the local outbox, as a
citizen would read their SMS. Screenshots of each page land in `build/screenshots/`."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.portal import register_and_log_in, screenshot

DEMO_STATE = Path(__file__).resolve().parents[2] / "infra" / "seed" / "demo_state.json"


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


def test_the_demo_state_reads_in_odia_down_to_its_catalogue(page):
    seeded = json.loads(DEMO_STATE.read_text(encoding="utf-8"))
    water_connection = next(s for s in seeded["services"] if s["code"] == "WATER_NEW_CONNECTION")
    page.goto("/#/")
    expect(page.get_by_role("heading", name="Services and grievances")).to_be_visible()

    page.get_by_label("Language").select_option("or")

    expect(page.get_by_role("heading", name="ସେବା ଓ ଅଭିଯୋଗ")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "or")
    page.get_by_role("link", name=water_connection["names"]["or"]).click()
    expect(page.get_by_role("heading", name=water_connection["names"]["or"])).to_be_visible()
    expect(page.get_by_text(water_connection["description"]["or"])).to_be_visible()
    page.reload()  # the choice is kept
    expect(page.get_by_role("heading", name=water_connection["names"]["or"])).to_be_visible()
    page.get_by_role("link", name="ସେବା", exact=True).click()
    expect(page.get_by_role("heading", name="ସେବା ଓ ଅଭିଯୋଗ")).to_be_visible()
    expect(page.get_by_role("link", name=water_connection["names"]["or"])).to_be_visible()
    screenshot(page, "home-odia")


def test_a_wrong_code_is_said_next_to_the_field_and_nothing_breaks(page):
    page.goto("/#/verify?mobile=%2B919812399999")
    page.get_by_label("Code from the SMS").fill("000000")
    page.get_by_role("button", name="Verify").click()

    expect(page.locator("#status .error")).to_contain_text("Code from the SMS: ")  # by its label
    expect(page.get_by_label("Code from the SMS")).to_have_attribute("aria-invalid", "true")


def test_a_grievance_filed_offline_is_sent_once_back_and_what_was_read_stays_readable(page, latest_otp):
    register_and_log_in(page, latest_otp)
    # The service worker has taken charge of the page (it claims it once active)
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    page.get_by_role("link", name="File a grievance").first.click()
    page.get_by_label("What is wrong?").select_option("WATER_NO_SUPPLY")
    page.get_by_label("District").select_option("KHORDHA")
    page.get_by_label("Describe the problem").fill("The tap in our lane has been dry for two days.")

    # Offline, the grievance waits on the phone
    page.context.set_offline(True)
    page.get_by_role("button", name="File").click()
    expect(page.get_by_role("status")).to_contain_text("You are offline")

    # Back online, it is sent once, with its key
    page.context.set_offline(False)
    sent = page.get_by_role("status").filter(has_text=re.compile(r"sent: OD-\d{6}-[0-9A-Z]{6}"))
    expect(sent).to_be_visible()
    tracking_id = sent.inner_text().rsplit(" ", 1)[-1].rstrip(".")
    page.get_by_role("link", name="My grievances").click()
    expect(page.get_by_role("link", name=tracking_id)).to_have_count(1)

    # And what was read is there offline, shell and answers both
    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="My grievances")).to_be_visible()
    expect(page.get_by_role("link", name=tracking_id)).to_be_visible()
    page.context.set_offline(False)
