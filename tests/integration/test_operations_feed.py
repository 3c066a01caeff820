"""The operations-centre feed on moto: an SQS queue subscribed to the stage's
`operations-centre` topic, as an ICCC would subscribe, receives one message per state change
of a grievance or an application, with the attributes its filter policies use, and never a
value that leads to a citizen (or an officer) anywhere in what SNS delivers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from chalicelib import aws
from chalicelib.domain import erasure
from chalicelib.domain import grievance as lifecycle
from chalicelib.domain.application import Action, Application, act, sla_seconds_for, submit
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.saved import Saved
from chalicelib.resource_names import Topic
from chalicelib.services.operations_feed import feed_operations_centre
from tests.integration.conftest import bearer, post
from tests.unit.cases import CLOCK, START, route

Feed = Callable[[], list[dict[str, Any]]]

BODY_KEYS = {
    "schema_version",
    "event_id",
    "event",
    "kind",
    "tracking_id",
    "seq",
    "at",
    "from_state",
    "to_state",
    "department",
    "district",
    "category",
    "level",
    "channel",
    "due_at",
    "on_time",
    "actor_role",
    "facts",
}


@pytest.fixture
def operations_feed(stack) -> Iterator[Feed]:
    """A fresh SQS queue subscribed to the operations-centre topic (raw delivery off, so each
    SQS body is SNS's envelope: `Message` and `MessageAttributes`); read() drains it."""
    sqs, sns = aws.client("sqs"), aws.client("sns")
    queue_url = sqs.create_queue(QueueName=f"iccc-test-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    subscription = sns.subscribe(
        TopicArn=aws.topic_arn(Topic.OPERATIONS_CENTRE), Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True
    )["SubscriptionArn"]

    def read() -> list[dict[str, Any]]:
        received = []
        while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
            for message in batch:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                envelope = json.loads(message["Body"])
                received.append(
                    {
                        "raw": message["Body"],
                        "body": json.loads(envelope["Message"]),
                        "attributes": {k: v["Value"] for k, v in envelope.get("MessageAttributes", {}).items()},
                    }
                )
        return sorted(received, key=lambda m: (m["body"]["tracking_id"], m["body"]["seq"]))

    yield read
    sns.unsubscribe(SubscriptionArn=subscription)
    sqs.delete_queue(QueueUrl=queue_url)


def assert_names_no_one(messages: list[dict[str, Any]], personal: list[str]) -> None:
    """None of `personal` anywhere in what SNS delivered: the envelope, the message, the
    attributes (checked on the raw body and on the message decoded, so JSON escaping hides
    nothing)."""
    assert messages
    for message in messages:
        for text in (message["raw"], json.dumps(message["body"], ensure_ascii=False), str(message["attributes"])):
            leaked = [value for value in personal if value in text]
            assert leaked == [], f"{message['body']['event']} carries {leaked}"


# --- the reaction, on real moves of the domain --------------------------------------------

WORDS = uuid.uuid4().hex[:8]
CITIZEN = Principal(f"cit-{WORDS}", Role.CITIZEN, district="KHORDHA")
OFFICER = Principal(f"off-{WORDS}", Role.OFFICER, department="WATER", district="KHORDHA")
DESCRIPTION = f"No water at my house, 14 Ganga Nagar, ask for Sunita ({WORDS})"
WARD = f"Ward 7 behind the blue gate {WORDS}"
LAT, LON = 20.296137, 85.824512
RESOLUTION = f"Valve at Sunita's gate reopened ({WORDS})"
INTERNAL_NOTE = f"Her neighbour complains often ({WORDS})"
PERSONAL = [
    CITIZEN.subject_id,
    OFFICER.subject_id,
    DESCRIPTION,
    WARD,
    WORDS,
    "Sunita",
    str(LAT),
    str(LON),
    RESOLUTION,
    INTERNAL_NOTE,
]


def pinned_grievance() -> lifecycle.Grievance:
    """A grievance filed at START with everything a citizen may give about themselves."""
    return lifecycle.Grievance(
        tracking_id=f"OD-260302-{uuid.uuid4().hex[:6].upper()}",
        citizen_id=CITIZEN.subject_id,
        district="KHORDHA",
        description=DESCRIPTION,
        filed_at=START,
        category="WATER_NO_SUPPLY",
        ward=WARD,
        lat=LAT,
        lon=LON,
        channel="whatsapp",
    )


def feed(change_case: Any, change_events: list[Any], seq: int) -> None:
    """What dispatch does for each event of a saved move (its seq is the audit seq)."""
    first = seq - len(change_events) + 1
    for offset, event in enumerate(change_events):
        feed_operations_centre(Saved(change_case, event, first + offset))


def test_each_state_change_of_a_grievance_is_one_message_with_its_public_facts(operations_feed):
    # Given a grievance filed, routed, escalated past its deadline and resolved by the supervisor
    filed = lifecycle.file(pinned_grievance(), CITIZEN)
    feed(filed.grievance, filed.events, 1)
    routed = route(filed.grievance)
    routed = replace(routed, grievance=replace(routed.grievance, assignee_id=OFFICER.subject_id))
    feed(routed.grievance, routed.events, 2)
    late = routed.grievance.due_at + timedelta(seconds=1)
    escalated = lifecycle.escalate(routed.grievance, f"sup-{WORDS}", CLOCK, late)
    feed(escalated.grievance, escalated.events, 3)
    supervisor = Principal(f"sup-{WORDS}", Role.SUPERVISOR, department="WATER", district="KHORDHA")
    resolved = lifecycle.resolve(escalated.grievance, supervisor, RESOLUTION, CLOCK, late + timedelta(hours=1))
    feed(resolved.grievance, resolved.events, 4)

    # When the operations centre reads its queue
    messages = operations_feed()

    # Then one message per change, in the case's order, each with the same shape
    tracking_id = filed.grievance.tracking_id
    assert [(m["body"]["event"], m["body"]["seq"]) for m in messages] == [
        ("filed", 1),
        ("assigned", 2),
        ("escalated", 3),
        ("resolved", 4),
    ]
    assert all(set(m["body"]) == BODY_KEYS for m in messages)
    filed_message, assigned, escalation, resolution = (m["body"] for m in messages)
    assert filed_message == {
        "schema_version": 1,
        "event_id": f"{tracking_id}#1",
        "event": "filed",
        "kind": "grievance",
        "tracking_id": tracking_id,
        "seq": 1,
        "at": "2026-03-02T04:30:00+00:00",
        "from_state": "registered",
        "to_state": "registered",
        "department": None,
        "district": "KHORDHA",
        "category": "WATER_NO_SUPPLY",
        "level": 0,
        "channel": "whatsapp",
        "due_at": None,
        "on_time": None,
        "actor_role": "citizen",
        "facts": {},
    }
    assert (assigned["department"], assigned["to_state"], assigned["actor_role"]) == ("WATER", "assigned", "system")
    assert assigned["due_at"] == routed.grievance.due_at.isoformat()
    assert (escalation["level"], escalation["facts"], escalation["actor_role"]) == (
        1,
        {"owner_role": "supervisor"},
        "system",
    )
    assert (resolution["from_state"], resolution["to_state"], resolution["actor_role"]) == (
        "assigned",
        "resolved",
        "supervisor",
    )
    assert resolution["on_time"] == getattr(resolved.events[0], "on_time", None)
    # the record's due_at now is when it closes by itself, which is no deadline of anyone's
    assert resolved.grievance.due_at is not None and resolution["due_at"] is None
    # And the attributes subscribers filter on (the department named once routing named it)
    assert [m["attributes"] for m in messages[:2]] == [
        {"event": "filed", "kind": "grievance", "department": "AWAITING_ROUTING", "district": "KHORDHA",
         "event_id": f"{tracking_id}#1"},
        {"event": "assigned", "kind": "grievance", "department": "WATER", "district": "KHORDHA",
         "event_id": f"{tracking_id}#2"},
    ]  # fmt: skip
    # And nothing that leads to the citizen or the officers: ids, words, ward, coordinates
    assert_names_no_one(messages, PERSONAL)


def test_a_staff_note_and_an_erasure_publish_nothing(operations_feed):
    # Given a routed grievance on which an officer writes an internal note, then the citizen is erased
    grievance = route(lifecycle.file(pinned_grievance(), CITIZEN).grievance).grievance
    commented = lifecycle.comment(grievance, OFFICER, INTERNAL_NOTE, START + timedelta(hours=1))
    erased = erasure.erase_grievance(commented.grievance, {}, START + timedelta(hours=2))

    # When both are fed as the dispatcher would
    feed(commented.grievance, commented.events, 3)
    feed(erased.grievance, erased.events, 4)

    # Then the feed says nothing: neither is a state change the operations centre follows
    assert [event.internal for event in commented.events] == [True]
    assert operations_feed() == []


def test_a_reaction_run_twice_delivers_two_copies_with_one_event_id(operations_feed):
    """At least once: the subscriber drops the second copy by `event_id`."""
    filed = lifecycle.file(pinned_grievance(), CITIZEN)

    feed(filed.grievance, filed.events, 1)
    feed(filed.grievance, filed.events, 1)

    copies = operations_feed()
    assert len(copies) == 2
    assert {c["attributes"]["event_id"] for c in copies} == {f"{filed.grievance.tracking_id}#1"}
    assert copies[0]["body"] == copies[1]["body"]


def test_an_application_is_told_by_its_service_with_no_level_or_channel(operations_feed):
    # Given an application whose form holds the applicant's name, mobile and address
    applicant_fields = {"applicant_name": f"Sunita {WORDS}", "mobile": "9876501234", "premises_address": WARD}
    application = Application(
        tracking_id=f"OD-APP-260302-{uuid.uuid4().hex[:6].upper()}",
        citizen_id=CITIZEN.subject_id,
        service_code="WATER_NEW_CONNECTION",
        form_version=1,
        department="WATER",
        district="PURI",
        fields=applicant_fields,
        filed_at=START,
        assignee_id=OFFICER.subject_id,
        sla_seconds=sla_seconds_for(15, CLOCK),
    )
    submitted = submit(application, CITIZEN, CLOCK, START)
    feed(submitted.application, submitted.events, 1)
    started = act(
        submitted.application,
        OFFICER,
        Action.START_VERIFICATION,
        note=None,
        clock=CLOCK,
        now=START + timedelta(hours=1),
    )
    feed(started.application, started.events, 2)

    messages = operations_feed()

    assert [m["body"]["event"] for m in messages] == ["application_submitted", "application_verification_started"]
    first = messages[0]["body"]
    assert (first["kind"], first["category"], first["department"], first["district"]) == (
        "application",
        "WATER_NEW_CONNECTION",
        "WATER",
        "PURI",
    )
    assert (first["level"], first["channel"], first["facts"]) == (None, None, {})
    assert first["due_at"] == submitted.application.due_at.isoformat()
    assert messages[1]["attributes"]["kind"] == "application"
    assert_names_no_one(messages, [*PERSONAL, "9876501234"])


# --- through the API, once the dispatcher feeds it ------------------------------------------


def test_a_grievance_worked_through_the_api_reaches_the_feed_once_per_public_step(
    api, operations_feed, citizen, routed_grievance, assignee_token, consume
):
    # Given a citizen who files a grievance pinned to her door, worked by the assigned officer
    asha = citizen()
    words = uuid.uuid4().hex[:10]
    description = f"No water at my house, lane {words}"
    ward = f"W-{words}"
    tracking_id = routed_grievance(
        asha, description=description, location={"district": "KHORDHA", "ward": ward, "lat": 20.29613, "lon": 85.82451}
    )
    officer = assignee_token(tracking_id)
    officer_id = api.get(f"/grievances/{tracking_id}", headers=bearer(officer)).json_body["assigned_to"]
    notes = [f"Crew sent to lane {words}", f"Valve reopened at lane {words}"]
    for step in (
        {"action": "accept"},
        {"action": "comment", "note": notes[0]},
        {"action": "resolve", "note": notes[1]},
    ):
        assert post(api, f"/grievances/{tracking_id}/actions", step, officer).status_code == 200
    consume("fan_out_events")  # the reactions the requests handed over

    # When the operations centre reads its queue
    messages = [m for m in operations_feed() if m["body"]["tracking_id"] == tracking_id]

    # Then each public step once, numbered as the case's audit trail numbers it
    history = api.get(f"/grievances/{tracking_id}/history", headers=bearer(officer)).json_body["events"]
    public = [(entry["event"], entry["seq"]) for entry in history if entry["event"] != "commented"]
    assert [(m["body"]["event"], m["body"]["seq"]) for m in messages] == public
    assert [event for event, _ in public] == ["filed", "assigned", "accepted", "resolved"]
    assert all(m["attributes"]["event_id"] == f"{tracking_id}#{m['body']['seq']}" for m in messages)
    # And nothing of Asha's or her officer's in any of it
    hers = [asha.citizen_id, asha.mobile, asha.mobile[-10:], asha.email, asha.national_id, "Asha"]
    assert_names_no_one(messages, [*hers, officer_id, description, ward, words, "20.29613", "85.82451", *notes])
