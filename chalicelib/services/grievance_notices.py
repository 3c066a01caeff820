"""Who hears about each grievance event, and what they are told.

A saved change is published once, as one announcement on the events queue (`publish`);
its consumer (`fan_out`) turns it into:
- the citizen's SMS and/or email (their `notify_by`) in their language, rendered from
  `chalicelib/notify/templates/`, each with the other channel as fallback when the citizen
  does not already get both, the SMS held through the state's quiet hours;
- the owner's SMS and email, for what lands on their desk;
- the department's SNS topic, with attributes subscribers filter on;
- the department's signed webhook, when it has one.
A failing SMS, email or webhook never undoes or delays the state change. Every message
carries a key (tracking id, audit seq, recipient, channel) that makes a redelivered
announcement send nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chalicelib.aws import client, topic_arn
from chalicelib.clock import utc_now
from chalicelib.domain.catalogue import localized
from chalicelib.domain.grievance import Event, Grievance
from chalicelib.domain.identity import Citizen
from chalicelib.domain.sla import WorkingCalendar
from chalicelib.models import catalogue, citizens, officers, records
from chalicelib.notify import render
from chalicelib.notify.messages import AnnouncedEvent, GrievanceAnnouncement, OutboundMessage, WebhookDelivery
from chalicelib.notify.queue import enqueue_notifications, enqueue_webhooks, publish_announcement


def announced_events(events: Sequence[Event], first_seq: int) -> list[AnnouncedEvent]:
    """What a saved change tells anyone: every event but internal ones (officers' notes),
    each with its audit seq (`first_seq` is the first event's), which keys its messages."""
    return [
        AnnouncedEvent(seq=first_seq + offset, name=event.name, at=event.at, note=event.note)
        for offset, event in enumerate(events)
        if not event.internal
    ]


def publish(grievance: Grievance, events: Sequence[Event], first_seq: int) -> None:
    """Publish what a saved change did; internal events (officers' notes) tell no one.
    `first_seq` is the audit seq of the first event."""
    announced = announced_events(events, first_seq)
    if not announced:
        return
    publish_announcement(
        GrievanceAnnouncement(
            tracking_id=grievance.tracking_id,
            citizen_id=grievance.citizen_id,
            assignee_id=grievance.assignee_id,
            department=grievance.department,
            category=grievance.category,
            district=grievance.district,
            status=grievance.status.value,
            level=grievance.level,
            due_at=grievance.due_at,
            events=announced,
        )
    )


def fan_out(announcement: GrievanceAnnouncement) -> None:
    """Queue every message and delivery the announcement calls for."""
    citizen = citizens.get_citizen(announcement.citizen_id) if _citizen_hears_of(announcement) else None
    owner = officers.get_officer(announcement.assignee_id) if announcement.assignee_id else None
    webhook = catalogue.get_department_webhook(announcement.department) if announcement.department else None
    messages: list[OutboundMessage] = []
    deliveries: list[WebhookDelivery] = []
    for event in announcement.events:
        if citizen is not None and render.has_message("citizen", event.name):
            messages += _for_citizen(announcement, event, citizen)
        if owner is not None and owner.active and render.has_message("owner", event.name):
            messages += _for_owner(announcement, event, owner.mobile, owner.email)
        if webhook is not None:
            deliveries.append(_for_webhook(announcement, event))
    enqueue_notifications(messages)
    enqueue_webhooks(deliveries)
    for event in announcement.events:
        _publish_to_department(announcement, event)


def _title(announcement: GrievanceAnnouncement) -> str:
    return "_application_title" if announcement.kind == "application" else "_title"


def _citizen_hears_of(announcement: GrievanceAnnouncement) -> bool:
    return any(render.has_message("citizen", event.name) for event in announcement.events)


def _values(announcement: GrievanceAnnouncement, event: AnnouncedEvent, language: str = "en") -> dict[str, object]:
    return {
        "tracking_id": announcement.tracking_id,
        "service": localized(announcement.service_names, language) or announcement.category or "-",
        "department": announcement.department or "-",
        "category": announcement.category or "-",
        "district": announcement.district,
        "due": _local(announcement.due_at),
        "level": announcement.level,
        "note": (event.note or "").strip()[:300],
    }


def _local(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(WorkingCalendar().zone).strftime("%d %b %Y %H:%M")


def _for_citizen(announcement: GrievanceAnnouncement, event: AnnouncedEvent, citizen: Citizen) -> list[OutboundMessage]:
    chosen = citizen.notification_channels
    if not chosen:
        return []
    language = citizen.language
    language_used = render.language_used("citizen", event.name, language)
    values = _values(announcement, event, language_used)
    text = render.render("citizen", event.name, language, values)
    key = f"{announcement.tracking_id}#{event.seq}#citizen"
    common: dict[str, Any] = {
        "subject": announcement.tracking_id,
        "template": f"citizen/{event.name}",
        "language": language_used,
        "text": text,
    }
    sms = (
        OutboundMessage(channel="sms", to=citizen.mobile, dedupe_key=f"{key}#sms", hold_in_quiet_hours=True, **common)
        if citizen.mobile
        else None
    )
    email = None
    if citizen.email:
        title = render.render("citizen", _title(announcement), language, values)
        email = OutboundMessage(
            channel="email",
            to=citizen.email,
            title=title,
            html=render.email_html(title, text, language_used),
            dedupe_key=f"{key}#email",
            **common,
        )
    by_channel = {"sms": sms, "email": email}
    if len(chosen) > 1:
        return [message for message in by_channel.values() if message is not None]
    # One channel chosen: the other, when the citizen has it, stands by in case it fails.
    only, other = by_channel[chosen[0]], by_channel["email" if chosen[0] == "sms" else "sms"]
    return [only.model_copy(update={"fallback": other})] if only else []


def _for_owner(
    announcement: GrievanceAnnouncement, event: AnnouncedEvent, mobile: str, email: str
) -> list[OutboundMessage]:
    values = _values(announcement, event)
    text = render.render("owner", event.name, "en", values)
    title = render.render("owner", _title(announcement), "en", values)
    key = f"{announcement.tracking_id}#{event.seq}#owner"
    return [
        OutboundMessage(channel="sms", to=mobile, text=text, subject=announcement.tracking_id, dedupe_key=f"{key}#sms"),
        OutboundMessage(
            channel="email",
            to=email,
            title=title,
            html=render.email_html(title, text, "en"),
            text=text,
            subject=announcement.tracking_id,
            dedupe_key=f"{key}#email",
        ),
    ]


def _event_payload(announcement: GrievanceAnnouncement, event: AnnouncedEvent) -> dict[str, object]:
    """What a department learns of an event: the grievance's state, never the citizen."""
    return {
        "kind": announcement.kind,
        "tracking_id": announcement.tracking_id,
        "event": event.name,
        "status": announcement.status,
        "department": announcement.department,
        "district": announcement.district,
        "category": announcement.category,
        "level": announcement.level,
        "due_at": announcement.due_at.isoformat() if announcement.due_at else None,
        "at": event.at.isoformat(),
    }


def _for_webhook(announcement: GrievanceAnnouncement, event: AnnouncedEvent) -> WebhookDelivery:
    return WebhookDelivery(
        department=announcement.department or "",
        delivery_id=f"{announcement.tracking_id}#{event.seq}",
        subject=announcement.tracking_id,
        payload=_event_payload(announcement, event),
    )


def _publish_to_department(announcement: GrievanceAnnouncement, event: AnnouncedEvent) -> None:
    """The department's feed: subscribers filter on department, district, event, level.
    Claimed in the notification log first, so a redelivered announcement publishes once."""
    key = f"{announcement.tracking_id}#{event.seq}#department#topic"
    if not records.claim_delivery(announcement.tracking_id, key, "topic", utc_now()):
        return
    response = client("sns").publish(
        TopicArn=topic_arn("department-events"),
        Message=json.dumps(_event_payload(announcement, event)),
        MessageAttributes={
            "department": {"DataType": "String", "StringValue": announcement.department or "UNROUTED"},
            "district": {"DataType": "String", "StringValue": announcement.district},
            "event": {"DataType": "String", "StringValue": event.name},
            "level": {"DataType": "Number", "StringValue": str(announcement.level)},
        },
    )
    records.record_delivery(announcement.tracking_id, key, str(response["MessageId"]))
