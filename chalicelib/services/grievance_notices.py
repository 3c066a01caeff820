"""Who hears about each grievance event, and what they are told.

The citizen gets an SMS (and an email when they gave one) in their language at every step
they can see, rendered from `chalicelib/notify/templates/`; the owner of the grievance hears
about what lands on their desk; the department's SNS topic gets every public event with
attributes subscribers filter on. Messages go through the notifications queue: a failing
SMS never undoes a state change. Each carries a dedupe key (tracking id, audit entry,
channel, recipient) so a redelivered event is not sent twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from chalicelib.aws import client, topic_arn
from chalicelib.domain.grievance import Event, Grievance
from chalicelib.domain.identity import Citizen
from chalicelib.domain.sla import WorkingCalendar
from chalicelib.models import citizens, officers
from chalicelib.notify import render
from chalicelib.notify.messages import OutboundMessage
from chalicelib.notify.queue import enqueue_notification


def announce(grievance: Grievance, events: Sequence[Event], first_seq: int) -> None:
    """Queue every message the events call for. `first_seq` is the audit seq of the first
    event, which makes each message's dedupe key stable across redeliveries."""
    citizen = None
    for offset, event in enumerate(events):
        seq = first_seq + offset
        if event.internal:
            continue
        if render.has_message("citizen", event.name):
            citizen = citizen or citizens.get_citizen(grievance.citizen_id)
            if citizen is not None and citizen.notification_channels:
                _tell_citizen(grievance, event, seq, citizen)
        if render.has_message("owner", event.name) and grievance.assignee_id:
            _tell_owner(grievance, event, seq)
        _publish_to_department(grievance, event)


def _values(grievance: Grievance, event: Event) -> dict[str, object]:
    return {
        "tracking_id": grievance.tracking_id,
        "department": grievance.department or "-",
        "category": grievance.category or "-",
        "district": grievance.district,
        "due": _local(grievance.due_at),
        "level": grievance.level,
        "note": (event.note or "").strip()[:300],
    }


def _local(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(WorkingCalendar().zone).strftime("%d %b %Y %H:%M")


def _tell_citizen(grievance: Grievance, event: Event, seq: int, citizen: Citizen) -> None:
    language, channels = citizen.language, citizen.notification_channels
    mobile, email = citizen.mobile if "sms" in channels else None, citizen.email if "email" in channels else None
    values = _values(grievance, event)
    text = render.render("citizen", event.name, language, values)
    key = f"{grievance.tracking_id}#{seq}#citizen"
    language_used = render.language_used("citizen", event.name, language)
    rendered_from = {"template": f"citizen/{event.name}", "language": language_used}
    if mobile:
        enqueue_notification(
            OutboundMessage(
                channel="sms",
                to=mobile,
                text=text,
                subject=grievance.tracking_id,
                dedupe_key=f"{key}#sms",
                **rendered_from,
            )
        )
    if email:
        title = render.render("citizen", "_title", language, values)
        enqueue_notification(
            OutboundMessage(
                channel="email",
                to=email,
                title=title,
                text=text,
                html=render.email_html(title, text, language_used),
                subject=grievance.tracking_id,
                dedupe_key=f"{key}#email",
                **rendered_from,
            )
        )


def _tell_owner(grievance: Grievance, event: Event, seq: int) -> None:
    owner = officers.get_officer(grievance.assignee_id or "")
    if owner is None:
        return
    values = _values(grievance, event)
    text = render.render("owner", event.name, "en", values)
    title = render.render("owner", "_title", "en", values)
    key = f"{grievance.tracking_id}#{seq}#owner"
    enqueue_notification(
        OutboundMessage(
            channel="sms", to=owner.mobile, text=text, subject=grievance.tracking_id, dedupe_key=f"{key}#sms"
        )
    )
    enqueue_notification(
        OutboundMessage(
            channel="email",
            to=owner.email,
            title=title,
            html=render.email_html(title, text, "en"),
            text=text,
            subject=grievance.tracking_id,
            dedupe_key=f"{key}#email",
        )
    )


def _publish_to_department(grievance: Grievance, event: Event) -> None:
    """The department's feed: subscribers filter on department, district, event, level."""
    client("sns").publish(
        TopicArn=topic_arn("department-events"),
        Message=json.dumps(
            {
                "tracking_id": grievance.tracking_id,
                "event": event.name,
                "status": grievance.status.value,
                "category": grievance.category,
                "level": grievance.level,
                "due_at": grievance.due_at.isoformat() if grievance.due_at else None,
                "at": event.at.isoformat(),
            }
        ),
        MessageAttributes={
            "department": {"DataType": "String", "StringValue": grievance.department or "UNROUTED"},
            "district": {"DataType": "String", "StringValue": grievance.district},
            "event": {"DataType": "String", "StringValue": event.name},
            "level": {"DataType": "Number", "StringValue": str(grievance.level)},
        },
    )
