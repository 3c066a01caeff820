"""Who hears about each application event: the same announcement and fan-out as grievances
(`grievance_notices.fan_out`), with the service's names for the messages."""

from __future__ import annotations

from collections.abc import Sequence

from aws_lambda_powertools import Logger

from chalicelib.domain.application import Application
from chalicelib.domain.grievance import Event
from chalicelib.models import catalogue
from chalicelib.notify.messages import GrievanceAnnouncement
from chalicelib.notify.queue import publish_announcement
from chalicelib.observability import count_event
from chalicelib.services.grievance_notices import announced_events

logger = Logger(child=True)


def publish(
    application: Application, events: Sequence[Event], first_seq: int, service_names: dict[str, str] | None = None
) -> None:
    """Announce what a saved change did (internal notes tell no one). A failure here is
    logged, never raised: the change is saved and answered already. `service_names`, when
    the caller has the service at hand, saves reading it again."""
    announced = announced_events(events, first_seq)
    for event in events:
        count_event("".join(part.capitalize() for part in event.name.split("_")))
    if not announced:
        return
    try:
        if service_names is None:
            service = catalogue.get_service(application.service_code)
            service_names = service.names if service else {}
        publish_announcement(
            GrievanceAnnouncement(
                kind="application",
                service_names=service_names,
                tracking_id=application.tracking_id,
                citizen_id=application.citizen_id,
                assignee_id=application.assignee_id,
                department=application.department,
                category=application.service_code,
                district=application.district,
                status=application.stage.value,
                level=0,
                due_at=application.due_at,
                events=announced,
            )
        )
    except Exception:
        logger.exception("application announcement not published", extra={"tracking_id": application.tracking_id})
