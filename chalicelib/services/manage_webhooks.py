"""Departments' webhooks, managed by the state grievance cell: where each department's
events are posted, its signing secret, and the deliveries that were given up on."""

from __future__ import annotations

import ipaddress
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain.admin import Actor, AdminAct, AdministrativeAct, subject_of
from chalicelib.domain.catalogue import DepartmentWebhook
from chalicelib.domain.errors import Forbidden, InvalidInput, NotFound
from chalicelib.domain.identity import Principal, Role
from chalicelib.models import catalogue, notification_log
from chalicelib.security.webhook_signature import department_secret

logger = Logger(child=True)


@dataclass(frozen=True)
class WebhookView:
    webhook: DepartmentWebhook
    secret: str


def show_webhook(principal: Principal, department: str) -> WebhookView:
    _require_state_cell(principal)
    _require_department(department)
    webhook = catalogue.get_department_webhook(department)
    if webhook is None:
        raise NotFound("This department has no webhook.", field="department")
    return WebhookView(webhook, department_secret(department, webhook.secret_version))


def set_webhook(
    principal: Principal, department: str, url: str, *, rotate_secret: bool = False, now: datetime | None = None
) -> WebhookView:
    """Point the department's webhook at `url`; a new secret only when asked to rotate it
    (the department must then switch to it: deliveries from then on use the new one)."""
    _require_state_cell(principal)
    _require_department(department)
    _check_url(url)
    now = now or utc_now()
    current = catalogue.get_department_webhook(department)
    version = (current.secret_version if current else 0) + (1 if rotate_secret or current is None else 0)
    webhook = DepartmentWebhook(
        department=department,
        url=url,
        secret_version=version,
        updated_at=now.isoformat(),
        updated_by=principal.subject_id,
    )
    # The URL is the department's server, not a secret; the secret itself never reaches the trail.
    act = AdministrativeAct(
        AdminAct.WEBHOOK_SET,
        subject_of("webhook", department),
        Actor.of(principal),
        now,
        {
            "url": url,
            "secret_version": version,
            "secret_rotated": version != (current.secret_version if current else 0),
        },
    )
    catalogue.save_department_webhook(webhook, [act])
    logger.info(
        "department webhook set",
        extra={"department": department, "secret_version": version, "by": principal.subject_id},
    )
    return WebhookView(webhook, department_secret(department, version))


def list_dead_letters(principal: Principal, department: str | None) -> list[dict[str, Any]]:
    _require_state_cell(principal)
    return notification_log.dead_letters(department)


def _require_state_cell(principal: Principal) -> None:
    if principal.role is not Role.STATE_ADMIN:
        raise Forbidden("Only the state grievance cell manages department webhooks.")


def _require_department(code: str) -> None:
    if catalogue.get_department(code) is None:
        raise NotFound("No such department.", field="department")


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    # Events leave the state's network: only over TLS, except to the local dev receiver.
    schemes = {"https", "http"} if get_settings().is_local else {"https"}
    if parts.scheme not in schemes or not parts.hostname:
        allowed = " or ".join(sorted(schemes))
        raise InvalidInput(f"The webhook must be an absolute {allowed} URL.", field="url")
    if parts.username or parts.password:
        raise InvalidInput("Put no credentials in the URL: deliveries are signed instead.", field="url")
    if not get_settings().is_local and _internal_address(parts.hostname):
        raise InvalidInput("The webhook must be a public address, not one inside the network.", field="url")


def _internal_address(host: str) -> bool:
    """A literal private, loopback or link-local address (the metadata service among them)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or host.endswith(".localhost") or host.endswith(".internal")
    return address.is_private or address.is_loopback or address.is_link_local or address.is_reserved
