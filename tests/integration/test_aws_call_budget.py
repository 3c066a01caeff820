"""How many AWS calls each request costs once warm, and never a Scan.

Every authenticated request first reads whether its login still stands (a logged-out or
revoked access token is refused at once): a citizen's costs one GetItem of the login; a
staff member's costs nothing extra, the login being read with the officer in one
BatchGetItem (it was one GetItem of the officer before).
"""

from __future__ import annotations

from collections import Counter

import pytest

from bench.aws_calls import OPERATIONS, count_aws_calls

EXPECTED = {
    "/health": {"dynamodb:GetItem": 1},
    "/services/WATER_NEW_CONNECTION": {"dynamodb:GetItem": 1},
}


@pytest.mark.parametrize("path", OPERATIONS)
def test_each_catalogue_read_is_one_key_lookup_or_query(api, stack, path):
    api.get(path)  # warm: clients, connections, cached queue URLs

    with count_aws_calls() as calls:
        response = api.get(path)

    assert response.status_code == 200
    assert dict(calls) == EXPECTED.get(path, {"dynamodb:Query": 1})


def test_an_unknown_department_filter_costs_one_more_lookup_to_tell_a_typo_from_empty(api, stack):
    with count_aws_calls() as calls:
        response = api.get("/services?department=NOT_A_DEPARTMENT")

    assert response.status_code == 422
    assert dict(calls) == {"dynamodb:Query": 1, "dynamodb:GetItem": 1}


def test_checking_that_a_login_still_stands_costs_one_read(api, citizen, staff_token):
    """Authentication alone, seen on requests refused right after it: a citizen's costs one
    GetItem (the login), a staff member's one BatchGetItem (the officer and the login)."""
    from tests.integration.conftest import bearer, post

    person = citizen()
    officer = staff_token("officer", department="WATER")
    api.get("/officer/grievances", headers=bearer(person.access_token))  # warm
    api.get("/grievances", headers=bearer(officer))

    with count_aws_calls() as citizen_calls:
        as_citizen = api.get("/officer/grievances", headers=bearer(person.access_token))
    with count_aws_calls() as staff_calls:
        as_staff = api.get("/grievances", headers=bearer(officer))
    post(api, "/auth/logout", {"refresh_token": person.refresh_token})
    with count_aws_calls() as ended_calls:
        ended = api.get("/grievances", headers=bearer(person.access_token))

    assert as_citizen.json_body["error"]["code"] == as_staff.json_body["error"]["code"] == "role_not_allowed"
    assert dict(citizen_calls) == {"dynamodb:GetItem": 1}
    assert dict(staff_calls) == {"dynamodb:BatchGetItem": 1}
    assert ended.status_code == 401 and dict(ended_calls) == {"dynamodb:GetItem": 1}


def test_a_read_of_one_case_checks_the_login_in_the_same_call(api, citizen, file_grievance, staff_token):
    """GET of one case: the login (staff: the officer too) and the case come back in one
    BatchGetItem. A view that never reads its case still has the login checked, alone, and
    an ended login stops before the trail is read."""
    from tests.integration.conftest import bearer, post

    person = citizen()
    tracking_id = file_grievance(person).json_body["tracking_id"]
    officer = staff_token("state_admin")
    api.get(f"/grievances/{tracking_id}", headers=bearer(person.access_token))  # warm

    with count_aws_calls() as citizen_calls:
        mine = api.get(f"/grievances/{tracking_id}", headers=bearer(person.access_token))
    with count_aws_calls() as staff_calls:
        theirs = api.get(f"/grievances/{tracking_id}/notifications", headers=bearer(officer))
    with count_aws_calls() as unread_calls:
        malformed = api.get("/grievances/not-a-tracking-id", headers=bearer(person.access_token))
    post(api, "/auth/logout", {"refresh_token": person.refresh_token})
    with count_aws_calls() as ended_calls:
        ended = api.get(f"/grievances/{tracking_id}", headers=bearer(person.access_token))

    assert (mine.status_code, theirs.status_code, malformed.status_code, ended.status_code) == (200, 200, 404, 401)
    assert dict(citizen_calls) == {"dynamodb:BatchGetItem": 1, "dynamodb:Query": 1}
    assert dict(staff_calls) == {"dynamodb:BatchGetItem": 1, "dynamodb:Query": 1}
    assert dict(unread_calls) == {"dynamodb:GetItem": 1}
    assert dict(ended_calls) == {"dynamodb:BatchGetItem": 1}


