"""A filing's answer is kept in the filing's own transaction (services/idempotency.Once), in
the record layout Powertools Idempotency writes (`run_once`), so a retry finds it whichever
of the two kept it."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace

from chalicelib.services.idempotency import run_once
from tests.integration.conftest import JSON, bearer


def filing(api, person, body: dict, key: str):
    headers = {**JSON, **bearer(person.access_token), "Idempotency-Key": key}
    return api.post("/grievances", headers=headers, body=json.dumps(body))


def my_ids(api, person) -> list[str]:
    listed = api.get("/grievances?limit=100", headers=bearer(person.access_token)).json_body
    return [g["tracking_id"] for g in listed["grievances"]]


def as_filed(body: dict) -> dict:
    """The request as the filing use case reads it (what the kept answer's hash is of)."""
    location = body["location"]
    return {
        "description": body["description"],
        "district": location["district"],
        "category": body.get("category"),
        "ward": location.get("ward"),
        "lat": location.get("lat"),
        "lon": location.get("lon"),
        "channel": "web",
        "application_id": None,
    }


def test_an_answer_kept_by_powertools_before_the_release_answers_the_retry(api, citizen, grievance_body):
    # Given: a filing answered by the previous release, which kept its answer with run_once
    asha, key = citizen(), uuid.uuid4().hex
    body = grievance_body(category=None)
    kept = {"tracking_id": "OD-261204-KEPT01", "status": "registered", "duplicate": False, "similar": []}
    invocation = SimpleNamespace(get_remaining_time_in_millis=lambda: 29_000)  # a Lambda's context
    assert run_once("file_grievance", asha.citizen_id, key, as_filed(body), lambda: kept, invocation) == kept

    # When: the client retries it after the release
    retried = filing(api, asha, body, key)

    # Then: it gets that answer, and nothing new is filed
    assert retried.status_code == 201, retried.body
    assert retried.json_body == kept
    assert my_ids(api, asha) == []


def test_a_key_reused_for_other_words_is_refused_without_a_category_too(api, citizen, grievance_body):
    asha, key = citizen(), uuid.uuid4().hex
    first = filing(api, asha, grievance_body(category=None), key)
    assert first.status_code == 201

    other = filing(api, asha, grievance_body(category=None, description="Another problem altogether, here."), key)

    assert other.status_code == 422 and other.json_body["error"]["field"] == "Idempotency-Key"
    assert my_ids(api, asha) == [first.json_body["tracking_id"]]


def test_a_filing_refused_by_the_full_day_keeps_no_answer(api, citizen, grievance_body, rate_limits):
    """The kept answer stands or falls with the grievance: once the day allows it again (here:
    a higher limit), the same key files."""
    rate_limits("filings_per_citizen=1/1d")
    asha, key = citizen(), uuid.uuid4().hex
    assert filing(api, asha, grievance_body(category=None), uuid.uuid4().hex).status_code == 201
    assert filing(api, asha, grievance_body(category=None), key).status_code == 429

    rate_limits("filings_per_citizen=2/1d")
    later = filing(api, asha, grievance_body(category=None), key)

    assert later.status_code == 201
    assert later.json_body["tracking_id"] in my_ids(api, asha) and len(my_ids(api, asha)) == 2
