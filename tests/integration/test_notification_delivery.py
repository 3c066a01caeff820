"""Delivery when things go wrong, on the real queues: providers that refuse, a department
server that is down, quiet hours; and the signed webhooks of a whole grievance lifecycle.

SES refusals are real moto behaviour (the sender identity is removed); SNS has no such
switch in moto, so its refusal is injected on the app's boto3 client, at the botocore
layer, where a real throttle or opt-out would surface."""

from __future__ import annotations

import json
import urllib.parse
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib.aws import client, queue_url
from chalicelib.config import get_settings
from chalicelib.notify.messages import HandedOver, OutboundMessage
from chalicelib.notify.queue import DELIVERY_ATTEMPTS, enqueue_notification
from chalicelib.resource_names import Queue
from chalicelib.security.webhook_signature import department_secret, verify
from chalicelib.services.dispatch import react
from infra.provision import REPO_ROOT
from tests.integration.conftest import bearer, post

IST = timezone(timedelta(hours=5, minutes=30))


@contextmanager
def ses_sender_unverified():
    """moto, like SES, refuses mail from an identity that is not verified."""
    ses = boto3.client("ses", region_name="ap-south-1")
    domain = get_settings().ses_sender.split("@", 1)[1]
    ses.delete_identity(Identity=domain)
    try:
        yield
    finally:
        ses.verify_domain_identity(Domain=domain)


@contextmanager
def sms_refused():
    """Every SMS publish of the app fails as SNS fails it when throttled."""

    def refuse(params, **_):
        if "PhoneNumber" in params:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "Publish")

    events = client("sns").meta.events
    events.register("provide-client-params.sns.Publish", refuse, unique_id="test-refuse-sms")
    try:
        yield
    finally:
        events.unregister("provide-client-params.sns.Publish", unique_id="test-refuse-sms")


def dead_letters(logical_queue: Queue) -> list[dict]:
    sqs = boto3.client("sqs", region_name="ap-south-1")
    url = queue_url(f"{logical_queue}-dlq")
    found = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get("Messages"):
        found += [json.loads(m["Body"]) for m in batch]
    return found


def log_of(api, tracking_id: str, token: str) -> list[dict]:
    response = api.get(f"/grievances/{tracking_id}/notifications", headers=bearer(token))
    assert response.status_code == 200, response.body
    return response.json_body["notifications"]


def messages_to(api, address: str) -> list[dict]:
    return api.get("/dev/outbox?to=" + urllib.parse.quote(address)).json_body["messages"]


def test_the_queue_attempts_the_app_counts_are_the_queues_redrive_limits():
    resources = json.loads((REPO_ROOT / "infra" / "resources.json").read_text())["Resources"]
    limits = {
        props["QueueName"]["Fn::Sub"].removeprefix("${ResourcePrefix}-"): props["RedrivePolicy"]["maxReceiveCount"]
        for props in (r["Properties"] for r in resources.values() if r["Type"] == "AWS::SQS::Queue")
        if "RedrivePolicy" in props
    }
    assert {queue: limits[queue] for queue in DELIVERY_ATTEMPTS} == DELIVERY_ATTEMPTS


