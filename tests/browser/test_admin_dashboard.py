"""The administrator's pages in a real browser: the state cell logs in through the portal, reads
the dashboard (departments with their chart, districts, alerts, the CSV export, a period of its
choosing), appoints and deactivates a staff member, and changes a grievance category's
deadline and names. The stack is shared, so every record changed here is one this module made:
a district of its own, an officer posted there, a category of its own."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.portal import screenshot
from tests.integration.conftest import bearer, unique_mobile
from tests.integration.staff import appoint

NONE = "—"


def state_admin(stack: Any) -> Any:
    return next(a for a in stack.seed.accounts if a.role == "state_admin")


def admin_token(api: Any, stack: Any) -> str:
    account = state_admin(stack)
    response = api.post(
        "/auth/login",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"username": account.username, "password": account.password}),
    )
    assert response.status_code == 200, response.body
    return str(response.json_body["access_token"])


def put(api: Any, path: str, body: dict, token: str) -> Any:
    headers = {**bearer(token), "Content-Type": "application/json"}
    response = api.request(method="PUT", path=path, headers=headers, body=json.dumps(body))
    assert response.status_code == 200, response.body
    return response.json_body


def own_district(api: Any, token: str) -> tuple[str, str]:
    """A district nobody else files in or posts to: (code, English name)."""
    code = f"DIST_{uuid.uuid4().hex[:8].upper()}"
    name = f"Dashpur {code[-8:]}"
    put(api, f"/districts/{code}", {"names": {"en": name, "hi": "डैशपुर"}}, token)
    return code, name


def log_in_and_open(page: Page, stack: Any, link: str) -> None:
    account = state_admin(stack)
    page.goto("/#/login")
    page.get_by_label("Mobile number or email").fill(account.username)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Log in").click()
    to_page = page.get_by_role("navigation", name="Main").get_by_role("link", name=link, exact=True)
    expect(to_page).to_be_visible()  # the shell offers the state cell this page
    to_page.click()


def cells(row: Any) -> list[str]:
    return [text.strip() for text in row.get_by_role("cell").all_inner_texts()]


def test_the_state_cell_reads_the_dashboard_and_downloads_the_figures(
    page, stack, api, citizen, file_grievance, consume
):
    # Given a district of our own, its water officer, and one grievance filed and routed there today
    token = admin_token(api, stack)
    district, district_name = own_district(api, token)
    appoint(api, token, district=district)
    file_grievance(citizen(), location={"district": district, "ward": "W-1"})
    consume("route_grievances")

    # When the state cell logs in and opens the dashboard
    log_in_and_open(page, stack, "Dashboard")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()

    # Then the departments table shows the API's figures, WATER among them
    departments = page.get_by_role("table", name=re.compile(r"^Grievances by department"))
    expect(departments).to_be_visible()
    figures = api.get("/reports/departments", headers=bearer(token)).json_body
    water = next(row for row in figures["departments"] if row["department"] == "WATER")
    water_row = departments.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(r"\(WATER\)")))
    expect(water_row).to_have_count(1)
    shown = cells(water_row)
    keys = ["open", "overdue", "received", "resolved", "rejected"]
    assert shown[: len(keys)] == [f"{water[key]:,}" for key in keys]
    assert water["received"] >= 1  # the grievance routed above

    # and the chart draws one labelled pair of bars per department, the table holding its numbers
    chart = page.get_by_role("img", name=re.compile(r"^Bar chart of the open and overdue grievances"))
    expect(chart).to_be_visible()
    expect(chart.locator("> title")).to_have_text("Open and overdue grievances by department")
    expect(chart.locator("g > title")).to_have_count(len(figures["departments"]))
    expect(
        chart.locator("g > title", has_text=re.compile(rf": {water['open']:,} open, {water['overdue']:,} overdue$"))
    ).to_have_count(1)

    # and the districts table has our district's one grievance
    districts = page.get_by_role("table", name=re.compile(r"^Grievances by district"))
    ours = districts.get_by_role("row").filter(has=page.get_by_role("rowheader", name=district_name))
    expect(ours).to_have_count(1)
    filed, resolved, rejected, *_, busiest = cells(ours)
    assert (filed, resolved, rejected) == ("1", "0", "0")
    assert busiest.endswith("(1)")
    expect(page.get_by_role("heading", name="Alerts")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Alerts found "))).to_be_visible()
    screenshot(page, "admin-dashboard")

    # When the departments' figures are downloaded, they come as a CSV file with today's WATER row
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Departments, day by day (CSV)").click()
    download = downloading.value
    assert download.suggested_filename == f"departments-{figures['from']}-{figures['to']}.csv"
    lines = Path(download.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("day,department,")
    assert any(line.startswith(f"{figures['to']},WATER,") for line in lines[1:])

    # When an older period is chosen, the tables are of that period: nothing was filed then
    page.get_by_label("From", exact=True).fill("2001-01-01")
    page.get_by_label("To", exact=True).fill("2001-01-31")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("table", name=re.compile(r"Jan 1, 2001 to Jan 31, 2001"))).to_have_count(2)
    ours = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=district_name))
    assert cells(ours)[:3] == ["0", "0", "0"]

    # and a period the API refuses is said, its field marked, nothing breaking
    page.get_by_label("From", exact=True).fill("2001-02-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#status .error")).to_contain_text("from")
    expect(page.get_by_label("From", exact=True)).to_have_attribute("aria-invalid", "true")


def test_the_state_cell_appoints_a_staff_member_and_deactivates_them(page, stack, api):
    token = admin_token(api, stack)
    district, district_name = own_district(api, token)
    name = f"Kavya Mohanty {uuid.uuid4().hex[:6]}"
    mobile, email = unique_mobile(), f"kavya.{uuid.uuid4().hex[:12]}@od.gov.in"

    log_in_and_open(page, stack, "Staff")
    page.get_by_label("Show the staff of").select_option("WATER")
    page.get_by_role("button", name="Show").click()
    # The page opens on the first department (ELECTRICITY): WATER's table is the page redrawn.
    expect(page.get_by_role("table", name="Staff of Water Supply & Sewerage")).to_be_visible()

    page.get_by_label("Name").fill(name)
    page.get_by_label("Role").select_option("officer")
    page.get_by_label("Department", exact=True).select_option("WATER")
    page.get_by_label("District").select_option(district)
    page.get_by_label("Mobile number").fill(mobile)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Temporary password (they change it at first login)").fill("a passphrase the state cell chose")
    page.get_by_role("button", name="Appoint").click()

    expect(page.get_by_role("status")).to_contain_text(f"{name} is appointed")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))
    expect(row).to_have_count(1)
    assert cells(row)[:5] == ["Officer", district_name, mobile, email, "Active"]
    screenshot(page, "admin-staff")

    # The same mobile again is the API's refusal, said on the page
    page.get_by_label("Name").fill(f"{name} again")
    page.get_by_label("Department", exact=True).select_option("WATER")
    page.get_by_label("District").select_option(district)
    page.get_by_label("Mobile number").fill(mobile)
    page.get_by_label("Email").fill(f"other.{email}")
    page.get_by_label("Temporary password (they change it at first login)").fill("a passphrase the state cell chose")
    page.get_by_role("button", name="Appoint").click()
    expect(page.locator("#status .error")).to_be_visible()
    expect(page.get_by_role("rowheader", name=f"{name} again")).to_have_count(0)

    page.get_by_role("button", name=f"Deactivate {name}").click()
    expect(page.get_by_role("status")).to_contain_text(f"{name} is deactivated; 0 open cases were handed over.")
    expect(row.get_by_role("cell", name="Deactivated")).to_be_visible()
    listed = api.get("/officers?department=WATER", headers=bearer(token)).json_body["officers"]
    (officer,) = [o for o in listed if o["email"] == email]
    assert (officer["active"], officer["district"], officer["role"]) == (False, district, "officer")


def test_the_state_cell_changes_a_categorys_deadline_and_names_keeping_the_rest(page, stack, api):
    # Given a category of our own, with keywords and an escalation ladder the page does not show
    token = admin_token(api, stack)
    code = f"CAT_{uuid.uuid4().hex[:8].upper()}"
    put(
        api,
        f"/categories/{code}",
        {
            "department": "WATER",
            "names": {"en": "Broken hand pump", "hi": "खराब हैंडपंप"},
            "sla_hours": 12,
            "round_the_clock": True,
            "keywords": {"en": ["hand pump"], "hi": ["हैंडपंप"]},
            "escalation_hours": [6, 24, 48],
        },
        token,
    )

    # When the state cell gives it 36 hours, a new Hindi name and its first Odia one (one field
    # per language of the stage) on the Catalogue page
    log_in_and_open(page, stack, "Catalogue")
    page.get_by_label("Show the categories of").select_option("WATER")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name=code).click()
    expect(page.get_by_role("heading", name=f"Category {code}")).to_be_visible()
    expect(page.get_by_label("Name in English")).to_have_value("Broken hand pump")
    expect(page.get_by_label("Hours to resolve")).to_have_value("12")
    page.get_by_label("Hours to resolve").fill("36")
    page.get_by_label("Name in Hindi").fill("टूटा हैंडपंप")
    expect(page.get_by_label("Name in Odia")).to_have_value("")
    page.get_by_label("Name in Odia").fill("ଭଙ୍ଗା ହ୍ୟାଣ୍ଡପମ୍ପ")
    save = page.get_by_role("button", name="Save")
    expect(save).to_be_enabled()  # disabled while the API does not show the category's keywords
    save.click()

    # Then the list shows the new deadline
    expect(page.get_by_role("status")).to_contain_text(f"{code} is saved.")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=code))
    expect(row).to_contain_text("36")  # the list is drawn after the answer: wait for it
    assert cells(row) == [
        "Broken hand pump",
        "टूटा हैंडपंप",
        "ଭଙ୍ଗା ହ୍ୟାଣ୍ଡପମ୍ପ",
        "Water Supply & Sewerage",
        "36",
        "Round the clock",
    ]

    # and the API holds exactly that change: the trail names only the deadline and the names
    (listed,) = [c for c in api.get("/categories?department=WATER").json_body["categories"] if c["code"] == code]
    renamed = {"en": "Broken hand pump", "hi": "टूटा हैंडपंप", "or": "ଭଙ୍ଗା ହ୍ୟାଣ୍ଡପମ୍ପ"}
    assert (listed["sla_hours"], listed["names"]) == (36, renamed)
    assert (listed["round_the_clock"], listed["escalation_hours"]) == (True, [6, 24, 48])
    entries = api.get(f"/admin/audit?subject=category/{code}", headers=bearer(token)).json_body["entries"]
    assert set(entries[0]["details"]) == {"sla_hours", "names"}  # keywords untouched
