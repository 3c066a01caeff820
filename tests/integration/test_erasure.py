"""Erasure that really erases: a citizen who filed grievances (with a description, a ward and
coordinates, and a reply to the officer) and an application (form fields, an answer, an
identity proof uploaded twice, a photo never attached) is erased; afterwards no table holds
their words or their form, no version of any of their files is left in S3, the audit chains
still verify, and staff still see each case, anonymised, with its status and SLA."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain.audit import first_broken_entry
from chalicelib.domain.erasure import ERASED_DESCRIPTION
from chalicelib.models import applications, audit_trail, grievances
from chalicelib.services import erase_records
from tests.integration.conftest import Person, bearer, post
from tests.integration.documents import JPEG, SERVICE, documents_bucket, send, upload, upload_form, versions_under
from tests.integration.test_personal_data_guarded import all_stored_text

ALL_KINDS = ["grievance_descriptions", "grievance_locations", "application_fields", "documents", "citizen_notes"]


@dataclass
class Filed:
    """What one citizen filed, and the words of theirs that must not survive erasure."""

    person: Person
    grievance: str
    application: str
    officer_note: str
    secrets: list[str]


@pytest.fixture
def filed_cases(api, stack, citizen, routed_grievance, assignee_token) -> Any:
    def run() -> Filed:
        asha = citizen()
        words = uuid.uuid4().hex[:10]
        secrets = [
            f"Sewage overflows outside my house, 14 Ganga Nagar ({words})",
            f"Behind the temple, the blue gate ({words})",
            f"House 14B, lane {words}",
            f"The photo you asked for ({words})",
        ]
        # a grievance pinned to her doorstep; the officer asks, she answers, the officer notes
        grievance = routed_grievance(
            asha,
            description=secrets[0],
            location={"district": "KHORDHA", "ward": f"W-{words}", "lat": 20.2961, "lon": 85.8245},
        )
        officer = assignee_token(grievance)
        for step in ({"action": "accept"}, {"action": "request_info", "note": "Where exactly?"}):
            assert post(api, f"/grievances/{grievance}/actions", step, officer).status_code == 200
        assert (
            post(api, f"/grievances/{grievance}/reply", {"message": secrets[1]}, asha.access_token).status_code == 200
        )
        officer_note = f"Inspected the drain on site ({words})."
        comment = {"action": "comment", "note": officer_note}
        assert post(api, f"/grievances/{grievance}/actions", comment, officer).status_code == 200
        # an application: the identity proof posted twice (an old version), a photo never used
        proof = upload_form(api, asha, "identity_proof")
        send(proof, b"%PDF-1.7 first scan")
        send(proof, b"%PDF-1.7 second scan")
        documents = {
            "identity_proof": proof["upload_id"],
            "proof_of_ownership": upload(api, asha, "proof_of_ownership"),
        }
        upload(api, asha, "premises_photo", JPEG, "image/jpeg")
        fields = {
            "applicant_name": "Asha Devi",
            "mobile": "9876543210",
            "connection_type": "domestic",
            "premises_address": secrets[2],
            "pincode": "751007",
        }
        body = {"service_code": SERVICE, "fields": fields, "documents": documents}
        applied = post(api, "/applications", body, asha.access_token)
        assert applied.status_code == 201, applied.json_body
        application = applied.json_body["tracking_id"]
        handler = assignee_token(application)
        asked = {"action": "request_info", "note": "A photo, please.", "request": {"documents": ["premises_photo"]}}
        for step in ({"action": "start_verification"}, asked):
            assert post(api, f"/applications/{application}/actions", step, handler).status_code == 200
        photo = upload(api, asha, "premises_photo", JPEG, "image/jpeg")
        answer = {"action": "provide_info", "note": secrets[3], "documents": {"premises_photo": photo}}
        assert post(api, f"/applications/{application}/actions", answer, asha.access_token).status_code == 200
        bucket = documents_bucket(stack)
        assert len(versions_under(bucket, f"uploads/{asha.citizen_id}/{proof['upload_id']}")) == 2
        assert len(versions_under(bucket, f"applications/{application}/")) == 3
        assert all(secret in all_stored_text() for secret in secrets)
        return Filed(asha, grievance, application, officer_note, secrets)

    return run


def stored_item(table: str, tracking_id: str) -> dict[str, Any]:
    dynamodb = boto3.client("dynamodb", region_name="ap-south-1")
    key = {"tracking_id": {"S": tracking_id}}
    return dict(dynamodb.get_item(TableName=get_settings().resource_name(table), Key=key, ConsistentRead=True)["Item"])


def chain_breaks(tracking_id: str, case: Any) -> int | None:
    return first_broken_entry(tracking_id, audit_trail.history(tracking_id), case.audit_seq, case.audit_hash)


def assert_erased(api, stack, filed: Filed, staff: str) -> None:
    """Nothing of the citizen's is left; every case is still there for staff, chained."""
    asha = filed.person
    # DynamoDB: no description, no ward or coordinates, no form, no note of hers, anywhere
    grievance = stored_item("grievances", filed.grievance)
    assert grievance["description"] == {"S": ERASED_DESCRIPTION}
    assert not {"ward", "lat", "lon"} & set(grievance)
    assert grievance["district"] == {"S": "KHORDHA"} and grievance["category"] == {"S": "WATER_NO_SUPPLY"}
    application = stored_item("applications", filed.application)
    assert json.loads(application["fields"]["S"]) == {} and json.loads(application["documents"]["S"]) == {}
    stored = all_stored_text()
    assert not [secret for secret in filed.secrets if secret in stored]
    assert filed.officer_note in stored  # the officers' record of what they did stays
    # S3: no version and no delete marker of any upload or document of hers
    bucket = documents_bucket(stack)
    assert versions_under(bucket, f"uploads/{asha.citizen_id}/") == []
    assert versions_under(bucket, f"applications/{filed.application}/") == []
    # the trails still verify, each ending with the erasure
    kept_grievance = grievances.get_grievance(filed.grievance)
    kept_application = applications.get_application(filed.application)
    assert chain_breaks(filed.grievance, kept_grievance) is None
    assert chain_breaks(filed.application, kept_application) is None
    # staff still see each case, anonymised, with its status and SLA
    seen = api.get(f"/grievances/{filed.grievance}", headers=bearer(staff)).json_body
    assert (seen["status"], seen["escalation_level"]) == ("in_progress", 0) and seen["due_at"]
    assert seen["description"] == ERASED_DESCRIPTION
    assert seen["location"] == {"district": "KHORDHA", "ward": None, "lat": None, "lon": None}
    trail = api.get(f"/grievances/{filed.grievance}/history", headers=bearer(staff)).json_body
    assert trail["chain_intact"] is True and trail["events"][-1]["event"] == "personal_data_erased"
    assert [e["note"] for e in trail["events"] if e["event"] == "info_provided"] == [None]
    case = api.get(f"/applications/{filed.application}", headers=bearer(staff)).json_body
    assert (case["status"], case["fields"], case["documents"]) == ("under_verification", {}, [])
    assert case["due_at"] and case["chain_intact"] is True


