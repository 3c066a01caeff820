"""SMS and email leave through the notifications queue, the app's own SQS handler, SNS and
SES on moto; the local outbox shows what was really handed to SNS and SES."""

from __future__ import annotations

import json
import urllib.parse
import uuid

import boto3
import pytest

from chalicelib.aws import queue_url
from chalicelib.notify.messages import OutboundMessage
from chalicelib.notify.queue import enqueue_notification
from chalicelib.resource_names import Queue
from infra.sqs_poller import SqsPoller, subscriptions_of


@pytest.fixture
def notifications_consumer(chalice_app):
    subscription = next(s for s in subscriptions_of(chalice_app) if s.name == "deliver_notifications")
    poller = SqsPoller([subscription], region="ap-south-1", wait_seconds=0)
    url = queue_url(Queue.MESSAGES)
    arn = poller.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def drain(max_polls: int = 10) -> int:
        delivered = 0
        for _ in range(max_polls):
            delivered += poller.poll_once(subscription, url, arn)
        return delivered

    return drain


def unique_mobile() -> str:
    return "+9198" + str(uuid.uuid4().int)[:8]


def outbox(api, to: str) -> list[dict]:
    return api.get("/dev/outbox?to=" + urllib.parse.quote(to)).json_body["messages"]


def test_a_queued_sms_and_email_reach_the_outbox_through_the_apps_consumer(api, stack, notifications_consumer):
    mobile, email = unique_mobile(), f"citizen-{uuid.uuid4().hex[:8]}@example.in"
    notifications_consumer()  # whatever earlier tests left queued is not this test's
    enqueue_notification(OutboundMessage(channel="sms", to=mobile, text="Grievance OD-TEST-1 registered."))
    enqueue_notification(
        OutboundMessage(channel="email", to=email, title="Grievance registered", text="OD-TEST-1 is registered.")
    )

    delivered = notifications_consumer()

    assert delivered == 2
    assert [(m["channel"], m["text"]) for m in outbox(api, mobile)] == [("sms", "Grievance OD-TEST-1 registered.")]
    (mail,) = outbox(api, email)
    assert mail["title"] == "Grievance registered"
    assert mail["from"] == "noreply@grievance.local.gov.in"


def test_the_outbox_only_shows_messages_to_the_asked_recipient(api, stack, notifications_consumer):
    mine, theirs = unique_mobile(), unique_mobile()
    enqueue_notification(OutboundMessage(channel="sms", to=mine, text="for me"))
    enqueue_notification(OutboundMessage(channel="sms", to=theirs, text="for them"))
    notifications_consumer()

    assert [m["text"] for m in outbox(api, mine)] == ["for me"]


def test_a_bad_record_fails_alone_then_dead_letters_and_nothing_is_lost(api, empty_stack, notifications_consumer):
    # Given a queue whose messages come back at once, one good and one unreadable message
    sqs = boto3.client("sqs", region_name="ap-south-1")
    url = queue_url(Queue.MESSAGES)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})
    mobile = unique_mobile()
    enqueue_notification(OutboundMessage(channel="sms", to=mobile, text="good one"))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"channel": "fax", "to": "nowhere"}))

    # When the consumer polls more often than the redrive limit
    delivered = notifications_consumer(max_polls=8)

    # Then the good message was delivered once and the bad one waits in the DLQ
    assert delivered == 1
    assert [m["text"] for m in outbox(api, mobile)] == ["good one"]
    dlq_url = empty_stack.resources.physical_ids["MessagesDeadLetterQueue"]
    dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"])["channel"] for m in dead] == ["fax"]
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []


def test_each_grievance_sms_is_logged_with_its_template_language_and_segments(
    citizen, file_grievance, deliver_notifications
):
    from chalicelib.models.notification_log import NotificationLogEntry

    asha, ravi = citizen(language="hi"), citizen(language="en")
    hindi = file_grievance(asha).json_body["tracking_id"]
    english = file_grievance(ravi).json_body["tracking_id"]
    deliver_notifications()

    def sms_logged(tracking_id: str) -> dict:
        (entry,) = [e for e in NotificationLogEntry.query(tracking_id) if e.channel == "sms"]
        return {k: entry.attribute_values.get(k) for k in ("template", "language", "status", "encoding", "segments")}

    assert sms_logged(hindi) == {
        "template": "citizen/filed",
        "language": "hi",
        "status": "sent",
        "encoding": "UCS-2",
        "segments": 2,
    }
    assert sms_logged(english) == {
        "template": "citizen/filed",
        "language": "en",
        "status": "sent",
        "encoding": "GSM-7",
        "segments": 1,
    }


def test_staff_read_what_was_sent_about_a_grievance_and_nobody_else_does(
    api, citizen, routed_grievance, assignee_token, staff_token, deliver_notifications
):
    from tests.integration.conftest import bearer
    from tests.integration.test_openapi import SPEC, assert_matches

    asha = citizen(language="hi")
    tracking_id = routed_grievance(asha)
    deliver_notifications()
    path = f"/grievances/{tracking_id}/notifications"

    seen = api.get(path, headers=bearer(assignee_token(tracking_id)))
    other_department = api.get(path, headers=bearer(staff_token("officer", department="HEALTH", district="KHORDHA")))
    as_citizen = api.get(path, headers=bearer(asha.access_token))

    assert seen.status_code == 200
    assert_matches(seen.json_body, SPEC["components"]["schemas"]["NotificationLog"])
    sent = [(n["channel"], n["template"], n["language"], n["status"]) for n in seen.json_body["notifications"]]
    assert ("sms", "citizen/filed", "hi", "sent") in sent and ("sms", "citizen/assigned", "hi", "sent") in sent
    assert asha.mobile not in seen.body.decode() and asha.email not in seen.body.decode()
    assert other_department.status_code == 404
    assert as_citizen.status_code == 403


def patch_me(api, token: str, body: dict):
    return api.request(
        method="PATCH",
        path="/me",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        body=json.dumps(body),
    )


def test_citizens_choose_where_grievance_messages_go(api, citizen, file_grievance, outbox):
    by_email, no_email = citizen(), citizen(email=None)

    chose = patch_me(api, by_email.access_token, {"notify_by": ["email"]})
    chose_missing = patch_me(api, no_email.access_token, {"notify_by": ["email"]})
    refused = patch_me(api, by_email.access_token, {"notify_by": ["pigeon"]})
    tracking_ids = [file_grievance(p).json_body["tracking_id"] for p in (by_email, no_email)]

    assert chose.status_code == 200 and chose.json_body["notify_by"] == ["email"]
    assert chose_missing.status_code == 200
    assert refused.status_code == 422 and refused.json_body["error"]["field"].startswith("notify_by")
    # Email only: no SMS about the grievance, an email instead.
    assert not [m for m in outbox(by_email.mobile) if tracking_ids[0] in m["text"]]
    assert [m for m in outbox(by_email.email) if tracking_ids[0] in m["text"]]
    # Email chosen but none given: SMS, which every citizen has.
    assert [m for m in outbox(no_email.mobile) if tracking_ids[1] in m["text"]]
