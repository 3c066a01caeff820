"""`make dev`'s runner, started as a newcomer would: a separate process on free ports,
answering over real HTTP, then stopped with SIGTERM."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from chalicelib.domain.identity import verhoeff_check_digit
from infra.devstack import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def local_stack():
    moto_port, api_port, webhook_port, web_port = free_port(), free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "MOTO_PORT": str(moto_port),
        "API_PORT": str(api_port),
        "WEBHOOK_PORT": str(webhook_port),
        "WEB_PORT": str(web_port),
        "PYTHONUNBUFFERED": "1",
        # A compressed SLA clock: an SLA hour lasts 0.1 s, so a 4-hour grievance escalates
        # every 0.4 s and a 168-hour one waits 17 s — time enough for an officer to act.
        "SLA_SECONDS_PER_HOUR": "0.1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.devstack"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    deadline = time.monotonic() + 120  # a bound on a hung start, not a speed claim
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        output.append(line)
        if "Ctrl-C stops everything" in line:
            break
    else:
        process.kill()
    if process.poll() is not None or not any("local stack ready" in line for line in output):
        process.kill()
        pytest.fail("the local stack did not start:\n" + "".join(output))
    banner = "".join(output)
    # Keep reading what the runner prints: a full pipe would block its every log line.
    process.printed = output  # type: ignore[attr-defined]
    process.drain = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)  # type: ignore[attr-defined]
    process.drain.start()  # type: ignore[attr-defined]
    yield process, api_port, banner
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


def get(connection: http.client.HTTPConnection, path: str) -> tuple[int, dict]:
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_the_banner_prints_demo_logins_for_every_level(local_stack):
    _, _, banner = local_stack

    for role in ("state_admin", "department_head", "supervisor", "officer"):
        assert f"/ {role}" in banner


def test_the_seeded_catalogue_is_served_over_http_on_one_keep_alive_connection(local_stack):
    _, api_port, _ = local_stack
    connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)

    health = get(connection, "/health")
    departments = get(connection, "/departments")
    services = get(connection, "/services?q=water&lang=hi")
    accounts = get(connection, "/dev/accounts")

    assert health == (200, {"status": "ok", "tables": "reachable"})
    assert departments[0] == 200 and len(departments[1]["departments"]) >= 6
    assert services[0] == 200 and services[1]["services"]
    assert accounts[0] == 200 and len(accounts[1]["accounts"]) > 100
    connection.close()


def request(connection: http.client.HTTPConnection, method: str, path: str, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"null")


def test_a_citizen_registers_reads_the_otp_from_the_outbox_verifies_and_logs_in(local_stack):
    _, api_port, _ = local_stack
    connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)
    digits = "98765432101"
    aadhaar = digits + verhoeff_check_digit(digits)
    mobile = "+919812300001"

    registered = request(
        connection,
        "POST",
        "/citizens",
        {
            "name": "Ravi Kumar",
            "national_id": aadhaar,
            "mobile": mobile,
            "password": "a long enough passphrase",
            "address": {"line": "7 Station Rd", "district": "CUTTACK", "pincode": "753001"},
        },
    )
    # The dev runner's poller delivers the queued SMS; wait (bounded) for it to land.
    for _ in range(100):
        _, outbox = request(connection, "GET", "/dev/outbox?to=%2B919812300001")
        if outbox["messages"]:
            break
        time.sleep(0.1)
    otp = re.search(r"\b(\d{6})\b", outbox["messages"][-1]["text"]).group(1)
    verified = request(connection, "POST", "/citizens/verify", {"mobile": mobile, "otp": otp})
    _, tokens = request(connection, "POST", "/auth/login", {"username": mobile, "password": "a long enough passphrase"})
    me = request(connection, "GET", "/me", token=tokens["access_token"])

    assert registered[0] == 201
    assert verified == (200, {"citizen_id": registered[1]["citizen_id"], "status": "active"})
    assert me[0] == 200 and me[1]["national_id"] == f"XXXX-XXXX-{aadhaar[-4:]}"
    connection.close()


def eventually(read, until, *, seconds: float = 60):
    """Poll `read()` until `until(value)` holds; a bound on a hung stack, not a speed claim."""
    deadline = time.monotonic() + seconds
    while True:
        value = read()
        if until(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def citizen_on_runner(connection, digits: str, mobile: str, language: str = "en", district: str = "KHORDHA") -> str:
    """Register, verify with the OTP from the outbox, log in; returns an access token."""
    aadhaar = digits + verhoeff_check_digit(digits)
    body = {
        "name": "Sunita Behera",
        "national_id": aadhaar,
        "mobile": mobile,
        "password": "a long enough passphrase",
        "address": {"line": "3 Temple Rd", "district": district, "pincode": "751002"},
        "language": language,
    }
    assert request(connection, "POST", "/citizens", body)[0] == 201
    encoded = mobile.replace("+", "%2B")
    outbox = eventually(lambda: request(connection, "GET", f"/dev/outbox?to={encoded}")[1], lambda o: o["messages"])
    otp = re.search(r"\b(\d{6})\b", outbox["messages"][-1]["text"]).group(1)
    assert request(connection, "POST", "/citizens/verify", {"mobile": mobile, "otp": otp})[0] == 200
    login = {"username": mobile, "password": "a long enough passphrase"}
    return request(connection, "POST", "/auth/login", login)[1]["access_token"]


def staff_on_runner(connection, **match) -> tuple[str, dict]:
    accounts = request(connection, "GET", "/dev/accounts")[1]["accounts"]
    account = next(a for a in accounts if all(a[k] == v for k, v in match.items()))
    login = {"username": account["username"], "password": account["password"]}
    return request(connection, "POST", "/auth/login", login)[1]["access_token"], account


def test_a_grievance_is_assigned_within_seconds_worked_and_closed_with_an_intact_history(local_stack):
    _, api_port, _ = local_stack
    connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)
    citizen = citizen_on_runner(connection, "98765432102", "+919812300002", language="hi")
    admin, _ = staff_on_runner(connection, role="state_admin")
    body = {
        "category": "ROADS_POTHOLE",
        "description": "Deep pothole outside the school gate.",
        "location": {"district": "KHORDHA", "ward": "W-7"},
    }

    status, filed = request(connection, "POST", "/grievances", body, token=citizen)
    tracking_id = filed["tracking_id"]
    seen = eventually(
        lambda: request(connection, "GET", f"/grievances/{tracking_id}", token=admin)[1],
        lambda g: g["status"] == "assigned",
    )
    officer, _ = staff_on_runner(connection, officer_id=seen["assigned_to"])
    steps = [
        {"action": "accept"},
        {"action": "comment", "note": "Crew booked for tomorrow."},
        {"action": "resolve", "note": "Pothole filled and levelled."},
    ]
    answers = [request(connection, "POST", f"/grievances/{tracking_id}/actions", s, token=officer)[0] for s in steps]
    closed = request(connection, "POST", f"/grievances/{tracking_id}/feedback", {"rating": 5}, token=citizen)
    history = request(connection, "GET", f"/grievances/{tracking_id}/history", token=officer)[1]

    assert status == 201 and seen["department"] == "ROADS" and seen["escalation_level"] == 0
    assert answers == [200, 200, 200]
    assert closed[0] == 200 and closed[1]["status"] == "closed"
    assert [e["event"] for e in history["events"]] == [
        "filed",
        "assigned",
        "accepted",
        "commented",
        "resolved",
        "closed",
    ]
    assert history["chain_intact"] is True
    sms = eventually(
        lambda: request(connection, "GET", "/dev/outbox?to=%2B919812300002")[1]["messages"],
        lambda messages: sum(tracking_id in m["text"] for m in messages) >= 4,
    )
    mine = [m["text"] for m in sms if tracking_id in m["text"]]
    assert len(mine) >= 4  # filed, assigned, resolved, closed
    assert all(any("\u0900" <= ch <= "\u097f" for ch in text) for text in mine)  # in Hindi, as she chose
    webhooks = eventually(
        lambda: request(connection, "GET", "/dev/outbox?department=ROADS")[1]["webhooks"],
        lambda received: sum(d["body"]["tracking_id"] == tracking_id for d in received) >= 4,
    )
    received = [d for d in webhooks if d["body"]["tracking_id"] == tracking_id]
    assert [d["body"]["event"] for d in received] == ["assigned", "accepted", "resolved", "closed"]
    assert all(d["verified"] for d in received)  # the receiver checked each signature and timestamp
    connection.close()


def upload_on_runner(connection, token: str, slot: str, content: bytes, content_type: str) -> str:
    """Ask for an upload slot and POST the file straight to S3 (moto), as a browser would."""
    import requests

    body = {"service_code": "WATER_NEW_CONNECTION", "slot": slot, "content_type": content_type}
    status, form = request(connection, "POST", "/uploads", body, token=token)
    assert status == 201, form
    sent = requests.post(form["url"], data=form["fields"], files={"file": (slot, content, content_type)}, timeout=10)
    assert sent.status_code in {200, 201, 204}, sent.text
    return str(form["upload_id"])


def test_a_citizen_finds_water_connection_in_hindi_applies_and_is_served_to_completion(local_stack):
    """Issue 7's done-when, on the dev runner over HTTP."""
    _, api_port, _ = local_stack
    connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)
    citizen = citizen_on_runner(connection, "98765432104", "+919812300004", language="hi")
    admin, _ = staff_on_runner(connection, role="state_admin")

    _, found = request(
        connection,
        "GET",
        "/services?q=%E0%A4%9C%E0%A4%B2%20%E0%A4%95%E0%A4%A8%E0%A5%87%E0%A4%95%E0%A5%8D%E0%A4%B6%E0%A4%A8&lang=hi",
    )
    assert "WATER_NEW_CONNECTION" in {s["code"] for s in found["services"]}  # "जल कनेक्शन"
    documents = {
        slot: upload_on_runner(connection, citizen, slot, b"%PDF-1.7 " + slot.encode(), "application/pdf")
        for slot in ("proof_of_ownership", "identity_proof")
    }
    fields = {
        "applicant_name": "Sunita Behera",
        "mobile": "9812300004",
        "connection_type": "domestic",
        "premises_address": "3 Temple Road, Old Town, Bhubaneswar",
        "pincode": "751002",
    }
    body = {"service_code": "WATER_NEW_CONNECTION", "fields": fields, "documents": documents}
    status, applied = request(connection, "POST", "/applications", body, token=citizen)
    assert status == 201, applied
    tracking_id = applied["tracking_id"]
    assigned = request(connection, "GET", f"/applications/{tracking_id}", token=admin)[1]["assigned_to"]
    officer, _ = staff_on_runner(connection, officer_id=assigned)
    path = f"/applications/{tracking_id}/actions"

    assert request(connection, "POST", path, {"action": "start_verification"}, token=officer)[0] == 200
    ask = {
        "action": "request_info",
        "note": "Upload a photo of the premises.",
        "request": {"documents": ["premises_photo"]},
    }
    assert request(connection, "POST", path, ask, token=officer)[0] == 200
    photo = upload_on_runner(connection, citizen, "premises_photo", b"\xff\xd8\xff\xe0 photo", "image/jpeg")
    answer = {"action": "provide_info", "note": "Photo attached.", "documents": {"premises_photo": photo}}
    assert request(connection, "POST", path, answer, token=citizen)[0] == 200
    for step in ({"action": "verify"}, {"action": "approve", "note": "Sanctioned."}, {"action": "complete"}):
        assert request(connection, "POST", path, step, token=officer)[0] == 200

    final = request(connection, "GET", f"/applications/{tracking_id}", token=citizen)[1]
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
    sms = eventually(
        lambda: request(connection, "GET", "/dev/outbox?to=%2B919812300004")[1]["messages"],
        lambda messages: sum(tracking_id in m["text"] for m in messages) >= 6,
    )
    mine = [m["text"] for m in sms if tracking_id in m["text"]]
    # submitted, being verified, asked, verified, approved, completed: each told, in Hindi
    assert len(mine) >= 6 and all(any("\u0900" <= ch <= "\u097f" for ch in text) for text in mine)
    connection.close()


