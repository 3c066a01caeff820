"""Who hears about each grievance and application event, and what they are told.

Each saved event is published once, as one announcement on the events queue (`announce`,
a reaction of the dispatcher); its consumer (`fan_out`) turns it into:
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
from datetime import datetime
from typing import Any, Literal

from chalicelib import adapters
from chalicelib.clock import utc_now
from chalicelib.domain.application import Application
from chalicelib.domain.catalogue import DepartmentWebhook, localized
from chalicelib.domain.grievance import Grievance
from chalicelib.domain.identity import Citizen, Officer
from chalicelib.domain.saved import Saved
from chalicelib.models import catalogue, citizens, notification_log, officers
from chalicelib.models.base import ItemRead, read_together
from chalicelib.notify import render
from chalicelib.notify.messages import AnnouncedEvent, Announcement, OutboundMessage, WebhookDelivery
from chalicelib.notify.queue import enqueue_notifications, enqueue_webhooks, publish_announcement
from chalicelib.resource_names import Topic
from chalicelib.services.sla_clock import state_zone


def announce(saved: Saved) -> None:
    """Publish one saved event of a grievance or an application; internal events (staff
    notes) tell no one."""
    event, case = saved.event, saved.case
    if event.internal:
        return
    announced = [AnnouncedEvent(seq=saved.seq, name=event.name, at=event.at, note=event.note)]
    kind: Literal["grievance", "application"]
    if isinstance(case, Grievance):
        kind, category, status, level = "grievance", case.category, case.status.value, case.level
    elif isinstance(case, Application):
        # An application's "category" is its service, its status its stage; it has no levels.
        kind, category, status, level = "application", case.service_code, case.stage.value, 0
    else:
        raise TypeError(f"{type(case).__name__} events are not announced")
    announcement = Announcement(
        kind=kind,
        tracking_id=case.tracking_id,
        citizen_id=case.citizen_id,
        assignee_id=case.assignee_id,
        department=case.department,
        category=category,
        district=case.district,
        status=status,
        level=level,
        due_at=case.due_at,
        events=announced,
    )
    publish_announcement(announcement)


def fan_out(announcement: Announcement) -> None:
    """Queue every message and delivery the announcement calls for."""
    if announcement.kind == "application" and not announcement.service_names and announcement.category:
        # Read here rather than in the request that saved the change: the request stays short.
        service = catalogue.get_service(announcement.category)
        announcement = announcement.model_copy(update={"service_names": service.names if service else {}})
    citizen, owner, webhook = _who_hears(announcement)
    messages: list[OutboundMessage] = []
    deliveries: list[WebhookDelivery] = []
    for event in announcement.events:
        if citizen is not None and render.has_message("citizen", event.name):
            messages += _for_citizen(announcement, event, citizen)
        if owner is not None and owner.active and render.has_message("owner", event.name):
            messages += _for_owner(announcement, event, owner.mobile, owner.email, owner.language)
        if webhook is not None:
            deliveries.append(_for_webhook(announcement, event))
    enqueue_notifications(messages)
    enqueue_webhooks(deliveries)
    for event in announcement.events:
        _publish_to_department(announcement, event)


def _who_hears(announcement: Announcement) -> tuple[Citizen | None, Officer | None, DepartmentWebhook | None]:
    """The citizen (when an event is one they hear of), the owner and the department's
    webhook, read in one call: an announcement is fanned out once per saved event."""
    reads: dict[str, ItemRead[Any]] = {}
    if _citizen_hears_of(announcement):
        reads["citizen"] = citizens.citizen_read(announcement.citizen_id)
    if announcement.assignee_id:
        reads["owner"] = officers.officer_read(announcement.assignee_id)
    if announcement.department:
        reads["webhook"] = catalogue.department_webhook_read(announcement.department)
    found = dict(zip(reads, read_together(*reads.values()), strict=True)) if reads else {}
    return found.get("citizen"), found.get("owner"), found.get("webhook")


def _title(announcement: Announcement) -> str:
    return "_application_title" if announcement.kind == "application" else "_title"


def _citizen_hears_of(announcement: Announcement) -> bool:
    return any(render.has_message("citizen", event.name) for event in announcement.events)


def _values(announcement: Announcement, event: AnnouncedEvent, language: str = "en") -> dict[str, object]:
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
    return moment.astimezone(state_zone()).strftime("%d %b %Y %H:%M")


def _for_citizen(announcement: Announcement, event: AnnouncedEvent, citizen: Citizen) -> list[OutboundMessage]:
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
    announcement: Announcement, event: AnnouncedEvent, mobile: str, email: str, language: str
) -> list[OutboundMessage]:
    values = _values(announcement, event, language)
    text = render.render("owner", event.name, language, values)
    title = render.render("owner", _title(announcement), language, values)
    key = f"{announcement.tracking_id}#{event.seq}#owner"
    return [
        OutboundMessage(channel="sms", to=mobile, text=text, subject=announcement.tracking_id, dedupe_key=f"{key}#sms"),
        OutboundMessage(
            channel="email",
            to=email,
            title=title,
            html=render.email_html(title, text, language),
            text=text,
            subject=announcement.tracking_id,
            dedupe_key=f"{key}#email",
        ),
    ]


def _event_payload(announcement: Announcement, event: AnnouncedEvent) -> dict[str, object]:
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


def _for_webhook(announcement: Announcement, event: AnnouncedEvent) -> WebhookDelivery:
    return WebhookDelivery(
        department=announcement.department or "",
        delivery_id=f"{announcement.tracking_id}#{event.seq}",
        subject=announcement.tracking_id,
        payload=_event_payload(announcement, event),
    )


def _publish_to_department(announcement: Announcement, event: AnnouncedEvent) -> None:
    """The department's feed: subscribers filter on department, district, event, level.
    Claimed in the notification log first, so a redelivered announcement publishes once."""
    key = f"{announcement.tracking_id}#{event.seq}#department#topic"
    if not notification_log.claim_delivery(announcement.tracking_id, key, "topic", utc_now()):
        return
    message_id = adapters.current().topics.publish(
        Topic.DEPARTMENT_EVENTS,
        json.dumps(_event_payload(announcement, event)),
        {
            "department": announcement.department or "AWAITING_ROUTING",
            "district": announcement.district,
            "event": event.name,
            "level": announcement.level,
        },
    )
    notification_log.record_delivery(announcement.tracking_id, key, message_id)
