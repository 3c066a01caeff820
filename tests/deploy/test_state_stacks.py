"""Every example state packages offline into a stack CloudFormation would accept and that
keeps its promises: `chalice package --merge-template` really runs, cfn-lint passes, the
SAM template expands with aws-sam-translator, and the expanded template is checked for
what ops and the data-protection officer rely on."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chalicelib.config import ENVIRONMENT_VARIABLES
from chalicelib.settings import Settings
from infra.package import (
    SECRET_VARIABLES,
    deployable_stages,
    expand_offline,
    import_as_lambda,
    load_stage,
    merge_template,
    package,
)
from infra.portal_bundle import bundle_files
from infra.provision import REPO_ROOT, load_template
from infra.web_server import WEB_ROOT

STAGES = deployable_stages()
DEFINITIONS = load_template()["Resources"]
DATA_SERVICES = ("dynamodb", "s3", "secretsmanager")


class Packaged:
    def __init__(self, stage: str, out: Path) -> None:
        self.stage = load_stage(stage)
        self.out = out
        self.sam = json.loads((out / "sam.json").read_text())
        self.expanded = expand_offline(self.sam, self.stage.region)

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.expanded["Resources"].items() if v["Type"] == kind}

    def value(self, value: Any) -> Any:
        """A property with the stage's parameters and pseudo-parameters substituted."""
        text = json.dumps(value)
        for name, parameter in self.sam["Parameters"].items():
            text = text.replace("${" + name + "}", parameter["Default"])
        return json.loads(text.replace("${AWS::Region}", self.stage.region))


@pytest.fixture(scope="module", params=STAGES)
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Packaged:
    return Packaged(request.param, package(request.param, tmp_path_factory.mktemp(request.param)))


def test_there_are_at_least_two_example_states_besides_local():
    assert len(STAGES) >= 2 and "local" not in STAGES


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_configures_a_valid_state(stage):
    config = load_stage(stage)
    settings = Settings.model_validate(
        {field: config.environment[env] for field, env in ENVIRONMENT_VARIABLES.items() if env in config.environment}
    )

    assert settings.stage == stage and settings.resource_prefix == f"crm-{stage}"
    assert settings.ses_sender.endswith(f".{stage}.gov.in") and settings.sms_sender_id
    assert len(settings.languages) >= 2 and settings.working_days and settings.holidays
    assert settings.quiet_hours and settings.sla_seconds_per_hour == 3600
    # deployed keys come from Secrets Manager, never from the configuration file
    assert settings.identity_hmac_key is None and settings.jwt_signing_key is None
    assert settings.webhook_signing_key is None
    assert settings.allowed_origins and all(origin.startswith("https://") for origin in settings.allowed_origins)
    assert config.region.startswith("ap-south-") and config.api_throttling["rate_limit"] > 0


def test_cfn_lint_finds_nothing(stack):
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(stack.out / "sam.json")], capture_output=True, text=True
    )

    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_template_keeps_the_local_stacks_definitions_unchanged(stack):
    for logical_id, definition in DEFINITIONS.items():
        packaged = stack.sam["Resources"][logical_id]
        if definition["Type"] == "AWS::Serverless::StateMachine":
            # inlined from the very ASL file the local stack loads
            uri = definition["Properties"]["DefinitionUri"]
            properties = dict(packaged["Properties"])
            assert properties.pop("Definition") == json.loads((REPO_ROOT / uri).read_text())
            packaged = {**packaged, "Properties": {**properties, "DefinitionUri": uri}}
        assert packaged == definition, logical_id


def test_every_table_is_encrypted_recoverable_and_kept(stack):
    tables = stack.of_type("AWS::DynamoDB::Table")

    assert len(tables) == sum(d["Type"] == "AWS::DynamoDB::Table" for d in DEFINITIONS.values())
    for logical_id, table in tables.items():
        props = table["Properties"]
        assert props["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}, logical_id
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], logical_id
        assert props["DeletionProtectionEnabled"] is True, logical_id
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain", logical_id
    assert "TimeToLiveSpecification" in tables["OtpChallengesTable"]["Properties"]