APPLICATION_BUDGET: dict[str, dict[str, int]] = {
    "POST /applications (2 documents)": {
        # the caller's login, service, district, the applicant's address; the officers of the
        # seat and their loads; per document: head, read to hash, copy under the application;
        # the transaction; the hand-over to the events consumer.
        "dynamodb:GetItem": 4,
        "dynamodb:Query": 1,
        "dynamodb:BatchGetItem": 1,
        "s3:HeadObject": 2,
        "s3:GetObject": 2,
        "s3:CopyObject": 2,
        "dynamodb:TransactWriteItems": 1,
        "sqs:SendMessage": 1,  # the hand-over (the announcement and the feed are the events consumer's)
    },
    # the officer and their login in one batch (a deactivated or logged-out one is refused at
    # once), the application; the transaction; the hand-over (the service's names for the
    # messages are read by the fan-out, not in the request)
    "POST /applications/{id}/actions": {
        "dynamodb:BatchGetItem": 1,
        "dynamodb:GetItem": 1,
        "dynamodb:TransactWriteItems": 1,
        "sqs:SendMessage": 1,  # the hand-over
    },
    # the login and the record in one batch (standing_login), its trail
    "GET /applications/{id}": {"dynamodb:BatchGetItem": 1, "dynamodb:Query": 1},
}


# The grievance path, step by step, with what each step may cost once warm. An extra call
# here is a regression to explain (README: access patterns); a Scan is never acceptable.
GRIEVANCE_BUDGET = {
    "POST /grievances": {
        # the caller's login (district and category are checked against the warm process's
        # copy), duplicate check and nearby "me too" (two GSI queries), the transaction
        # (with the kept answer and the day's filing slot), and the one message handing the
        # filing's reactions over to the events consumer.
        "dynamodb:GetItem": 1,
        "dynamodb:Query": 2,
        "dynamodb:TransactWriteItems": 1,
        "sqs:SendMessage": 1,
    },
    "react (events consumer, the filing handed over)": {
        "sqs:ReceiveMessage": 1,
        # routing's message, and the one announcement the events consumer fans out
        "sqs:SendMessage": 2,
        "dynamodb:TransactWriteItems": 1,  # the report counters, with the event's marker
        "sns:Publish": 1,  # the operations-centre feed
        "sqs:DeleteMessageBatch": 1,
    },
    "route (SQS consumer, one record)": {
        "sqs:ReceiveMessage": 1,
        "dynamodb:GetItem": 2,
        "dynamodb:Query": 1,
        "dynamodb:BatchGetItem": 1,
        "dynamodb:TransactWriteItems": 2,  # the move; the report counters (received, open)
        "states:StartExecution": 1,
        "sqs:SendMessage": 1,  # the announcement
        "sns:Publish": 1,  # the operations-centre feed
        "sqs:DeleteMessageBatch": 1,
    },
    # from here on a citizen's request also reads their login: alone (one GetItem), or with
    # the case a read shows, in one batch (standing_login)
    "GET /grievances/{id} (citizen)": {"dynamodb:BatchGetItem": 1, "dynamodb:Query": 1},
    "GET /grievances (citizen's list)": {"dynamodb:GetItem": 1, "dynamodb:Query": 1},
    # a slot per source address and per tracking id (conditional adds), the grievance, its citizen
    "GET /track/{id}": {"dynamodb:UpdateItem": 2, "dynamodb:GetItem": 2},
    "GET /grievances/{id}/history (citizen)": {"dynamodb:BatchGetItem": 1, "dynamodb:Query": 1},
    "POST /grievances/{id}/actions (accept)": {
        "dynamodb:BatchGetItem": 1,  # the officer and their login
        "dynamodb:GetItem": 1,
        "dynamodb:TransactWriteItems": 1,
        "sqs:SendMessage": 1,  # the hand-over
    },
    "react (events consumer, the accept handed over)": {
        "sqs:ReceiveMessage": 1,
        "sqs:SendMessage": 1,  # the announcement (no report counter moves on an accept)
        "sns:Publish": 1,  # the operations-centre feed
        "sqs:DeleteMessageBatch": 1,
    },
    "fan out (events consumer, the accept)": {
        "sqs:ReceiveMessage": 1,
        # citizen, owner, the department's webhook, in one read
        "dynamodb:BatchGetItem": 1,
        # the citizen's SMS + email in one batch, the webhook delivery in another
        "sqs:SendMessageBatch": 2,
        # the department topic: claimed in the log, published; recorded with every other
        # outcome of the consumer's batch in one write (here a batch of one)
        "dynamodb:UpdateItem": 1,
        "sns:Publish": 1,
        "dynamodb:BatchWriteItem": 1,
        "sqs:DeleteMessageBatch": 1,
    },
    "GET /officer/grievances": {"dynamodb:BatchGetItem": 1, "dynamodb:Query": 1},
}