def test_an_untouched_grievance_climbs_every_level_once_on_step_functions(local_stack):
    _, api_port, _ = local_stack
    connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)
    citizen = citizen_on_runner(connection, "98765432103", "+919812300003")
    admin, _ = staff_on_runner(connection, role="state_admin")
    body = {
        "category": "ELECTRICITY_LIVE_WIRE",
        "description": "A live wire is hanging over the footpath.",
        "location": {"district": "KHORDHA"},
    }

    tracking_id = request(connection, "POST", "/grievances", body, token=citizen)[1]["tracking_id"]

    def escalations() -> list[int]:
        events = request(connection, "GET", f"/grievances/{tracking_id}/history", token=admin)[1]["events"]
        return [e["details"]["level"] for e in events if e["event"] == "escalated"]

    def top_breach_recorded() -> bool:
        events = request(connection, "GET", f"/grievances/{tracking_id}/history", token=admin)[1]["events"]
        return any(e["event"] == "sla_breached" for e in events)

    assert eventually(escalations, lambda levels: len(levels) >= 3, seconds=90) == [1, 2, 3]
    assert eventually(top_breach_recorded, bool, seconds=30)
    # Timers keep firing at the top; the ladder stays climbed once.
    time.sleep(1)
    assert escalations() == [1, 2, 3]
    owner = request(connection, "GET", f"/grievances/{tracking_id}", token=admin)[1]
    assert owner["escalation_level"] == 3 and owner["status"] == "assigned"
    _, head = staff_on_runner(connection, role="department_head", department="ELECTRICITY")
    _, supervisor = staff_on_runner(connection, role="supervisor", department="ELECTRICITY", district="KHORDHA")
    for account in (supervisor, head):
        encoded = account["mobile"].replace("+", "%2B")
        messages = eventually(
            lambda e=encoded: request(connection, "GET", f"/dev/outbox?to={e}")[1]["messages"],
            lambda m: any(tracking_id in x["text"] for x in m),
        )
        assert any(tracking_id in m["text"] for m in messages), account["role"]
    citizen_sms = request(connection, "GET", "/dev/outbox?to=%2B919812300003")[1]["messages"]
    assert sum(tracking_id in m["text"] for m in citizen_sms) >= 5  # filed, assigned, 3 escalations
    connection.close()


