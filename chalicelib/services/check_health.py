"""Is this stack able to serve? Answered by one cheap read of the catalogue table."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from chalicelib.domain.errors import Unavailable
from chalicelib.models import catalogue

logger = Logger(child=True)


def check_health() -> dict[str, str]:
    try:
        catalogue.ping()
    except Exception as error:  # any failure to reach DynamoDB means "not healthy"
        logger.warning("health check failed", extra={"error": type(error).__name__})
        raise Unavailable("The stack cannot reach its tables.") from None
    return {"status": "ok", "tables": "reachable"}
