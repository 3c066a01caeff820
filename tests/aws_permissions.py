"""Which IAM permissions the app's AWS calls need, and whether a policy file grants them.

Chalice's policy analyzer cannot see PynamoDB, so every function has an explicit policy
file (`.chalice/policies/`). This module lets a test prove those files sufficient: it
records every AWS call made while the real handlers run against moto, attributes each to
the Lambda function it would run in (the HTTP handler or an event handler of `app.py`),
turns it into the (action, resource ARN) pairs IAM evaluates, and checks them against the
function's policy with CloudFormation's intrinsics resolved the way the stack resolves them.
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from botocore.client import BaseClient

API_HANDLER = "api_handler"


@dataclass(frozen=True)
class Call:
    function: str
    service: str
    operation: str
    params: dict[str, Any]


def function_of_current_stack() -> str | None:
    """The Lambda function this call runs in: an `app.py` event handler (Chalice wraps each
    in an `EventSourceHandler`) or, for HTTP, the app object itself; None outside both."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "__call__" and frame.f_code.co_filename.endswith("chalice/app.py"):
            owner = frame.f_locals.get("self")
            kind = type(owner).__name__
            if kind == "Chalice":
                return API_HANDLER
            if kind == "EventSourceHandler":
                return str(owner.func.__name__)
        frame = frame.f_back  # type: ignore[assignment]
    return None


