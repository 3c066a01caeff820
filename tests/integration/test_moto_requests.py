"""The local moto's cheaper request path (infra/moto_requests.py) answers as moto's own does.

Each piece is compared with moto's (and werkzeug's, Flask's, http.server's) code on the same
input: the request log line (written when the `werkzeug` logger would write it, not built
when it would not), the `Date` header, the form, files, stream and body a request reads
for every kind of body, and `camelcase_to_underscores` on every operation name of the local
stack's services and on odd names. Then requests of each of those services are served by
the local stack's server both ways, and status, headers and bodies compared (request ids,
message ids, receipt handles and timestamps, which differ on every call, set aside).
"""

from __future__ import annotations

import email.utils
import http.server
import io
import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import flask
import moto.core.utils
import pytest
from botocore.exceptions import ClientError
from moto.moto_server.werkzeug_app import BackendRequest, MotoRequestHandler, create_backend_app
from werkzeug.datastructures import FileStorage
from werkzeug.test import EnvironBuilder

from infra import moto_requests

REGION = "ap-south-1"


@pytest.fixture
def motos_own() -> Iterator[None]:
    """moto's own request path unless a test installs ours; as it was afterwards."""
    installed = bool(moto_requests.MOTOS_OWN)
    moto_requests.uninstall()
    yield
    moto_requests.uninstall()
    if installed:
        moto_requests.install()


# camelcase_to_underscores


def names() -> list[Any]:
    session = botocore.session.get_session()
    found: list[Any] = []
    for service in ("dynamodb", "sqs", "sns", "ses", "sesv2", "stepfunctions", "iam", "sts"):
        model = session.get_service_model(service)
        found += model.operation_names
        for operation in model.operation_names:
            shape = model.operation_model(operation).input_shape
            found += list(shape.members) if shape is not None else []
    found += ["", "A", "a", "AB", "ABc", "HTTPHeader", "getHTTPResponseCode", "already_snake", "two words"]
    found += ["ÀBc", "a1B2c3", "X-Amz-Target", "SSEKMSKeyId", "KmsMasterKeyId", "FifoQueue", "ÉtatÉté", "  "]
    found += [None, ["Ab", "Cd"], ("X", "y")]  # not names, but moto's walk takes them
    return found


def test_names_convert_as_moto_converts_them(motos_own: None) -> None:
    theirs = moto.core.utils.camelcase_to_underscores
    moto_requests.install()
    for name in names() * 2:  # the second time from memory
        assert moto_requests.camelcase_to_underscores(name) == theirs(name), name


def test_every_module_that_imported_the_conversion_uses_ours_until_uninstalled(motos_own: None) -> None:
    import moto.sns.responses
    import moto.sqs.models

    theirs = moto.core.utils.camelcase_to_underscores
    moto_requests.install()
    for module in (moto.core.utils, moto.core.responses, moto.sqs.models, moto.sns.responses):
        assert module.camelcase_to_underscores is moto_requests.camelcase_to_underscores
    moto_requests.uninstall()
    holders = [
        module
        for module in list(sys.modules.values())
        if hasattr(module, "camelcase_to_underscores") and module is not moto_requests
    ]
    assert moto_requests.camelcase_to_underscores.__module__ == moto_requests.__name__
    assert all(module.camelcase_to_underscores is not moto_requests.camelcase_to_underscores for module in holders)
    assert moto.core.utils.camelcase_to_underscores is theirs


# the Date header


def test_the_date_header_is_http_servers(motos_own: None, monkeypatch: pytest.MonkeyPatch) -> None:
    handler = object.__new__(MotoRequestHandler)
    moments = [1_796_000_000 + step / 4 for step in range(12)] + [1_796_000_000.9, 1_795_999_999.5, 0.0, 1e9 + 0.999]
    moto_requests.install()
    for moment in moments:
        monkeypatch.setattr("time.time", lambda moment=moment: moment)
        expected = email.utils.formatdate(moment, usegmt=True)
        assert http.server.BaseHTTPRequestHandler.date_time_string(handler) == expected
        assert handler.date_time_string() == expected, moment
        assert handler.date_time_string(moment + 86_400) == email.utils.formatdate(moment + 86_400, usegmt=True)


# the request log


