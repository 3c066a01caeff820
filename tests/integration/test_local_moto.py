"""The local moto server as the stack needs it: DynamoDB transactions from many threads at
once all land, moto's dashboard-only instance lists do not keep every copy a transaction
makes, and a client's connection stays open between its calls. (Unserialised, moto's races
are timing-dependent: they showed under the burst bench as 500s while copying a table
mid-write; this test holds the outcome, not the timing.)"""

from __future__ import annotations

import http.client
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import urllib3.connection
from moto.core.model_instances import model_data

from chalicelib.domain.identity import Principal, Role
from chalicelib.models import audit_trail, grievances
from chalicelib.services.file_grievance import NewGrievance, file_grievance


def test_concurrent_transactions_all_land_and_nothing_is_rolled_back(citizen, routed_grievance):
    """Officers' stale writes (cancelled transactions, which moto rolls back by restoring a
    copy of the table) race with citizens filing: every filing must still be there."""
    from chalicelib.domain import grievance as lifecycle
    from chalicelib.domain.errors import Conflict

    people = [citizen() for _ in range(5)]
    contested = grievances.get_grievance(routed_grievance(people[0], category="WELFARE_APPLICATION_PENDING"))
    officer = Principal(contested.assignee_id, Role.OFFICER, contested.department, contested.district)
    categories = [
        "WATER_NO_SUPPLY",
        "ROADS_POTHOLE",
        "SANITATION_GARBAGE",
        "ELECTRICITY_OUTAGE",
        "HEALTH_DOCTOR_ABSENT",
    ]
    filings = [(person, category) for person in people for category in categories]

    def file(job: tuple) -> str:
        person, category = job
        request = NewGrievance(description=f"Concurrent filing: {category}.", district="CUTTACK", category=category)
        return file_grievance(Principal(person.citizen_id, Role.CITIZEN), request).tracking_id

    def stale_comment(n: int) -> str:
        change = lifecycle.comment(contested, officer, f"Note {n}.", contested.filed_at)
        try:
            grievances.save_change(contested, change, contested.filed_at)
        except Conflict:
            return "conflict"
        return "saved"

    # Interleaved, so cancelled transactions and filings really overlap.
    jobs = [job for n, filing in enumerate(filings) for job in ((stale_comment, n), (file, filing))]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda job: (job[0], job[0](job[1])), jobs))
    outcomes = [result for run, result in results if run is stale_comment]
    tracking_ids = [result for run, result in results if run is file]

    assert outcomes.count("saved") == 1 and outcomes.count("conflict") == len(filings) - 1
    assert len(set(tracking_ids)) == len(filings)
    missing = [t for t in tracking_ids if grievances.get_grievance(t) is None or len(audit_trail.history(t)) != 1]
    assert missing == []


def test_moto_does_not_keep_every_copy_a_transaction_makes(citizen, file_grievance):
    person = citizen()
    for category in ("WATER_NO_SUPPLY", "ROADS_POTHOLE", "HEALTH_DOCTOR_ABSENT"):
        file_grievance(person, category=category)

    tracked = {name: len(model.instances_tracked) for name, model in model_data["dynamodb"].items()}

    assert tracked and all(count == 0 for count in tracked.values()), tracked


LIST_TABLES = {
    "X-Amz-Target": "DynamoDB_20120810.ListTables",
    "Content-Type": "application/x-amz-json-1.0",
    "Authorization": "AWS4-HMAC-SHA256 Credential=local/20261204/ap-south-1/dynamodb/aws4_request, "
    "SignedHeaders=host, Signature=local",
}


def test_the_server_keeps_a_connection_open_between_requests(moto_server):
    """Each request with a body read whole, then the next one on the same socket: both
    answered, the connection never closed by the server."""
    host, port = moto_server.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    answers = []
    for body in ("{}", '{"Limit": 1}', "{}"):
        connection.request("POST", "/", body=body, headers=LIST_TABLES)
        sock = connection.sock
        answer = connection.getresponse()
        answers.append((answer.status, answer.will_close, "TableNames" in json.loads(answer.read())))
        assert connection.sock is sock  # the same socket for the next request
    connection.close()

    assert answers == [(200, False, True)] * 3


def test_the_server_closes_when_the_client_asks(moto_server):
    host, port = moto_server.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("POST", "/", body="{}", headers={**LIST_TABLES, "Connection": "close"})
    answer = connection.getresponse()
    answer.read()

    assert answer.status == 200 and answer.will_close


def test_a_client_makes_its_calls_over_one_connection(moto_server, monkeypatch):
    connects = []
    connect = urllib3.connection.HTTPConnection.connect

    def counted(self: Any) -> None:
        connects.append(self.port)
        connect(self)

    monkeypatch.setattr(urllib3.connection.HTTPConnection, "connect", counted)
    sqs = boto3.client("sqs", region_name="ap-south-1", endpoint_url=moto_server)
    url = sqs.create_queue(QueueName=f"keep-alive-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    for n in range(20):
        sqs.send_message(QueueUrl=url, MessageBody=f"message {n}")
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    sqs.delete_queue(QueueUrl=url)

    assert len(received) == 10
    assert len(connects) == 1
