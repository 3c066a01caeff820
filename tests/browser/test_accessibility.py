"""Each main page of the portal scanned by axe-core (WCAG 2.0/2.1 A and AA rules) in
chromium: no serious or critical violation. `make test` fetches the pinned axe-core
(`build/axe/axe.min.js`, its checksum checked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.portal import register_and_log_in

AXE = Path(__file__).resolve().parents[2] / "build" / "axe" / "axe.min.js"
SERIOUS = {"serious", "critical"}


def violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})")
    return [
        {"rule": v["id"], "impact": v["impact"], "where": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize(
    "path, heading",
    [
        ("/#/", "Services and grievances"),
        ("/#/register", "Register"),
        ("/#/login", "Log in"),
        ("/#/forgot", "Reset your password"),
        ("/#/track", "Track a grievance"),
        ("/#/services/WATER_NEW_CONNECTION", "New Water Connection"),
    ],
)
def test_each_public_page_has_no_serious_accessibility_violation(page, path, heading):
    page.goto(path)
    expect(page.get_by_role("heading", name=heading)).to_be_visible()

    assert violations(page) == []


def test_the_citizens_own_pages_have_no_serious_accessibility_violation(page, latest_otp):
    register_and_log_in(page, latest_otp)
    found = {"mine": violations(page)}
    page.get_by_role("link", name="File a grievance").first.click()
    expect(page.get_by_role("heading", name="File a grievance")).to_be_visible()
    found["file"] = violations(page)
    page.goto("/#/services/WATER_NEW_CONNECTION")
    expect(page.get_by_role("button", name="Submit the application")).to_be_visible()
    found["apply"] = violations(page)  # the form drawn from the service's JSON Schema
    page.get_by_role("link", name="My applications").click()
    expect(page.get_by_role("heading", name="My applications")).to_be_visible()
    found["applications"] = violations(page)

    assert found == {"mine": [], "file": [], "apply": [], "applications": []}


def test_the_scan_finds_what_it_should(page):
    # An unlabelled field and an image without words: the scan must say so, or it proves nothing.
    page.goto("/#/")
    expect(page.get_by_role("heading", name="Services and grievances")).to_be_visible()
    page.evaluate(
        "document.getElementById('view').insertAdjacentHTML('beforeend', "
        '\'<input type="text" name="nolabel"><img src="icons/icon.svg">\')'
    )

    assert {v["rule"] for v in violations(page)} >= {"label", "image-alt"}
