"""Routes about the API itself: health and the OpenAPI document."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.handlers.http import route

system_api = Blueprint(__name__)

OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi.json"


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    return document


@route(system_api, "/health", methods=["GET"], public=True)
def health() -> dict[str, str]:
    from chalicelib.services.check_health import check_health

    return check_health()


@route(system_api, "/openapi.json", methods=["GET"], public=True)
def openapi() -> Response:
    return Response(body=openapi_document(), headers={"Content-Type": "application/json"})
