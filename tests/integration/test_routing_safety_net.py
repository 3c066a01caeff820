"""A grievance whose routing message is lost is found by the scheduled sweep and routed;
the local stack runs that schedule exactly as the app declares it."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.aws import client, queue_url
from chalicelib.clock import utc_now
from chalicelib.models import grievances
from chalicelib.services.route_grievance import requeue_awaiting_routing
from infra.schedules import ScheduleRunner, schedules_of


def lose_routing_messages() -> int:
    """Receive and delete whatever waits on the routing queue: the messages are 'lost'."""
    sqs, url, lost = client("sqs"), queue_url("routing"), 0
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            lost += 1
    return lost


def awaiting(tracking_id: str, *, filed_before) -> bool:
    return tracking_id in set(grievances.awaiting_routing(filed_before=filed_before))


def test_a_grievance_whose_routing_message_was_lost_is_requeued_and_routed(citizen, file_grievance, consume):
    tracking_id = file_grievance(citizen()).json_body["tracking_id"]
    consume("fan_out_events")  # the filing's reactions: its routing message among them
    assert lose_routing_messages() >= 1
    in_six_minutes = utc_now() + timedelta(minutes=6)

    # Just filed: still within the routing grace, so the sweep leaves it to its (lost) message for now.
    assert not awaiting(tracking_id, filed_before=utc_now() - timedelta(minutes=5))
    assert awaiting(tracking_id, filed_before=in_six_minutes)

    assert requeue_awaiting_routing(now=in_six_minutes) >= 1
    consume("route_grievances")

    assert grievances.get_grievance(tracking_id).status.value == "assigned"
    assert not awaiting(tracking_id, filed_before=in_six_minutes)


def test_the_local_stack_runs_the_apps_schedule_at_its_declared_rate(chalice_app, stack):
    schedules = {s.name: s for s in schedules_of(chalice_app)}

    assert schedules["sweep_awaiting_routing"].every_seconds == 300
    answer = ScheduleRunner(list(schedules.values()), region="ap-south-1").run_once(schedules["sweep_awaiting_routing"])
    assert set(answer) == {"requeued"} and isinstance(answer["requeued"], int)