def test_a_refused_email_is_retried_then_dead_lettered_while_the_grievance_moves_on(
    api, citizen, file_grievance, consume, deliver_notifications, admin_token
):
    person = citizen()
    deliver_notifications()  # what came before is not this test's

    with ses_sender_unverified():
        tracking_id = file_grievance(person).json_body["tracking_id"]
        consume("route_grievances")
        consume("fan_out_events")
        for _ in range(DELIVERY_ATTEMPTS[Queue.MESSAGES] + 1):  # the last receive moves it to the DLQ
            consume("deliver_notifications")

    grievance = api.get(f"/grievances/{tracking_id}", headers=bearer(person.access_token)).json_body
    assert grievance["status"] == "assigned"
    assert [m["channel"] for m in messages_to(api, person.email) if tracking_id in m["text"]] == []
    sms = [m for m in messages_to(api, person.mobile) if tracking_id in m["text"]]
    assert len(sms) == 2  # filed, assigned: SMS was never at risk
    emails = [n for n in log_of(api, tracking_id, admin_token) if n["channel"] == "email" and n["template"]]
    assert [(n["status"], n["attempts"], n["last_error"]) for n in emails] == [
        ("failed", DELIVERY_ATTEMPTS[Queue.MESSAGES], "MessageRejected")
    ] * 2
    lost = [m for m in dead_letters(Queue.MESSAGES) if m.get("subject") == tracking_id]
    # the citizen's two emails and the officer's: whole, ready to redrive
    assert sorted(m["dedupe_key"] for m in lost) == [
        f"{tracking_id}#1#citizen#email",
        f"{tracking_id}#2#citizen#email",
        f"{tracking_id}#2#owner#email",
    ]
    assert all(m["text"] and m["to"] for m in lost)
    assert [m["to"] for m in lost if "#citizen#" in m["dedupe_key"]] == [person.email] * 2


def test_a_retried_message_is_logged_as_retried_between_attempts(
    api, citizen, file_grievance, consume, deliver_notifications, admin_token
):
    person = citizen()
    deliver_notifications()

    with ses_sender_unverified():
        tracking_id = file_grievance(person).json_body["tracking_id"]
        consume("fan_out_events")
        consume("deliver_notifications")
        after_one = log_of(api, tracking_id, admin_token)
    deliver_notifications()  # the provider is back: the next attempt goes through

    (failing,) = [n for n in after_one if n["channel"] == "email"]
    assert (failing["status"], failing["last_error"]) == ("retried", "MessageRejected")
    (email,) = [n for n in log_of(api, tracking_id, admin_token) if n["channel"] == "email"]
    assert (email["status"], email["attempts"]) == ("sent", failing["attempts"] + 1)
    assert [m["channel"] for m in messages_to(api, person.email) if tracking_id in m["text"]] == ["email"]


def test_when_sms_keeps_failing_a_citizen_who_chose_sms_gets_the_message_by_email(
    api, citizen, file_grievance, consume, deliver_notifications, admin_token
):
    person = citizen()
    chose = api.request(
        method="PATCH",
        path="/me",
        headers={**bearer(person.access_token), "Content-Type": "application/json"},
        body=json.dumps({"notify_by": ["sms"]}),
    )
    assert chose.status_code == 200
    deliver_notifications()

    with sms_refused():
        tracking_id = file_grievance(person).json_body["tracking_id"]
        consume("fan_out_events")
        for _ in range(DELIVERY_ATTEMPTS[Queue.MESSAGES] + 1):
            consume("deliver_notifications")

    (email,) = [m for m in messages_to(api, person.email) if tracking_id in m["text"]]
    assert tracking_id in email["text"] and tracking_id in email["title"]
    assert [m for m in messages_to(api, person.mobile) if tracking_id in m["text"]] == []
    log = {n["channel"]: n for n in log_of(api, tracking_id, admin_token) if n["template"] == "citizen/filed"}
    assert (log["sms"]["status"], log["sms"]["last_error"]) == ("failed", "Throttling")
    assert log["email"]["status"] == "sent"
    assert [m for m in dead_letters(Queue.MESSAGES) if m.get("subject") == tracking_id] == []


@pytest.fixture
def quiet_now(monkeypatch):
    """Quiet hours from an hour ago to an hour from now, in the state's time zone."""
    now = datetime.now(UTC).astimezone(IST)
    window = f"{(now - timedelta(hours=1)):%H:%M}-{(now + timedelta(hours=1)):%H:%M}"
    monkeypatch.setenv("QUIET_HOURS", window)
    get_settings.cache_clear()
    yield window
    monkeypatch.delenv("QUIET_HOURS")
    get_settings.cache_clear()