def test_every_queue_dead_letters_and_outlasts_six_function_timeouts(stack):
    queues = stack.of_type("AWS::SQS::Queue")
    functions = stack.of_type("AWS::Lambda::Function")
    mappings = stack.of_type("AWS::Lambda::EventSourceMapping")
    dead_letter_queues = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for q in queues.values()
        if "RedrivePolicy" in q["Properties"]
    }

    for logical_id, queue in queues.items():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
        if logical_id not in dead_letter_queues:
            assert queue["Properties"]["RedrivePolicy"]["maxReceiveCount"] >= 5, logical_id
    assert len(mappings) == len(dead_letter_queues) == 5
    for mapping in mappings.values():
        props = mapping["Properties"]
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        queue_name = stack.value(props["EventSourceArn"])["Fn::Sub"].rsplit(":", 1)[-1]
        (queue,) = [q for q in queues.values() if stack.value(q["Properties"]["QueueName"])["Fn::Sub"] == queue_name]
        function = functions[props["FunctionName"]["Ref"]]
        assert queue["Properties"]["VisibilityTimeout"] >= 6 * function["Properties"]["Timeout"], queue_name
        assert "RedrivePolicy" in queue["Properties"], queue_name


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for policy in role["Properties"].get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_every_function_has_its_own_role_log_group_and_name(stack):
    functions = stack.of_type("AWS::Lambda::Function")
    log_groups = stack.of_type("AWS::Logs::LogGroup")

    roles = [f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()]
    assert len(set(roles)) == len(functions) == 8
    for logical_id, function in functions.items():
        name = stack.value(function["Properties"]["FunctionName"])["Fn::Sub"]
        assert name.startswith(f"crm-{stack.stage.name}-"), name
        assert (
            f"{logical_id}LogGroup" in log_groups
            and log_groups[f"{logical_id}LogGroup"]["Properties"]["RetentionInDays"]
        )
        variables = function["Properties"]["Environment"]["Variables"]
        assert not {"IDENTITY_HMAC_KEY", "JWT_SIGNING_KEY", "WEBHOOK_SIGNING_KEY"} & set(variables), logical_id


def _readable_secrets(role: dict[str, Any]) -> set[str]:
    return {
        resource["Ref"]
        for statement in _statements(role)
        if "secretsmanager:GetSecretValue" in _listed(statement["Action"])
        for resource in _listed(statement["Resource"])
        if isinstance(resource, dict) and "Ref" in resource
    }


def test_each_function_is_told_of_and_may_read_only_its_own_keys(stack):
    roles = stack.of_type("AWS::IAM::Role")
    secret_of = {variable: {"Ref": secret} for variable, secret in SECRET_VARIABLES.items()}
    told, readable = {}, {}
    for logical_id, function in stack.of_type("AWS::Lambda::Function").items():
        variables = function["Properties"]["Environment"]["Variables"]
        told[logical_id] = {v for v in variables if v in secret_of and variables[v] == secret_of[v]}
        readable[logical_id] = _readable_secrets(roles[function["Properties"]["Role"]["Fn::GetAtt"][0]])
        assert {SECRET_VARIABLES[v] for v in told[logical_id]} == readable[logical_id], logical_id

    # the webhooks function signs with its own key and never holds the one hashing national IDs
    assert readable["DeliverWebhooks"] == {"WebhookSigningKeySecret"}
    assert {"IdentityHmacKeySecret", "JwtSigningKeySecret", "WebhookSigningKeySecret"} <= readable["APIHandler"]
    assert all(not keys for name, keys in readable.items() if name not in {"APIHandler", "DeliverWebhooks"})


