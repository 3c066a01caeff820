"""The one Logger and Metrics of the app (Powertools), registered once in `app.py`.

Tracer is left out on purpose: importing the X-Ray SDK costs ~95 ms of every cold start
(see bench/coldstart.py) for traces API Gateway and Lambda already sample at the edge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()


def count_event(name: str) -> None:
    """One business metric per domain event (GrievanceFiled, GrievanceEscalated, ...),
    flushed as CloudWatch EMF by the middleware at the end of the invocation."""
    from aws_lambda_powertools.metrics import MetricUnit

    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)


def log_request(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """One structured line per request: route template and status, never the raw path or
    query string (they can carry a mobile number or a tracking id with its last digits)."""
    response = get_response(event)
    logger.info(
        "request handled",
        extra={"method": event.method, "route": event.context.get("resourcePath"), "status": response.status_code},
    )
    return response
