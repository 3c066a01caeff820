"""One definition of every AWS resource: the template the deploy merges is what moto gets,
the PynamoDB models agree with it key for key, index for index, and the app's logical
names (`chalicelib/resource_names.py`) are the template's names."""

from __future__ import annotations

import json

import boto3
import pytest
from pynamodb.models import Model

from chalicelib.models.applications import ApplicationRecord
from chalicelib.models.audit_trail import AuditEntryRecord
from chalicelib.models.catalogue import CatalogueEntry
from chalicelib.models.citizens import CitizenRecord, IdentityClaim
from chalicelib.models.counters import Counter
from chalicelib.models.grievances import GrievanceRecord
from chalicelib.models.notification_log import NotificationLogEntry
from chalicelib.models.officers import OfficerRecord
from chalicelib.models.otp_challenges import OtpChallengeRecord
from chalicelib.models.sessions import RefreshSessionRecord
from chalicelib.resource_names import Bucket, Queue, StateMachine, Table, Topic
from infra.provision import REPO_ROOT, load_template

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
MODELS: list[type[Model]] = [
    CitizenRecord,
    IdentityClaim,
    OfficerRecord,
    CatalogueEntry,
    GrievanceRecord,
    ApplicationRecord,
    AuditEntryRecord,
    NotificationLogEntry,
    Counter,
    OtpChallengeRecord,
    RefreshSessionRecord,
]
# Written by Powertools' Idempotency utility, which owns its own item shape.
TABLES_WITHOUT_MODEL = {Table.IDEMPOTENCY}
PREFIX = "${ResourcePrefix}-"


def of_type(kind: str) -> dict[str, dict]:
    return {logical: spec for logical, spec in RESOURCES.items() if spec["Type"] == kind}


def logical_table_name(spec: dict) -> str:
    return spec["Properties"]["TableName"]["Fn::Sub"].removeprefix(PREFIX)


def logical_names(kind: str, name_property: str, suffix: str = "") -> set[str]:
    """The logical names the template gives resources of one type: `${ResourcePrefix}-<name><suffix>`."""
    names = set()
    for logical_id, spec in of_type(kind).items():
        name = spec["Properties"][name_property]["Fn::Sub"]
        assert name.startswith(PREFIX) and name.endswith(suffix), f"{logical_id} is named {name!r}"
        names.add(name.removeprefix(PREFIX).removesuffix(suffix))
    return names


