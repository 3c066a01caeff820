"""The logical names of a stage's resources, in one place.

A stage's deployed name is `<resource prefix>-<logical name>` (`Settings.resource_name`);
`infra/resources.json` defines each of these under that name, and a test keeps the two
lists equal. Nothing here imports anything: every layer may name a resource.
"""

from __future__ import annotations

from enum import StrEnum

# The prefix of a stage that sets no RESOURCE_PREFIX: the local stage's.
DEFAULT_PREFIX = "crm-local"


class Table(StrEnum):
    CITIZENS = "citizens"
    IDENTITY_CLAIMS = "identity-claims"
    OTP_CHALLENGES = "otp-challenges"
    SESSIONS = "sessions"
    OFFICERS = "officers"
    CATALOGUE = "catalogue"
    GRIEVANCES = "grievances"
    APPLICATIONS = "applications"
    AUDIT = "audit"
    NOTIFICATION_LOG = "notifications"  # every message sent or being sent, by subject
    COUNTERS = "counters"
    IDEMPOTENCY = "idempotency"


class Queue(StrEnum):
    """Each has a `<name>-dlq` twin that takes what its consumer gave up on."""

    ROUTING = "routing"  # registered grievances awaiting routing, and nothing else
    # the SLA timers' messages, timers waiting to be started, report counts waiting to be written
    SLA_EVENTS = "sla-events"
    EVENTS = "events"  # one announcement per saved domain event, fanned out to messages
    MESSAGES = "messages"  # one SMS or email each
    WEBHOOKS = "webhooks"  # one signed POST to a department each


class Topic(StrEnum):
    DEPARTMENT_EVENTS = "department-events"  # per department, for its own subscribers
    OPERATIONS_CENTRE = "operations-centre"  # every state change, no personal data (the ICCC feed)


class StateMachine(StrEnum):
    SLA_TIMER = "sla-timer"


class Bucket(StrEnum):
    DOCUMENTS = "documents"
