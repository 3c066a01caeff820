"""Applying for a service in a real browser: the citizen finds the service, fills the form the
portal draws from its JSON Schema, and uploads the documents straight to S3 (moto's) by the
presigned POST the API hands out; a wrong answer is pointed at, and a question of the officer
is answered from the application's page with a new document."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from tests.browser.portal import register_and_log_in, screenshot
from tests.integration.conftest import bearer

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def open_water_connection(page: Page) -> None:
    page.goto("/#/")
    page.get_by_label("Search services").fill("water connection")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="New Water Connection").click()
    expect(page.get_by_role("heading", name="New Water Connection")).to_be_visible()


def fill_water_connection(page: Page, mobile: str, pincode: str) -> None:
    page.get_by_label("Applicant name").fill("Asha Devi")
    page.get_by_label("Mobile number", exact=True).fill(mobile[-10:])  # the form's own pattern: 10 digits
    page.get_by_label("Connection type").select_option("domestic")
    page.get_by_label("Premises address").fill("Plot 12, Sahid Nagar, Bhubaneswar")
    page.get_by_label("PIN code").fill(pincode)
    page.get_by_label("Proof of ownership or occupancy of premises (PDF, JPEG or PNG)").set_input_files(
        files=[{"name": "deed.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_label("Identity proof (Aadhaar / Voter ID) (PDF, JPEG or PNG)").set_input_files(
        files=[{"name": "aadhaar.png", "mimeType": "image/png", "buffer": PNG}]
    )


def applied(page: Page) -> str:
    heading = page.get_by_role("heading", name=re.compile(r"^Application OD-APP-\d{6}-[0-9A-Z]{6}$"))
    expect(heading).to_be_visible()
    return heading.inner_text().split()[-1]


def test_a_citizen_applies_with_documents_uploaded_to_s3_after_a_wrong_pin_code_is_pointed_at(
    page, api, latest_otp, admin_token
):
    person = register_and_log_in(page, latest_otp)
    open_water_connection(page)
    expect(page.get_by_text("Decided within 15 working days")).to_be_visible()

    # A PIN code of five digits: the API's 422 names the field, the portal marks it and keeps the rest
    fill_water_connection(page, person["mobile"], "75100")
    page.get_by_role("button", name="Submit the application").click()
    pincode = page.get_by_label("PIN code")
    expect(pincode).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("status")).to_contain_text("PIN code: ")
    expect(page.get_by_label("Applicant name")).to_have_value("Asha Devi")

    pincode.fill("751001")
    screenshot(page, "citizen-apply")
    page.get_by_role("button", name="Submit the application").click()
    tracking_id = applied(page)
    expect(page.get_by_text("Submitted").first).to_be_visible()
    documents = page.get_by_role("list").filter(has_text="Identity proof")
    expect(documents).to_contain_text("Proof of ownership or occupancy of premises")

    # What reached the department is what the browser sent: both files, byte for byte in size
    seen = api.get(f"/applications/{tracking_id}", headers=bearer(admin_token)).json_body
    assert {(d["slot"], d["size"]) for d in seen["documents"]} == {
        ("proof_of_ownership", len(PDF)),
        ("identity_proof", len(PNG)),
    }
    assert seen["fields"]["pincode"] == "751001" and seen["fields"]["connection_type"] == "domestic"

    page.get_by_role("link", name="My applications").click()
    expect(page.get_by_role("link", name=tracking_id)).to_be_visible()


def test_the_citizen_answers_the_officers_question_with_the_document_asked_for(page, api, latest_otp, assignee_token):
    person = register_and_log_in(page, latest_otp)
    open_water_connection(page)
    fill_water_connection(page, person["mobile"], "751001")
    page.get_by_role("button", name="Submit the application").click()
    tracking_id = applied(page)

    # The officer asks for a photograph of the premises
    officer = {**bearer(assignee_token(tracking_id)), "Content-Type": "application/json"}
    for move in (
        {"action": "start_verification"},
        {
            "action": "request_info",
            "note": "A photo of the premises, please.",
            "request": {"documents": ["premises_photo"]},
        },
    ):
        response = api.post(f"/applications/{tracking_id}/actions", headers=officer, body=json.dumps(move))
        assert response.status_code == 200, response.json_body

    page.reload()
    expect(page.get_by_role("heading", name="The officer asks")).to_be_visible()
    expect(page.get_by_role("paragraph").filter(has_text="A photo of the premises, please.")).to_be_visible()
    expect(page.get_by_text("Waiting for you").first).to_be_visible()
    page.get_by_label("Photograph of premises (PDF, JPEG or PNG)").set_input_files(
        files=[{"name": "premises.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_label("Your answer").fill("Taken this morning.")
    screenshot(page, "citizen-application-answer")
    page.get_by_role("button", name="Send the answer").click()

    expect(page.get_by_text("Being checked").first).to_be_visible()
    expect(page.get_by_role("button", name="Send the answer")).to_have_count(0)
    seen = api.get(f"/applications/{tracking_id}", headers=officer).json_body
    assert seen["status"] == "under_verification"
    assert "premises_photo" in {d["slot"] for d in seen["documents"]}