def test_each_grievance_step_costs_what_it_is_budgeted_and_never_a_scan(api, stack, citizen, admin_token, consume):
    from bench.aws_calls import Consumers, GrievanceCallers, grievance_operations
    from tests.integration.conftest import post

    person = citizen()
    officers = [
        a for a in stack.seed.accounts if a.role == "officer" and a.department == "ROADS" and a.district == "PURI"
    ]
    officer_tokens = {
        a.officer_id: post(api, "/auth/login", {"username": a.username, "password": a.password}).json_body[
            "access_token"
        ]
        for a in officers
    }
    callers = GrievanceCallers(person.access_token, person.mobile[-4:], admin_token, officer_tokens)
    import app

    consumers = Consumers(app)
    consume("route_grievances")  # what earlier tests left is not this test's to count

    measured = grievance_operations(api, callers, consumers)

    for name, _, calls in measured:
        assert dict(calls) == GRIEVANCE_BUDGET[name], name
    assert [name for name, _, _ in measured] == list(GRIEVANCE_BUDGET)
    assert all(status in {200, 201} for _, status, _ in measured)
    assert not any(op.endswith(":Scan") for _, _, calls in measured for op in calls)


def test_applying_and_moving_an_application_costs_what_the_readme_says(api, stack, citizen, officer_token):
    """Warm: one application with two documents, then one officer move."""
    import json

    import requests

    from chalicelib.models import applications
    from tests.integration.conftest import bearer, post

    asha = citizen()
    fields = {
        "applicant_name": "Asha Devi",
        "mobile": "9876543210",
        "connection_type": "domestic",
        "premises_address": "Plot 12, Saheed Nagar, Bhubaneswar",
        "pincode": "751007",
    }

    def submit() -> tuple[object, Counter]:
        documents = {}
        for slot in ("proof_of_ownership", "identity_proof"):
            body = {"service_code": "WATER_NEW_CONNECTION", "slot": slot, "content_type": "application/pdf"}
            form = post(api, "/uploads", body, asha.access_token).json_body
            requests.post(
                form["url"], data=form["fields"], files={"file": ("f", b"%PDF-1.7", "application/pdf")}, timeout=10
            )
            documents[slot] = form["upload_id"]
        body = {"service_code": "WATER_NEW_CONNECTION", "fields": fields, "documents": documents}
        with count_aws_calls() as calls:
            answer = post(api, "/applications", body, asha.access_token)
        return answer, calls

    submit()  # warm
    answer, calls = submit()

    assert answer.status_code == 201
    assert dict(calls) == APPLICATION_BUDGET["POST /applications (2 documents)"]
    tracking_id = answer.json_body["tracking_id"]
    token = officer_token(applications.get_application(tracking_id).assignee_id)
    with count_aws_calls() as calls:
        moved = post(api, f"/applications/{tracking_id}/actions", {"action": "start_verification"}, token)
    assert moved.status_code == 200
    assert dict(calls) == APPLICATION_BUDGET["POST /applications/{id}/actions"]
    with count_aws_calls() as calls:
        seen = api.get(f"/applications/{tracking_id}", headers=bearer(asha.access_token))
    assert seen.status_code == 200 and json.loads(seen.body)["status"] == "under_verification"
    assert dict(calls) == APPLICATION_BUDGET["GET /applications/{id}"]


def test_a_jurisdiction_list_page_is_one_query_on_a_case_index(api, stack, staff_token, admin_token):
    """A supervisor's seat: the login and one Query (the department and the district are
    checked against the warm process's copy). The state cell's page across departments: the
    login and one Query over the departments' partitions (listed by the warm copy too)."""
    from tests.integration.conftest import bearer

    supervisor = staff_token("supervisor", department="WATER", district="KHORDHA")
    seat = "/staff/grievances?department=WATER&district=KHORDHA&limit=20"
    api.get(seat, headers=bearer(supervisor))  # warm
    api.get("/staff/grievances?limit=20", headers=bearer(admin_token))
    with count_aws_calls() as seat_calls:
        assert api.get(seat, headers=bearer(supervisor)).status_code == 200
    with count_aws_calls() as state_calls:
        assert api.get("/staff/grievances?limit=20", headers=bearer(admin_token)).status_code == 200

    assert dict(seat_calls) == {"dynamodb:BatchGetItem": 1, "dynamodb:Query": 1}
    assert dict(state_calls) == {"dynamodb:BatchGetItem": 1, "dynamodb:Query": 1}