@contextmanager
def recorded_calls(secret_ids: dict[str, str]) -> Iterator[list[Call]]:
    """Every AWS call a handler makes in this block (calls made by the test itself, the
    poller or moto are not a function's and are left out).

    Each function is its own process in Lambda, with its own warm caches: when the calling
    function changes, the app's cached addresses are forgotten, so each function looks up
    the queues it uses as it would deployed. The local stage holds its keys in its
    configuration; on a deployed stage reading one is a GetSecretValue of the secret named
    in `secret_ids` (setting name -> secret ARN), recorded as such."""
    from chalicelib import aws
    from chalicelib.security import keys

    calls: list[Call] = []
    original_call, original_key = BaseClient._make_api_call, keys.stage_key
    last_function: list[str | None] = [None]

    def record(function: str, service: str, operation: str, params: dict[str, Any]) -> None:
        if function != last_function[0]:
            last_function[0] = function
            aws.reset_caches()
        calls.append(Call(function, service, operation, params))

    def recording(client: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        function = function_of_current_stack()
        if function is not None:
            record(function, client.meta.service_model.service_name, operation_name, dict(api_params))
        return original_call(client, operation_name, api_params)

    def reading_key(name: str) -> str:
        function = function_of_current_stack()
        if function is not None:
            record(function, "secretsmanager", "GetSecretValue", {"SecretId": secret_ids[name]})
        return original_key(name)

    BaseClient._make_api_call = recording  # type: ignore[method-assign]
    keys.stage_key = reading_key
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original_call  # type: ignore[method-assign]
        keys.stage_key = original_key


class UnknownCall(Exception):
    """An AWS operation this module cannot map to IAM actions yet: teach it, don't skip it."""


_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}
_TRANSACT_ACTIONS |= {"ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
_SQS_BATCHES = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage"}
_SQS_BATCHES |= {"ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}
_SQS_SINGLES = {"SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes"}


def _dynamodb(operation: str, p: dict[str, Any], where: str) -> list[tuple[str, str]] | None:
    def table(name: str, index: str | None = None) -> str:
        return f"arn:aws:dynamodb:{where}:table/{name}" + (f"/index/{index}" if index else "")

    if operation in {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "DescribeTable"}:
        return [(f"dynamodb:{operation}", table(p["TableName"]))]
    if operation in {"Query", "Scan"}:
        return [(f"dynamodb:{operation}", table(p["TableName"], p.get("IndexName")))]
    if operation in {"BatchGetItem", "BatchWriteItem"}:
        return [(f"dynamodb:{operation}", table(name)) for name in p["RequestItems"]]
    if operation in {"TransactWriteItems", "TransactGetItems"}:
        return [
            (f"dynamodb:{_TRANSACT_ACTIONS[kind]}", table(detail["TableName"]))
            for item in p["TransactItems"]
            for kind, detail in item.items()
        ]
    return None


def _sqs(operation: str, p: dict[str, Any], where: str) -> list[tuple[str, str]] | None:
    def queue(url_or_name: str) -> str:
        return f"arn:aws:sqs:{where}:" + urlparse(url_or_name).path.rsplit("/", 1)[-1]

    if operation == "GetQueueUrl":
        return [("sqs:GetQueueUrl", queue(p["QueueName"]))]
    if operation in _SQS_BATCHES or operation in _SQS_SINGLES:
        return [(f"sqs:{_SQS_BATCHES.get(operation, operation)}", queue(p["QueueUrl"]))]
    return None


def _others(service: str, operation: str, p: dict[str, Any], where: str) -> list[tuple[str, str]] | None:
    if (service, operation) == ("sns", "Publish"):
        # SMS to a phone number has no resource to name: IAM evaluates it against "*".
        return [("sns:Publish", p.get("TopicArn") or p.get("TargetArn") or "*")]
    if (service, operation) == ("sesv2", "SendEmail"):
        domain = p["FromEmailAddress"].rsplit("@", 1)[-1]
        return [("ses:SendEmail", f"arn:aws:ses:{where}:identity/{domain}")]
    if (service, operation) == ("stepfunctions", "StartExecution"):
        return [("states:StartExecution", p["stateMachineArn"])]
    if (service, operation) == ("secretsmanager", "GetSecretValue"):
        return [("secretsmanager:GetSecretValue", p["SecretId"])]
    if service == "s3" and operation in {"HeadObject", "GetObject", "PutObject", "DeleteObject"}:
        action = {"HeadObject": "GetObject"}.get(operation, operation)
        if p.get("VersionId"):  # IAM authorizes reading or deleting one version as its own action
            action += "Version"
        return [(f"s3:{action}", f"arn:aws:s3:::{p['Bucket']}/{p['Key']}")]
    if (service, operation) == ("s3", "CopyObject"):
        source = p["CopySource"]
        read = "s3:GetObjectVersion" if source.get("VersionId") else "s3:GetObject"
        return [
            (read, f"arn:aws:s3:::{source['Bucket']}/{source['Key']}"),
            ("s3:PutObject", f"arn:aws:s3:::{p['Bucket']}/{p['Key']}"),
        ]
    if (service, operation) == ("s3", "ListObjectVersions"):
        return [("s3:ListBucketVersions", f"arn:aws:s3:::{p['Bucket']}")]
    if (service, operation) == ("s3", "DeleteObjects"):
        return [
            (
                "s3:DeleteObjectVersion" if o.get("VersionId") else "s3:DeleteObject",
                f"arn:aws:s3:::{p['Bucket']}/{o['Key']}",
            )
            for o in p["Delete"]["Objects"]
        ]
    if (service, operation) == ("sts", "GetCallerIdentity"):
        return []  # needs no permission
    return None


def required_permissions(call: Call, region: str, account: str) -> list[tuple[str, str]]:
    """(IAM action, resource ARN) pairs a call is authorized on."""
    found: list[tuple[str, str]] | None
    where = f"{region}:{account}"
    if call.service == "dynamodb":
        found = _dynamodb(call.operation, call.params, where)
    elif call.service == "sqs":
        found = _sqs(call.operation, call.params, where)
    else:
        found = _others(call.service, call.operation, call.params, where)
    if found is None:
        raise UnknownCall(f"{call.service}:{call.operation}")
    return found


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def event_source_permissions(queue_arn: str) -> list[tuple[str, str]]:
    """What Lambda's event source mapping does with the function's role on its queue."""
    return [(f"sqs:{action}", queue_arn) for action in ("ReceiveMessage", "DeleteMessage", "GetQueueAttributes")]


def allows(policy: dict[str, Any], action: str, resource: str) -> bool:
    """Whether an identity policy (intrinsics resolved) allows an action on a resource.
    Only Allow statements are written in our policy files; a Deny would be an error here."""
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow", "policy files only grant"
        actions = [a.lower() for a in _listed(statement["Action"])]
        if not any(fnmatch.fnmatchcase(action.lower(), pattern) for pattern in actions):
            continue
        if "NotResource" in statement:
            if not any(fnmatch.fnmatchcase(resource, p) for p in _listed(statement["NotResource"])):
                return True
        elif any(fnmatch.fnmatchcase(resource, pattern) for pattern in _listed(statement["Resource"])):
            return True
    return False