def logged_lines(caplog: pytest.LogCaptureFixture, level: int, call: Any) -> list[str]:
    """What the `werkzeug` logger writes while `call` is served, timestamps set aside."""
    werkzeug_logger = logging.getLogger("werkzeug")
    before = werkzeug_logger.level
    caplog.clear()
    try:
        werkzeug_logger.setLevel(level)
        with caplog.at_level(level, logger="werkzeug"):
            call()
    finally:
        werkzeug_logger.setLevel(before)
    return [
        re.sub(r"\[[^]]*\]", "[when]", record.getMessage()) for record in caplog.records if record.name == "werkzeug"
    ]


def test_the_request_log_is_written_exactly_when_werkzeug_would(
    motos_own: None, moto_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    sqs = boto3.client("sqs", region_name=REGION)

    def unknown_queue() -> None:
        with pytest.raises(ClientError):
            sqs.get_queue_url(QueueName="no-such-queue")

    calls = [sqs.list_queues, unknown_queue]
    for call in calls:
        theirs = {level: logged_lines(caplog, level, call) for level in (logging.INFO, logging.ERROR)}
        moto_requests.install()
        ours = {level: logged_lines(caplog, level, call) for level in (logging.INFO, logging.ERROR)}
        moto_requests.uninstall()
        assert ours == theirs
        assert len(theirs[logging.INFO]) == 1 and not theirs[logging.ERROR]


# the body a request reads


def bodies() -> list[tuple[str, dict[str, Any]]]:
    """Requests' bodies of every kind (made afresh: a file is read once)."""
    return [
        ("json 1.0", {"data": b'{"QueueUrl": "q"}', "content_type": "application/x-amz-json-1.0"}),
        ("json", {"data": b'{"a": [1, 2]}', "content_type": "application/json"}),
        ("json with charset", {"data": b'{"a": 1}', "content_type": "application/json; charset=utf-8"}),
        (
            "query",
            {
                "data": b"Action=Publish&Message=hi+there&A.1=%C3%A9",
                "content_type": "application/x-www-form-urlencoded",
            },
        ),
        (
            "query with charset",
            {"data": b"Action=Publish&x=", "content_type": "application/x-www-form-urlencoded; charset=utf-8"},
        ),
        ("text", {"data": "déjà vu".encode(), "content_type": "text/plain"}),
        ("xml", {"data": b"<a><b>1</b></a>", "content_type": "application/xml"}),
        ("empty json", {"data": b"", "content_type": "application/x-amz-json-1.1"}),
        ("no content type", {"data": b"some bytes"}),
        ("nothing", {}),
        ("octets", {"data": bytes(range(256)), "content_type": "application/octet-stream"}),
        ("multipart", {"data": {"key": "k", "file": (io.BytesIO(b"file body"), "f.txt")}}),
        (
            "multipart, no file",
            {"data": {"key": "k", "Content-Type": "text/plain"}, "content_type": "multipart/form-data"},
        ),
    ]


def read(app: flask.Flask, spec: dict[str, Any], first: str) -> dict[str, Any]:
    """What moto's setup reads of a request: `data` and then `form` and `files` (or the other
    way round), `values`, what is left of the stream, `get_data` again."""
    builder = EnvironBuilder(method="POST", path="/", **spec)
    environ = builder.get_environ()
    builder.close()
    with app.request_context(environ):
        request = flask.request._get_current_object()  # type: ignore[attr-defined]
        assert isinstance(request, BackendRequest)
        seen: dict[str, Any] = {}
        order = ["data", "form"] if first == "data" else ["form", "data"]
        for part in order:
            if part == "data":
                seen["data"] = request.data
            else:
                seen["form"] = request.form.to_dict(flat=False)
                seen["files"] = {
                    name: [(f.filename, f.stream.read()) for f in files]
                    for name, files in request.files.to_dict(flat=False).items()
                }
                seen["files truthy"] = bool(request.files)
                seen["files kind"] = isinstance(request.files, type(request.form))
        seen["values"] = request.values.to_dict(flat=False)
        seen["rest of stream"] = request.stream.read()
        seen["get_data"] = request.get_data()
        seen["get_data text"] = request.get_data(as_text=True)
        seen["form type"] = type(request.form)
        return seen


def test_request_bodies_read_as_flask_reads_them(motos_own: None) -> None:
    app = create_backend_app("sqs")
    assert app.debug  # moto's server runs Flask in debug mode, where Flask wraps `files`
    for first in ("data", "form"):
        for (label, spec), (_, again) in zip(bodies(), bodies(), strict=True):
            theirs = read(app, spec, first)
            moto_requests.install()
            ours = read(app, again, first)
            moto_requests.uninstall()
            assert ours == theirs, (label, first)


def test_a_form_post_still_has_its_files(motos_own: None) -> None:
    moto_requests.install()
    app = create_backend_app("s3")
    form = {"key": "k", "file": (io.BytesIO(b"file body"), "f.txt")}
    environ = EnvironBuilder(method="POST", path="/", data=form).get_environ()
    with app.request_context(environ):
        files = flask.request.files
        assert isinstance(files["file"], FileStorage)
        assert files["file"].read() == b"file body"


# requests served both ways


VARYING = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r'("ReceiptHandle": ?")[^"]+'), r"\1<handle>"),
    (re.compile(r"\b1\d{9}(\.\d+)?\b|\b1\d{12}\b"), "<time>"),
    (re.compile(r"(<RequestId>)[^<]+"), r"\1<request>"),
]
SET_ASIDE = {"date", "x-amzn-requestid", "x-amz-crc32", "x-amz-request-id", "x-amz-id-2"}


