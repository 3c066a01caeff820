"""Messages per grievance lifecycle: what one grievance sends, to whom, by which channel.

Starts an in-process moto server with the seeded demo state, then walks two lifecycles
through the real handlers and consumers — the happy path (file → route → accept → resolve →
feedback) and an untouched grievance that climbs every level — and prints how many SMS and
emails reached the citizen and the officers (read back from moto's outbox), how many
events went to the department's SNS topic, and how many signed deliveries its webhook got.

Run it with `make bench` or `.venv/bin/python bench/messages.py`.
"""

from __future__ import annotations

import json
import sys
import urllib.parse
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
CITIZEN_MOBILE, CITIZEN_EMAIL = "+919000012345", "bench.calls@example.in"


def topic_publish(operation_model: Any, request_dict: Any) -> str | None:
    """SNS publishes to a topic (the department feed), as opposed to SMS to a number."""
    body = request_dict.get("body")
    text = body.decode() if isinstance(body, bytes) else str(body or "")
    return "department topic" if operation_model.name == "Publish" and "TopicArn" in text else None


def main() -> None:
    sys.path.insert(0, str(REPO_ROOT))
    from chalice.test import Client

    from bench.aws_calls import callers_for_bench, count_aws_calls, seeded_local_app

    with seeded_local_app() as app, Client(app.app, stage_name="local") as client:
        walk = Lifecycles(client.http, app, callers_for_bench())
        print(f"{'lifecycle':58} {'to':10} {'channel':9} {'messages':>8}")
        for name, lifecycle in (
            ("file → route → accept → resolve → feedback", walk.happy_path),
            ("file → route → escalated 3 times → breach at the top", walk.untouched),
        ):
            webhooks_before = walk.webhook_deliveries()
            with count_aws_calls(topic_publish) as topic:
                counts = lifecycle()
            counts.update(
                {
                    ("department", "SNS topic"): topic["department topic"],
                    ("department", "webhook"): walk.webhook_deliveries() - webhooks_before,
                }
            )
            for (who, channel), n in sorted(counts.items()):
                print(f"{name:58} {who:10} {channel:9} {n:>8}")
            print(f"{name:58} {'all':10} {'':9} {sum(counts.values()):>8}")


class Lifecycles:
    def __init__(self, http: Any, app_module: Any, callers: Any) -> None:
        from bench.aws_calls import Consumers

        self.http, self.callers = http, callers
        self.consumers = Consumers(app_module)
        self.categories = iter(["ROADS_POTHOLE", "ROADS_STREETLIGHT", "ROADS_FALLEN_TREE"])

    def consume(self, handler: str) -> None:
        self.consumers.drain(handler)

    def call(self, method: str, path: str, token: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        send: Callable[..., Any] = getattr(self.http, method)
        response = (
            send(path, headers=headers, body=json.dumps(body)) if body is not None else send(path, headers=headers)
        )
        assert response.status_code < 300, (path, response.body)
        return response.json_body

    def file_and_route(self) -> tuple[str, str]:
        body = {
            "category": next(self.categories),
            "description": "Measured for messages per lifecycle.",
            "location": {"district": "PURI", "ward": "W-msg"},
        }
        tracking_id = self.call("post", "/grievances", self.callers.citizen_token, body)["tracking_id"]
        self.consume("route_grievances")
        owner = self.call("get", f"/grievances/{tracking_id}", self.callers.admin_token)["assigned_to"]
        return tracking_id, owner

    def happy_path(self) -> Counter[tuple[str, str]]:
        before = self.outbox_counts()
        tracking_id, owner = self.file_and_route()
        officer = self.callers.officer_tokens[owner]
        for step in ({"action": "accept"}, {"action": "resolve", "note": "Pothole filled."}):
            self.call("post", f"/grievances/{tracking_id}/actions", officer, step)
        self.call("post", f"/grievances/{tracking_id}/feedback", self.callers.citizen_token, {"rating": 5})
        return self.outbox_counts() - before

    def untouched(self) -> Counter[tuple[str, str]]:
        from chalicelib.models import grievances
        from chalicelib.services.grievance_timers import TimerMessage, handle_timer_event

        before = self.outbox_counts()
        tracking_id, _ = self.file_and_route()
        for _ in range(4):  # three escalations, then the breach at the top
            grievance = grievances.get_grievance(tracking_id)
            assert grievance is not None and grievance.due_at is not None
            handle_timer_event(
                TimerMessage("sla_warning", tracking_id, grievance.level, grievance.timer_seq), now=grievance.warn_at
            )
            handle_timer_event(
                TimerMessage("sla_breached", tracking_id, grievance.level, grievance.timer_seq), now=grievance.due_at
            )
        return self.outbox_counts() - before

    def deliver(self) -> None:
        for handler in ("fan_out_events", "deliver_notifications", "deliver_webhooks"):
            self.consume(handler)

    def webhook_deliveries(self) -> int:
        """Signed deliveries the ROADS department's webhook accepted so far."""
        self.deliver()
        received = self.http.get("/dev/outbox?department=ROADS").json_body["webhooks"]
        return sum(1 for d in received if d["verified"])

    def outbox_counts(self) -> Counter[tuple[str, str]]:
        """Messages in moto's outbox so far, by recipient kind and channel."""
        self.deliver()
        counts: Counter[tuple[str, str]] = Counter()
        recipients = [("citizen", CITIZEN_MOBILE), ("citizen", CITIZEN_EMAIL)]
        for contacts in self.callers.staff_contacts.values():
            recipients += [("officers", contact) for contact in contacts]
        for who, address in recipients:
            path = "/dev/outbox?to=" + urllib.parse.quote(address)
            for message in self.http.get(path).json_body["messages"]:
                counts[(who, message["channel"])] += 1
        return counts


if __name__ == "__main__":
    main()