def hidden_notifications() -> int:
    sqs = boto3.client("sqs", region_name="ap-south-1")
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url(Queue.MESSAGES), AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_in_quiet_hours_a_citizens_sms_waits_but_the_email_goes(
    api, citizen, file_grievance, deliver_notifications, admin_token, quiet_now
):
    person = citizen()  # the one-time code went through: codes are urgent, never held
    deliver_notifications()
    hidden_before = hidden_notifications()

    tracking_id = file_grievance(person).json_body["tracking_id"]
    deliver_notifications()

    assert [m["channel"] for m in messages_to(api, person.email) if tracking_id in m["text"]] == ["email"]
    assert [m for m in messages_to(api, person.mobile) if tracking_id in m["text"]] == []
    assert hidden_notifications() == hidden_before + 1  # the SMS, held in the queue until morning
    assert [n["channel"] for n in log_of(api, tracking_id, admin_token) if n["template"]] == ["email"]
    assert [m for m in dead_letters(Queue.MESSAGES) if m.get("subject") == tracking_id] == []


def test_an_sms_held_late_in_its_attempts_starts_afresh_instead_of_dead_lettering(
    api, chalice_app, deliver_notifications, quiet_now
):
    from chalice.local import LambdaContext

    from infra.sqs_poller import lambda_event

    deliver_notifications()
    sqs = boto3.client("sqs", region_name="ap-south-1")
    url = queue_url(Queue.MESSAGES)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mobile = f"+9198{uuid.uuid4().int % 10**8:08d}"
    held = OutboundMessage(channel="sms", to=mobile, text="held late", hold_in_quiet_hours=True)
    enqueue_notification(held)
    for _ in range(DELIVERY_ATTEMPTS[Queue.MESSAGES] - 1):  # four attempts that failed earlier
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    (last,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert last["Attributes"]["ApproximateReceiveCount"] == str(DELIVERY_ATTEMPTS[Queue.MESSAGES])

    # The consumer gets it on its last attempt, in quiet hours
    answer = chalice_app.deliver_notifications(
        lambda_event([last], arn, "ap-south-1"), LambdaContext("deliver_notifications", 512, 60_000)
    )

    assert not answer.get("batchItemFailures")  # this copy is done with ...
    (fresh,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert fresh["Attributes"]["ApproximateReceiveCount"] == "1"  # ... and a fresh one counts anew
    assert OutboundMessage.model_validate_json(fresh["Body"]) == held
    sqs.delete_message(QueueUrl=url, ReceiptHandle=fresh["ReceiptHandle"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=last["ReceiptHandle"])  # what the poller would do
    assert messages_to(api, mobile) == []


def test_a_whole_lifecycle_reaches_the_departments_webhook_signed_once_per_event(
    api, citizen, routed_grievance, assignee_token, deliver_notifications, admin_token
):
    person = citizen()
    tracking_id = routed_grievance(person)
    officer = assignee_token(tracking_id)
    for step in (
        {"action": "accept"},
        {"action": "comment", "note": "internal"},
        {"action": "resolve", "note": "Fixed."},
    ):
        assert post(api, f"/grievances/{tracking_id}/actions", step, officer).status_code == 200
    assert post(api, f"/grievances/{tracking_id}/feedback", {"rating": 5}, person.access_token).status_code == 200
    deliver_notifications()

    received = [
        d
        for d in api.get("/dev/outbox?department=WATER").json_body["webhooks"]
        if d["body"] and d["body"]["tracking_id"] == tracking_id
    ]
    # From its assignment on: before routing no department owns the grievance.
    assert [d["body"]["event"] for d in received] == ["assigned", "accepted", "resolved", "closed"]
    assert all(d["verified"] for d in received)
    assert len({d["delivery_id"] for d in received}) == len(received)
    water = api.get("/departments/WATER/webhook", headers=bearer(admin_token)).json_body
    roads = api.get("/departments/ROADS/webhook", headers=bearer(admin_token)).json_body
    for delivery in received:
        sent_bytes = json.dumps(delivery["body"], separators=(",", ":"), sort_keys=True).encode()
        assert verify(water["secret"], sent_bytes, delivery["signature"])
        assert not verify(roads["secret"], sent_bytes, delivery["signature"])
    everything = json.dumps(received)
    assert person.mobile not in everything and person.email not in everything and "internal" not in everything


def test_a_department_server_that_is_down_is_retried_then_listed_for_the_state_cell(
    api, citizen, file_grievance, consume, deliver_notifications, admin_token, webhook_receiver
):
    person = citizen()
    deliver_notifications()
    path = "/departments/WATER/webhook"
    working = api.get(path, headers=bearer(admin_token)).json_body["url"]
    down = post_put(api, path, {"url": f"{webhook_receiver.url}/fail/503"}, admin_token)
    assert down.status_code == 200
    try:
        tracking_id = file_grievance(person).json_body["tracking_id"]
        consume("route_grievances")
        consume("fan_out_events")
        for _ in range(DELIVERY_ATTEMPTS[Queue.WEBHOOKS] + 1):
            consume("deliver_webhooks")
    finally:
        assert post_put(api, path, {"url": working}, admin_token).status_code == 200

    listed = api.get("/webhooks/dead-letters?department=WATER", headers=bearer(admin_token))
    assert listed.status_code == 200
    (mine,) = [d for d in listed.json_body["dead_letters"] if d["reference"] == f"{tracking_id}#2"]
    assert (mine["attempts"], mine["last_error"]) == (DELIVERY_ATTEMPTS[Queue.WEBHOOKS], "HTTP 503")
    (logged,) = [n for n in log_of(api, tracking_id, admin_token) if n["channel"] == "webhook"]
    assert (logged["status"], logged["attempts"]) == ("failed", DELIVERY_ATTEMPTS[Queue.WEBHOOKS])
    (parked,) = [d for d in dead_letters(Queue.WEBHOOKS) if d["subject"] == tracking_id]
    assert parked["payload"]["event"] == "assigned"
    assert api.get("/webhooks/dead-letters", headers=bearer(person.access_token)).status_code == 403


def post_put(api, path: str, body: dict, token: str):
    return api.put(path, headers={**bearer(token), "Content-Type": "application/json"}, body=json.dumps(body))


def test_the_state_cell_sets_a_webhook_and_rotates_its_secret_and_nobody_else_may(api, stack, admin_token, staff_token):
    path = "/departments/WELFARE/webhook"
    head = staff_token("department_head", department="WELFARE")

    first = post_put(api, path, {"url": "https://welfare.example.gov.in/hooks"}, admin_token)
    same = post_put(api, path, {"url": "https://welfare.example.gov.in/hooks/v2"}, admin_token)
    rotated = post_put(
        api, path, {"url": "https://welfare.example.gov.in/hooks/v2", "rotate_secret": True}, admin_token
    )

    assert first.status_code == same.status_code == rotated.status_code == 200
    assert same.json_body["secret"] == first.json_body["secret"]
    assert rotated.json_body["secret_version"] == same.json_body["secret_version"] + 1
    assert rotated.json_body["secret"] != same.json_body["secret"]
    assert api.get(path, headers=bearer(admin_token)).json_body == rotated.json_body
    assert rotated.json_body["secret"] == department_secret("WELFARE", rotated.json_body["secret_version"])
    for body, field in (
        ({"url": "ftp://welfare.example.gov.in/hooks"}, "url"),
        ({"url": "https://user:pw@welfare.example.gov.in/hooks"}, "url"),
        ({"url": "https://welfare.example.gov.in", "extra": 1}, "extra"),
    ):
        refused = post_put(api, path, body, admin_token)
        assert refused.status_code == 422 and refused.json_body["error"]["field"] == field, refused.body
    assert post_put(api, "/departments/NOPE/webhook", {"url": "https://x.example.in/h"}, admin_token).status_code == 404
    assert post_put(api, path, {"url": "https://evil.example.in/h"}, head).status_code == 403
    assert api.get(path, headers=bearer(head)).status_code == 403


def test_an_announcement_delivered_twice_sends_each_message_and_topic_event_once(
    api, citizen, file_grievance, consume, deliver_notifications, admin_token
):
    person = citizen()
    deliver_notifications()
    sqs = boto3.client("sqs", region_name="ap-south-1")
    events_queue = queue_url(Queue.EVENTS)
    tracking_id = file_grievance(person).json_body["tracking_id"]
    # the filing's reactions, handed over by the request, run: one of them is its announcement
    (handed,) = sqs.receive_message(QueueUrl=events_queue, MaxNumberOfMessages=10)["Messages"]
    react(HandedOver.model_validate_json(handed["Body"]))
    sqs.delete_message(QueueUrl=events_queue, ReceiptHandle=handed["ReceiptHandle"])
    (announcement,) = sqs.receive_message(QueueUrl=events_queue, MaxNumberOfMessages=10)["Messages"]
    assert json.loads(announcement["Body"])["tracking_id"] == tracking_id

    # SQS delivers at least once: the same announcement comes back (here, twice more)
    for _ in range(2):
        sqs.send_message(QueueUrl=events_queue, MessageBody=announcement["Body"])
    sqs.delete_message(QueueUrl=events_queue, ReceiptHandle=announcement["ReceiptHandle"])
    deliver_notifications()

    sms = [m for m in messages_to(api, person.mobile) if tracking_id in m["text"]]
    emails = [m for m in messages_to(api, person.email) if tracking_id in m["text"]]
    assert (len(sms), len(emails)) == (1, 1)
    log = log_of(api, tracking_id, admin_token)
    assert sorted(n["channel"] for n in log) == ["email", "sms", "topic"]
    assert all(n["status"] == "sent" and n["attempts"] == 1 for n in log)


def test_a_message_being_sent_is_not_claimed_by_a_second_copy_until_its_lease_runs_out(stack):
    from chalicelib.models import notification_log

    subject, key, now = f"OD-LEASE-{uuid.uuid4().hex[:6]}", "k#sms", datetime.now(UTC)

    assert notification_log.claim_delivery(subject, key, "sms", now)
    assert not notification_log.claim_delivery(subject, key, "sms", now + timedelta(seconds=30))  # a copy, in flight
    assert notification_log.claim_delivery(subject, key, "sms", now + timedelta(minutes=3))  # the first sender died
    notification_log.record_delivery(subject, key, "provider-1")
    notification_log.record_failed_attempt(subject, key, "Throttling", final=True)  # a late copy's failure

    assert not notification_log.claim_delivery(subject, key, "sms", now + timedelta(hours=1))
    (entry,) = notification_log.notification_log(subject)
    assert (entry["status"], entry["provider_message_id"]) == ("sent", "provider-1")


def test_a_batch_records_what_it_sent_in_one_write_each_message_claimed_before_it_went(
    api, stack, citizen, deliver_notifications
):
    """Ten messages in one receive: ten claims, ten sends, then the ten outcomes in one
    BatchWriteItem; the log reads as if each had been recorded on its own."""
    from bench.aws_calls import count_aws_calls
    from chalicelib.models import notification_log

    person = citizen()
    deliver_notifications()  # what came before is not this test's
    subject = f"OD-BATCH-{uuid.uuid4().hex[:6]}"
    for n in range(10):
        enqueue_notification(
            OutboundMessage(
                channel="sms", to=person.mobile, text=f"{subject} message {n}", subject=subject, dedupe_key=f"k{n}#sms"
            )
        )

    with count_aws_calls() as calls:
        assert deliver_notifications() == 10

    assert calls["dynamodb:UpdateItem"] == 10  # the claims
    assert calls["dynamodb:BatchWriteItem"] == 1  # every outcome
    assert calls["sns:Publish"] == 10
    log = notification_log.notification_log(subject)
    assert len(log) == 10
    assert {(n["channel"], n["status"], n["attempts"], n["encoding"], n["segments"]) for n in log} == {
        ("sms", "sent", 1, "GSM-7", 1)
    }
    assert all(n["provider_message_id"] for n in log)
    assert len([m for m in messages_to(api, person.mobile) if subject in m["text"]]) == 10


def test_a_batch_that_breaks_off_still_records_the_sends_that_went_out(stack):
    from chalicelib.models import notification_log

    subject, now = f"OD-BREAK-{uuid.uuid4().hex[:6]}", datetime.now(UTC)
    notification_log.claim_delivery(subject, "retried#sms", "sms", now)
    notification_log.record_failed_attempt(subject, "retried#sms", "Throttling", final=False)

    with pytest.raises(RuntimeError), notification_log.records_written_together():
        assert notification_log.claim_delivery(subject, "retried#sms", "sms", now, template="citizen/filed")
        notification_log.record_delivery(subject, "retried#sms", "provider-2", encoding="UCS-2", segments=2)
        assert notification_log.claim_delivery(subject, "failed#email", "email", now)
        notification_log.record_failed_attempt(subject, "failed#email", "MessageRejected", final=False)
        assert notification_log.claim_delivery(subject, "unsent#sms", "sms", now)
        # not recorded yet: the batch writes its outcomes when it ends
        assert {e["status"] for e in notification_log.notification_log(subject)} == {"sending", "retried"}
        raise RuntimeError("the consumer broke off before its last send")

    entries = {e["status"]: e for e in notification_log.notification_log(subject)}
    assert set(entries) == {"sent", "retried", "sending"}
    sent = entries["sent"]
    assert (sent["provider_message_id"], sent["attempts"], sent["last_error"]) == ("provider-2", 2, "Throttling")
    assert (sent["template"], sent["encoding"], sent["segments"]) == ("citizen/filed", "UCS-2", 2)
    assert entries["retried"]["attempts"] == 1
    # the send that never went out keeps its claim, for another copy to take when the lease ends
    assert notification_log.claim_delivery(subject, "unsent#sms", "sms", now + timedelta(minutes=3))


def test_when_the_batch_cannot_record_what_it_sent_nothing_goes_back_to_be_sent_again(
    api, stack, citizen, deliver_notifications, caplog
):
    """The records' writes all refused (the batch's, then each alone): the consumer still
    answers its batch done, so no message comes back once the lease has run out to be sent
    again; the log says `sending`, and the loss of the records is logged."""
    from chalicelib.models import notification_log
    from chalicelib.models.notification_log import NotificationLogEntry

    person = citizen()
    deliver_notifications()
    subject = f"OD-UNREC-{uuid.uuid4().hex[:6]}"
    for n in range(3):
        enqueue_notification(
            OutboundMessage(channel="sms", to=person.mobile, text=f"{subject} {n}", subject=subject, dedupe_key=f"k{n}")
        )

    def refuse(params, **_):
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "Write")

    events = NotificationLogEntry._get_connection().connection.client.meta.events
    for operation in ("BatchWriteItem", "PutItem"):
        events.register(f"provide-client-params.dynamodb.{operation}", refuse, unique_id=f"test-refuse-{operation}")
    try:
        assert deliver_notifications() == 3
    finally:
        for operation in ("BatchWriteItem", "PutItem"):
            events.unregister(f"provide-client-params.dynamodb.{operation}", unique_id=f"test-refuse-{operation}")

    assert [e["status"] for e in notification_log.notification_log(subject)] == ["sending"] * 3
    assert "sent messages not recorded" in caplog.text
    assert deliver_notifications() == 0  # nothing was handed back to its queue
    assert len([m for m in messages_to(api, person.mobile) if subject in m["text"]]) == 3


def test_every_consumer_that_claims_sends_ends_its_batch_well_within_the_claims_lease():
    """A batch's records are written when it ends, without a condition: only the lease keeps
    another copy of a message out meanwhile, so no consumer may run for half of it."""
    from chalicelib.models.notification_log import SENDING_LEASE

    config = json.loads((REPO_ROOT / ".chalice" / "config.json").read_text())
    for consumer in ("fan_out_events", "deliver_notifications", "deliver_webhooks"):
        timeout = config.get("lambda_functions", {}).get(consumer, {}).get("lambda_timeout", config["lambda_timeout"])
        assert timeout <= SENDING_LEASE.total_seconds() / 2, consumer
