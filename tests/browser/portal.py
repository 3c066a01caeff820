"""What several browser tests do: keep a screenshot of a page, and bring a new citizen through
registration, the code from the SMS and the login."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.integration.conftest import unique_aadhaar, unique_mobile

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


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