def sms_to(connection, mobile: str) -> list[str]:
    """What the outbox holds for `mobile`; nothing yet while the outbox cannot be read (it
    reads moto's whole state dump, which a loaded machine may not serve in time)."""
    encoded = mobile.replace("+", "%2B")
    status, answer = request(connection, "GET", f"/dev/outbox?to={encoded}")
    return [m["text"] for m in answer["messages"]] if status == 200 else []


def test_the_state_cell_opens_a_district_staffs_it_and_a_deactivation_hands_the_grievance_on(local_stack):
    _, api_port, _ = local_stack
    connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)
    admin, _ = staff_on_runner(connection, role="state_admin")

    # The state cell opens a district and a category of its own through the API
    district = {"names": {"en": "Angul", "hi": "अनुगुल"}, "population": 1273821}
    category = {
        "department": "WATER",
        "names": {"en": "Water tanker late", "hi": "पानी का टैंकर देर से"},
        "sla_hours": 2000,  # 200 s on this compressed clock: nothing escalates meanwhile
        "round_the_clock": True,
    }
    assert request(connection, "PUT", "/districts/ANGUL", district, token=admin)[0] == 200
    assert request(connection, "PUT", "/categories/WATER_TANKER_LATE", category, token=admin)[0] == 200

    # ...and posts an officer there, who changes the temporary password at first login
    def appoint(name: str, mobile: str) -> tuple[str, str]:
        body = {
            "name": name,
            "role": "officer",
            "department": "WATER",
            "district": "ANGUL",
            "mobile": mobile,
            "email": f"{mobile[-4:]}@water.od.gov.in",
            "password": "a passphrase the cell chose",
        }
        status, officer = request(connection, "POST", "/officers", body, token=admin)
        assert status == 201, officer
        first = request(connection, "POST", "/auth/login", {"username": mobile, "password": body["password"]})[1]
        change = {"current_password": body["password"], "new_password": "my own passphrase 2026"}
        assert request(connection, "POST", "/me/password", change, token=first["access_token"])[0] == 204
        login = {"username": mobile, "password": "my own passphrase 2026"}
        return officer["officer_id"], request(connection, "POST", "/auth/login", login)[1]["access_token"]

    leaving, leaving_token = appoint("Pradeep Sahu", "+919812300011")

    # A citizen of the new district files in the new category: it reaches that officer
    citizen_mobile = "+919812300012"
    citizen = citizen_on_runner(connection, "98765432105", citizen_mobile, district="ANGUL")
    grievance = {
        "category": "WATER_TANKER_LATE",
        "description": "No tanker for 4 days.",
        "location": {"district": "ANGUL"},
    }
    tracking_id = request(connection, "POST", "/grievances", grievance, token=citizen)[1]["tracking_id"]
    queue = eventually(
        lambda: request(connection, "GET", "/officer/grievances", token=leaving_token)[1]["grievances"],
        lambda items: any(g["tracking_id"] == tracking_id for g in items),
    )
    assert [g["tracking_id"] for g in queue] == [tracking_id]
    due_at = request(connection, "GET", f"/grievances/{tracking_id}", token=citizen)[1]["due_at"]

    # The officer is transferred out: deactivated, the grievance goes to the seat's other officer
    staying, _ = appoint("Lipika Nayak", "+919812300013")
    status, changed = request(connection, "PATCH", f"/officers/{leaving}", {"active": False}, token=admin)
    assert status == 200, changed
    assert changed["handed_over"] == [{"tracking_id": tracking_id, "to_officer": staying}]
    seen = request(connection, "GET", f"/grievances/{tracking_id}", token=admin)[1]
    assert (seen["assigned_to"], seen["due_at"], seen["status"]) == (staying, due_at, "assigned")

    # ...both the new owner and the citizen are told
    assert any(tracking_id in text for text in eventually(lambda: sms_to(connection, "+919812300013"), bool))
    told = eventually(
        lambda: sms_to(connection, citizen_mobile),
        lambda texts: any(tracking_id in t and "another officer" in t for t in texts),
    )
    assert any(tracking_id in t and "another officer" in t for t in told)
    # ...and every step is on the state cell's trail
    trail = request(connection, "GET", f"/admin/audit?subject=officer/{leaving}", token=admin)[1]["entries"]
    assert [e["event"] for e in trail] == ["cases_handed_over", "officer_changed", "officer_created"]

    # The citizen forgets the password and resets it by a code sent to the mobile
    def codes() -> list[str]:
        return re.findall(r"verification code is (\d{6})", " ".join(sms_to(connection, citizen_mobile)))

    codes_before = len(codes())
    assert request(connection, "POST", "/auth/password-reset", {"mobile": citizen_mobile})[0] == 202
    otp = eventually(codes, lambda found: len(found) > codes_before)[-1]
    confirm = {"mobile": citizen_mobile, "otp": otp, "new_password": "a fresh passphrase 99"}
    assert request(connection, "POST", "/auth/password-reset/confirm", confirm)[0] == 204
    login = {"username": citizen_mobile, "password": "a fresh passphrase 99"}
    assert request(connection, "POST", "/auth/login", login)[0] == 200
    connection.close()


