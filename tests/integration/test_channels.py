"""Every channel reaches the same desk: signed inbound webhooks (SMS, email, IVRS, WhatsApp,
kiosk, other portals) and staff filing for a walk-in citizen, through the real handlers,
queues and moto."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time
from email.message import EmailMessage
from typing import Any

import pytest

from tests.integration.conftest import JSON, bearer, post, unique_mobile

_ids = itertools.count(1)


def message_id(prefix: str = "m") -> str:
    return f"{prefix}-{time.time_ns()}-{next(_ids)}"


@pytest.fixture
def secrets(api, stack) -> dict[str, str]:
    return api.get("/dev/accounts").json_body["channel_secrets"]


@pytest.fixture
def send(api, secrets):
    """POST a provider's document to /channels/<channel>/inbound, signed as the provider would."""

    def run(channel: str, document: Any, *, timestamp: int | None = None, secret: str | None = None, raw=None):
        body = raw if raw is not None else json.dumps(document).encode()
        key = (secret or secrets[channel]).encode()
        headers = {
            **JSON,
            "X-Signature": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest(),
            "X-Signature-Timestamp": str(int(time.time()) if timestamp is None else timestamp),
        }
        return api.post(f"/channels/{channel}/inbound", headers=headers, body=body)

    return run


def sms(sender: str, text: str, mid: str | None = None) -> dict[str, Any]:
    return {"message_id": mid or message_id("sms"), "from": sender, "text": text}


def ses_email(sender: str, subject: str, body: str, mid: str | None = None, verdict: str = "PASS") -> dict[str, Any]:
    mail = EmailMessage()
    mail["From"] = f"Asha Devi <{sender}>"
    mail["To"] = "grievance@od.gov.in"
    mail["Subject"] = subject
    mail.set_content(body)
    mid = mid or message_id("ses")
    return {
        "notificationType": "Received",
        "mail": {"messageId": mid, "source": sender, "commonHeaders": {"from": [sender], "subject": subject}},
        "receipt": {
            "spfVerdict": {"status": "PASS"},
            "dkimVerdict": {"status": "PASS"},
            "dmarcVerdict": {"status": verdict},
        },
        "content": mail.as_string(),
    }


