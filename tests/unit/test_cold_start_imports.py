"""What a cold start imports (issue 18): every function of the app imports `app.py` before its
first event, the API's before a public catalogue read, so what only some requests need is
imported by the request that needs it.

Behaviour, not timing (bench/coldstart.py measures that): a fresh interpreter imports the app
and serves nothing; none of these modules may be loaded by then.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

NOT_LOADED_BY_IMPORT = (
    # Heavy libraries of a few routes: the X-Ray SDK, jsonschema for forms, anyascii for
    # search, ULIDs.
    "aws_xray_sdk",
    "jsonschema",
    "anyascii",
    "ulid",
    # Accounts, national IDs and password rules: the edge needs only the caller's role.
    "chalicelib.domain.identity",
    # pydantic: the request models of the routes and the settings' model load on first use.
    "pydantic",
    "chalicelib.handlers.inputs",
    "chalicelib.settings",
    # Use cases, imported by the views that call them (the login check by the first
    # authenticated request), and the tables behind them.
    "chalicelib.services.file_grievance",
    "chalicelib.services.manage_catalogue",
    "chalicelib.services.browse_catalogue",
    "chalicelib.services.sessions",
    "pynamodb.models",
    # The aggregates' events, and the queue consumers that only the event handlers run.
    "chalicelib.domain.events",
    "chalicelib.handlers.notifications",
    "chalicelib.handlers.grievance_events",
    "aws_lambda_powertools.utilities.batch",
)


def modules_loaded_by_importing_the_app(names: tuple[str, ...]) -> list[str]:
    code = f"import json, sys, app; print(json.dumps(sorted(name for name in {names!r} if name in sys.modules)))"
    completed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(completed.stdout)
    return loaded


def test_a_cold_start_imports_only_what_every_request_needs():
    # Given a fresh interpreter, When it imports the app and serves nothing
    loaded = modules_loaded_by_importing_the_app(NOT_LOADED_BY_IMPORT)

    # Then no use case, table, request model or heavy library was loaded
    assert loaded == []


def test_the_check_sees_what_importing_the_app_loads():
    # The routes' modules and the HTTP edge are loaded: a list that came back empty because
    # nothing was looked at would prove nothing.
    expected = ("chalicelib.handlers.catalogue", "chalicelib.handlers.http", "chalice")

    assert modules_loaded_by_importing_the_app(expected) == sorted(expected)
