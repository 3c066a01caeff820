"""Create a state's AWS resources from `infra/resources.json`, the template the deploy uses.

The local stack and the test suite call `provision()` against moto; `make package` merges
the same file into the CloudFormation that creates them in AWS. There is no second,
hand-written list of tables or queues: a resource type this module does not know is an
error, not a silent skip.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = REPO_ROOT / "infra" / "resources.json"
LOCAL_ACCOUNT_ID = "123456789012"


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class ProvisionedStack:
    """Physical ids by logical id: table names, queue URLs, topic and state machine ARNs."""

    region: str
    physical_ids: dict[str, str] = field(default_factory=dict)
    arns: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)


class _Provisioner:
    def __init__(self, template: dict[str, Any], parameters: dict[str, str], region: str) -> None:
        self.template = template
        self.parameters = parameters
        self.region = region
        self.stack = ProvisionedStack(region=region)
        self._creating: set[str] = set()
        self._clients: dict[str, Any] = {}
        self._creators: dict[str, Callable[[str, dict[str, Any]], None]] = {
            "AWS::DynamoDB::Table": self._create_table,
            "AWS::SQS::Queue": self._create_queue,
            "AWS::SNS::Topic": self._create_topic,
            "AWS::SES::EmailIdentity": self._create_email_identity,
            "AWS::Serverless::StateMachine": self._create_state_machine,
            "AWS::S3::Bucket": self._create_bucket,
            "AWS::SecretsManager::Secret": self._create_secret,
        }

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(service, region_name=self.region)
        return self._clients[service]

    def run(self) -> ProvisionedStack:
        resources = self.template["Resources"]
        unknown = {spec["Type"] for spec in resources.values()} - set(self._creators)
        if unknown:
            raise ValueError(
                f"infra/resources.json has resource types the local stack cannot create: {sorted(unknown)}"
            )
        for logical_id in resources:
            self._ensure(logical_id)
        return self.stack

    def _ensure(self, logical_id: str) -> None:
        if logical_id in self.stack.physical_ids:
            return
        if logical_id in self._creating:
            raise ValueError(f"circular reference through {logical_id}")
        self._creating.add(logical_id)
        spec = self.template["Resources"][logical_id]
        properties = self.resolve(spec.get("Properties", {}))
        self._creators[spec["Type"]](logical_id, properties)
        self._creating.discard(logical_id)

    # -- intrinsic functions -------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self._ref(argument)
            if key == "Fn::Sub":
                return self._sub(argument)
            if key == "Fn::GetAtt":
                return self._get_att(*argument)
        return {key: self.resolve(item) for key, item in value.items()}

    def _ref(self, name: str) -> Any:
        if name in self.parameters:
            value = self.parameters[name]
            if self.template.get("Parameters", {}).get(name, {}).get("Type") == "CommaDelimitedList":
                return [item.strip() for item in value.split(",") if item.strip()]
            return value
        if name == "AWS::Region":
            return self.region
        if name == "AWS::AccountId":
            return LOCAL_ACCOUNT_ID
        if name == "AWS::Partition":
            return "aws"
        self._ensure(name)
        return self.stack.physical_ids[name]

    def _sub(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if "." in name:
                return self._get_att(*name.split(".", 1))
            return str(self._ref(name))

        return re.sub(r"\$\{([A-Za-z0-9:._]+)\}", replace, text)

    def _get_att(self, logical_id: str, attribute: str) -> str:
        self._ensure(logical_id)
        if attribute == "Arn":
            return self.stack.arns[logical_id]
        return self.stack.attributes[(logical_id, attribute)]

    # -- resources -----------------------------------------------------------------------
    def _create_table(self, logical_id: str, props: dict[str, Any]) -> None:
        dynamodb = self.client("dynamodb")
        name = props["TableName"]
        arguments = {
            key: props[key]
            for key in ("TableName", "BillingMode", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes")
            if key in props
        }
        sse = props.get("SSESpecification", {})
        if sse.get("SSEEnabled"):
            arguments["SSESpecification"] = {"Enabled": True, "SSEType": sse.get("SSEType", "KMS")}
        if "DeletionProtectionEnabled" in props:
            arguments["DeletionProtectionEnabled"] = props["DeletionProtectionEnabled"]
        description = dynamodb.create_table(**arguments)["TableDescription"]
        if "TimeToLiveSpecification" in props:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=props["TimeToLiveSpecification"])
        if props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"):
            dynamodb.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
            )
        self.stack.physical_ids[logical_id] = name
        self.stack.arns[logical_id] = description["TableArn"]

    def _create_queue(self, logical_id: str, props: dict[str, Any]) -> None:
        sqs = self.client("sqs")
        attributes: dict[str, str] = {}
        for key, value in props.items():
            if key == "QueueName":
                continue
            if isinstance(value, dict):
                attributes[key] = json.dumps(value)
            elif isinstance(value, bool):
                attributes[key] = "true" if value else "false"
            else:
                attributes[key] = str(value)
        url = sqs.create_queue(QueueName=props["QueueName"], Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.stack.physical_ids[logical_id] = url
        self.stack.arns[logical_id] = arn
        self.stack.attributes[(logical_id, "QueueName")] = props["QueueName"]
        self.stack.attributes[(logical_id, "QueueUrl")] = url

    def _create_topic(self, logical_id: str, props: dict[str, Any]) -> None:
        attributes = {key: str(value) for key, value in props.items() if key != "TopicName"}
        arn = self.client("sns").create_topic(Name=props["TopicName"], Attributes=attributes)["TopicArn"]
        self.stack.physical_ids[logical_id] = arn
        self.stack.arns[logical_id] = arn
        self.stack.attributes[(logical_id, "TopicName")] = props["TopicName"]

    def _create_email_identity(self, logical_id: str, props: dict[str, Any]) -> None:
        identity = props["EmailIdentity"]
        ses = self.client("ses")
        if "@" in identity:
            ses.verify_email_identity(EmailAddress=identity)
        else:
            ses.verify_domain_identity(Domain=identity)
        self.stack.physical_ids[logical_id] = identity

    def _create_state_machine(self, logical_id: str, props: dict[str, Any]) -> None:
        definition = (REPO_ROOT / props["DefinitionUri"]).read_text(encoding="utf-8")
        for key, value in props.get("DefinitionSubstitutions", {}).items():
            definition = definition.replace("${" + key + "}", value)
        name = props["Name"]
        role_arn = f"arn:aws:iam::{LOCAL_ACCOUNT_ID}:role/{name}"
        arn = self.client("stepfunctions").create_state_machine(name=name, definition=definition, roleArn=role_arn)[
            "stateMachineArn"
        ]
        self.stack.physical_ids[logical_id] = arn
        self.stack.arns[logical_id] = arn

    def _create_bucket(self, logical_id: str, props: dict[str, Any]) -> None:
        s3 = self.client("s3")
        name = props["BucketName"]
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.region})
        if "BucketEncryption" in props:
            # CloudFormation's spelling of the API's rules
            rules = [
                {
                    "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                    "BucketKeyEnabled": rule.get("BucketKeyEnabled", False),
                }
                for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
        if "OwnershipControls" in props:
            s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=props["OwnershipControls"])
        if "VersioningConfiguration" in props:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props["VersioningConfiguration"])
        if "CorsConfiguration" in props:
            api_names = {"MaxAge": "MaxAgeSeconds", "Id": "ID"}
            rules = [
                {api_names.get(key, key): value for key, value in rule.items()}
                for rule in props["CorsConfiguration"]["CorsRules"]
            ]
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
        if "LifecycleConfiguration" in props:
            s3.put_bucket_lifecycle_configuration(
                Bucket=name,
                LifecycleConfiguration={
                    "Rules": [_lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]]
                },
            )
        self.stack.physical_ids[logical_id] = name
        self.stack.arns[logical_id] = f"arn:aws:s3:::{name}"

    def _create_secret(self, logical_id: str, props: dict[str, Any]) -> None:
        """A generated secret, as CloudFormation's GenerateSecretString makes it."""
        secrets = self.client("secretsmanager")
        generate = props.get("GenerateSecretString", {})
        value = secrets.get_random_password(
            PasswordLength=generate.get("PasswordLength", 32),
            ExcludePunctuation=generate.get("ExcludePunctuation", False),
        )["RandomPassword"]
        arn = secrets.create_secret(Name=props["Name"], Description=props.get("Description", ""), SecretString=value)[
            "ARN"
        ]
        self.stack.physical_ids[logical_id] = arn
        self.stack.arns[logical_id] = arn


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's spelling of one S3 lifecycle rule, in the API's."""
    translated: dict[str, Any] = {
        "ID": rule["Id"],
        "Status": rule["Status"],
        "Filter": {"Prefix": rule.get("Prefix", "")},
    }
    if "ExpirationInDays" in rule:
        translated["Expiration"] = {"Days": rule["ExpirationInDays"]}
    if "NoncurrentVersionExpiration" in rule:
        translated["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": rule["NoncurrentVersionExpiration"]["NoncurrentDays"]
        }
    return translated


def provision(
    *, resource_prefix: str, ses_sender_domain: str, allowed_origins: Sequence[str], region: str
) -> ProvisionedStack:
    """Create every resource of the template for one stage; returns their physical ids."""
    parameters = {
        "ResourcePrefix": resource_prefix,
        "SesSenderDomain": ses_sender_domain,
        "AllowedOrigins": ",".join(allowed_origins),
    }
    return _Provisioner(load_template(), parameters, region).run()