class Answers:
    """Every raw answer a client receives: status, headers, body."""

    def __init__(self, *clients: Any) -> None:
        self.seen: list[tuple[str, int, dict[str, str], str]] = []
        for client in clients:
            client.meta.events.register("after-call", self.record)

    def record(self, http_response: Any, model: Any, **_: Any) -> None:
        body = http_response.content.decode()
        for pattern, mask in VARYING:
            body = pattern.sub(mask, body)
        headers = {k.lower(): v for k, v in http_response.headers.items() if k.lower() not in SET_ASIDE}
        if "content-length" in headers:  # a timestamp set aside may be a digit shorter
            assert int(headers["content-length"]) == len(http_response.content)
            headers["content-length"] = "<the body's>"
        self.seen.append((model.name, http_response.status_code, headers, body))


def serve_calls(run: str) -> list[tuple[str, int, dict[str, str], str]]:
    db = boto3.client("dynamodb", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    sfn = boto3.client("stepfunctions", region_name=REGION)
    answers = Answers(db, sqs, sns, sfn)
    table, name = f"requests-{run}", f"requests-{run}"

    def refused(call: Any, **kwargs: Any) -> None:
        with pytest.raises(ClientError):
            call(**kwargs)

    db.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    db.put_item(TableName=table, Item={"id": {"S": "a"}, "n": {"N": "1"}, "l": {"L": [{"S": "x"}]}})
    db.get_item(TableName=table, Key={"id": {"S": "a"}})
    db.get_item(TableName=table, Key={"id": {"S": "missing"}})
    refused(db.get_item, TableName="no-such-table", Key={"id": {"S": "a"}})
    refused(db.put_item, TableName=table, Item={"id": {"S": "a"}}, ConditionExpression="attribute_not_exists(id)")
    db.delete_table(TableName=table)

    queue = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    sqs.send_message(
        QueueUrl=queue, MessageBody="hello", MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}}
    )
    received = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"], AttributeNames=["All"])
    sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=received["Messages"][0]["ReceiptHandle"])
    refused(sqs.get_queue_url, QueueName="no-such-queue")
    refused(sqs.send_message, QueueUrl=queue, MessageBody="late", DelaySeconds=1000)
    sqs.delete_queue(QueueUrl=queue)

    topic = sns.create_topic(Name=name)["TopicArn"]
    sns.publish(TopicArn=topic, Message="hi", MessageAttributes={"d": {"DataType": "String", "StringValue": "W"}})
    sns.get_topic_attributes(TopicArn=topic)
    refused(sns.publish, TopicArn=topic + "-missing", Message="hi")
    sns.delete_topic(TopicArn=topic)

    sfn.list_state_machines()
    refused(sfn.describe_execution, executionArn=f"arn:aws:states:{REGION}:123456789012:execution:none:x")
    return [(op, status, headers, body.replace(run, "<run>")) for op, status, headers, body in answers.seen]


def test_requests_are_answered_as_moto_answers_them(motos_own: None, moto_server: str) -> None:
    theirs = serve_calls(uuid.uuid4().hex[:8])
    moto_requests.install()
    ours = serve_calls(uuid.uuid4().hex[:8])
    assert len(ours) == len(theirs) > 15
    for mine, moto_s in zip(ours, theirs, strict=True):
        assert mine == moto_s
    assert any(json.loads(body).get("Item") for op, _, _, body in ours if op == "GetItem" and body.startswith("{"))
