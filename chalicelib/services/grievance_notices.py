"""Who hears about each grievance event, and what they are told.

The citizen gets an SMS (and an email when they gave one) in their language at every step
they can see; the owner of the grievance hears about what lands on their desk; the
department's SNS topic gets every public event with attributes subscribers filter on.
Messages go through the notifications queue: a failing SMS never undoes a state change.
Each carries a dedupe key (tracking id, audit entry, channel, recipient) so a redelivered
event is not sent twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from chalicelib.aws import client, topic_arn
from chalicelib.domain.grievance import Event, Grievance
from chalicelib.domain.sla import WorkingCalendar
from chalicelib.models import citizens, officers
from chalicelib.notify.messages import OutboundMessage
from chalicelib.notify.queue import enqueue_notification

_CITIZEN_TEXT: dict[str, dict[str, str]] = {
    "filed": {
        "en": "Your grievance {id} is registered. We will tell you who handles it.",
        "hi": "आपकी शिकायत {id} दर्ज हो गई है। इसे कौन देखेगा, हम आपको बताएँगे।",
    },
    "assigned": {
        "en": "Grievance {id} is with the {department} department. Expected resolution by {due}.",
        "hi": "शिकायत {id} {department} विभाग को सौंपी गई। समाधान की अपेक्षित तिथि {due}।",
    },
    "accepted": {
        "en": "An officer is working on grievance {id}. Expected by {due}.",
        "hi": "शिकायत {id} पर अधिकारी काम कर रहे हैं। अपेक्षित तिथि {due}।",
    },
    "info_requested": {
        "en": "Grievance {id}: the officer asks: {note} Reply in the app to continue.",
        "hi": "शिकायत {id}: अधिकारी पूछते हैं: {note} आगे बढ़ने के लिए ऐप में उत्तर दें।",
    },
    "transferred": {
        "en": "Grievance {id} was sent to the right department. We will tell you who handles it.",
        "hi": "शिकायत {id} सही विभाग को भेजी गई। इसे कौन देखेगा, हम आपको बताएँगे।",
    },
    "reassigned": {
        "en": "Grievance {id} has a new officer. Expected by {due}.",
        "hi": "शिकायत {id} नए अधिकारी को सौंपी गई। अपेक्षित तिथि {due}।",
    },
    "escalated": {
        "en": "Grievance {id} was not resolved in time and went to a senior officer (level {level}). New date: {due}.",
        "hi": "शिकायत {id} समय पर हल नहीं हुई, वरिष्ठ अधिकारी (स्तर {level}) को भेजी गई। नई तिथि {due}।",
    },
    "resolved": {
        "en": "Grievance {id} is resolved: {note} Rate it, or reopen it within 7 days if it is not.",
        "hi": "शिकायत {id} का समाधान: {note} रेटिंग दें, या 7 दिन में दोबारा खोलें।",
    },
    "rejected": {
        "en": "Grievance {id} was rejected: {note} You may appeal within 30 days.",
        "hi": "शिकायत {id} अस्वीकार: {note} आप 30 दिन में अपील कर सकते हैं।",
    },
    "closed": {"en": "Grievance {id} is closed. Thank you.", "hi": "शिकायत {id} बंद हो गई। धन्यवाद।"},
    "reopened": {
        "en": "Grievance {id} is reopened. Expected by {due}.",
        "hi": "शिकायत {id} फिर से खोली गई। अपेक्षित तिथि {due}।",
    },
    "appealed": {
        "en": "Your appeal on grievance {id} is with the department head. Expected by {due}.",
        "hi": "शिकायत {id} पर आपकी अपील विभागाध्यक्ष के पास है। अपेक्षित तिथि {due}।",
    },
}

_OWNER_TEXT: dict[str, str] = {
    "assigned": "Grievance {id} ({category}, {district}) is assigned to you. Due {due}.",
    "escalated": "Grievance {id} was escalated to you (level {level}). Due {due}.",
    "reassigned": "Grievance {id} is reassigned to you. Due {due}.",
    "sla_warning": "Grievance {id}: 80% of the time is used. Due {due}.",
    "sla_breached": "Grievance {id} is past its deadline at the top level. Act now.",
    "info_provided": "The citizen replied on grievance {id}. The clock runs again; due {due}.",
    "reopened": "Grievance {id} was reopened by the citizen. Due {due}.",
    "appealed": "An appeal on grievance {id} is assigned to you. Due {due}.",
}

_CITIZEN_TITLES = {"en": "Grievance {id}", "hi": "शिकायत {id}"}


def announce(grievance: Grievance, events: Sequence[Event], first_seq: int) -> None:
    """Queue every message the events call for. `first_seq` is the audit seq of the first
    event, which makes each message's dedupe key stable across redeliveries."""
    citizen = None
    for offset, event in enumerate(events):
        seq = first_seq + offset
        if event.internal:
            continue
        if event.name in _CITIZEN_TEXT:
            citizen = citizen or citizens.get_citizen(grievance.citizen_id)
            if citizen is not None and citizen.mobile:
                _tell_citizen(grievance, event, seq, citizen.mobile, citizen.email, citizen.language)
        if event.name in _OWNER_TEXT and grievance.assignee_id:
            _tell_owner(grievance, event, seq)
        _publish_to_department(grievance, event)


def _values(grievance: Grievance, event: Event) -> dict[str, object]:
    return {
        "id": grievance.tracking_id,
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


def _tell_citizen(grievance: Grievance, event: Event, seq: int, mobile: str, email: str | None, language: str) -> None:
    texts = _CITIZEN_TEXT[event.name]
    text = texts.get(language, texts["en"]).format(**_values(grievance, event))
    key = f"{grievance.tracking_id}#{seq}#citizen"
    enqueue_notification(
        OutboundMessage(channel="sms", to=mobile, text=text, subject=grievance.tracking_id, dedupe_key=f"{key}#sms")
    )
    if email:
        title = _CITIZEN_TITLES.get(language, _CITIZEN_TITLES["en"]).format(id=grievance.tracking_id)
        enqueue_notification(
            OutboundMessage(
                channel="email",
                to=email,
                title=title,
                text=text,
                subject=grievance.tracking_id,
                dedupe_key=f"{key}#email",
            )
        )


def _tell_owner(grievance: Grievance, event: Event, seq: int) -> None:
    owner = officers.get_officer(grievance.assignee_id or "")
    if owner is None:
        return
    text = _OWNER_TEXT[event.name].format(**_values(grievance, event))
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
            title=f"Grievance {grievance.tracking_id}",
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
