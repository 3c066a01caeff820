"""Each Lambda function's explicit policy file grants what its code really calls, and no more
than that on data: a whole citizen and officer journey runs on the real handlers against
moto while every AWS call is recorded, attributed to the function it would run in, and
checked against that function's policy with the stack's intrinsics resolved."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.models import applications, grievances
from chalicelib.resource_names import Queue
from chalicelib.security.channel_keys import channel_secret, open311_api_key
from infra.provision import LOCAL_ACCOUNT_ID, REPO_ROOT, _Provisioner, load_template
from infra.schedules import ScheduleRunner, schedules_of
from infra.sqs_poller import subscriptions_of
from tests.aws_permissions import (
    API_HANDLER,
    allows,
    event_source_permissions,
    function_of_current_stack,
    recorded_calls,
    required_permissions,
)
from tests.integration.conftest import bearer, post
from tests.integration.documents import documents_bucket, versions_under

CHALICE_CONFIG = json.loads((REPO_ROOT / ".chalice" / "config.json").read_text())
POLICY_FILES = {
    name: REPO_ROOT / ".chalice" / spec["iam_policy_file"] for name, spec in CHALICE_CONFIG["lambda_functions"].items()
}


APPLICATION_FIELDS = {
    "applicant_name": "Asha Devi",
    "mobile": "9876543210",
    "connection_type": "domestic",
    "premises_address": "Plot 12, Saheed Nagar, Bhubaneswar",
    "pincode": "751007",
}


def deployed_functions(chalice_app: Any) -> set[str]:
    return {API_HANDLER} | {source.name for source in chalice_app.app.event_sources}


def resolved_policy(path: Path, resources: Any) -> dict[str, Any]:
    """The policy as IAM would see it in the local stack: ${ResourcePrefix}, the region, the
    account and every Ref to a resource of the template resolved as the stack resolves them."""
    parameters = {"ResourcePrefix": "crm-local", "SesSenderDomain": "grievance.local.gov.in"}
    resolver = _Provisioner(load_template(), parameters, resources.region)
    resolver.stack = resources
    return resolver.resolve(json.loads(path.read_text()))


def unique_mobile() -> str:
    return f"+9198{uuid.uuid4().int % 10**8:08d}"


@contextmanager
def timers_refused_once_per_function(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """StartExecution fails (ServiceUnavailable) the first time each function calls it."""
    refused: set[str] = set()
    calling = BaseClient._make_api_call

    def refusing(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        function = function_of_current_stack()
        if operation == "StartExecution" and function is not None and function not in refused:
            refused.add(function)
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "try later"}}, operation)
        return calling(client, operation, params)

    with monkeypatch.context() as patched:
        patched.setattr(BaseClient, "_make_api_call", refusing)
        yield refused
    # A request's timers are started by the events consumer, which runs the reactions requests
    # hand over (the API handler starts one itself only when it cannot hand over).
    assert refused == {"fan_out_events", "route_grievances", "handle_sla_events"}


def send_to_sla_events(message: dict[str, Any]) -> None:
    """What the SLA timer's state machine sends (the test stands in for it)."""
    from chalicelib import aws

    aws.client("sqs").send_message(QueueUrl=aws.queue_url(Queue.SLA_EVENTS), MessageBody=json.dumps(message))


def signed_sms(api, secret: str, sender: str, text: str) -> Any:
    """An SMS gateway's inbound webhook, signed with the channel's secret."""
    body = json.dumps({"message_id": uuid.uuid4().hex, "from": sender, "text": text}).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Signature": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        "X-Signature-Timestamp": str(int(time.time())),
    }
    return api.post("/channels/sms/inbound", headers=headers, body=body)


def test_every_deployed_function_has_its_own_policy_file(chalice_app):
    assert set(POLICY_FILES) == deployed_functions(chalice_app)


@pytest.mark.parametrize("function", sorted(POLICY_FILES))
def test_no_policy_grants_a_wildcard_action_or_every_resource(function):
    document = json.loads(POLICY_FILES[function].read_text())

    assert document["Version"] == "2012-10-17"
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        assert not any("*" in action for action in statement["Action"]), statement["Sid"]
        assert statement.get("Resource") != "*" and "*" not in statement.get("Resource", []), statement["Sid"]
        if "NotResource" in statement:  # only SMS, which has no ARN, and never a topic
            assert statement["Action"] == ["sns:Publish"] and statement["NotResource"] == ["arn:aws:sns:*:*:*"]


