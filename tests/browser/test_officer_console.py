"""The officer's console in a real browser (Debian's chromium through Playwright), served as
`make dev` serves the portal, against the real handlers: the officer a grievance was routed
to logs in, finds it in their queue, takes it up, leaves an internal note and resolves it;
a supervisor sees what in their jurisdiction is about to breach; an officer moves a service
application from submission to completion. Citizens file through the API, as any channel
would. Screenshots land in `build/screenshots/`."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import Page, expect

from chalicelib.domain.grievance import Change
from chalicelib.models import grievances as grievance_store
from tests.browser.portal import screenshot
from tests.integration.conftest import bearer, post
from tests.integration.documents import FIELDS, JPEG, SERVICE, upload
from tests.integration.staff import OWN_PASSWORD, appoint, open_district


def owner_of(api: Any, stack: Any, admin_token: str, path: str) -> Any:
    """The seeded account a grievance or an application is assigned to (seen by the state cell)."""
    assigned_to = api.get(path, headers=bearer(admin_token)).json_body["assigned_to"]
    return next(account for account in stack.seed.accounts if account.officer_id == assigned_to)


def log_in(page: Page, account: Any, lands_on: str = "My queue") -> None:
    page.goto("/#/login")
    page.get_by_label("Mobile number or email").fill(account.username)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=lands_on)).to_be_visible()


def test_the_assigned_officer_takes_up_notes_and_resolves_a_grievance(
    page: Page, api, stack, citizen, routed_grievance, admin_token
):
    # Given a citizen's grievance routed to an officer of their district
    asha = citizen()
    tracking_id = routed_grievance(asha)
    officer = owner_of(api, stack, admin_token, f"/grievances/{tracking_id}")

    # When that officer logs in, the grievance waits in their queue
    log_in(page, officer)
    expect(page.get_by_role("link", name="Queue")).to_be_visible()
    card = page.locator("li.card", has=page.get_by_role("link", name=tracking_id))
    expect(card).to_contain_text("Assigned")
    expect(card).to_contain_text("Due ")
    screenshot(page, "officer-queue")

    # and they take it up
    page.get_by_role("link", name=tracking_id).click()
    expect(page.get_by_role("heading", name=f"Grievance {tracking_id}")).to_be_visible()
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text("Assigned")
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(facts).to_contain_text("In progress")
    expect(page.get_by_role("status")).to_contain_text("Saved")
    expect(page.get_by_role("button", name="Accept", exact=True)).to_have_count(0)

    # leave a note for colleagues
    note = "Valve at the junction is stuck; crew booked for tomorrow."
    page.get_by_label("Note (staff only; the citizen never sees it)").fill(note)
    page.get_by_role("button", name="Add note").click()
    internal = page.locator("ol.timeline li.internal")
    expect(internal).to_have_count(1)
    expect(internal).to_contain_text("Staff only")
    expect(internal).to_contain_text(note)
    screenshot(page, "officer-grievance")

    # and resolve it, saying what was done
    page.get_by_label("What was done (the citizen sees this)").fill("Valve replaced; supply restored.")
    page.get_by_role("button", name="Resolve", exact=True).click()

    # Then the console shows it resolved, with nothing left to do but notes
    expect(facts).to_contain_text("Resolved")
    expect(page.get_by_role("button", name="Resolve", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Add note")).to_be_visible()
    # and the citizen sees it resolved, without the officers' note
    seen = api.get(f"/grievances/{tracking_id}", headers=bearer(asha.access_token)).json_body
    assert seen["status"] == "resolved"
    assert "Valve replaced; supply restored." in [entry.get("note") for entry in seen["timeline"]]
    assert note not in [entry.get("note") for entry in seen["timeline"]]


def test_an_overdue_grievance_is_marked_in_words_and_comes_first(
    page: Page, api, stack, citizen, routed_grievance, admin_token
):
    # Given a grievance whose deadline passed an hour ago (set in the store: nobody waits a day)
    tracking_id = routed_grievance(citizen())
    before = grievance_store.get_grievance(tracking_id)
    assert before is not None
    now = datetime.now(UTC)
    grievance_store.save_change(before, Change(replace(before, due_at=now - timedelta(hours=1)), []), now)
    officer = owner_of(api, stack, admin_token, f"/grievances/{tracking_id}")

    # When its officer opens the queue
    log_in(page, officer)

    # Then it is marked overdue in words, not by colour alone, ahead of anything on time
    card = page.locator("ul.queue > li", has=page.get_by_role("link", name=tracking_id))
    expect(card).to_have_class(re.compile(r"\boverdue\b"))
    expect(card).to_contain_text("Overdue")
    expect(card).to_contain_text("Was due")
    expect(page.locator("ul.queue > li").first).to_have_class(re.compile(r"\boverdue\b"))
    page.get_by_role("link", name=tracking_id).click()
    expect(page.locator("dl.facts").first).to_contain_text("Overdue")


def test_a_supervisor_sees_what_in_their_jurisdiction_is_at_risk(page: Page, stack, citizen, routed_grievance):
    # Given a running grievance in Khordha's water department
    routed_grievance(citizen())
    supervisor = next(
        account
        for account in stack.seed.accounts
        if (account.role, account.department, account.district) == ("supervisor", "WATER", "KHORDHA")
    )

    # When its supervisor logs in
    log_in(page, supervisor)

    # Then the at-risk list ranks it with its chance of missing the deadline
    expect(page.get_by_role("heading", name="At risk")).to_be_visible()
    expect(page.locator("li.at-risk").first).to_contain_text(re.compile(r"\d+% likely to miss its deadline"))
    screenshot(page, "supervisor-queue")
    # and in Hindi too
    page.get_by_label("Language").select_option("hi")
    expect(page.get_by_role("heading", name="जोखिम में")).to_be_visible()
    expect(page.get_by_role("link", name="कतार")).to_be_visible()
    expect(page.locator("li.at-risk").first).to_contain_text("समय-सीमा चूकने की संभावना")


def test_a_supervisor_reassigns_a_grievance_to_another_officer_of_the_seat(
    page: Page, api, stack, citizen, routed_grievance, admin_token
):
    # Given a grievance with one of Khordha's two water officers
    tracking_id = routed_grievance(citizen())
    first = owner_of(api, stack, admin_token, f"/grievances/{tracking_id}")
    other = next(
        account
        for account in stack.seed.accounts
        if (account.role, account.department, account.district) == ("officer", "WATER", "KHORDHA")
        and account.officer_id != first.officer_id
    )
    supervisor = next(
        account
        for account in stack.seed.accounts
        if (account.role, account.department, account.district) == ("supervisor", "WATER", "KHORDHA")
    )

    # When their supervisor hands it to the other one, chosen by name
    log_in(page, supervisor)
    page.goto(f"/#/desk/grievances/{tracking_id}")
    expect(page.get_by_role("heading", name=f"Grievance {tracking_id}")).to_be_visible()
    page.get_by_label("Officer to hand it to").select_option(other.officer_id)
    page.get_by_role("button", name="Reassign", exact=True).click()

    # Then the grievance is the other officer's
    expect(page.locator("dl.facts").first).to_contain_text(other.officer_id)
    expect(page.locator("ol.timeline")).to_contain_text("Reassigned")
    assert owner_of(api, stack, admin_token, f"/grievances/{tracking_id}").officer_id == other.officer_id


def test_an_officer_transfers_a_grievance_that_is_not_their_departments(
    page: Page, api, stack, citizen, routed_grievance, admin_token
):
    # Given a grievance routed to a water officer that is really about a road
    tracking_id = routed_grievance(citizen(), description="A pothole on the main road floods with water.")
    officer = owner_of(api, stack, admin_token, f"/grievances/{tracking_id}")
    log_in(page, officer)
    page.get_by_role("link", name=tracking_id).click()

    # When the officer sends it on without choosing a department, then with one
    page.get_by_label("Reason for the transfer").fill("A road defect: Roads and Buildings.")
    page.get_by_role("button", name="Transfer", exact=True).click()
    expect(page.locator("#status .error")).to_contain_text("department")
    page.get_by_label("Department to transfer to").select_option("ROADS")
    page.get_by_role("button", name="Transfer", exact=True).click()

    # Then it leaves their desk (they no longer see it) and waits for routing in Roads
    expect(page.get_by_role("heading", name="My queue")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    expect(page.get_by_role("link", name=tracking_id)).to_have_count(0)
    seen = api.get(f"/grievances/{tracking_id}", headers=bearer(admin_token)).json_body
    assert (seen["status"], seen["department"]) == ("registered", "ROADS")


def test_the_officer_moves_an_application_from_submission_to_completion(page: Page, api, stack, citizen, admin_token):
    # Given a citizen's application for a water connection, with its documents
    asha = citizen()
    documents = {slot: upload(api, asha, slot) for slot in ("proof_of_ownership", "identity_proof")}
    applied = post(
        api, "/applications", {"service_code": SERVICE, "fields": FIELDS, "documents": documents}, asha.access_token
    )
    assert applied.status_code == 201, applied.json_body
    tracking_id = applied.json_body["tracking_id"]
    officer = owner_of(api, stack, admin_token, f"/applications/{tracking_id}")

    # When the officer opens it from their desk
    log_in(page, officer)
    page.get_by_role("link", name="Applications").click()
    expect(page.get_by_role("heading", name="Applications on my desk")).to_be_visible()
    page.get_by_role("link", name=tracking_id).click()
    expect(page.get_by_role("heading", name=f"Application {tracking_id}")).to_be_visible()
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text("Submitted")
    # a document opens in a new tab, through a presigned link asked for at the click (it lasts minutes)
    with page.expect_popup(), page.expect_response(re.compile(r"/documents/[a-z_]+$")) as link:
        page.get_by_role("button", name=re.compile(r"^Open ")).first.click()
    assert link.value.ok and "Signature=" in link.value.json()["url"]

    # starts verifying and asks for a photo of the premises
    page.get_by_role("button", name="Start verification", exact=True).click()
    expect(facts).to_contain_text("Under verification")
    page.get_by_label("What the applicant should provide").fill("A photo of the premises, please.")
    page.get_by_label("Documents to upload (optional)").select_option("premises_photo")
    page.get_by_role("button", name="Ask the applicant", exact=True).click()
    expect(facts).to_contain_text("Waiting for the citizen")
    asked = api.get(f"/applications/{tracking_id}", headers=bearer(asha.access_token)).json_body["info_requested"]
    assert asked == {"note": "A photo of the premises, please.", "fields": [], "documents": ["premises_photo"]}

    # and, once the citizen has sent it, verifies, approves and completes it
    photo = upload(api, asha, "premises_photo", JPEG, "image/jpeg")
    answered = post(
        api,
        f"/applications/{tracking_id}/actions",
        {"action": "provide_info", "documents": {"premises_photo": photo}},
        asha.access_token,
    )
    assert answered.status_code == 200, answered.json_body
    page.reload()
    expect(facts).to_contain_text("Under verification")
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(facts).to_contain_text("Processing")
    screenshot(page, "officer-application")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(facts).to_contain_text("Approved")
    page.get_by_role("button", name="Complete", exact=True).click()

    # Then the console and the citizen both see it completed
    expect(facts).to_contain_text("Completed")
    expect(page.get_by_role("button", name="Complete", exact=True)).to_have_count(0)
    seen = api.get(f"/applications/{tracking_id}", headers=bearer(asha.access_token)).json_body
    assert seen["status"] == "completed"


def test_staff_with_a_temporary_password_choose_their_own_before_anything_else(page: Page, api, admin_token):
    # Given an officer the state cell has just appointed, with the password it chose
    member = appoint(api, admin_token, own_password=False, district=open_district(api, admin_token))

    # When they log in, the console asks for a password of their own first
    log_in(page, member, lands_on="Choose your own password")
    page.get_by_label("Password you were given").fill(member.password)
    page.get_by_label("Your new password (at least 12 characters)").fill(OWN_PASSWORD)
    page.get_by_role("button", name="Change the password").click()

    # Then their queue opens, and only the new password logs in from now on
    expect(page.get_by_role("heading", name="My queue")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your password is changed.")
    assert post(api, "/auth/login", {"username": member.username, "password": OWN_PASSWORD}).status_code == 200
    assert post(api, "/auth/login", {"username": member.username, "password": member.password}).status_code == 401