def whatsapp(messages: list[dict[str, Any]], contacts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The WhatsApp Cloud API's webhook around `messages` (and the senders' `contacts`)."""
    value: dict[str, Any] = {"messaging_product": "whatsapp", "messages": messages}
    if contacts:
        value["contacts"] = contacts
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }


def only_result(response) -> dict[str, Any]:
    assert response.status_code == 200, response.body
    (result,) = response.json_body["results"]
    return result


def history(api, admin_token, tracking_id: str) -> list[dict[str, Any]]:
    return api.get(f"/grievances/{tracking_id}/history", headers=bearer(admin_token)).json_body["events"]


def grievance(api, admin_token, tracking_id: str) -> dict[str, Any]:
    response = api.get(f"/grievances/{tracking_id}", headers=bearer(admin_token))
    assert response.status_code == 200, response.body
    return response.json_body


def my_grievances(api, person) -> list[str]:
    page = api.get("/grievances?limit=100", headers=bearer(person.access_token)).json_body
    return [g["tracking_id"] for g in page["grievances"]]


# --- signatures ---------------------------------------------------------------------------


def test_a_registered_citizens_sms_files_a_grievance_and_the_reply_carries_its_tracking_id(
    api, send, citizen, outbox, admin_token
):
    person = citizen()
    result = only_result(send("sms", sms(person.mobile, "GRV WATER_NO_SUPPLY no water since Monday in our lane")))

    assert result["outcome"] == "filed"
    tracking_id = result["tracking_id"]
    seen = grievance(api, admin_token, tracking_id)
    assert (seen["category"], seen["channel"], seen["location"]["district"]) == ("WATER_NO_SUPPLY", "sms", "KHORDHA")
    assert tracking_id in my_grievances(api, person)
    assert any(tracking_id in m["text"] for m in outbox(person.mobile) if m["channel"] == "sms")


def test_a_replayed_message_id_gets_the_first_answer_and_files_nothing_new(api, send, citizen):
    person = citizen()
    document = sms(person.mobile, "GRV ROADS_POTHOLE deep potholes near the school gate")
    first = only_result(send("sms", document))
    again = only_result(send("sms", document))

    assert again == first
    assert my_grievances(api, person) == [first["tracking_id"]]


def test_the_same_message_id_with_other_words_is_a_409(api, send, citizen):
    person = citizen()
    mid = message_id()
    only_result(send("sms", sms(person.mobile, "GRV ROADS_POTHOLE deep potholes near the school", mid)))
    changed = send("sms", sms(person.mobile, "GRV ROADS_POTHOLE something else entirely here", mid))

    assert changed.status_code == 409
    assert changed.json_body["error"]["field"] == "message_id"
    assert len(my_grievances(api, person)) == 1


@pytest.mark.parametrize(
    "tamper",
    ["no signature", "wrong secret", "body changed", "stale", "from the future", "no timestamp", "other channel"],
)
def test_an_unsigned_wrongly_signed_or_stale_message_is_401_and_stores_nothing(api, send, secrets, citizen, tamper):
    person = citizen()
    document = sms(person.mobile, "GRV WATER_NO_SUPPLY no water since Monday at all")
    body = json.dumps(document).encode()
    signature = "sha256=" + hmac.new(secrets["sms"].encode(), body, hashlib.sha256).hexdigest()
    headers = {**JSON, "X-Signature": signature, "X-Signature-Timestamp": str(int(time.time()))}
    if tamper == "no signature":
        del headers["X-Signature"]
    elif tamper == "wrong secret":
        headers["X-Signature"] = "sha256=" + hmac.new(b"guess", body, hashlib.sha256).hexdigest()
    elif tamper == "body changed":
        body = body.replace(b"Monday", b"Sunday")
    elif tamper == "stale":
        headers["X-Signature-Timestamp"] = str(int(time.time()) - 301)
    elif tamper == "from the future":
        headers["X-Signature-Timestamp"] = str(int(time.time()) + 301)
    elif tamper == "no timestamp":
        del headers["X-Signature-Timestamp"]
    elif tamper == "other channel":
        headers["X-Signature"] = "sha256=" + hmac.new(secrets["email"].encode(), body, hashlib.sha256).hexdigest()

    response = api.post("/channels/sms/inbound", headers=headers, body=body)

    assert response.status_code == 401, response.body
    assert response.json_body["error"]["field"] == "X-Signature"
    assert response.headers["WWW-Authenticate"].startswith("HMAC-SHA256")
    assert my_grievances(api, person) == []
    # Nothing was remembered either: the same message, properly signed, is new.
    assert only_result(send("sms", document))["outcome"] == "filed"


def test_an_unknown_channel_is_404_and_a_bad_document_a_422_naming_the_field(api, send, secrets):
    assert api.post("/channels/fax/inbound", headers=JSON, body=b"{}").status_code == 404
    bad = send("sms", {"message_id": "x-1", "from": "+919812300001"})
    assert bad.status_code == 422
    assert bad.json_body["error"]["field"] == "text"
    foreign = send("sms", sms("+14155550100", "GRV WATER_NO_SUPPLY no water here since Monday"))
    assert foreign.status_code == 422
    assert foreign.json_body["error"]["field"] == "mobile"


# --- the SMS grammar ------------------------------------------------------------------------


def test_status_answers_by_sms_only_about_the_senders_own_grievance(api, send, citizen, outbox):
    person, other = citizen(), citizen()
    filed = only_result(send("sms", sms(person.mobile, "GRV ROADS_STREETLIGHT the lamp post has been dark for weeks")))
    tracking_id = filed["tracking_id"]

    answer = only_result(send("sms", sms(person.mobile, f"status {tracking_id.lower()}")))
    assert answer["outcome"] == "status"
    assert tracking_id in answer["reply"]
    assert any(m["text"] == answer["reply"] for m in outbox(person.mobile))

    stranger = only_result(send("sms", sms(other.mobile, f"STATUS {tracking_id}")))
    assert stranger["outcome"] == "help"
    assert "registered" not in stranger["reply"] and "with the officer" not in stranger["reply"]


@pytest.mark.parametrize("text", ["HELP", "???", "GRV", "STATUS 12"])
def test_help_and_malformed_messages_get_the_help_reply(api, send, citizen, outbox, text):
    person = citizen()
    answer = only_result(send("sms", sms(person.mobile, text)))

    assert answer["outcome"] == "help"
    assert "GRV" in answer["reply"]
    assert my_grievances(api, person) == []
    assert any(m["text"] == answer["reply"] for m in outbox(person.mobile))


def test_free_text_is_filed_and_categorised_by_routing(api, send, citizen, consume, admin_token):
    person = citizen()
    result = only_result(send("sms", sms(person.mobile, "pani nahi aa raha hai teen din se hamare mohalle mein")))
    consume("route_grievances")

    seen = grievance(api, admin_token, result["tracking_id"])
    assert seen["category"] == "WATER_NO_SUPPLY"
    assert seen["department"] == "WATER"


def test_an_unregistered_mobile_files_as_a_contact_and_the_grievance_follows_it_into_the_account(
    api, send, register, latest_otp, outbox
):
    mobile = unique_mobile()
    result = only_result(send("sms", sms(mobile, "GRV WATER_NO_SUPPLY no water in Puri since Monday morning")))
    assert result["outcome"] == "filed"
    assert any(result["tracking_id"] in m["text"] for m in outbox(mobile))

    person = register(mobile=mobile)
    verified = post(api, "/citizens/verify", {"mobile": person.mobile, "otp": latest_otp(person.mobile)})
    assert verified.status_code == 200, verified.body
    login = post(api, "/auth/login", {"username": person.mobile, "password": person.password}).json_body
    person.access_token = login["access_token"]

    assert my_grievances(api, person) == [result["tracking_id"]]
    events = api.get(f"/grievances/{result['tracking_id']}/history", headers=bearer(person.access_token))
    assert [e["event"] for e in events.json_body["events"]][-1] == "linked_to_account"


def test_an_unregistered_mobile_without_a_district_is_asked_for_one(api, send, outbox):
    mobile = unique_mobile()
    answer = only_result(send("sms", sms(mobile, "GRV WATER_NO_SUPPLY no water since Monday at all")))

    assert answer["outcome"] == "help"
    assert "Khordha" in answer["reply"]


# --- email ----------------------------------------------------------------------------------


def test_an_email_files_its_own_words_and_a_reply_lands_on_its_grievance(
    api, send, citizen, consume, outbox, assignee_token, admin_token
):
    person = citizen()
    first = only_result(
        send(
            "email",
            ses_email(person.email, "Garbage not collected", "Garbage has not been collected for a week.\n\n-- \nAsha"),
        )
    )
    assert first["outcome"] == "filed"
    tracking_id = first["tracking_id"]
    seen = grievance(api, admin_token, tracking_id)
    assert seen["channel"] == "email"
    assert "Asha" not in seen["description"].split("week.")[1]

    consume("route_grievances")
    officer = assignee_token(tracking_id)
    asked = post(
        api, f"/grievances/{tracking_id}/actions", {"action": "request_info", "note": "Which street?"}, officer
    )
    assert asked.status_code == 200, asked.body

    body = (
        "It is Station Road, near the post office.\n\n"
        "On Mon, 1 Dec 2026 at 10:00, Grievance Cell <noreply@od.gov.in> wrote:\n> Which street?"
    )
    reply = only_result(send("email", ses_email(person.email, f"Re: [{tracking_id}] Which street?", body)))

    assert (reply["outcome"], reply["tracking_id"]) == ("wrote", tracking_id)
    assert grievance(api, admin_token, tracking_id)["status"] == "in_progress"
    last = history(api, admin_token, tracking_id)[-1]
    assert last["event"] == "info_provided"
    assert last["note"] == "It is Station Road, near the post office."
    assert my_grievances(api, person) == [tracking_id]
    assert any(m["channel"] == "email" and tracking_id in m["text"] for m in outbox(person.email))


def test_an_email_about_a_grievance_nobody_asked_about_is_kept_as_the_citizens_words(api, send, citizen, admin_token):
    person = citizen()
    tracking_id = only_result(
        send("email", ses_email(person.email, "Broken streetlight", "The lamp outside house 4 is dark."))
    )["tracking_id"]
    more = only_result(send("email", ses_email(person.email, f"Re: {tracking_id}", "It is still dark tonight.")))

    assert more["outcome"] == "wrote"
    last = history(api, admin_token, tracking_id)[-1]
    assert (last["event"], last["note"]) == ("citizen_wrote", "It is still dark tonight.")


def test_a_reply_racing_with_routing_is_written_on_the_grievance_as_routed(
    api, send, citizen, consume, admin_token, monkeypatch
):
    # Given a grievance filed by email and not yet routed
    from chalicelib.services import channel_intake

    person = citizen()
    tracking_id = only_result(send("email", ses_email(person.email, "Broken drain", "The drain on lane 3 is broken.")))[
        "tracking_id"
    ]

    # When routing assigns it between the reply's read of it and the reply's write
    writes = channel_intake.citizen_writes

    def routed_meanwhile(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(channel_intake, "citizen_writes", writes)
        consume("route_grievances")
        return writes(*args, **kwargs)

    monkeypatch.setattr(channel_intake, "citizen_writes", routed_meanwhile)
    more = only_result(send("email", ses_email(person.email, f"Re: {tracking_id}", "It overflows when it rains.")))

    # Then the words are written on the grievance as routing left it, and neither move is lost
    assert (more["outcome"], more["tracking_id"]) == ("wrote", tracking_id)
    events = [e["event"] for e in history(api, admin_token, tracking_id)]
    assert events[-2:] == ["assigned", "citizen_wrote"]
    assert grievance(api, admin_token, tracking_id)["status"] == "assigned"


def test_a_reply_naming_someone_elses_grievance_is_filed_as_a_new_one(api, send, citizen, admin_token):
    owner, other = citizen(), citizen()
    tracking_id = only_result(send("email", ses_email(owner.email, "Potholes", "Deep potholes on the main road.")))[
        "tracking_id"
    ]
    result = only_result(send("email", ses_email(other.email, f"Re: {tracking_id}", "Me too, on my street as well.")))

    assert result["outcome"] == "filed" and result["tracking_id"] != tracking_id
    assert history(api, admin_token, tracking_id)[-1]["event"] == "filed"


def test_a_reply_whose_sender_ses_could_not_vouch_for_is_filed_as_a_contacts_not_written_on_the_grievance(
    api, send, citizen, admin_token
):
    person = citizen()
    tracking_id = only_result(send("email", ses_email(person.email, "Drain", "The drain on our street overflows.")))[
        "tracking_id"
    ]
    forged = only_result(
        send(
            "email",
            ses_email(
                person.email, f"Re: {tracking_id}", "Please close this grievance in Khordha now.", verdict="FAIL"
            ),
        )
    )

    assert forged["outcome"] == "filed" and forged["tracking_id"] != tracking_id
    assert history(api, admin_token, tracking_id)[-1]["event"] == "filed"
    # Nor did the forged From line act as the account: the new grievance is a contact's.
    assert history(api, admin_token, forged["tracking_id"])[0]["actor_id"].startswith("con-")
    assert forged["tracking_id"] not in my_grievances(api, person)


def test_an_oversized_email_is_cut_with_a_note(api, send, citizen, admin_token):
    person = citizen()
    result = only_result(send("email", ses_email(person.email, "Long complaint", "word " * 3000)))

    description = grievance(api, admin_token, result["tracking_id"])["description"]
    assert len(description) <= 5000
    assert "was cut here" in description


# --- IVRS, WhatsApp, kiosk, portal ------------------------------------------------------------


def test_an_ivrs_call_files_the_keypad_category_with_its_recording(api, send, citizen, admin_token):
    person = citizen()
    digit = "5"  # the local stage's IVRS_MENU: 5=ROADS_STREETLIGHT
    call = {
        "call_id": message_id("call"),
        "caller": person.mobile,
        "menu_choice": digit,
        "recording_url": "https://ivr.example.in/rec/123.mp3",
        "language": "hi",
    }
    result = only_result(send("ivrs", call))

    seen = grievance(api, admin_token, result["tracking_id"])
    assert (seen["category"], seen["channel"]) == ("ROADS_STREETLIGHT", "ivrs")
    assert "https://ivr.example.in/rec/123.mp3" in seen["description"]


def test_whatsapp_text_and_location_file_one_grievance_at_that_place(api, send, citizen, admin_token):
    person = citizen()
    sender = person.mobile.lstrip("+")
    webhook = whatsapp(
        [
            {
                "from": sender,
                "id": message_id("wamid"),
                "timestamp": "1700000000",
                "type": "text",
                "text": {"body": "GRV SANITATION_GARBAGE garbage piling up at the corner"},
            },
            {
                "from": sender,
                "id": message_id("wamid"),
                "timestamp": "1700000001",
                "type": "location",
                "location": {"latitude": 20.2961, "longitude": 85.8245},
            },
        ],
        contacts=[{"profile": {"name": "Asha"}, "wa_id": sender}],
    )
    result = only_result(send("whatsapp", webhook))

    seen = grievance(api, admin_token, result["tracking_id"])
    assert (seen["category"], seen["channel"]) == ("SANITATION_GARBAGE", "whatsapp")
    assert (seen["location"]["lat"], seen["location"]["lon"]) == (20.2961, 85.8245)


def test_a_kiosk_and_another_portal_file_what_they_say(api, send, admin_token):
    kiosk = {
        "message_id": message_id("k"),
        "kiosk_id": "CSC-PURI-7",
        "mobile": unique_mobile(),
        "category": "ROADS_POTHOLE",
        "district": "PURI",
        "description": "Road near the temple is broken.",
    }
    portal = {
        "message_id": message_id("p"),
        "portal": "CPGRAMS",
        "external_ref": "DARPG/E/2026/0001",
        "citizen": {"email": f"ravi.{next(_ids)}@example.in", "name": "Ravi"},
        "category": "NOT_A_CATEGORY",
        "district": "CUTTACK",
        "description": "No water supply in our ward for five days.",
    }
    from_kiosk = only_result(send("kiosk", kiosk))
    from_portal = only_result(send("portal", portal))

    k = grievance(api, admin_token, from_kiosk["tracking_id"])
    p = grievance(api, admin_token, from_portal["tracking_id"])
    assert (k["channel"], k["category"], k["location"]["district"]) == ("kiosk", "ROADS_POTHOLE", "PURI")
    assert (p["channel"], p["category"], p["location"]["district"]) == ("portal", None, "CUTTACK")
    filed = history(api, admin_token, from_portal["tracking_id"])[0]
    assert filed["details"]["source"] == "portal:CPGRAMS"


def test_two_kiosks_numbering_their_messages_alike_are_both_heard(api, send, admin_token):
    def kiosk(kiosk_id: str, words: str) -> dict[str, Any]:
        return {
            "message_id": "1",
            "kiosk_id": kiosk_id,
            "mobile": unique_mobile(),
            "category": "ROADS_POTHOLE",
            "district": "PURI",
            "description": words,
        }

    first = only_result(send("kiosk", kiosk(f"CSC-A-{next(_ids)}", "Road near the temple is broken.")))
    second = only_result(send("kiosk", kiosk(f"CSC-B-{next(_ids)}", "Pothole at the fish market gate.")))

    assert first["outcome"] == second["outcome"] == "filed"
    assert first["tracking_id"] != second["tracking_id"]


def test_one_message_the_state_cannot_take_does_not_hold_back_the_others_of_its_webhook(api, send, citizen):
    person = citizen()

    def text(sender: str, body: str) -> dict[str, Any]:
        return {
            "from": sender,
            "id": message_id("wamid"),
            "timestamp": "1700000000",
            "type": "text",
            "text": {"body": body},
        }

    webhook = whatsapp(
        [
            text("14155550100", "GRV ROADS_POTHOLE a pothole abroad somewhere"),
            text(person.mobile.lstrip("+"), "GRV ROADS_POTHOLE pothole outside our school"),
        ]
    )
    response = send("whatsapp", webhook)
    again = send("whatsapp", webhook)

    assert response.status_code == 200, response.body
    foreign, ours = response.json_body["results"]
    assert (foreign["outcome"], foreign["error"]["field"]) == ("refused", "mobile")
    assert ours["outcome"] == "filed"
    assert again.json_body["results"][1] == ours
    assert my_grievances(api, person) == [ours["tracking_id"]]


def test_asking_for_help_or_a_status_leaves_no_record_of_a_stranger(api, send):
    from chalicelib.models import citizens

    stranger = unique_mobile()
    only_result(send("sms", sms(stranger, "HELP")))
    only_result(send("sms", sms(stranger, "STATUS OD-261203-AB12CD")))

    assert citizens.contact_holding("mobile", stranger) is None


# --- helpline and service centre --------------------------------------------------------------


def test_a_helpline_officer_files_for_a_walk_in_citizen_who_confirms_with_a_code(
    api, staff_token, citizen, latest_otp, admin_token, grievance_body
):
    person = citizen()
    officer = staff_token("officer", department="WATER", district="KHORDHA")
    body = grievance_body(on_behalf_of={"mobile": person.mobile})

    asked = post(api, "/grievances", body, officer)
    assert asked.status_code == 202, asked.body
    assert asked.json_body["otp_sent_to"].endswith(person.mobile[-4:])

    body["on_behalf_of"]["otp"] = latest_otp(person.mobile)
    filed = post(api, "/grievances", body, officer)
    assert filed.status_code == 201, filed.body
    tracking_id = filed.json_body["tracking_id"]

    assert tracking_id in my_grievances(api, person)
    first = history(api, admin_token, tracking_id)[0]
    assert first["event"] == "filed"
    assert first["actor_id"] == person.citizen_id
    assert first["details"]["assisted_by"].startswith("off-")
    assert grievance(api, admin_token, tracking_id)["channel"] == "helpline"


def test_assisted_filing_needs_the_citizens_code(api, staff_token, citizen, grievance_body):
    person = citizen()
    officer = staff_token("officer", department="WATER", district="KHORDHA")
    post(api, "/grievances", grievance_body(on_behalf_of={"mobile": person.mobile}), officer)

    wrong = post(api, "/grievances", grievance_body(on_behalf_of={"mobile": person.mobile, "otp": "000000"}), officer)

    assert wrong.status_code == 422
    assert wrong.json_body["error"]["field"] == "on_behalf_of.otp"
    assert my_grievances(api, person) == []


def test_staff_must_file_for_someone_and_citizens_only_for_themselves(api, staff_token, citizen, grievance_body):
    person = citizen()
    officer = staff_token("officer", department="WATER", district="KHORDHA")

    by_staff = post(api, "/grievances", grievance_body(), officer)
    for_someone = post(
        api, "/grievances", grievance_body(on_behalf_of={"mobile": unique_mobile()}), person.access_token
    )
    helpline = post(api, "/grievances", grievance_body(channel="helpline"), person.access_token)

    assert (by_staff.status_code, by_staff.json_body["error"]["field"]) == (422, "on_behalf_of")
    assert (for_someone.status_code, for_someone.json_body["error"]["field"]) == (422, "on_behalf_of")
    assert (helpline.status_code, helpline.json_body["error"]["field"]) == (422, "channel")


def test_a_walk_in_without_an_account_is_filed_as_a_contact(api, staff_token, latest_otp, admin_token, grievance_body):
    mobile = unique_mobile()
    officer = staff_token("officer", department="WATER", district="KHORDHA")
    body = grievance_body(on_behalf_of={"mobile": mobile}, channel="service_centre")
    assert post(api, "/grievances", body, officer).status_code == 202
    body["on_behalf_of"]["otp"] = latest_otp(mobile)

    filed = post(api, "/grievances", body, officer)

    assert filed.status_code == 201, filed.body
    first = history(api, admin_token, filed.json_body["tracking_id"])[0]
    assert first["actor_id"].startswith("con-")
    assert re.match(r"^off-", first["details"]["assisted_by"])
    # Staff find the walk-in's cases by their mobile, as they would a citizen's.
    found = api.get(f"/staff/search?mobile={mobile.replace('+', '%2B')}", headers=bearer(admin_token)).json_body
    assert filed.json_body["tracking_id"] in [g["tracking_id"] for g in found["grievances"]]


def test_a_contacts_email_grievance_follows_the_confirmed_email_and_its_words_go_with_an_erasure(
    api, send, citizen, admin_token
):
    address = f"meena.{next(_ids)}@example.in"
    filed = only_result(send("email", ses_email(address, "Drain", "The drain in Khordha market overflows.")))
    tracking_id = filed["tracking_id"]
    wrote = only_result(send("email", ses_email(address, f"Re: {tracking_id}", "It smells all day, near shop 12.")))
    assert wrote["outcome"] == "wrote"

    person = citizen(email=address)  # registers and confirms this email: the contact's grievance is theirs

    assert my_grievances(api, person) == [tracking_id]
    erased = api.delete("/me", headers=bearer(person.access_token))
    assert erased.status_code in {200, 204}, erased.body
    notes = [e.get("note") for e in history(api, admin_token, tracking_id)]
    assert "It smells all day, near shop 12." not in notes