def test_a_whole_journey_needs_nothing_the_policy_files_do_not_grant(
    monkeypatch,
    stack,
    api,
    chalice_app,
    citizen,
    staff_token,
    admin_token,
    file_grievance,
    routed_grievance,
    assignee_token,
    officer_token,
    consume,
    deliver_notifications,
):
    resources = stack.resources
    secrets = {
        "identity_hmac_key": resources.arns["IdentityHmacKeySecret"],
        "jwt_signing_key": resources.arns["JwtSigningKeySecret"],
        "webhook_signing_key": resources.arns["WebhookSigningKeySecret"],
    }
    sms_secret, open311_key = channel_secret("sms"), open311_api_key("fixmystreet")
    with recorded_calls(secrets) as calls:
        # a citizen registers, signs in, changes their details and files grievances
        person = citizen()
        assert api.get("/health").status_code == 200
        assert api.get("/services?q=water").status_code == 200
        refreshed = post(api, "/auth/refresh", {"refresh_token": person.refresh_token})
        assert refreshed.status_code == 200, refreshed.json_body
        changed = api.patch(
            "/me",
            headers={**bearer(person.access_token), "Content-Type": "application/json"},
            body=json.dumps({"language": "hi"}),
        )
        assert changed.status_code == 200, changed.json_body
        tracking_id = routed_grievance(person)
        assert api.get("/grievances", headers=bearer(person.access_token)).status_code == 200
        # the state cell points WATER's webhook somewhere that answers nothing and appoints an officer
        # (the demo receiver is given back at the end: the seeded state is shared with other tests)
        seeded_url = api.get("/departments/WATER/webhook", headers=bearer(admin_token)).json_body["url"]
        put = api.put(
            "/departments/WATER/webhook",
            headers={**bearer(admin_token), "Content-Type": "application/json"},
            body=json.dumps({"url": "http://127.0.0.1:9/unreachable"}),
        )
        assert put.status_code == 200, put.json_body
        appointed = post(
            api,
            "/officers",
            {
                "name": "Ravi Das",
                "role": "officer",
                "mobile": unique_mobile(),
                "email": f"{uuid.uuid4().hex[:8]}@od.gov.in",
                "password": "a long enough passphrase 42",
                "department": "WATER",
                "district": "PURI",
            },
            admin_token,
        )
        assert appointed.status_code == 201, appointed.json_body
        # the officer asks, the citizen answers, the officer resolves, the citizen closes it
        officer = assignee_token(tracking_id)
        assert api.get("/officer/grievances", headers=bearer(officer)).status_code == 200
        for step in ({"action": "accept"}, {"action": "request_info", "note": "Which street?"}):
            assert post(api, f"/grievances/{tracking_id}/actions", step, officer).status_code == 200
        reply = post(api, f"/grievances/{tracking_id}/reply", {"message": "Station Road."}, person.access_token)
        assert reply.status_code == 200, reply.json_body
        resolved = post(api, f"/grievances/{tracking_id}/actions", {"action": "resolve", "note": "Fixed."}, officer)
        assert resolved.status_code == 200, resolved.json_body
        assert post(api, f"/grievances/{tracking_id}/feedback", {"rating": 5}, person.access_token).status_code == 200
        deliver_notifications()
        assert api.get(f"/grievances/{tracking_id}/history", headers=bearer(officer)).status_code == 200
        assert api.get(f"/grievances/{tracking_id}/notifications", headers=bearer(officer)).status_code == 200
        assert api.get("/webhooks/dead-letters", headers=bearer(admin_token)).status_code == 200
        # an untouched grievance breaches its compressed SLA and escalates through Step Functions
        monkeypatch.setenv("SLA_SECONDS_PER_HOUR", str(2 / 24))
        get_settings.cache_clear()
        late = routed_grievance(person)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and grievances.get_grievance(late).level == 0:
            consume("handle_sla_events")
            time.sleep(0.25)
        assert grievances.get_grievance(late).level == 1
        monkeypatch.undo()
        get_settings.cache_clear()
        # Step Functions refuses the first timer each function starts: routing, an officer's
        # resolution and an escalation each defer theirs on sla-events, whose consumer starts them
        with timers_refused_once_per_function(monkeypatch):
            held = routed_grievance(citizen())
            resolve = {"action": "resolve", "note": "Fixed."}
            assert post(api, f"/grievances/{held}/actions", resolve, assignee_token(held)).status_code == 200
            breached = grievances.get_grievance(routed_grievance(citizen()))
            assert breached is not None
            breach = {"kind": "sla_breached", "tracking_id": breached.tracking_id, "level": 0}
            send_to_sla_events({**breach, "timer_seq": breached.timer_seq, "due_at": "now"})
            consume("handle_sla_events")
        assert grievances.get_grievance(breached.tracking_id).level == 1
        # a grievance whose routing message was lost is found by the scheduled sweep
        file_grievance(person, category="ROADS_POTHOLE")
        monkeypatch.setattr("chalicelib.services.route_grievance.utc_now", lambda: utc_now() + timedelta(minutes=6))
        sweep = {s.name: s for s in schedules_of(chalice_app)}["sweep_awaiting_routing"]
        assert ScheduleRunner([sweep], region=resources.region).run_once(sweep)["requeued"] >= 1
        monkeypatch.undo()
        consume("route_grievances")
        deliver_notifications()
        # the state cell reads its reports and the at-risk list; the daily run looks for
        # surges and sends the supervisors' digests; anyone reads the public figures
        for path in (
            "/reports/departments",
            "/reports/districts",
            "/reports/alerts",
            "/reports/officers?department=WATER",
            "/reports/export.csv",
            "/staff/grievances?at_risk=true&department=WATER",
        ):
            assert api.get(path, headers=bearer(admin_token)).status_code == 200, path
        assert api.get("/public/performance").status_code == 200
        daily = {s.name: s for s in schedules_of(chalice_app)}["daily_reports"]
        ScheduleRunner([daily], region=resources.region).run_once(daily)
        # a feature phone without an account files by SMS and asks for its status; a civic
        # app files by Open311 and reads the updates back; a helpline files for a walk-in
        stranger = unique_mobile()
        texted = signed_sms(api, sms_secret, stranger, "GRV WATER_NO_SUPPLY no water in Puri since Monday")
        assert texted.status_code == 200, texted.json_body
        by_sms = texted.json_body["results"][0]["tracking_id"]
        assert signed_sms(api, sms_secret, stranger, f"STATUS {by_sms}").status_code == 200
        form = (
            f"api_key={open311_key}&service_code=ROADS_POTHOLE&address_string=Puri+bus+stand"
            f"&phone={unique_mobile().replace('+', '%2B')}&description=A+deep+pothole+at+the+bus+stand"
        )
        filed = api.post(
            "/open311/v2/requests.json", headers={"Content-Type": "application/x-www-form-urlencoded"}, body=form
        )
        assert filed.status_code == 200, filed.body
        consume("route_grievances")
        assert api.get("/open311/v2/requests.json").status_code == 200
        assert api.get("/open311/v2/servicerequestupdates.xml").status_code == 200
        walk_in = {"mobile": unique_mobile()}
        assisted = {
            "category": "ROADS_POTHOLE",
            "description": "Pothole outside the market.",
            "location": {"district": "PURI"},
        }
        helpline = staff_token("officer", department="WATER")
        assert post(api, "/grievances", {**assisted, "on_behalf_of": walk_in}, helpline).status_code == 202
        deliver_notifications()
        # the citizen applies for a water connection with two documents; the officer asks for more
        uploads = {}
        for slot in ("proof_of_ownership", "identity_proof", "premises_photo"):
            form = post(
                api,
                "/uploads",
                {"service_code": "WATER_NEW_CONNECTION", "slot": slot, "content_type": "application/pdf"},
                person.access_token,
            ).json_body
            requests.post(
                form["url"], data=form["fields"], files={"file": ("f", b"%PDF-1.7", "application/pdf")}, timeout=10
            )
            uploads[slot] = form["upload_id"]
        applied = post(
            api,
            "/applications",
            {
                "service_code": "WATER_NEW_CONNECTION",
                "fields": APPLICATION_FIELDS,
                "documents": {s: uploads[s] for s in ("proof_of_ownership", "identity_proof")},
            },
            person.access_token,
        )
        assert applied.status_code == 201, applied.json_body
        application_id = applied.json_body["tracking_id"]
        assert (
            api.get(
                f"/applications/{application_id}/documents/identity_proof", headers=bearer(person.access_token)
            ).status_code
            == 200
        )
        handler_token = officer_token(applications.get_application(application_id).assignee_id)
        for step in (
            {"action": "start_verification"},
            {"action": "request_info", "note": "Photo?", "request": {"documents": ["premises_photo"]}},
        ):
            assert post(api, f"/applications/{application_id}/actions", step, handler_token).status_code == 200
        answer = {"action": "provide_info", "documents": {"premises_photo": uploads["premises_photo"]}}
        assert post(api, f"/applications/{application_id}/actions", answer, person.access_token).status_code == 200
        assert api.get("/officer/applications", headers=bearer(handler_token)).status_code == 200
        deliver_notifications()
        # the citizen erases their account (their cases are redacted and every version of
        # their documents deleted) and signs out
        assert api.delete("/me", headers=bearer(refreshed.json_body["access_token"])).status_code in {200, 204}
        assert post(api, "/auth/logout", {"refresh_token": refreshed.json_body["refresh_token"]}).status_code in {
            200,
            204,
        }
        assert versions_under(documents_bucket(stack), f"applications/{application_id}/") == []
        given_back = api.put(
            "/departments/WATER/webhook",
            headers={**bearer(admin_token), "Content-Type": "application/json"},
            body=json.dumps({"url": seeded_url}),
        )
        assert given_back.status_code == 200, given_back.json_body

    needed: dict[str, set[tuple[str, str]]] = {function: set() for function in POLICY_FILES}
    for call in calls:
        needed[call.function] |= set(required_permissions(call, resources.region, LOCAL_ACCOUNT_ID))
    for subscription in subscriptions_of(chalice_app):
        queue_arn = f"arn:aws:sqs:{resources.region}:{LOCAL_ACCOUNT_ID}:{subscription.queue_name}"
        needed[subscription.name] |= set(event_source_permissions(queue_arn))

    assert all(needed.values()), f"a function the journey never ran: {[f for f, p in needed.items() if not p]}"
    refused = {
        function: sorted(p for p in permissions if not allows(resolved_policy(POLICY_FILES[function], resources), *p))
        for function, permissions in needed.items()
    }
    assert refused == {function: [] for function in POLICY_FILES}


