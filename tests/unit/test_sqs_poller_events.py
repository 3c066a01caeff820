"""The local SQS poller's pure helpers: the event it hands a handler, the failures it reads back."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes import SQSEvent

from infra.sqs_poller import failed_message_ids, lambda_event

QUEUE_ARN = "arn:aws:sqs:ap-south-1:123456789012:crm-local-messages"
REGION = "ap-south-1"


def received(n: int, **overrides: Any) -> dict[str, Any]:
    """A message as `sqs.receive_message(AttributeNames=["All"], MessageAttributeNames=["All"])` returns it."""
    message = {
        "MessageId": f"message-{n}",
        "ReceiptHandle": f"receipt-{n}",
        "MD5OfBody": f"md5-{n}",
        "Body": f'{{"notification": {n}}}',
        "Attributes": {
            "SenderId": "AIDAEXAMPLE",
            "SentTimestamp": "1767225600000",
            "ApproximateReceiveCount": str(n),
            "ApproximateFirstReceiveTimestamp": "1767225600001",
        },
        "MessageAttributes": {"channel": {"StringValue": "sms", "DataType": "String"}},
    }
    message.update(overrides)
    return message


# --- lambda_event() ---------------------------------------------------------------------------


def test_each_message_becomes_one_record_in_order():
    messages = [received(1), received(2), received(3)]

    event = lambda_event(messages, QUEUE_ARN, REGION)

    assert set(event) == {"Records"}
    assert [r["messageId"] for r in event["Records"]] == ["message-1", "message-2", "message-3"]


def test_a_record_has_the_shape_lambda_gives_an_sqs_handler():
    # Given one message as SQS returned it
    message = received(2)

    # When it is wrapped as Lambda's event-source mapping would
    (record,) = lambda_event([message], QUEUE_ARN, REGION)["Records"]

    # Then the record carries Lambda's camelCase keys, the queue and the region
    assert set(record) == {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "md5OfMessageAttributes",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    }
    assert record["messageId"] == message["MessageId"]
    assert record["receiptHandle"] == message["ReceiptHandle"]
    assert record["body"] == message["Body"]
    assert record["md5OfBody"] == message["MD5OfBody"]
    assert record["attributes"] == message["Attributes"]
    assert set(record["messageAttributes"]) == {"channel"}
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == QUEUE_ARN
    assert record["awsRegion"] == REGION


def test_a_message_without_optional_parts_gets_empty_ones():
    # Given a message received without asking for attributes
    bare = {"MessageId": "m", "ReceiptHandle": "r", "Body": "{}"}

    (record,) = lambda_event([bare], QUEUE_ARN, REGION)["Records"]

    assert record["attributes"] == {}
    assert record["messageAttributes"] == {}
    assert record["md5OfBody"] == ""


def test_no_messages_is_an_event_with_no_records():
    assert lambda_event([], QUEUE_ARN, REGION) == {"Records": []}


def test_powertools_reads_the_event_as_an_sqs_event():
    # The app's SQS handlers read the event through Powertools: it must find what it looks for.
    event = SQSEvent(lambda_event([received(1), received(3)], QUEUE_ARN, REGION))

    records = list(event.records)

    assert [r.message_id for r in records] == ["message-1", "message-3"]
    assert [r.receipt_handle for r in records] == ["receipt-1", "receipt-3"]
    assert [r.json_body for r in records] == [{"notification": 1}, {"notification": 3}]
    assert [r.attributes.approximate_receive_count for r in records] == ["1", "3"]
    assert {r.event_source_arn for r in records} == {QUEUE_ARN}
    assert {r.aws_region for r in records} == {REGION}
    assert {r.queue_url for r in records} == {"https://sqs.ap-south-1.amazonaws.com/123456789012/crm-local-messages"}


# --- failed_message_ids() --------------------------------------------------------------------


BATCH = {f"message-{n}" for n in range(1, 6)}


def test_the_failures_are_the_item_identifiers_of_batch_item_failures():
    response = {"batchItemFailures": [{"itemIdentifier": "message-2"}, {"itemIdentifier": "message-5"}]}

    assert failed_message_ids(response, BATCH) == {"message-2", "message-5"}


@pytest.mark.parametrize(
    "response", [None, {"batchItemFailures": []}, {"batchItemFailures": None}, {}, {"statusCode": 200}], ids=repr
)
def test_a_response_reporting_no_failures_fails_nothing(response):
    assert failed_message_ids(response, BATCH) == set()


@pytest.mark.parametrize(
    "response",
    [
        "ok",
        0,
        [],
        [{"itemIdentifier": "message-1"}],
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"id": "message-1"}]},
        {"batchItemFailures": [{"itemIdentifier": "message-1"}, {"itemIdentifier": "not-in-this-batch"}]},
    ],
    ids=repr,
)
def test_an_answer_lambda_cannot_read_fails_the_whole_batch(response):
    # Lambda's documented rule: an invalid answer or identifier means a complete failure
    assert failed_message_ids(response, BATCH) == BATCH


def test_failures_reported_by_a_powertools_batch_handler_are_read_back():
    # Given a real Powertools batch handler that fails every record with an even receive count
    def deliver(record: Any) -> None:
        if int(record.attributes.approximate_receive_count) % 2 == 0:
            raise RuntimeError("SMS gateway said no")

    event = lambda_event([received(n) for n in range(1, 6)], QUEUE_ARN, REGION)

    # When it handles the event the poller built
    response = process_partial_response(
        event=event, record_handler=deliver, processor=BatchProcessor(event_type=EventType.SQS)
    )

    # Then the poller would keep exactly those messages for a retry
    assert failed_message_ids(response, BATCH) == {"message-2", "message-4"}


def test_message_attributes_read_through_powertools_as_on_lambda():
    # Given a message with a string attribute, as the SQS API returns it
    (record,) = SQSEvent(lambda_event([received(1)], QUEUE_ARN, REGION)).records

    # Then Powertools finds it where Lambda puts it
    assert record.message_attributes["channel"].string_value == "sms"
    assert record.message_attributes["channel"].data_type == "String"