def test_no_role_grants_a_wildcard_on_data_or_any_action_on_every_resource(stack):
    for logical_id, role in stack.of_type("AWS::IAM::Role").items():
        for statement in _statements(role):
            resources = json.dumps(statement.get("Resource", ""))
            wildcard_action = any("*" in action for action in _listed(statement["Action"]))
            assert statement.get("Resource") != "*", (logical_id, statement)
            assert not (wildcard_action and any(f":{s}:" in resources for s in DATA_SERVICES)), (logical_id, statement)


def test_documents_bucket_and_secrets_are_private_encrypted_and_kept(stack):
    assert set(stack.of_type("AWS::S3::Bucket")) == {"DocumentsBucket", "PortalBucket"}
    bucket = stack.expanded["Resources"]["DocumentsBucket"]
    props = bucket["Properties"]

    assert all(props["PublicAccessBlockConfiguration"].values())
    rule = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert bucket["DeletionPolicy"] == "Retain"
    policy = stack.expanded["Resources"]["DocumentsBucketPolicy"]
    (deny,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    for secret in stack.of_type("AWS::SecretsManager::Secret").values():
        assert secret["DeletionPolicy"] == "Retain" and "GenerateSecretString" in secret["Properties"]


def test_only_the_states_portal_may_use_the_documents_bucket_from_a_browser(stack):
    bucket = stack.expanded["Resources"]["DocumentsBucket"]
    (rule,) = bucket["Properties"]["CorsConfiguration"]["CorsRules"]
    origins = stack.sam["Parameters"]["AllowedOrigins"]["Default"].split(",")

    assert rule["AllowedOrigins"] == {"Ref": "AllowedOrigins"}
    assert stack.sam["Parameters"]["AllowedOrigins"]["Type"] == "CommaDelimitedList"
    assert origins == list(
        Settings(stage="x", allowed_origins=stack.stage.environment["ALLOWED_ORIGINS"]).allowed_origins
    )
    assert origins == [f"https://grievance.{stack.stage.name}.gov.in"]


def test_the_api_answers_preflight_itself_and_its_gateway_errors_name_only_the_portal(stack):
    definition = stack.sam["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    paths = definition["paths"]
    portal = f"'https://grievance.{stack.stage.name}.gov.in'"

    # Every path's preflight goes to the function (handlers/cors.py), none to a fixed mock.
    assert paths and all(p["options"]["x-amazon-apigateway-integration"]["type"] == "aws_proxy" for p in paths.values())
    # API Gateway's own answers (throttling, unknown paths) carry the portal's origin, no other.
    responses = definition["x-amazon-apigateway-gateway-responses"]
    assert set(responses) == {"DEFAULT_4XX", "DEFAULT_5XX"}
    assert all(
        r["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == portal
        for r in responses.values()
    )
    assert "'*'" not in json.dumps(stack.sam)


def test_alarms_watch_every_dead_letter_queue_the_api_and_sla_breaches(stack):
    alarms = stack.of_type("AWS::CloudWatch::Alarm")
    watched_queues = {
        a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for a in alarms.values()
        if a["Properties"]["Namespace"] == "AWS/SQS"
    }

    assert watched_queues == {k for k in stack.of_type("AWS::SQS::Queue") if k.endswith("DeadLetterQueue")}
    metrics = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms.values()}
    assert ("AWS/ApiGateway", "5XXError") in metrics and ("CitizenCRM", "GrievanceEscalated") in metrics
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "OpsAlarmsTopic"}] for a in alarms.values())


def test_the_api_is_named_for_the_state_and_throttled(stack):
    (api_stage,) = stack.of_type("AWS::ApiGateway::Stage").values()
    (api,) = stack.of_type("AWS::ApiGateway::RestApi").values()

    settings = api_stage["Properties"]["MethodSettings"][0]
    assert settings["ThrottlingRateLimit"] == stack.stage.api_throttling["rate_limit"]
    assert settings["ThrottlingBurstLimit"] == stack.stage.api_throttling["burst_limit"]
    assert stack.value(api["Properties"]["Name"])["Fn::Sub"] == f"crm-{stack.stage.name}-api"


