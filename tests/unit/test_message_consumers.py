"""The message consumers' timing, on the in-memory queues: the backoff after a failed
delivery is the consumer's alone, a held SMS waits as long as it asked, and quiet hours
are read in the stage's own time zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib import adapters
from chalicelib.config import get_settings
from chalicelib.handlers import notifications
from chalicelib.notify.errors import Held, TryLater
from chalicelib.notify.messages import OutboundMessage
from chalicelib.notify.queue import DELIVERY_ATTEMPTS
from chalicelib.resource_names import Queue
from chalicelib.services import deliver_notification as delivery
from chalicelib.services import sla_clock
from infra.sqs_poller import lambda_event

SMS = OutboundMessage(channel="sms", to="+919876543210", text="Your grievance is filed.", hold_in_quiet_hours=True)
EMAIL = OutboundMessage(channel="email", to="asha@example.in", text="Your grievance is filed.")


@pytest.fixture
def stage(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The local stage's settings with 30 s as the retry base; no calendar stored."""
    monkeypatch.setenv("RETRY_BASE_SECONDS", "30")
    monkeypatch.setattr(sla_clock.catalogue, "get_state_calendar", dict)
    get_settings.cache_clear()
    sla_clock.forget_calendar()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()
    sla_clock.forget_calendar()


@pytest.fixture
def queues() -> Iterator[Any]:
    with adapters.installed(adapters.in_memory()) as installed:
        yield installed.queues


def deliver(attempt: int) -> dict[str, Any]:
    """A batch of the SMS (m-1, on its `attempt`-th receive) and an email (m-2) through the
    messages consumer; its partial-batch answer."""
    batch = [
        {
            "MessageId": f"m-{n}",
            "ReceiptHandle": f"receipt-{n}",
            "Body": message.model_dump_json(),
            "Attributes": {"ApproximateReceiveCount": str(attempt if n == 1 else 1)},
        }
        for n, message in enumerate([SMS, EMAIL], start=1)
    ]
    event = lambda_event(batch, "arn:aws:sqs:ap-south-1:123456789012:crm-local-messages", "ap-south-1")
    return dict(notifications.deliver_notifications(event, None))


def only_the_sms(failure: Exception) -> Any:
    """A delivery that raises `failure` for the SMS and sends the email."""

    def deliver_notification(message: OutboundMessage, **_: Any) -> str:
        if message.channel == "sms":
            raise failure
        return "email-1"

    return deliver_notification


@pytest.mark.parametrize(
    ("failure", "attempt", "hidden_for"),
    [
        (TryLater("Throttling"), 1, 30),
        (TryLater("Throttling"), 3, 120),
        (ConnectionError("reset"), 2, 60),  # an unexpected failure backs off the same way
        (ConnectionError("reset"), DELIVERY_ATTEMPTS[Queue.MESSAGES], 0),  # the last: straight to the DLQ
    ],
)
def test_a_failed_delivery_is_hidden_for_the_consumers_backoff(stage, queues, failure, attempt, hidden_for):
    # Given an SMS whose delivery fails on its n-th attempt
    stage.setattr(notifications, "deliver_notification", only_the_sms(failure))

    # When the consumer gets it
    answer = deliver(attempt)

    # Then it goes back to its queue, hidden for base × 2^(attempt-1)
    assert answer["batchItemFailures"] == [{"itemIdentifier": "m-1"}]
    assert queues.postponed == [(Queue.MESSAGES, "receipt-1", hidden_for)]


def test_a_held_sms_waits_as_long_as_it_asked_and_a_late_copy_starts_afresh(stage, queues):
    stage.setattr(notifications, "deliver_notification", only_the_sms(Held(5400, "quiet hours")))

    first = deliver(1)
    late = deliver(3)

    assert first["batchItemFailures"] == [{"itemIdentifier": "m-1"}]
    assert queues.postponed == [(Queue.MESSAGES, "receipt-1", 5400)]
    assert late["batchItemFailures"] == []  # this copy is done; a fresh one counts anew
    assert queues.sent[Queue.MESSAGES] == [SMS.model_dump_json()]


@pytest.mark.parametrize(
    ("utc_time", "held_seconds"),
    [
        ("2026-03-02 20:30", None),  # 21:30 on the stage's clock (02:00 in India): sent
        ("2026-03-02 21:30", 8 * 3600 + 1800 + 1),  # 22:30 on the stage's clock: held until 07:00 there
        ("2026-03-03 05:59", 60 + 1),
        ("2026-03-03 06:00", None),  # 07:00 on the stage's clock (11:30 in India)
    ],
)
def test_quiet_hours_follow_the_stages_time_zone(stage, utc_time, held_seconds):
    # Given a stage one hour ahead of UTC, quiet from 22:00 to 07:00 on its clock
    stage.setenv("UTC_OFFSET_MINUTES", "60")
    stage.setenv("QUIET_HOURS", "22:00-07:00")
    get_settings.cache_clear()
    now = datetime.strptime(utc_time, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
    stage.setattr(delivery, "utc_now", lambda: now)
    sent: list[str] = []
    stage.setattr(delivery, "send_sms", lambda to, text: sent.append(text) or "sms-1")

    # When a citizen's SMS is to be delivered
    if held_seconds is None:
        # Then outside the stage's quiet hours it goes
        assert delivery.deliver_notification(SMS) == "sms-1"
        assert sent == [SMS.text]
    else:
        # and inside them it waits until they end on the stage's clock
        with pytest.raises(Held) as held:
            delivery.deliver_notification(SMS)
        assert held.value.seconds == held_seconds
        assert sent == []
