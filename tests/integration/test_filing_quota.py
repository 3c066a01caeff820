"""A citizen's daily filing quota (`filings_per_citizen`), written as the flood it stops: one
citizen filing grievance after grievance, each of which would start a timer and messages."""

from __future__ import annotations

import json
import re

from tests.integration.conftest import JSON, bearer

DAY = 24 * 3600
TRACKING_ID = r"\b[A-Z]{2}-[0-9]{6}-[0-9A-Z]{6}\b"


def my_ids(api, person) -> list[str]:
    answer = api.get("/grievances?limit=100", headers=bearer(person.access_token))
    assert answer.status_code == 200, answer.body
    return [g["tracking_id"] for g in answer.json_body["grievances"]]


def filing(api, person, body: dict, key: str | None = None):
    headers = {**JSON, **bearer(person.access_token), **({"Idempotency-Key": key} if key else {})}
    return api.post("/grievances", headers=headers, body=json.dumps(body))


def test_forty_filings_in_a_row_stop_at_the_daily_quota_and_the_rest_store_and_send_nothing(
    api, citizen, grievance_body, consume, outbox
):
    # Given a citizen, and routing drained of what earlier tests left
    asha = citizen()
    consume("route_grievances")

    # When they file 40 grievances in a row, none with a category (so none is a duplicate)
    answers = [filing(api, asha, grievance_body(category=None)) for _ in range(40)]

    # Then the first 10 (the default quota) are filed and routed; the other 30 are 429s
    assert [a.status_code for a in answers] == [201] * 10 + [429] * 30
    refused = answers[10]
    assert refused.json_body["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= DAY
    filed = [a.json_body["tracking_id"] for a in answers[:10]]
    assert sorted(my_ids(api, asha)) == sorted(filed)
    assert consume("route_grievances") == 10
    # And what the citizen was told is about those 10 grievances only
    told = " ".join(m["text"] for m in outbox(asha.mobile))
    assert set(re.findall(TRACKING_ID, told)) == set(filed)


def test_a_refused_filing_stores_routes_and_sends_nothing(api, citizen, grievance_body, consume, outbox, rate_limits):
    rate_limits("filings_per_citizen=2/1d")
    asha = citizen()
    for _ in range(2):
        assert filing(api, asha, grievance_body(category=None)).status_code == 201
    consume("route_grievances")
    stored, sent = my_ids(api, asha), outbox(asha.mobile)

    refused = filing(api, asha, grievance_body(category=None))

    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert my_ids(api, asha) == stored
    assert consume("route_grievances") == 0
    assert outbox(asha.mobile) == sent


def test_a_retry_and_a_duplicate_link_use_up_no_quota(api, citizen, grievance_body, rate_limits):
    rate_limits("filings_per_citizen=2/1d")
    asha = citizen()
    water = grievance_body(category="WATER_NO_SUPPLY")

    # Given one filing, retried three times with its Idempotency-Key
    first = filing(api, asha, water, key="flood-1")
    assert first.status_code == 201
    for _ in range(3):
        again = filing(api, asha, water, key="flood-1")
        assert again.status_code == 201 and again.json_body["tracking_id"] == first.json_body["tracking_id"]
    # And linked twice as a duplicate (same category and district within 7 days)
    for _ in range(2):
        linked = filing(api, asha, grievance_body(category="WATER_NO_SUPPLY"))
        assert linked.status_code == 200 and linked.json_body["duplicate"] is True

    # When a second real filing comes, it is the second of two: filed; a third is not
    assert filing(api, asha, grievance_body(category="ROADS_POTHOLE")).status_code == 201
    assert filing(api, asha, grievance_body(category="SANITATION_GARBAGE")).status_code == 429

    # Then a retry of the first still gets its first answer once the quota is full
    retried = filing(api, asha, water, key="flood-1")
    assert retried.status_code == 201 and retried.json_body["tracking_id"] == first.json_body["tracking_id"]
    assert len(my_ids(api, asha)) == 2


def test_a_refused_request_uses_up_no_quota(api, citizen, grievance_body, rate_limits):
    rate_limits("filings_per_citizen=1/1d")
    asha = citizen()

    bad = filing(api, asha, grievance_body(location={"district": "ATLANTIS"}))

    assert bad.status_code == 422
    assert filing(api, asha, grievance_body(category=None)).status_code == 201


def test_a_retry_of_an_uncategorised_filing_on_a_full_day_gets_its_first_answer(
    api, citizen, grievance_body, rate_limits
):
    """Without a category there is no duplicate to find first: the retry reaches the filing's
    transaction, where both the kept answer and the full day refuse it — the answer wins."""
    rate_limits("filings_per_citizen=1/1d")
    asha = citizen()
    words = grievance_body(category=None)

    first = filing(api, asha, words, key="full-day-1")
    assert first.status_code == 201
    assert filing(api, asha, grievance_body(category=None)).status_code == 429

    retried = filing(api, asha, words, key="full-day-1")
    assert retried.status_code == 201, retried.body
    assert retried.json_body == first.json_body
    assert my_ids(api, asha) == [first.json_body["tracking_id"]]