def test_the_deployment_zip_leaves_out_what_the_lambda_runtime_ships(stack):
    with zipfile.ZipFile(stack.out / "deployment.zip") as archive:
        top_level = {name.split("/", 1)[0] for name in archive.namelist()}

    assert {"app.py", "chalicelib", "pynamodb", "aws_lambda_powertools", "pydantic_core"} <= top_level
    assert not {"boto3", "botocore", "s3transfer"} & top_level
    assert not any(name.startswith(("tests", "infra", "bench", ".venv")) for name in top_level)
    # and what ships is enough: the app imports with only the zip and the runtime's boto3
    import_as_lambda(stack.out / "deployment.zip", stack.stage)


NAME_PROPERTIES = ("TableName", "QueueName", "TopicName", "BucketName", "Name", "FunctionName", "LogGroupName")


def test_two_states_share_no_resource_name():
    """Per-state isolation: every named resource of a state's stack carries its prefix."""
    import app

    names: dict[str, set[str]] = {}
    for stage_name in STAGES[:2]:
        stage = load_stage(stage_name)
        template = merge_template(stage, app)
        names[stage_name] = {
            json.dumps(spec["Properties"][key]).replace("${ResourcePrefix}", stage.resource_prefix)
            for spec in template["Resources"].values()
            for key in NAME_PROPERTIES
            if key in spec.get("Properties", {})
        }
        assert len(names[stage_name]) > 40
        assert all(stage.resource_prefix in name for name in names[stage_name]), names[stage_name]
    first, second = names.values()
    assert not first & second


def test_the_portal_is_a_private_bucket_only_its_cloudfront_distribution_reads(stack):
    resources = stack.expanded["Resources"]
    bucket = resources["PortalBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}

    allow, deny = resources["PortalBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"} and allow["Action"] == "s3:GetObject"
    assert "${PortalDistribution}" in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}

    config = resources["PortalDistribution"]["Properties"]["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["PortalOriginAccessControl", "Id"]}
    assert origin["DomainName"] == {"Fn::GetAtt": ["PortalBucket", "RegionalDomainName"]}
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https" and behaviour["AllowedMethods"] == ["GET", "HEAD"]
    assert config["DefaultRootObject"] == "index.html"
    # The portal's own domain (the origin the API lets in) once the stage names its certificate
    assert config["Aliases"]["Fn::If"][1] == [f"grievance.{stack.stage.name}.gov.in"]
    assert stack.sam["Parameters"]["PortalCertificateArn"]["Default"] == stack.stage.portal.get("certificate_arn", "")
    assert {"PortalURL", "PortalBucketName", "PortalDistributionId"} <= set(stack.sam["Outputs"])


def test_the_portals_pages_may_talk_only_to_the_states_api_and_documents_bucket(stack):
    headers = stack.expanded["Resources"]["PortalHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    policy = headers["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    directives = dict(part.split(" ", 1) for part in policy.split("; "))

    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert directives["connect-src"].split() == [
        "'self'",
        "https://${RestAPI}.execute-api.${AWS::Region}.amazonaws.com",
        "https://${DocumentsBucket}.s3.amazonaws.com",
        "https://${DocumentsBucket}.s3.${AWS::Region}.amazonaws.com",
    ]
    assert "*" not in policy.replace("${", "").replace("::", "")
    assert headers["SecurityHeadersConfig"]["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000


def test_the_package_carries_the_portal_bundle_without_the_local_config(stack):
    bundle = stack.out / "web"
    shipped = sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file())

    assert shipped == bundle_files() and "index.html" in shipped and "js/app.js" in shipped
    assert "config.js" not in shipped  # deploy writes it, naming this stage's API
    for name in shipped:
        assert (bundle / name).read_bytes() == (WEB_ROOT / name).read_bytes(), name