@pytest.mark.parametrize(
    ("names", "kind", "name_property", "suffix"),
    [
        (Table, "AWS::DynamoDB::Table", "TableName", ""),
        (Topic, "AWS::SNS::Topic", "TopicName", ""),
        (StateMachine, "AWS::Serverless::StateMachine", "Name", ""),
        (Bucket, "AWS::S3::Bucket", "BucketName", "-${AWS::AccountId}"),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else None,
)
def test_the_apps_resource_names_are_the_templates(names, kind, name_property, suffix):
    assert {str(name) for name in names} == logical_names(kind, name_property, suffix)


def test_every_queue_the_app_names_is_in_the_template_with_its_dead_letter_queue():
    expected = {str(queue) for queue in Queue} | {f"{queue}-dlq" for queue in Queue}

    assert logical_names("AWS::SQS::Queue", "QueueName") == expected
    by_name = {spec["Properties"]["QueueName"]["Fn::Sub"]: spec for spec in of_type("AWS::SQS::Queue").values()}
    for queue in Queue:
        target = by_name[PREFIX + queue]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        assert RESOURCES[target]["Properties"]["QueueName"]["Fn::Sub"] == f"{PREFIX}{queue}-dlq", queue


def table_shape(attribute_definitions: list, key_schema: list, indexes: list[tuple[str, list]]) -> dict:
    """Keys and index keys with their attribute types: what a model and a table must share."""
    types = {a["AttributeName"]: a["AttributeType"] for a in attribute_definitions}

    def keys(schema: list) -> dict:
        return {k["AttributeName"]: (k["KeyType"], types[k["AttributeName"]]) for k in schema}

    return {"keys": keys(key_schema), "indexes": {name: keys(schema) for name, schema in indexes}}


def template_table_shape(spec: dict) -> dict:
    props = spec["Properties"]
    indexes = [(i["IndexName"], i["KeySchema"]) for i in props.get("GlobalSecondaryIndexes", [])]
    return table_shape(props["AttributeDefinitions"], props["KeySchema"], indexes)


def model_table_shape(model: type[Model]) -> dict:
    schema = model._get_schema()
    indexes = [(i["index_name"], i["key_schema"]) for i in schema["global_secondary_indexes"]]
    return table_shape(schema["attribute_definitions"], schema["key_schema"], indexes)


def test_every_table_in_the_template_has_exactly_one_model_and_vice_versa():
    template_tables = {logical_table_name(spec) for spec in of_type("AWS::DynamoDB::Table").values()}
    model_tables = [model.Meta.table_name.removeprefix("crm-local-") for model in MODELS]

    assert len(model_tables) == len(set(model_tables))
    assert set(model_tables) | TABLES_WITHOUT_MODEL == template_tables


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_model_keys_and_indexes_match_the_template(model):
    logical = model.Meta.table_name.removeprefix("crm-local-")
    spec = next(s for s in of_type("AWS::DynamoDB::Table").values() if logical_table_name(s) == logical)

    assert model_table_shape(model) == template_table_shape(spec)


@pytest.mark.parametrize("logical_id", sorted(of_type("AWS::DynamoDB::Table")))
def test_every_table_is_protected_encrypted_and_recoverable(logical_id):
    props = RESOURCES[logical_id]["Properties"]

    assert props["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert RESOURCES[logical_id]["DeletionPolicy"] == "Retain"


def test_every_work_queue_dead_letters_into_a_queue_of_the_template():
    queues = of_type("AWS::SQS::Queue")
    work_queues = {k: v for k, v in queues.items() if "RedrivePolicy" in v["Properties"]}
    dead_letter_queues = set(queues) - set(work_queues)

    assert work_queues, "the template defines no work queue"
    targets = set()
    for spec in work_queues.values():
        policy = spec["Properties"]["RedrivePolicy"]
        assert policy["maxReceiveCount"] >= 5
        target = policy["deadLetterTargetArn"]["Fn::GetAtt"][0]
        assert target in dead_letter_queues
        targets.add(target)
    assert targets == dead_letter_queues, "a DLQ nobody redrives into"


def test_state_machine_definitions_are_files_whose_placeholders_are_all_substituted():
    for spec in of_type("AWS::Serverless::StateMachine").values():
        props = spec["Properties"]
        text = (REPO_ROOT / props["DefinitionUri"]).read_text("utf-8")
        json.loads(text)
        placeholders = {part.split("}", 1)[0] for part in text.split("${")[1:]}
        assert placeholders == set(props["DefinitionSubstitutions"])


def test_provisioning_creates_every_template_resource_on_moto(empty_stack):
    resources = empty_stack.resources
    region = resources.region
    dynamodb = boto3.client("dynamodb", region_name=region)
    sqs = boto3.client("sqs", region_name=region)

    assert set(resources.physical_ids) == set(RESOURCES)
    for logical_id, spec in of_type("AWS::DynamoDB::Table").items():
        table = dynamodb.describe_table(TableName=resources.physical_ids[logical_id])["Table"]
        expected_indexes = {i["IndexName"] for i in spec["Properties"].get("GlobalSecondaryIndexes", [])}
        assert {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])} == expected_indexes
    for logical_id, spec in of_type("AWS::SQS::Queue").items():
        attributes = sqs.get_queue_attributes(QueueUrl=resources.physical_ids[logical_id], AttributeNames=["All"])[
            "Attributes"
        ]
        if "RedrivePolicy" in spec["Properties"]:
            dlq_logical = spec["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            assert json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"] == resources.arns[dlq_logical]
            assert int(attributes["VisibilityTimeout"]) == spec["Properties"]["VisibilityTimeout"]
    sfn = boto3.client("stepfunctions", region_name=region)
    machines = {m["name"] for m in sfn.list_state_machines()["stateMachines"]}
    assert {
        RESOURCES[k]["Properties"]["Name"]["Fn::Sub"].replace("${ResourcePrefix}", "crm-local")
        for k in of_type("AWS::Serverless::StateMachine")
    } <= machines
    identities = boto3.client("ses", region_name=region).list_identities()["Identities"]
    assert "grievance.local.gov.in" in identities
    s3 = boto3.client("s3", region_name=region)
    bucket = resources.physical_ids["DocumentsBucket"]
    assert bucket == "crm-local-documents-123456789012"
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert encryption["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    (cors,) = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert cors["AllowedOrigins"] == ["http://127.0.0.1:8080", "http://localhost:8080"]  # the local portal's
    secrets = boto3.client("secretsmanager", region_name=region)
    for logical_id in of_type("AWS::SecretsManager::Secret"):
        value = secrets.get_secret_value(SecretId=resources.physical_ids[logical_id])["SecretString"]
        assert len(value) == 64 and value.isalnum()


def test_a_resource_type_the_local_stack_cannot_create_is_an_error_not_a_skip(bare_moto):
    from infra.provision import _Provisioner

    template = {"Resources": {"Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {}}}}

    with pytest.raises(ValueError, match="AWS::CloudWatch::Alarm"):
        _Provisioner(template, {}, "ap-south-1").run()


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [("http://localhost:8080", True), ("https://attacker.example", False), ("http://localhost:8081", False)],
)
def test_a_browser_may_reach_the_documents_bucket_only_from_the_portal(stack, origin, allowed):
    # Given the local stack's documents bucket, When a page at `origin` asks (a CORS
    # preflight) to POST an upload or GET a document
    import urllib.error
    import urllib.request

    from tests.conftest import ENDPOINT

    bucket = stack.resources.physical_ids["DocumentsBucket"]
    answers = []
    for method in ("POST", "GET"):
        request = urllib.request.Request(
            f"{ENDPOINT}/{bucket}/uploads/x",
            method="OPTIONS",
            headers={"Origin": origin, "Access-Control-Request-Method": method},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                answers.append(reply.status)
        except urllib.error.HTTPError as refused:
            answers.append(refused.code)

    # Then only the portal's origin is let in (moto's server echoes the origin header on
    # every answer, so the status is what tells)
    assert answers == ([200, 200] if allowed else [403, 403])