def raw_records(banner: str) -> tuple[list[dict], dict[str, list[dict]]]:
    """Every grievance item and its audit entries, read straight from the runner's moto
    (no app code): what the recount of the reports counts."""
    import boto3

    moto = re.search(r"moto \(the embedded AWS\) on (http://\S+)", banner).group(1)
    dynamodb = boto3.client(
        "dynamodb", endpoint_url=moto, region_name="ap-south-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    grievances = [item for page in dynamodb.get_paginator("scan").paginate(TableName="crm-local-grievances")
                  for item in page["Items"]]  # fmt: skip
    trails = {}
    for item in grievances:
        tracking_id = item["tracking_id"]["S"]
        pages = dynamodb.get_paginator("query").paginate(
            TableName="crm-local-audit",
            KeyConditionExpression="subject = :s",
            ExpressionAttributeValues={":s": {"S": tracking_id}},
        )
        trails[tracking_id] = [entry for page in pages for entry in page["Items"]]
    return grievances, trails


def test_supervisors_see_their_district_at_risk_and_the_state_cells_tables_match_a_recount(local_stack):
    from collections import Counter
    from datetime import datetime, timedelta, timezone

    _, api_port, banner = local_stack
    connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)
    admin, _ = staff_on_runner(connection, role="state_admin")
    supervisor, _ = staff_on_runner(connection, role="supervisor", department="WATER", district="PURI")
    body = {"category": "WATER_PIPE_LEAK", "description": "Main pipe leaking.", "location": {"district": "PURI"}}
    filed = [
        request(connection, "POST", "/grievances", body, token=citizen_on_runner(connection, d, m, district="PURI"))[1]
        for d, m in (("98765432106", "+919812300021"), ("98765432107", "+919812300022"))
    ]
    ids = {g["tracking_id"] for g in filed}

    # The supervisor's queue is the seat's, not a desk of their own (they own none of these)
    def seat_queue() -> set[str]:
        return {
            g["tracking_id"]
            for g in request(connection, "GET", "/staff/grievances?limit=100", token=supervisor)[1]["grievances"]
        }

    assert ids <= eventually(seat_queue, lambda listed: ids <= listed)
    status, ranked = request(connection, "GET", "/staff/grievances?at_risk=true", token=supervisor)
    assert status == 200 and ids <= {g["tracking_id"] for g in ranked["grievances"]}
    chances = [g["risk"]["chance"] for g in ranked["grievances"]]
    assert chances == sorted(chances, reverse=True)
    # One is resolved by its officer
    zone = timezone(timedelta(minutes=330))
    today = datetime.now(zone).date()
    period = f"from={today.isoformat()}&to={today.isoformat()}"

    def water_resolved() -> int:
        rows = request(connection, "GET", f"/reports/departments?{period}&department=WATER", token=admin)[1]
        return rows["departments"][0]["resolved"]

    resolved_before = water_resolved()
    first = sorted(ids)[0]
    owner = request(connection, "GET", f"/grievances/{first}", token=admin)[1]["assigned_to"]
    officer, _ = staff_on_runner(connection, officer_id=owner)
    resolve = {"action": "resolve", "note": "Joint welded."}
    assert request(connection, "POST", f"/grievances/{first}/actions", resolve, token=officer)[0] == 200
    # counted once the events consumer has run the reactions the request handed over
    assert eventually(water_resolved, lambda resolved: resolved > resolved_before) == resolved_before + 1

    # The state cell's tables for today match a recount of the raw records
    departments = {
        r["department"]: r
        for r in request(connection, "GET", f"/reports/departments?{period}", token=admin)[1]["departments"]
    }
    districts = {
        r["district"]: r
        for r in request(connection, "GET", f"/reports/districts?{period}", token=admin)[1]["districts"]
    }
    grievances, trails = raw_records(banner)
    counted: Counter = Counter()
    for item in grievances:
        district, department = item["district"]["S"], item.get("department", {}).get("S")
        for entry in trails[item["tracking_id"]["S"]]:
            if datetime.fromisoformat(entry["at"]["S"]).astimezone(zone).date() != today:
                continue
            event = entry["event"]["S"]
            if event == "filed":
                counted[("district", district, "filed")] += 1
            if event in ("resolved", "rejected"):
                counted[("district", district, event)] += 1
                counted[("department", department, event)] += 1
            if event == "assigned" and entry.get("from_state", {}).get("S") == "registered":
                counted[("department", department, "received")] += 1
    for code, row in districts.items():
        assert [row[k] for k in ("filed", "resolved", "rejected")] == [
            counted[("district", code, k)] for k in ("filed", "resolved", "rejected")
        ], code
    held = Counter(
        item.get("department", {}).get("S")
        for item in grievances
        if item["status"]["S"] in ("assigned", "in_progress", "info_requested")
    )
    for code, row in departments.items():
        assert [row[k] for k in ("received", "resolved", "rejected")] == [
            counted[("department", code, k)] for k in ("received", "resolved", "rejected")
        ], code
        assert row["open"] == held[code], code  # the gauge is the grievances held now
    assert districts["PURI"]["filed"] >= 2 and departments["WATER"]["resolved"] >= 1

    # The seeded surge raised an alert; the CSV downloads; the public page needs no login
    surge = re.search(r"a surge of (\S+) in (\S+)", banner)
    alerts = request(connection, "GET", "/reports/alerts", token=admin)[1]["alerts"]
    assert {(a["kind"], a["category"], a["district"]) for a in alerts} >= {("surge", surge.group(1), surge.group(2))}
    connection.request("GET", f"/reports/export.csv?{period}", headers={"Authorization": f"Bearer {admin}"})
    response = connection.getresponse()
    csv_text = response.read().decode()
    assert response.status == 200 and response.getheader("Content-Type").startswith("text/csv")
    assert csv_text.startswith("day,department,") and ",WATER," in csv_text
    status, public = get(connection, "/public/performance?months=1")  # last month: the demo's history
    shown = {r["code"]: r for r in public["districts"]}
    assert status == 200 and set(shown) >= {"PURI", "KHORDHA"}
    assert shown["KHORDHA"]["suppressed"] is False and shown["KHORDHA"]["filed"] >= 10
    connection.close()


