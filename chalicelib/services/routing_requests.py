"""Handing a registered grievance to routing: one message on the routing queue.

The routing consumer (services/route_grievance.py) routes a registered grievance and
ignores any other, so a message sent twice, or for a grievance routed meanwhile, is harmless.
"""

from __future__ import annotations

import json

from chalicelib import adapters
from chalicelib.resource_names import Queue


def request_routing(tracking_id: str) -> None:
    adapters.current().queues.send(Queue.ROUTING, json.dumps({"tracking_id": tracking_id}))