# The channels: a registered citizen's SMS filing is a portal filing plus what the channel
# adds (the sender's claim and account, the message id's record, the categories and districts
# its words are read against); a STATUS is a read and a reply. Issue 18 folds these back.
CHANNEL_BUDGET = {
    "POST /channels/sms/inbound (GRV)": {
        "dynamodb:BatchGetItem": 1,  # the mobile's claim
        "dynamodb:GetItem": 2,  # the citizen, the idempotency record (district, category: the warm copy)
        "dynamodb:PutItem": 1,
        "dynamodb:Query": 4,  # categories, districts, duplicates, "me too"
        "dynamodb:TransactWriteItems": 1,  # the filing, with its day's slot
        "dynamodb:UpdateItem": 1,
        "sqs:SendMessage": 1,  # the hand-over to the events consumer
    },
    "POST /channels/sms/inbound (STATUS)": {
        "dynamodb:BatchGetItem": 1,
        "dynamodb:GetItem": 2,  # the citizen, the grievance
        "dynamodb:PutItem": 1,
        "dynamodb:Query": 1,  # categories
        "dynamodb:UpdateItem": 1,
        "sqs:SendMessage": 1,  # the reply
    },
    "POST /open311/v2/requests.json": {
        "dynamodb:BatchGetItem": 2,  # the phone's claims (account, then contact)
        "dynamodb:Query": 2,
        "dynamodb:TransactWriteItems": 2,  # the new contact, the filing (with its day's slot)
        "sqs:SendMessage": 1,  # the hand-over (the Open311 update rows are written by the events consumer)
    },
}


def test_each_channel_step_costs_what_it_is_budgeted_and_never_a_scan(api, citizen):
    from bench.aws_calls import channel_operations

    measured = channel_operations(api, citizen().mobile)

    assert {name: dict(calls) for name, _, calls in measured} == CHANNEL_BUDGET
    assert all(status == 200 for _, status, _ in measured)


# Every authenticated read of the API once warm, by who reads it. Two calls at most (the login,
# with the case when there is one, and one read of what is shown), but for what the README's
# access patterns explain: a manager's reports read the day rows and the gauges or the team as
# well, a department's webhook settings its secret's record, and a search by mobile is audited.
READ_BUDGET = {
    ("citizen", "/me"): 2,
    ("citizen", "/grievances"): 2,
    ("citizen", "/grievances/{id}"): 2,
    ("citizen", "/grievances/{id}/history"): 2,
    ("citizen", "/applications"): 2,
    ("officer", "/officer/grievances"): 2,
    ("officer", "/officer/applications"): 2,
    ("state_admin", "/grievances/{id}/notifications"): 2,
    ("supervisor", "/officers?department=WATER"): 2,
    ("supervisor", "/reports/departments"): 3,
    ("supervisor", "/reports/districts"): 4,
    ("supervisor", "/reports/officers"): 4,
    ("supervisor", "/reports/alerts"): 2,
    ("supervisor", "/reports/export.csv"): 2,
    ("state_admin", "/staff/grievances?limit=20"): 2,
    ("state_admin", "/staff/applications?limit=20"): 2,
    ("state_admin", "/staff/search?tracking_id={id}"): 2,
    ("state_admin", "/staff/search?mobile={mobile}"): 7,
    ("state_admin", "/admin/audit"): 2,
    ("state_admin", "/departments/WATER/webhook"): 3,
    ("state_admin", "/webhooks/dead-letters"): 2,
}


def test_each_authenticated_read_costs_what_it_is_budgeted(api, citizen, routed_grievance, staff_token, admin_token):
    from tests.integration.conftest import bearer

    person = citizen()
    tracking_id = routed_grievance(person)
    tokens = {
        "citizen": person.access_token,
        "officer": staff_token("officer", department="WATER"),
        "supervisor": staff_token("supervisor", department="WATER", district="KHORDHA"),
        "state_admin": admin_token,
    }
    spent = {}
    for (role, path), _ in READ_BUDGET.items():
        url = path.format(id=tracking_id, mobile=person.mobile.replace("+", "%2B"))
        api.get(url, headers=bearer(tokens[role]))  # warm
        with count_aws_calls() as calls:
            answer = api.get(url, headers=bearer(tokens[role]))
        assert answer.status_code == 200, (path, answer.body)
        assert not calls.get("dynamodb:Scan"), path
        spent[role, path] = sum(calls.values())

    assert spent == READ_BUDGET
