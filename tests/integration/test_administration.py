"""The state cell runs its state through the API: districts, categories with their own
escalation ladders, the calendar; each act lands on the hash-chained administrative trail."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest

from tests.integration.conftest import bearer
from tests.integration.staff import appoint

NAMES = {"en": "Anandpur", "hi": "आनंदपुर"}


def put(api, path: str, body, token: str | None):
    headers = {"Content-Type": "application/json", **(bearer(token) if token else {})}
    return api.request(method="PUT", path=path, headers=headers, body=json.dumps(body))


def code(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8].upper()}"


def trail(api, token: str, subject: str | None = None, **query) -> dict:
    params = "&".join(f"{k}={v}" for k, v in ({"subject": subject, **query} if subject else query).items())
    response = api.get(f"/admin/audit?{params}", headers=bearer(token))
    assert response.status_code == 200, response.body
    return response.json_body


def category_body(**overrides) -> dict:
    return {
        "department": "WATER",
        "names": {"en": "Broken hand pump", "hi": "खराब हैंडपंप"},
        "sla_hours": 12,
        "round_the_clock": True,
        "keywords": {"en": ["hand pump"]},
        **overrides,
    }


def test_a_district_is_created_renamed_and_each_act_is_on_the_trail(api, admin_token):
    district = code("DIST")
    created = put(api, f"/districts/{district}", {"names": NAMES, "population": 120_000}, admin_token)
    assert created.status_code == 200, created.body
    assert created.json_body == {"code": district, "name": "Anandpur", "names": NAMES, "population": 120_000}
    listed = {d["code"]: d for d in api.get("/districts").json_body["districts"]}
    assert listed[district]["population"] == 120_000

    assert put(api, f"/districts/{district}", {"names": NAMES, "population": 125_500}, admin_token).status_code == 200

    entries = trail(api, admin_token, f"district/{district}")["entries"]
    assert [e["event"] for e in entries] == ["district_saved", "district_saved"]  # newest first
    assert entries[0]["details"] == {"population": {"from": 120_000, "to": 125_500}}
    assert entries[1]["details"]["names"] == {"from": None, "to": NAMES}
    assert {e["subject"] for e in entries} == {f"district/{district}"}
    # Nothing else happened in between: the second entry is chained onto the first.
    assert (entries[0]["seq"], entries[0]["prev_hash"]) == (entries[1]["seq"] + 1, entries[1]["entry_hash"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"names": {"hi": "आनंदपुर"}}, "names.en"),
        ({"names": NAMES, "population": 0}, "population"),
        ({"names": NAMES, "population": "many"}, "population"),
        ({"names": NAMES, "area": 3}, "area"),
    ],
)
def test_a_bad_district_is_refused_naming_the_field(api, admin_token, body, field):
    response = put(api, f"/districts/{code('DIST')}", body, admin_token)
    assert response.status_code == 422, response.body
    assert response.json_body["error"]["field"] == field


def test_only_the_state_cell_keeps_districts_categories_and_the_calendar(api, staff_token):
    head = staff_token("department_head", department="WATER")
    assert put(api, f"/districts/{code('DIST')}", {"names": NAMES}, head).status_code == 403
    assert put(api, f"/categories/{code('CAT')}", category_body(), head).status_code == 403
    calendar = {"working_days": ["mon"], "office_hours": "10:00-17:00", "holidays": []}
    assert put(api, "/calendar", calendar, head).status_code == 403
    assert api.get("/admin/audit", headers=bearer(head)).status_code == 403
    assert put(api, f"/districts/{code('DIST')}", {"names": NAMES}, None).status_code == 401


def test_a_category_with_its_own_ladder_is_listed_and_audited(api, admin_token):
    category = code("CAT")
    body = category_body(escalation_hours=[6, 24, 48])
    saved = put(api, f"/categories/{category}", body, admin_token)
    assert saved.status_code == 200, saved.body
    listed = {c["code"]: c for c in api.get("/categories?department=WATER").json_body["categories"]}
    assert listed[category]["escalation_hours"] == [6, 24, 48]
    assert listed[category]["sla_hours"] == 12

    (entry,) = trail(api, admin_token, f"category/{category}")["entries"]
    assert entry["event"] == "category_saved"
    assert entry["details"]["escalation_hours"] == {"from": None, "to": [6, 24, 48]}


@pytest.mark.parametrize(
    ("overrides", "field", "status"),
    [
        ({"department": "NOWHERE"}, "department", 422),
        ({"sla_hours": 0}, "sla_hours", 422),
        ({"escalation_hours": [1, 2, 3, 4]}, "escalation_hours", 422),
        ({"escalation_hours": [0]}, "escalation_hours.0", 422),
        ({"names": {"hi": "x"}}, "names.en", 422),
    ],
)
def test_a_bad_category_is_refused_naming_the_field(api, admin_token, overrides, field, status):
    response = put(api, f"/categories/{code('CAT')}", category_body(**overrides), admin_token)
    assert response.status_code == status, response.body
    assert response.json_body["error"]["field"] == field


def test_the_state_cell_opens_a_district_and_a_category_and_a_citizen_reaches_its_new_officer(
    api, admin_token, citizen, file_grievance, consume
):
    district, category = code("DIST"), code("CAT")
    assert put(api, f"/districts/{district}", {"names": NAMES, "population": 50_000}, admin_token).status_code == 200
    assert put(api, f"/categories/{category}", category_body(), admin_token).status_code == 200
    officer = appoint(api, admin_token, district=district)

    person = citizen(address={"line": "1 Fort Road", "district": district, "pincode": "751002"})
    filed = file_grievance(person, category=category, location={"district": district, "ward": "W-1"})
    consume("route_grievances")

    seen = api.get(f"/grievances/{filed.json_body['tracking_id']}", headers=bearer(officer.log_in())).json_body
    assert (seen["status"], seen["department"], seen["assigned_to"]) == ("assigned", "WATER", officer.officer_id)


def test_moving_a_category_with_open_grievances_is_refused_naming_them(
    api, admin_token, citizen, routed_grievance, assignee_token
):
    category = code("CAT")
    assert put(api, f"/categories/{category}", category_body(), admin_token).status_code == 200
    tracking_id = routed_grievance(citizen(), category=category)

    moved = put(api, f"/categories/{category}", category_body(department="ELECTRICITY"), admin_token)
    assert moved.status_code == 409, moved.body
    error = moved.json_body["error"]
    assert (error["code"], error["field"]) == ("open_grievances", "department")
    assert error["problems"] == [
        {"field": "department", "message": f"open grievance {tracking_id}", "tracking_id": tracking_id}
    ]
    # Its SLA may change meanwhile: deadlines already set stand.
    due_before = api.get(f"/grievances/{tracking_id}", headers=bearer(admin_token)).json_body["due_at"]
    assert put(api, f"/categories/{category}", category_body(sla_hours=200), admin_token).status_code == 200
    assert api.get(f"/grievances/{tracking_id}", headers=bearer(admin_token)).json_body["due_at"] == due_before

    rejected = api.post(
        f"/grievances/{tracking_id}/actions",
        headers={**bearer(assignee_token(tracking_id)), "Content-Type": "application/json"},
        body=json.dumps({"action": "reject", "note": "Not a public hand pump."}),
    )
    assert rejected.status_code == 200, rejected.body
    try:
        moved = put(api, f"/categories/{category}", category_body(department="ELECTRICITY"), admin_token)
        assert moved.status_code == 200, moved.body
    finally:  # back: other tests read ELECTRICITY's categories as the demo state has them
        assert put(api, f"/categories/{category}", category_body(), admin_token).status_code == 200


@pytest.fixture
def restore_calendar():
    from chalicelib.models import catalogue
    from chalicelib.services.sla_clock import forget_calendar

    stored = catalogue.get_state_calendar()
    yield
    catalogue.save_state_calendar(stored)
    forget_calendar()


def test_the_calendar_is_replaced_read_back_and_audited(api, admin_token, restore_calendar):
    calendar = {
        "working_days": ["mon", "tue", "wed", "thu", "fri"],
        "office_hours": "09:30-18:00",
        "holidays": [{"date": "2027-01-26", "name": "Republic Day"}, {"date": "2027-03-22"}],
    }
    saved = put(api, "/calendar", calendar, admin_token)
    assert saved.status_code == 200, saved.body
    shown = api.get("/calendar").json_body
    assert shown == saved.json_body
    assert shown["working_days"] == calendar["working_days"]
    assert shown["office_hours"] == "09:30-18:00"
    assert shown["holidays"] == [
        {"date": "2027-01-26", "name": "Republic Day"},
        {"date": "2027-03-22", "name": ""},
    ]
    # Routing counts on it from now on.
    from chalicelib.services.sla_clock import current_clock

    clock = current_clock()
    assert datetime(2027, 1, 26).date() in clock.calendar.holidays and 5 not in clock.calendar.working_days

    (entry, *_) = trail(api, admin_token, "calendar")["entries"]
    assert entry["event"] == "calendar_saved"
    assert entry["details"]["day_start"]["to"] == "09:30"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"working_days": []}, "working_days"),
        ({"working_days": ["someday"]}, "working_days.0"),
        ({"office_hours": "18:00-09:00"}, "office_hours"),
        ({"office_hours": "9-5"}, "office_hours"),
        ({"holidays": [{"date": "2027-02-30"}]}, "holidays.0.date"),
        ({"holidays": [{"date": "2027-01-26"}, {"date": "2027-01-26"}]}, "holidays"),
    ],
)
def test_a_bad_calendar_is_refused_naming_the_field(api, admin_token, restore_calendar, overrides, field):
    body = {"working_days": ["mon"], "office_hours": "10:00-17:00", "holidays": [], **overrides}
    response = put(api, "/calendar", body, admin_token)
    assert response.status_code == 422, response.body
    assert response.json_body["error"]["field"] == field


def test_the_trail_is_chained_and_a_rewritten_entry_is_noticed(api, admin_token):
    district = code("DIST")
    assert put(api, f"/districts/{district}", {"names": NAMES}, admin_token).status_code == 200
    assert trail(api, admin_token, verify="true")["chain_intact"] is True

    from chalicelib.models.audit_trail import AuditEntryRecord

    (entry,) = trail(api, admin_token, f"district/{district}")["entries"]
    record = AuditEntryRecord.get("ADMIN", entry["seq"])
    original = record.details
    record.details = {**original, "names": {"from": None, "to": {"en": "Elsewhere"}}}
    record.save()
    try:
        assert trail(api, admin_token, verify="true")["chain_intact"] is False
    finally:
        record.details = original
        record.save()
    assert trail(api, admin_token, verify="true")["chain_intact"] is True


def test_the_trail_pages_newest_first(api, admin_token):
    for _ in range(3):
        assert put(api, f"/districts/{code('DIST')}", {"names": NAMES}, admin_token).status_code == 200
    first = trail(api, admin_token, limit=2)
    assert len(first["entries"]) == 2 and first["next_cursor"]
    second = trail(api, admin_token, limit=2, cursor=first["next_cursor"])
    seqs = [e["seq"] for e in first["entries"] + second["entries"]]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs)


def test_a_webhook_change_is_on_the_trail_without_its_secret(api, admin_token):
    # Set to where it already points (other tests' deliveries go there), same secret.
    current = api.get("/departments/WATER/webhook", headers=bearer(admin_token)).json_body
    response = put(api, "/departments/WATER/webhook", {"url": current["url"]}, admin_token)
    assert response.status_code == 200, response.body
    (entry, *_) = trail(api, admin_token, "webhook/WATER")["entries"]
    assert entry["event"] == "webhook_set"
    assert entry["details"] == {
        "url": current["url"],
        "secret_version": current["secret_version"],
        "secret_rotated": False,
    }
    assert response.json_body["secret"] not in json.dumps(entry)


def test_an_erasure_is_on_the_trail_without_personal_data(api, admin_token, citizen):
    person = citizen()
    erased = api.delete("/me", headers=bearer(person.access_token))
    assert erased.status_code == 200, erased.body

    (entry,) = trail(api, admin_token, f"citizen/{person.citizen_id}")["entries"]
    assert (entry["event"], entry["actor_id"], entry["actor_role"]) == ("citizen_erased", person.citizen_id, "citizen")
    assert entry["details"] == {"receipt_id": erased.json_body["receipt_id"], "cases_redacted": 0}
    assert person.mobile not in json.dumps(entry) and person.email not in json.dumps(entry)


def test_a_grievance_keeps_the_ladder_of_its_category_as_stored(api, admin_token, citizen, routed_grievance):
    from chalicelib.models import grievances

    category = code("CAT")
    assert put(api, f"/categories/{category}", category_body(escalation_hours=[3, 5]), admin_token).status_code == 200
    tracking_id = routed_grievance(citizen(), category=category)
    assert put(api, f"/categories/{category}", category_body(escalation_hours=[40]), admin_token).status_code == 200

    assert grievances.get_grievance(tracking_id).escalation_hours == (3, 5)


def test_an_officer_is_messaged_in_the_language_the_state_cell_gave_them(
    api, admin_token, citizen, file_grievance, consume, outbox
):
    district = code("DIST")
    assert put(api, f"/districts/{district}", {"names": NAMES}, admin_token).status_code == 200
    officer = appoint(api, admin_token, district=district, language="hi")
    person = citizen(address={"line": "1 Fort Road", "district": district, "pincode": "751002"})

    filed = file_grievance(person, location={"district": district, "ward": "W-2"})
    consume("route_grievances")

    tracking_id = filed.json_body["tracking_id"]
    staff = api.get("/officers?department=WATER", headers=bearer(admin_token)).json_body["officers"]
    mobile = next(o["mobile"] for o in staff if o["officer_id"] == officer.officer_id)
    texts = [m["text"] for m in outbox(mobile) if m["channel"] == "sms" and tracking_id in m["text"]]
    assert texts and all(any("\u0900" <= ch <= "\u097f" for ch in text) for text in texts)  # Devanagari


def test_an_officer_language_must_be_one_of_the_stages(api, admin_token):
    from tests.integration.conftest import post, unique_mobile

    body = {
        "name": "Gurpreet Singh",
        "role": "officer",
        "department": "WATER",
        "district": "KHORDHA",
        "mobile": unique_mobile(),
        "email": f"staff.{uuid.uuid4().hex[:12]}@od.gov.in",
        "password": "a passphrase the state cell chose",
        "language": "pa",  # the local stage speaks en, hi and or
    }
    refused = post(api, "/officers", body, admin_token)
    assert refused.status_code == 422 and refused.json_body["error"]["field"] == "language"


def test_a_district_added_on_the_local_stack_gets_no_demo_logins_that_do_not_exist(api, admin_token):
    district = code("DIST")
    assert put(api, f"/districts/{district}", {"names": NAMES}, admin_token).status_code == 200

    accounts = api.get("/dev/accounts").json_body["accounts"]
    assert accounts and not [a for a in accounts if a["district"] == district]


def test_an_edit_made_from_a_stale_read_is_refused_and_changes_nothing(api, admin_token):
    from dataclasses import replace

    from chalicelib.domain.errors import Conflict
    from chalicelib.models import catalogue

    district = code("DIST")
    assert put(api, f"/districts/{district}", {"names": NAMES, "population": 1000}, admin_token).status_code == 200
    read_by_one = catalogue.get_district(district)  # one admin reads it...
    # ...another changes it meanwhile
    assert put(api, f"/districts/{district}", {"names": NAMES, "population": 2000}, admin_token).status_code == 200

    with pytest.raises(Conflict):
        catalogue.save_item(replace(read_by_one, population=3000), read_by_one, [])

    assert catalogue.get_district(district).population == 2000
    entries = trail(api, admin_token, f"district/{district}")["entries"]
    assert [e["details"].get("population") for e in entries] == [
        {"from": 1000, "to": 2000},
        {"from": None, "to": 1000},
    ]
