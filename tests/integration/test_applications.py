"""Service applications on the real handlers against moto: documents uploaded to S3 by
presigned POST, the form checked against the service's JSON Schema, routing to the
department's officer in the applicant's district, every stage move audited and announced,
and nothing stored when the input is wrong."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import requests

from chalicelib.models import applications, audit_trail
from chalicelib.models.case_store import encode_cursor
from tests.integration.conftest import Person, bearer, post
from tests.integration.documents import FIELDS, PDF, SERVICE, send, upload_form


def put(api, path: str, body: Any, token: str):
    return api.put(path, headers={**bearer(token), "Content-Type": "application/json"}, body=json.dumps(body))


@pytest.fixture
def upload(api) -> Callable[..., str]:
    """Upload a file as a browser would: ask for a slot, POST the form straight to S3 (moto)."""

    def run(person: Person, slot: str, content: bytes = PDF, content_type: str = "application/pdf", **kw: Any) -> str:
        form = upload_form(api, person, slot, content_type, kw.get("service", SERVICE))
        send(form, content, content_type)
        return str(form["upload_id"])

    return run


@pytest.fixture
def apply(api, upload) -> Callable[..., Any]:
    def run(person: Person, *, fields: dict | None = None, documents: dict | None = None, key: str | None = None):
        if documents is None:
            documents = {slot: upload(person, slot) for slot in ("proof_of_ownership", "identity_proof")}
        headers = {**bearer(person.access_token), "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        body = {"service_code": SERVICE, "fields": FIELDS if fields is None else fields, "documents": documents}
        return api.post("/applications", headers=headers, body=json.dumps(body))

    return run


@pytest.fixture
def catalogue_kept(stack):
    """The shared demo catalogue as it was: what a test adds is removed after it."""
    from chalicelib.models.catalogue import CatalogueEntry

    before = {(e.kind, e.code) for e in CatalogueEntry.scan()}
    yield
    for entry in CatalogueEntry.scan():
        if (entry.kind, entry.code) not in before:
            entry.delete()


def act(api, tracking_id: str, token: str, **body: Any):
    return post(api, f"/applications/{tracking_id}/actions", body, token)


def stored_count(citizen_id: str) -> int:
    found = applications.citizen_applications(citizen_id, limit=100, cursor=None).cases
    return len(found)


def test_a_citizen_applies_with_documents_and_the_officer_of_their_district_gets_it(api, stack, citizen, apply):
    asha = citizen()

    answer = apply(asha)

    assert answer.status_code == 201, answer.json_body
    assert answer.json_body["status"] == "submitted" and answer.json_body["due_at"]
    tracking_id = answer.json_body["tracking_id"]
    assert tracking_id.startswith("OD-APP-")
    stored = applications.get_application(tracking_id)
    officer = next(a for a in stack.seed.accounts if a.officer_id == stored.assignee_id)
    assert (officer.role, officer.department, officer.district) == ("officer", "WATER", "KHORDHA")
    deed = stored.documents["proof_of_ownership"]
    assert deed.sha256 == hashlib.sha256(PDF).hexdigest() and deed.size == len(PDF)
    assert deed.key == f"applications/{tracking_id}/proof_of_ownership/{deed.key.rsplit('/', 1)[-1]}"
    s3 = boto3.client("s3", region_name="ap-south-1")
    bucket = stack.resources.physical_ids["DocumentsBucket"]
    assert s3.get_object(Bucket=bucket, Key=deed.key)["Body"].read() == PDF
    mine = api.get("/applications", headers=bearer(asha.access_token)).json_body["applications"]
    assert [a["tracking_id"] for a in mine] == [tracking_id]


def test_the_whole_journey_from_submission_to_completion_is_in_the_timeline_and_outbox(
    api, citizen, apply, upload, assignee_token, outbox
):
    asha = citizen()
    tracking_id = apply(asha).json_body["tracking_id"]
    officer = assignee_token(tracking_id)

    assert act(api, tracking_id, officer, action="start_verification").status_code == 200
    asked = act(
        api,
        tracking_id,
        officer,
        action="request_info",
        note="Upload a photo of the premises.",
        request={"documents": ["premises_photo"]},
    )
    assert asked.status_code == 200, asked.json_body
    assert asked.json_body["status"] == "info_requested" and asked.json_body["due_at"] is None
    seen = api.get(f"/applications/{tracking_id}", headers=bearer(asha.access_token)).json_body
    assert seen["expected_next"]["by"] == "citizen"
    assert seen["info_requested"] == {
        "note": "Upload a photo of the premises.",
        "fields": [],
        "documents": ["premises_photo"],
    }
    # the answer must carry what was asked for
    empty = act(api, tracking_id, asha.access_token, action="provide_info", note="Here it is.")
    assert empty.status_code == 422 and empty.json_body["error"]["field"] == "documents.premises_photo"
    photo = upload(asha, "premises_photo", b"\xff\xd8\xff\xe0 jpeg", "image/jpeg")
    answered = act(
        api,
        tracking_id,
        asha.access_token,
        action="provide_info",
        note="Here it is.",
        documents={"premises_photo": photo},
    )
    assert answered.status_code == 200, answered.json_body
    assert answered.json_body["status"] == "under_verification" and answered.json_body["due_at"]
    for step in ("verify", "approve", "complete"):
        done = act(api, tracking_id, officer, action=step, note="Connection sanctioned." if step == "approve" else None)
        assert done.status_code == 200, done.json_body

    final = api.get(f"/applications/{tracking_id}", headers=bearer(asha.access_token)).json_body
    assert final["status"] == "completed" and final["chain_intact"] is True
    assert [e["event"] for e in final["timeline"]] == [
        "application_submitted",
        "application_verification_started",
        "application_info_requested",
        "application_info_provided",
        "application_verified",
        "application_approved",
        "application_completed",
    ]
    assert {d["slot"] for d in final["documents"]} == {"proof_of_ownership", "identity_proof", "premises_photo"}
    texts = [m["text"] for m in outbox(asha.mobile)]
    for words in ("is received by", "is being verified", "the officer asks", "is approved", "is complete"):
        assert any(tracking_id in text and words in text for text in texts), words


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({**FIELDS, "mobile": "12345"}, "fields.mobile"),
        ({k: v for k, v in FIELDS.items() if k != "pincode"}, "fields.pincode"),
        ({**FIELDS, "colour": "blue"}, "fields.colour"),
        ({**FIELDS, "pipe_size_mm": "20"}, "fields.pipe_size_mm"),
        ({**FIELDS, "connection_type": "industrial"}, "fields.connection_type"),
    ],
)
def test_a_wrong_form_is_refused_naming_the_field_and_nothing_is_stored(citizen, apply, fields, field):
    asha = citizen()

    answer = apply(asha, fields=fields, documents={})

    assert answer.status_code == 422
    assert answer.json_body["error"]["field"] == field
    assert field in {p["field"] for p in answer.json_body["error"]["problems"]}
    assert stored_count(asha.citizen_id) == 0


def test_missing_documents_unknown_services_and_foreign_uploads_are_refused(api, citizen, apply, upload):
    asha, ravi = citizen(), citizen()

    missing = apply(asha, documents={"proof_of_ownership": upload(asha, "proof_of_ownership")})
    assert missing.status_code == 422 and missing.json_body["error"]["field"] == "documents.identity_proof"
    # someone else's upload is not yours to attach
    theirs = {slot: upload(ravi, slot) for slot in ("proof_of_ownership", "identity_proof")}
    foreign = apply(asha, documents=theirs)
    assert foreign.status_code == 422 and foreign.json_body["error"]["field"].startswith("documents.")
    nothing = apply(
        asha,
        documents={"proof_of_ownership": "upl-01jdxxxxxxxxxxxxxxxxxxxxxx", "identity_proof": theirs["identity_proof"]},
    )
    assert nothing.status_code == 422
    headers = {**bearer(asha.access_token), "Content-Type": "application/json"}
    unknown = api.post(
        "/applications", headers=headers, body=json.dumps({"service_code": "NO_SUCH_SERVICE", "fields": {}})
    )
    assert unknown.status_code == 422 and unknown.json_body["error"]["field"] == "service_code"
    wrong_type = post(
        api,
        "/uploads",
        {"service_code": SERVICE, "slot": "identity_proof", "content_type": "text/html"},
        asha.access_token,
    )
    assert wrong_type.status_code == 422 and wrong_type.json_body["error"]["field"] == "content_type"
    assert stored_count(asha.citizen_id) == 0


def test_an_upload_of_the_wrong_type_is_caught_when_attached(api, citizen, apply, upload):
    """The presigned POST pins the content type; what S3 holds is checked again anyway."""
    asha = citizen()
    disguised = upload(asha, "identity_proof", b"<html>not a scan</html>", "application/pdf")
    s3 = boto3.client("s3", region_name="ap-south-1")
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("crm-local-documents"))
    key = f"uploads/{asha.citizen_id}/{disguised}"
    s3.copy_object(
        Bucket=bucket,
        Key=key,
        CopySource={"Bucket": bucket, "Key": key},
        ContentType="text/html",
        MetadataDirective="REPLACE",
    )

    answer = apply(
        asha, documents={"proof_of_ownership": upload(asha, "proof_of_ownership"), "identity_proof": disguised}
    )

    assert answer.status_code == 422 and answer.json_body["error"]["field"] == "documents.identity_proof"


def test_the_same_idempotency_key_applies_once(citizen, apply, upload):
    asha = citizen()
    documents = {slot: upload(asha, slot) for slot in ("proof_of_ownership", "identity_proof")}
    key = uuid.uuid4().hex

    first = apply(asha, documents=documents, key=key)
    again = apply(asha, documents=documents, key=key)

    assert first.status_code == again.status_code == 201
    assert first.json_body["tracking_id"] == again.json_body["tracking_id"]
    assert stored_count(asha.citizen_id) == 1


def test_a_stage_jump_is_a_409_naming_the_allowed_actions_and_changes_nothing(api, citizen, apply, assignee_token):
    asha = citizen()
    tracking_id = apply(asha).json_body["tracking_id"]
    officer = assignee_token(tracking_id)
    before = applications.get_application(tracking_id)

    jump = act(api, tracking_id, officer, action="approve")

    assert jump.status_code == 409
    assert jump.json_body["error"]["allowed"] == ["comment", "start_verification"]
    assert applications.get_application(tracking_id) == before
    assert len(audit_trail.history(tracking_id)) == 1
    # the applicant cannot move it along, and a reject needs its reason
    assert act(api, tracking_id, asha.access_token, action="start_verification").status_code == 403
    assert act(api, tracking_id, officer, action="start_verification").status_code == 200
    no_reason = act(api, tracking_id, officer, action="reject")
    assert no_reason.status_code == 422 and no_reason.json_body["error"]["field"] == "note"


def test_documents_are_downloadable_by_the_applicant_and_the_department_only(api, stack, citizen, apply, staff_token):
    asha, ravi = citizen(), citizen()
    tracking_id = apply(asha).json_body["tracking_id"]
    path = f"/applications/{tracking_id}/documents/proof_of_ownership"

    link = api.get(path, headers=bearer(asha.access_token))
    assert link.status_code == 200
    assert requests.get(link.json_body["url"], timeout=10).content == PDF
    assert link.json_body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert api.get(path, headers=bearer(staff_token("department_head", department="WATER"))).status_code == 200
    assert api.get(path, headers=bearer(ravi.access_token)).status_code == 404
    assert api.get(path, headers=bearer(staff_token("department_head", department="ROADS"))).status_code == 404
    assert api.get(f"/applications/{tracking_id}", headers=bearer(ravi.access_token)).status_code == 404


def test_the_officer_queue_lists_by_stage_and_overdue(api, citizen, apply, assignee_token):
    asha = citizen()
    tracking_id = apply(asha).json_body["tracking_id"]
    officer = assignee_token(tracking_id)

    submitted = api.get("/officer/applications?stage=submitted", headers=bearer(officer)).json_body["applications"]
    processing = api.get("/officer/applications?stage=processing", headers=bearer(officer)).json_body["applications"]
    overdue = api.get("/officer/applications?overdue=true", headers=bearer(officer)).json_body["applications"]

    assert tracking_id in {a["tracking_id"] for a in submitted}
    assert tracking_id not in {a["tracking_id"] for a in processing}
    assert tracking_id not in {a["tracking_id"] for a in overdue}  # 15 working days to go
    # a cursor of the whole queue (here: past a paused one) is not one of the overdue list:
    # a 422 naming it, not DynamoDB's refusal as a 500
    owner = applications.get_application(tracking_id).assignee_id
    whole_queue = encode_cursor(
        {"tracking_id": {"S": tracking_id}, "queue_owner": {"S": owner}, "queue_due": {"S": "~paused"}}
    )
    mixed = api.get(f"/officer/applications?overdue=true&cursor={whole_queue}", headers=bearer(officer))
    assert mixed.status_code == 422 and mixed.json_body["error"]["field"] == "cursor"


def test_a_grievance_about_an_application_goes_to_its_officer(api, citizen, apply, consume, admin_token):
    asha, ravi = citizen(), citizen()
    tracking_id = apply(asha).json_body["tracking_id"]
    officer_id = applications.get_application(tracking_id).assignee_id
    body = {"description": "My water connection application has had no progress.", "location": {"district": "KHORDHA"}}

    foreign = post(api, "/grievances", {**body, "application_id": tracking_id}, ravi.access_token)
    assert foreign.status_code == 422 and foreign.json_body["error"]["field"] == "application_id"
    filed = post(api, "/grievances", {**body, "application_id": tracking_id}, asha.access_token)
    assert filed.status_code == 201, filed.json_body
    consume("route_grievances")

    grievance = api.get(f"/grievances/{filed.json_body['tracking_id']}", headers=bearer(admin_token)).json_body
    assert (grievance["department"], grievance["assigned_to"]) == ("WATER", officer_id)
    assert grievance["application_id"] == tracking_id


def test_a_changed_form_makes_a_new_version_and_old_applications_keep_theirs(
    api, citizen, apply, assignee_token, staff_token, catalogue_kept
):
    code = f"WATER_TEST_{uuid.uuid4().hex[:6].upper()}"
    head = staff_token("department_head", department="WATER")
    form = {
        "type": "object",
        "additionalProperties": False,
        "required": ["consumer_number"],
        "properties": {"consumer_number": {"type": "string", "pattern": "^[0-9]{8}$"}},
    }
    service = {"department": "WATER", "names": {"en": "Meter test", "hi": "मीटर परीक्षण"}, "sla_days": 5, "form": form}
    created = put(api, f"/services/{code}", service, head)
    assert created.status_code == 200 and created.json_body["form_version"] == 1
    asha = citizen()
    headers = {**bearer(asha.access_token), "Content-Type": "application/json"}
    old = api.post(
        "/applications",
        headers=headers,
        body=json.dumps({"service_code": code, "fields": {"consumer_number": "12345678"}}),
    )
    assert old.status_code == 201, old.json_body

    form_v2 = {
        **form,
        "required": ["consumer_number", "meter_make"],
        "properties": {**form["properties"], "meter_make": {"type": "string"}},
    }
    changed = put(api, f"/services/{code}", {**service, "form": form_v2}, head)
    assert changed.json_body["form_version"] == 2
    assert (
        put(api, f"/services/{code}", {**service, "form": form_v2, "sla_days": 7}, head).json_body["form_version"] == 2
    )

    # the old application is still answered against version 1: meter_make is not its field
    officer = assignee_token(old.json_body["tracking_id"])
    for step in ("start_verification",):
        assert act(api, old.json_body["tracking_id"], officer, action=step).status_code == 200
    asked = act(
        api,
        old.json_body["tracking_id"],
        officer,
        action="request_info",
        note="Meter make?",
        request={"fields": ["meter_make"]},
    )
    assert asked.status_code == 422 and asked.json_body["error"]["field"] == "request.fields"
    assert applications.get_application(old.json_body["tracking_id"]).form_version == 1
    new = api.post(
        "/applications",
        headers=headers,
        body=json.dumps({"service_code": code, "fields": {"consumer_number": "12345678"}}),
    )
    assert new.status_code == 422 and new.json_body["error"]["field"] == "fields.meter_make"


def test_catalogue_administration_is_for_the_state_cell_and_the_departments_own_head(
    api, staff_token, admin_token, catalogue_kept
):
    roads_head = staff_token("department_head", department="ROADS")
    officer = staff_token("officer", department="WATER")
    service = {
        "department": "WATER",
        "names": {"en": "Meter test"},
        "sla_days": 5,
        "form": {"type": "object", "additionalProperties": False, "properties": {"n": {"type": "string"}}},
    }

    assert put(api, "/services/WATER_NEW_CONNECTION", {**service}, roads_head).status_code == 403
    assert put(api, "/services/WATER_X_NEW", service, officer).status_code == 403
    bad_form = put(api, "/services/WATER_X_NEW", {**service, "form": {"type": "object", "properties": {}}}, admin_token)
    assert bad_form.status_code == 422 and bad_form.json_body["error"]["field"].startswith("form")
    no_english = put(api, "/departments/TOURISM", {"names": {"hi": "पर्यटन"}}, admin_token)
    assert no_english.status_code == 422 and no_english.json_body["error"]["field"] == "names.en"
    made = put(api, "/departments/TOURISM", {"names": {"en": "Tourism", "hi": "पर्यटन"}}, admin_token)
    assert made.status_code == 200
    assert "TOURISM" in {d["code"] for d in api.get("/departments").json_body["departments"]}


@pytest.mark.parametrize("query", ["water connection", "जल कनेक्शन", "pani", "nal", "jal"])
def test_water_connection_is_found_in_english_hindi_and_transliterated(api, stack, query):
    found = api.get(f"/services?q={query}").json_body["services"]

    assert "WATER_NEW_CONNECTION" in {s["code"] for s in found}, query


def test_a_citizen_asking_for_too_many_upload_slots_is_told_when_to_try_again(api, citizen, rate_limits):
    rate_limits("uploads_per_citizen=2/1h")
    asha, ravi = citizen(), citizen()
    body = {"service_code": SERVICE, "slot": "identity_proof", "content_type": "application/pdf"}

    answers = [post(api, "/uploads", body, asha.access_token) for _ in range(3)]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].json_body["error"]["code"] == "rate_limited"
    assert 0 < int(answers[2].headers["Retry-After"]) <= 3600
    assert post(api, "/uploads", body, ravi.access_token).status_code == 201  # per citizen