def signed_post(connection, channel: str, document: dict, secret: str) -> tuple[int, dict]:
    """What a provider posts: the body signed with the channel's secret (listed by /dev/accounts)."""
    import hashlib
    import hmac

    body = json.dumps(document).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Signature": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        "X-Signature-Timestamp": str(int(time.time())),
    }
    connection.request("POST", f"/channels/{channel}/inbound", body=body, headers=headers)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_every_channel_reaches_the_same_desk(local_stack):
    import xml.etree.ElementTree as ET
    from datetime import UTC, datetime, timedelta
    from email.message import EmailMessage

    import requests
    from georeport import GeoReport

    _, api_port, _ = local_stack
    connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)
    credentials = request(connection, "GET", "/dev/accounts")[1]
    secrets, api_key = credentials["channel_secrets"], credentials["open311_api_keys"]["fixmystreet"]
    admin, _ = staff_on_runner(connection, role="state_admin")
    started = datetime.now(UTC) - timedelta(seconds=5)

    # A signed SMS from a registered mobile files; the reply SMS with its tracking id is in the outbox
    mobile = "+919812300031"
    citizen_on_runner(connection, "98765432108", mobile)
    sms = {"message_id": "sms-e2e-1", "from": mobile, "text": "GRV WATER_NO_SUPPLY no water since Monday"}
    status, answer = signed_post(connection, "sms", sms, secrets["sms"])
    assert status == 200, answer
    tracking_id = answer["results"][0]["tracking_id"]
    texts = eventually(lambda: sms_to(connection, mobile), lambda sent: any(tracking_id in text for text in sent))
    assert any(tracking_id in text for text in texts)
    # STATUS answers
    ask = {"message_id": "sms-e2e-2", "from": mobile, "text": f"STATUS {tracking_id}"}
    status, answer = signed_post(connection, "sms", ask, secrets["sms"])
    assert status == 200 and answer["results"][0]["outcome"] == "status"
    reply = answer["results"][0]["reply"]
    assert reply in eventually(lambda: sms_to(connection, mobile), lambda texts: reply in texts)

    # An email files; the sender's reply lands on its grievance
    def email(message_id: str, subject: str, text: str) -> dict:
        mail = EmailMessage()
        mail["From"], mail["Subject"] = "meena.e2e@example.in", subject
        mail.set_content(text)
        common = {"from": ["meena.e2e@example.in"], "subject": subject}
        return {
            "notificationType": "Received",
            "mail": {"messageId": message_id, "source": "meena.e2e@example.in", "commonHeaders": common},
            "receipt": {"dmarcVerdict": {"status": "PASS"}},
            "content": mail.as_string(),
        }

    first = email("ses-e2e-1", "Garbage in Cuttack", "Garbage has not been collected in Cuttack for a week.")
    status, answer = signed_post(connection, "email", first, secrets["email"])
    assert status == 200, answer
    by_email = answer["results"][0]["tracking_id"]
    later = email("ses-e2e-2", f"Re: [{by_email}] Garbage", "Still not collected today.\n\n> Garbage has not been")
    status, answer = signed_post(connection, "email", later, secrets["email"])
    assert status == 200 and (answer["results"][0]["outcome"], answer["results"][0]["tracking_id"]) == (
        "wrote",
        by_email,
    )
    events = request(connection, "GET", f"/grievances/{by_email}/history", token=admin)[1]["events"]
    assert (
        events[-1]["event"] in {"citizen_wrote", "info_provided"} and events[-1]["note"] == "Still not collected today."
    )

    # A helpline officer files for a walk-in citizen, who confirms with the code sent to them
    helpline, account = staff_on_runner(connection, role="officer", department="WATER", district="KHORDHA")
    walk_in = "+919812300032"
    body = {
        "category": "WATER_PIPE_LEAK",
        "description": "Pipe burst outside the market.",
        "location": {"district": "KHORDHA"},
        "on_behalf_of": {"mobile": walk_in},
    }
    assert request(connection, "POST", "/grievances", body, token=helpline)[0] == 202
    codes = eventually(lambda: sms_to(connection, walk_in), lambda texts: texts)
    body["on_behalf_of"]["otp"] = re.search(r"\b(\d{6})\b", codes[-1]).group(1)
    status, assisted = request(connection, "POST", "/grievances", body, token=helpline)
    assert status == 201, assisted
    trail = request(connection, "GET", f"/grievances/{assisted['tracking_id']}/history", token=admin)[1]
    assert trail["events"][0]["details"]["assisted_by"] == account["officer_id"]

    # An Open311 client lists services, files in JSON and XML, and follows the status
    root = f"http://127.0.0.1:{api_port}/open311/v2"
    assert "WATER_NO_SUPPLY" in {s["service_code"] for s in GeoReport(root).get_service_list()}
    form = {
        "api_key": api_key,
        "service_code": "ROADS_POTHOLE",
        "lat": "20.2961",
        "long": "85.8245",
        "email": "fms.e2e@example.in",
        "description": "A deep pothole at the bus stand",
        "attribute[district]": "PURI",
    }
    as_json = requests.post(f"{root}/requests.json", data=form, timeout=30)
    as_xml = requests.post(f"{root}/requests.xml", data={**form, "description": "Another pothole"}, timeout=30)
    assert as_json.status_code == as_xml.status_code == 200, (as_json.text, as_xml.text)
    xml_id = ET.fromstring(as_xml.content).findtext("request/service_request_id")  # noqa: S314
    ids = [as_json.json()[0]["service_request_id"], xml_id]
    officers = {}
    for open311_id in ids:
        owner = eventually(
            lambda i=open311_id: request(connection, "GET", f"/grievances/{i}", token=admin)[1].get("assigned_to"),
            lambda owner: owner,
        )
        officers[open311_id], _ = staff_on_runner(connection, officer_id=owner)
        queue = request(connection, "GET", "/officer/grievances?limit=100", token=officers[open311_id])[1]
        assert open311_id in {g["tracking_id"] for g in queue["grievances"]}
    resolve = {"action": "resolve", "note": "Filled."}
    assert request(connection, "POST", f"/grievances/{ids[0]}/actions", resolve, token=officers[ids[0]])[0] == 200
    ended = datetime.now(UTC) + timedelta(seconds=5)
    window = {"start_date": f"{started:%Y-%m-%dT%H:%M:%SZ}", "end_date": f"{ended:%Y-%m-%dT%H:%M:%SZ}"}

    def statuses() -> list[str]:  # written by the events consumer, from what the request handed over
        updates = requests.get(f"{root}/servicerequestupdates.xml", params=window, timeout=30)
        rows = ET.fromstring(updates.content).findall("request_update")  # noqa: S314
        return [u.findtext("status") for u in rows if u.findtext("service_request_id") == ids[0]]

    assert eventually(statuses, lambda seen: seen[-1:] == ["closed"])[-1] == "closed"
    assert GeoReport(root, output_format="xml").get_service_request(ids[0])["status"] == "closed"
    connection.close()