def test_erasing_a_citizens_cases_leaves_no_personal_data_and_keeps_the_record(api, stack, filed_cases, admin_token):
    # Given a citizen's grievance and application, with their notes and documents
    filed = filed_cases()

    # When their cases are erased
    erased = erase_records.erase_cases_of(filed.person.citizen_id, utc_now())

    # Then every kind of personal data they held is gone, and the record stays
    assert erased == ALL_KINDS
    assert_erased(api, stack, filed, admin_token)


def test_erasing_again_changes_nothing_and_says_the_same(api, stack, filed_cases, admin_token):
    filed = filed_cases()
    first = erase_records.erase_cases_of(filed.person.citizen_id, utc_now())
    trail = audit_trail.history(filed.grievance)

    again = erase_records.erase_cases_of(filed.person.citizen_id, utc_now())

    assert again == first == ALL_KINDS
    assert audit_trail.history(filed.grievance) == trail  # no second erasure entry
    assert_erased(api, stack, filed, admin_token)


def test_an_erasure_cut_short_is_finished_by_the_next_run(api, stack, filed_cases, admin_token, monkeypatch):
    # Given an erasure that stops right after redacting the first case (the Lambda timed out)
    filed = filed_cases()

    def crash(subject: str, seqs: Any) -> None:
        raise TimeoutError("the Lambda's time is up")

    with monkeypatch.context() as patched:
        patched.setattr(audit_trail, "erase_notes", crash)
        with pytest.raises(TimeoutError):
            erase_records.erase_cases_of(filed.person.citizen_id, utc_now())
    # ...its trail already vouches for the notes still in it, so the chain holds meanwhile
    assert grievances.get_grievance(filed.grievance).description == ERASED_DESCRIPTION
    assert chain_breaks(filed.grievance, grievances.get_grievance(filed.grievance)) is None
    assert filed.secrets[1] in all_stored_text()

    # When it runs again, Then it finishes the job
    assert erase_records.erase_cases_of(filed.person.citizen_id, utc_now()) == ALL_KINDS
    assert_erased(api, stack, filed, admin_token)


def test_a_note_removed_without_an_erasure_entry_breaks_the_chain(api, citizen, routed_grievance, assignee_token):
    """The digest scheme lets an erasure remove notes it vouches for, and nothing else."""
    asha = citizen()
    tracking_id = routed_grievance(asha)
    officer = assignee_token(tracking_id)
    assert (
        post(api, f"/grievances/{tracking_id}/actions", {"action": "reject", "note": "Not ours."}, officer).status_code
        == 200
    )
    rejected = next(e for e in audit_trail.history(tracking_id) if e["event"] == "rejected")

    # Someone with table access quietly removes the officer's reason
    boto3.client("dynamodb", region_name="ap-south-1").update_item(
        TableName=get_settings().resource_name("audit"),
        Key={"subject": {"S": tracking_id}, "seq": {"N": str(rejected["seq"])}},
        UpdateExpression="REMOVE note",
    )

    assert chain_breaks(tracking_id, grievances.get_grievance(tracking_id)) == rejected["seq"]


def test_delete_me_erases_the_citizens_cases_and_documents(api, stack, filed_cases, admin_token):
    """The journey through DELETE /me: passes once erase_profile calls erase_cases_of."""
    filed = filed_cases()

    answer = api.delete("/me", headers=bearer(filed.person.access_token))

    assert answer.status_code in {200, 204}, answer.body
    assert_erased(api, stack, filed, admin_token)
