"""`make dev`'s runner, started as a newcomer would: a separate process on free ports,
answering over real HTTP, then stopped with SIGTERM."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chalicelib.domain.identity import verhoeff_check_digit
from tests.conftest import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def local_stack():
    moto_port, api_port = free_port(), free_port()
    env = {**os.environ, "MOTO_PORT": str(moto_port), "API_PORT": str(api_port), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.devstack"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    deadline = time.monotonic() + 120  # a bound on a hung start, not a speed claim
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        output.append(line)
        if "Ctrl-C stops everything" in line:
            break
    else:
        process.kill()
    if process.poll() is not None or not any("local stack ready" in line for line in output):
        process.kill()
        pytest.fail("the local stack did not start:\n" + "".join(output))
    yield process, api_port, "".join(output)
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


def get(connection: http.client.HTTPConnection, path: str) -> tuple[int, dict]:
    connection.request("GET", path)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_the_banner_prints_demo_logins_for_every_level(local_stack):
    _, _, banner = local_stack

    for role in ("state_admin", "department_head", "supervisor", "officer"):
        assert f"/ {role}" in banner


def test_the_seeded_catalogue_is_served_over_http_on_one_keep_alive_connection(local_stack):
    _, api_port, _ = local_stack
    connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)

    health = get(connection, "/health")
    departments = get(connection, "/departments")
    services = get(connection, "/services?q=water&lang=hi")
    accounts = get(connection, "/dev/accounts")

    assert health == (200, {"status": "ok", "tables": "reachable"})
    assert departments[0] == 200 and len(departments[1]["departments"]) >= 6
    assert services[0] == 200 and services[1]["services"]
    assert accounts[0] == 200 and len(accounts[1]["accounts"]) > 100
    connection.close()


def request(connection: http.client.HTTPConnection, method: str, path: str, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"null")


def test_a_citizen_registers_reads_the_otp_from_the_outbox_verifies_and_logs_in(local_stack):
    _, api_port, _ = local_stack
    connection = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)
    digits = "98765432101"
    aadhaar = digits + verhoeff_check_digit(digits)
    mobile = "+919812300001"

    registered = request(
        connection,
        "POST",
        "/citizens",
        {
            "name": "Ravi Kumar",
            "national_id": aadhaar,
            "mobile": mobile,
            "password": "a long enough passphrase",
            "address": {"line": "7 Station Rd", "district": "CUTTACK", "pincode": "753001"},
        },
    )
    # The dev runner's poller delivers the queued SMS; wait (bounded) for it to land.
    for _ in range(100):
        _, outbox = request(connection, "GET", "/dev/outbox?to=%2B919812300001")
        if outbox["messages"]:
            break
        time.sleep(0.1)
    otp = re.search(r"\b(\d{6})\b", outbox["messages"][-1]["text"]).group(1)
    verified = request(connection, "POST", "/citizens/verify", {"mobile": mobile, "otp": otp})
    _, tokens = request(connection, "POST", "/auth/login", {"username": mobile, "password": "a long enough passphrase"})
    me = request(connection, "GET", "/me", token=tokens["access_token"])

    assert registered[0] == 201
    assert verified == (200, {"citizen_id": registered[1]["citizen_id"], "status": "active"})
    assert me[0] == 200 and me[1]["national_id"] == f"XXXX-XXXX-{aadhaar[-4:]}"
    connection.close()


def test_sigterm_stops_every_part_cleanly(local_stack):
    process, api_port, _ = local_stack

    process.send_signal(signal.SIGTERM)
    remaining, _ = process.communicate(timeout=60)

    assert process.returncode == 0
    assert "stopped." in remaining
    with pytest.raises(OSError):
        http.client.HTTPConnection("127.0.0.1", api_port, timeout=2).request("GET", "/health")