def test_the_portal_is_served_on_its_port_naming_this_stacks_api(local_stack):
    import urllib.request

    _, api_port, banner = local_stack
    portal = re.search(r"the portal \(citizen, officer, administrator\) on (http://\S+)", banner).group(1)

    with urllib.request.urlopen(f"{portal}/", timeout=10) as page:
        assert b'<main id="view"' in page.read()
    with urllib.request.urlopen(f"{portal}/config.js", timeout=10) as config:
        assert f'"api": "http://127.0.0.1:{api_port}"'.encode() in config.read()
    # The API lets the portal's origin in (CORS), and no other.
    connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)
    connection.request("GET", "/districts", headers={"Origin": portal})
    answered = connection.getresponse()
    answered.read()
    assert answered.getheader("Access-Control-Allow-Origin") == portal
    connection.close()


def test_sigterm_stops_every_part_cleanly(local_stack):
    process, api_port, _ = local_stack

    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)  # a bound on a hang: the runner waits at most 20 s for its consumers
    except subprocess.TimeoutExpired:
        pytest.fail("SIGTERM left the runner up; it last printed:\n" + "".join(process.printed[-20:]))
    process.drain.join(timeout=10)

    assert process.returncode == 0
    assert re.search(r"^stopped in [\d.]+ s\.$", "".join(process.printed[-20:]), re.MULTILINE)
    with pytest.raises(OSError):
        http.client.HTTPConnection("127.0.0.1", api_port, timeout=2).request("GET", "/health")