def test_the_check_refuses_what_a_policy_does_not_grant(stack):
    """The journey's check can fail: the route consumer may not read citizens or send SMS."""
    policy = resolved_policy(POLICY_FILES["route_grievances"], stack.resources)
    region, account = stack.resources.region, LOCAL_ACCOUNT_ID

    assert allows(policy, "dynamodb:GetItem", f"arn:aws:dynamodb:{region}:{account}:table/crm-local-grievances")
    assert not allows(policy, "dynamodb:GetItem", f"arn:aws:dynamodb:{region}:{account}:table/crm-local-citizens")
    assert not allows(policy, "dynamodb:Scan", f"arn:aws:dynamodb:{region}:{account}:table/crm-local-grievances")
    assert not allows(policy, "sns:Publish", "*")
    sms = resolved_policy(POLICY_FILES["deliver_notifications"], stack.resources)
    assert allows(sms, "sns:Publish", "*")
    assert not allows(sms, "sns:Publish", f"arn:aws:sns:{region}:{account}:crm-local-department-events")


def test_only_the_api_may_erase_documents_and_only_citizens_files(stack):
    """Erasure lists and deletes versions under the two prefixes that hold citizens' files,
    in the documents bucket only; it may not list the bucket itself, and no other function
    may delete anything there."""
    resources = stack.resources
    bucket = f"arn:aws:s3:::{documents_bucket(stack)}"
    api = resolved_policy(POLICY_FILES[API_HANDLER], resources)

    assert allows(api, "s3:ListBucketVersions", bucket)
    assert allows(api, "s3:DeleteObjectVersion", f"{bucket}/applications/OD-APP-261203-ABC234/identity_proof/upl-1")
    assert allows(api, "s3:DeleteObjectVersion", f"{bucket}/uploads/cit-1/upl-1")
    assert not allows(api, "s3:DeleteObjectVersion", f"{bucket}/web/index.html")
    assert not allows(api, "s3:DeleteObject", f"{bucket}/applications/OD-APP-261203-ABC234/identity_proof/upl-1")
    assert not allows(api, "s3:ListBucket", bucket)
    assert not allows(api, "s3:ListBucketVersions", f"arn:aws:s3:::crm-local-web-{LOCAL_ACCOUNT_ID}")
    listing = next(s for s in api["Statement"] if "s3:ListBucketVersions" in s["Action"])
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["uploads/*", "applications/*"]}}
    for function in set(POLICY_FILES) - {API_HANDLER}:
        policy = resolved_policy(POLICY_FILES[function], resources)
        assert not allows(policy, "s3:DeleteObjectVersion", f"{bucket}/uploads/cit-1/upl-1"), function
        assert not allows(policy, "s3:ListBucketVersions", bucket), function
