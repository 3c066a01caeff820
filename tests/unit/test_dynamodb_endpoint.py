"""Where the transactions' connection sends DynamoDB calls: where botocore sends any other
client's, DynamoDB's own endpoint (`AWS_ENDPOINT_URL_DYNAMODB`) before the general one.
`make burst` serves DynamoDB from a moto process of its own that way."""

from __future__ import annotations

from chalicelib.models.base import shared_connection


def test_transactions_follow_dynamodbs_own_endpoint_before_the_general_one(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4001")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:4002")
    assert shared_connection().host == "http://127.0.0.1:4002"

    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB")
    assert shared_connection().host == "http://127.0.0.1:4001"
