"""The smallest Chalice app that answers what `GET /services/{code}` answers: one route, one
boto3 `get_item` on the stage's catalogue table, the stored document returned as JSON.

bench/coldstart.py times its first response in a fresh process beside citizen-crm's, as
the floor a Chalice app on boto3 cannot go below. The client is made on first use, as
chalicelib/aws.py makes them, so both pay for creating it inside the first request.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
from chalice.app import Chalice, NotFoundError

app = Chalice(app_name="coldstart-baseline")
_clients: dict[str, Any] = {}


def dynamodb() -> Any:
    if "dynamodb" not in _clients:
        _clients["dynamodb"] = boto3.client("dynamodb", region_name=os.environ["AWS_DEFAULT_REGION"])
    return _clients["dynamodb"]


@app.route("/services/{code}", methods=["GET"])
def get_service(code: str) -> dict[str, Any]:
    table = f"{os.environ['RESOURCE_PREFIX']}-catalogue"
    answer = dynamodb().get_item(TableName=table, Key={"kind": {"S": "SERVICE"}, "code": {"S": code}})
    if "Item" not in answer:
        raise NotFoundError(code)
    document: dict[str, Any] = json.loads(answer["Item"]["details"]["S"])
    return document
