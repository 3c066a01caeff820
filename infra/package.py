"""Package one state's stack: `make package STATE=odisha` writes `build/odisha/`.

    build/<stage>/merge.json       what is merged into Chalice's template (below)
    build/<stage>/sam.json         the SAM template CloudFormation deploys
    build/<stage>/deployment.zip   the code, without what the Lambda runtime already ships
    build/<stage>/web/             the portal, which `make deploy` publishes behind CloudFront

The merge template is `infra/resources.json` (the very definitions the local stack
provisions on moto) plus what only a deployed stack has: the stage's parameter values,
the state machines' ASL inlined from the same files the local stack loads, partial batch
responses on every SQS mapping, the API's name and throttling, the keys from Secrets
Manager (each function is told only of the secrets its policy file lets it read), alarms,
and the portal's private bucket behind CloudFront (infra/portal_bundle.py). Chalice's
merge is deep: it can add keys but only replace values, so everything here adds to what
`chalice package` generates. A stage unfit to deploy (the local stage, a
key given directly, an origin that is not https) is refused before anything is built.

Nothing here talks to AWS; `infra/deploy.py` does that with the output.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chalicelib.domain.events import GrievanceEscalated
from chalicelib.resource_names import Queue
from infra.portal_bundle import write_bundle

REPO_ROOT = Path(__file__).resolve().parent.parent
CHALICE_CONFIG = REPO_ROOT / ".chalice" / "config.json"
BUILD_DIR = REPO_ROOT / "build"
API_LOGICAL_ID = "RestAPI"
API_HANDLER = "api_handler"
LOG_RETENTION_DAYS = 90
# The Lambda Python runtime already has these (boto3 and its own dependencies); PynamoDB
# and Powertools pull them in, and shipping a second copy would be 16 of the zip's 18 MB.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath")


def deny_insecure_transport(bucket: str) -> dict[str, Any]:
    """A bucket policy statement refusing every request to the bucket not made over TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [{"Fn::GetAtt": [bucket, "Arn"]}, {"Fn::Sub": "${" + bucket + ".Arn}/*"}],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


# Deployed only: the local stack serves moto over plain HTTP, where this would refuse everything.
DOCUMENTS_OVER_TLS_ONLY = {
    "Type": "AWS::S3::BucketPolicy",
    "Properties": {
        "Bucket": {"Ref": "DocumentsBucket"},
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [deny_insecure_transport("DocumentsBucket")]},
    },
}
SECRET_VARIABLES = {
    "IDENTITY_HMAC_KEY_SECRET": "IdentityHmacKeySecret",
    "JWT_SIGNING_KEY_SECRET": "JwtSigningKeySecret",
    "WEBHOOK_SIGNING_KEY_SECRET": "WebhookSigningKeySecret",
}


@dataclass(frozen=True)
class Stage:
    """One state's stage of `.chalice/config.json`."""

    name: str
    region: str
    environment: dict[str, str]
    api_throttling: dict[str, float] = field(default_factory=dict)
    alarms: dict[str, Any] = field(default_factory=dict)
    # {"certificate_arn": ACM certificate in us-east-1 for the portal's domain,
    #  "api_origin": the API's own domain}; both optional.
    portal: dict[str, str] = field(default_factory=dict)

    @property
    def resource_prefix(self) -> str:
        return self.environment["RESOURCE_PREFIX"]

    @property
    def ses_sender_domain(self) -> str:
        return self.environment["SES_SENDER"].rsplit("@", 1)[-1]

    @property
    def stack_name(self) -> str:
        return f"{self.resource_prefix}-stack"

    @property
    def parameters(self) -> dict[str, str]:
        return {
            "ResourcePrefix": self.resource_prefix,
            "SesSenderDomain": self.ses_sender_domain,
            "AllowedOrigins": self.environment.get("ALLOWED_ORIGINS", ""),
            "PortalCertificateArn": self.portal.get("certificate_arn", ""),
        }

    @property
    def languages(self) -> list[str]:
        return [code.strip() for code in self.environment.get("LANGUAGES", "en").split(",") if code.strip()]


def load_stage(name: str, config_path: Path = CHALICE_CONFIG) -> Stage:
    config = json.loads(config_path.read_text(encoding="utf-8"))
    if name not in config["stages"]:
        raise SystemExit(f"no stage {name!r} in {config_path.name}; stages: {', '.join(config['stages'])}")
    stage = config["stages"][name]
    return Stage(
        name=name,
        region=stage["region"],
        environment={**config.get("environment_variables", {}), **stage.get("environment_variables", {})},
        api_throttling=stage.get("api_throttling", {}),
        alarms=stage.get("alarms", {}),
        portal=stage.get("portal", {}),
    )


def deployable_stage(name: str, config_path: Path = CHALICE_CONFIG) -> Stage:
    """The stage, if it may live in AWS; a SystemExit saying what is wrong otherwise."""
    from pydantic import ValidationError

    from chalicelib.config import ENVIRONMENT_VARIABLES, KEYS
    from chalicelib.settings import LOCAL_STAGE, Settings

    stage = load_stage(name, config_path)
    if name == LOCAL_STAGE:
        raise SystemExit("the local stage runs only on this machine (make dev); deploy a state's stage")
    if stage.environment.get("STAGE") != name:
        raise SystemExit(f"stage {name!r} must set STAGE={name} (an unset or other STAGE is refused)")
    given = [ENVIRONMENT_VARIABLES[key] for key in KEYS if stage.environment.get(ENVIRONMENT_VARIABLES[key])]
    if given:
        raise SystemExit(
            f"stage {name!r} sets {', '.join(given)} in {config_path.name}: a deployed stage reads its keys only "
            "from the Secrets Manager secrets its stack generates; remove them"
        )
    try:
        origins = Settings(stage=name, allowed_origins=stage.environment.get("ALLOWED_ORIGINS", "")).allowed_origins
    except ValidationError as error:
        raise SystemExit(f"stage {name!r}: ALLOWED_ORIGINS: {error.errors()[0]['msg']}") from None
    if not origins or not all(origin.startswith("https://") for origin in origins):
        raise SystemExit(f"stage {name!r} must name its portal's https origins in ALLOWED_ORIGINS, and only those")
    return stage


def secrets_readable_by(handler: str, config_path: Path = CHALICE_CONFIG) -> set[str]:
    """Logical ids of the secrets the function's policy file lets it read."""
    config = json.loads(config_path.read_text(encoding="utf-8"))
    policy_path = config_path.parent / config["lambda_functions"][handler]["iam_policy_file"]
    statements = json.loads(policy_path.read_text(encoding="utf-8"))["Statement"]
    return {
        resource["Ref"]
        for statement in statements
        if "secretsmanager:GetSecretValue" in statement["Action"]
        for resource in statement["Resource"]
        if isinstance(resource, dict) and "Ref" in resource
    }


def deployable_stages(config_path: Path = CHALICE_CONFIG) -> list[str]:
    """Every stage but `local`, which only ever runs on moto."""
    return [name for name in json.loads(config_path.read_text(encoding="utf-8"))["stages"] if name != "local"]


def _cfn_name(name: str) -> str:
    from chalice.utils import to_cfn_resource_name

    return str(to_cfn_resource_name(name))


def function_name(handler: str) -> str:
    """The deployed name of a function, e.g. crm-odisha-fan-out-events (without the prefix):
    named, not generated, so its policy can name its own log group."""
    return "api" if handler == API_HANDLER else handler.replace("_", "-")


def function_logical_id(handler: str) -> str:
    return "APIHandler" if handler == API_HANDLER else _cfn_name(handler)


def sqs_consumers(app_module: Any) -> dict[str, Queue]:
    """Chalice handler name -> the queue it consumes."""
    from chalice.app import SQSEventConfig

    from chalicelib.config import resource_name

    prefix = resource_name("")
    return {
        source.name: Queue(source.queue.removeprefix(prefix))
        for source in app_module.app.event_sources
        if isinstance(source, SQSEventConfig)
    }


def merge_template(stage: Stage, app_module: Any) -> dict[str, Any]:
    from infra.provision import load_template

    resources_template = load_template()
    parameters = {**copy.deepcopy(resources_template["Parameters"]), **PORTAL_PARAMETERS}
    for name, value in stage.parameters.items():
        parameters[name]["Default"] = value

    resources: dict[str, Any] = {}
    for logical_id, spec in resources_template["Resources"].items():
        spec = copy.deepcopy(spec)
        if spec["Type"] == "AWS::Serverless::StateMachine":
            # The same ASL file the local stack loads, inlined: nothing to upload separately.
            uri = spec["Properties"].pop("DefinitionUri")
            spec["Properties"]["Definition"] = json.loads((REPO_ROOT / uri).read_text(encoding="utf-8"))
        resources[logical_id] = spec

    queue_ids = {
        spec["Properties"]["QueueName"]["Fn::Sub"].removeprefix("${ResourcePrefix}-"): logical_id
        for logical_id, spec in resources_template["Resources"].items()
        if spec["Type"] == "AWS::SQS::Queue"
    }
    consumers = sqs_consumers(app_module)
    for handler in [API_HANDLER, *(source.name for source in app_module.app.event_sources)]:
        function_id = function_logical_id(handler)
        name = {"Fn::Sub": "${ResourcePrefix}-" + function_name(handler)}
        resources[function_id] = {"Properties": {"FunctionName": name}}
        # Created here, before the function, so it has a retention and needs no CreateLogGroup.
        resources[f"{function_id}LogGroup"] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": {"Fn::Sub": "/aws/lambda/${ResourcePrefix}-" + function_name(handler)},
                "RetentionInDays": LOG_RETENTION_DAYS,
            },
        }
        resources[function_id]["DependsOn"] = [f"{function_id}LogGroup"]
        # Each function learns only of the secrets its policy lets it read (the webhooks
        # function, say, never of the identity key).
        readable = secrets_readable_by(handler)
        resources[function_id]["Properties"]["Environment"] = {
            "Variables": {
                variable: {"Ref": secret} for variable, secret in SECRET_VARIABLES.items() if secret in readable
            }
        }
        if handler in consumers:
            # The mapping names its queue by ARN, not Ref: make CloudFormation create it first.
            resources[function_id]["DependsOn"].append(queue_ids[consumers[handler]])
            resources[function_id]["Properties"]["Events"] = {
                _cfn_name(f"{handler}-sqs-event-source"): {
                    "Properties": {"FunctionResponseTypes": ["ReportBatchItemFailures"]}
                }
            }

    api_properties: dict[str, Any] = {"Name": {"Fn::Sub": "${ResourcePrefix}-api"}}
    if stage.api_throttling:
        api_properties["MethodSettings"] = [
            {
                "ResourcePath": "/*",
                "HttpMethod": "*",
                "ThrottlingRateLimit": stage.api_throttling["rate_limit"],
                "ThrottlingBurstLimit": stage.api_throttling["burst_limit"],
                "MetricsEnabled": True,
            }
        ]
    origins = [origin for origin in stage.environment.get("ALLOWED_ORIGINS", "").split(",") if origin.strip()]
    if len(origins) == 1:
        # API Gateway's own answers (throttled 429s, 502/504, unknown paths) never reach the
        # Lambda that answers CORS (handlers/cors.py): with one portal, they name it too, so
        # the portal can read them. With several, a fixed header could name only one: none.
        api_properties["DefinitionBody"] = {
            "x-amazon-apigateway-gateway-responses": _portal_gateway_responses(origins[0])
        }
    resources[API_LOGICAL_ID] = {"Properties": api_properties}
    resources.update(alarms(stage, resources_template["Resources"]))
    resources["DocumentsBucketPolicy"] = DOCUMENTS_OVER_TLS_ONLY
    resources.update(portal_resources(stage))

    return {
        "Parameters": parameters,
        "Conditions": {"PortalHasDomain": {"Fn::Not": [{"Fn::Equals": [{"Ref": "PortalCertificateArn"}, ""]}]}},
        "Resources": resources,
        "Outputs": {
            "PortalURL": {"Value": {"Fn::Sub": "https://${PortalDistribution.DomainName}"}},
            "PortalBucketName": {"Value": {"Ref": "PortalBucket"}},
            "PortalDistributionId": {"Value": {"Ref": "PortalDistribution"}},
            "DocumentsBucketName": {"Value": {"Ref": "DocumentsBucket"}},
            "DepartmentEventsTopicArn": {"Value": {"Ref": "DepartmentEventsTopic"}},
            "OperationsCentreTopicArn": {"Value": {"Ref": "OperationsCentreTopic"}},
            "OpsAlarmsTopicArn": {"Value": {"Ref": "OpsAlarmsTopic"}},
        },
    }


PORTAL_PARAMETERS = {
    "PortalCertificateArn": {
        "Type": "String",
        "Default": "",
        "AllowedPattern": "^(arn:aws:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]+)?$",
        "Description": "The ACM certificate (us-east-1) for the portal's domains, the hosts of ALLOWED_ORIGINS; "
        "empty: the portal answers only on its cloudfront.net name.",
    }
}
# AWS's managed cache policy "CachingOptimized": nothing of the request varies the answer.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
PORTAL_DISTRIBUTION_ARN = "arn:aws:cloudfront::${AWS::AccountId}:distribution/${PortalDistribution}"


def portal_resources(stage: Stage) -> dict[str, Any]:
    """The portal's bucket, readable only by its CloudFront distribution (origin access
    control), and the distribution serving it over HTTPS with a content security policy that
    lets the page talk to this state's API and documents bucket and nothing else."""
    origins = stage.environment.get("ALLOWED_ORIGINS", "").split(",")
    hosts = [origin.strip().removeprefix("https://") for origin in origins if origin.strip()]
    api_origins = ["https://${RestAPI}.execute-api.${AWS::Region}.amazonaws.com"]
    if stage.portal.get("api_origin"):
        api_origins.append(stage.portal["api_origin"].rstrip("/"))
    documents = [
        "https://${DocumentsBucket}.s3.amazonaws.com",
        "https://${DocumentsBucket}.s3.${AWS::Region}.amazonaws.com",
    ]
    policy = "; ".join(
        [
            "default-src 'self'",
            f"connect-src 'self' {' '.join(api_origins + documents)}",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )
    return {
        "PortalBucket": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": {"Fn::Sub": "${ResourcePrefix}-portal-${AWS::AccountId}"},
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            },
        },
        "PortalOriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": {"Fn::Sub": "${ResourcePrefix}-portal"},
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        "PortalHeaders": {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {
                "ResponseHeadersPolicyConfig": {
                    "Name": {"Fn::Sub": "${ResourcePrefix}-portal-headers"},
                    "SecurityHeadersConfig": {
                        "ContentSecurityPolicy": {"ContentSecurityPolicy": {"Fn::Sub": policy}, "Override": True},
                        "ContentTypeOptions": {"Override": True},
                        "FrameOptions": {"FrameOption": "DENY", "Override": True},
                        "ReferrerPolicy": {"ReferrerPolicy": "strict-origin-when-cross-origin", "Override": True},
                        "StrictTransportSecurity": {
                            "AccessControlMaxAgeSec": 31536000,
                            "IncludeSubdomains": True,
                            "Override": True,
                        },
                    },
                }
            },
        },
        "PortalDistribution": {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {
                "DistributionConfig": {
                    "Enabled": True,
                    "Comment": {"Fn::Sub": "${ResourcePrefix} citizen portal"},
                    "DefaultRootObject": "index.html",
                    "HttpVersion": "http2and3",
                    "IPV6Enabled": True,
                    # Edge locations in India are in this class; the cheapest one has none.
                    "PriceClass": "PriceClass_200",
                    "Aliases": {"Fn::If": ["PortalHasDomain", hosts, {"Ref": "AWS::NoValue"}]},
                    "ViewerCertificate": {
                        "Fn::If": [
                            "PortalHasDomain",
                            {
                                "AcmCertificateArn": {"Ref": "PortalCertificateArn"},
                                "SslSupportMethod": "sni-only",
                                "MinimumProtocolVersion": "TLSv1.2_2021",
                            },
                            {"CloudFrontDefaultCertificate": True},
                        ]
                    },
                    "Origins": [
                        {
                            "Id": "portal-bucket",
                            "DomainName": {"Fn::GetAtt": ["PortalBucket", "RegionalDomainName"]},
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                            "OriginAccessControlId": {"Fn::GetAtt": ["PortalOriginAccessControl", "Id"]},
                        }
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "portal-bucket",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "AllowedMethods": ["GET", "HEAD"],
                        "CachedMethods": ["GET", "HEAD"],
                        "Compress": True,
                        "CachePolicyId": CACHING_OPTIMIZED,
                        "ResponseHeadersPolicyId": {"Ref": "PortalHeaders"},
                    },
                }
            },
        },
        "PortalBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "PortalBucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "OnlyThePortalsDistributionReads",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudfront.amazonaws.com"},
                            "Action": "s3:GetObject",
                            "Resource": {"Fn::Sub": "${PortalBucket.Arn}/*"},
                            "Condition": {"StringEquals": {"AWS:SourceArn": {"Fn::Sub": PORTAL_DISTRIBUTION_ARN}}},
                        },
                        deny_insecure_transport("PortalBucket"),
                    ],
                },
            },
        },
    }


def _portal_gateway_responses(origin: str) -> dict[str, Any]:
    headers = {
        "gatewayresponse.header.Access-Control-Allow-Origin": f"'{origin.strip()}'",
        "gatewayresponse.header.Vary": "'Origin'",
    }
    return {kind: {"responseParameters": headers} for kind in ("DEFAULT_4XX", "DEFAULT_5XX")}


def alarms(stage: Stage, definitions: dict[str, Any]) -> dict[str, Any]:
    """Alarms to the state's ops topic: any message in a dead-letter queue, the API's 5xx
    rate, and SLA breaches (the app's `GrievanceEscalated` metric) per hour."""
    settings = stage.alarms
    action = [{"Ref": "OpsAlarmsTopic"}]
    common = {"AlarmActions": action, "OKActions": action, "TreatMissingData": "notBreaching"}
    # Alarm notifications carry no personal data, and CloudWatch cannot publish to a topic
    # encrypted with the AWS-managed SNS key.
    found: dict[str, Any] = {
        "OpsAlarmsTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": {"Fn::Sub": "${ResourcePrefix}-ops-alarms"}},
        }
    }
    if settings.get("email"):
        found["OpsAlarmsEmail"] = {
            "Type": "AWS::SNS::Subscription",
            "Properties": {"TopicArn": {"Ref": "OpsAlarmsTopic"}, "Protocol": "email", "Endpoint": settings["email"]},
        }
    for logical_id, spec in definitions.items():
        if spec["Type"] == "AWS::SQS::Queue" and logical_id.endswith("DeadLetterQueue"):
            found[f"{logical_id}DepthAlarm"] = {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmDescription": f"Messages are waiting in {logical_id}: redrive them once the cause is fixed.",
                    "Namespace": "AWS/SQS",
                    "MetricName": "ApproximateNumberOfMessagesVisible",
                    "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [logical_id, "QueueName"]}}],
                    "Statistic": "Maximum",
                    "Period": 300,
                    "EvaluationPeriods": 1,
                    "Threshold": 0,
                    "ComparisonOperator": "GreaterThanThreshold",
                    **common,
                },
            }
    found["Api5xxRateAlarm"] = {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": "More of the API's answers than allowed are server errors.",
            "Namespace": "AWS/ApiGateway",
            "MetricName": "5XXError",
            "Dimensions": [
                {"Name": "ApiName", "Value": {"Fn::Sub": "${ResourcePrefix}-api"}},
                {"Name": "Stage", "Value": "api"},
            ],
            "Statistic": "Average",
            "Period": 300,
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 2,
            "Threshold": settings.get("api_5xx_rate", 0.02),
            "ComparisonOperator": "GreaterThanThreshold",
            **common,
        },
    }
    found["SlaBreachAlarm"] = {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": "Grievances are escalating for missed SLAs faster than usual.",
            "Namespace": stage.environment["POWERTOOLS_METRICS_NAMESPACE"],
            "MetricName": GrievanceEscalated.__name__,  # the dispatcher counts each event by its class
            "Dimensions": [{"Name": "service", "Value": stage.environment["POWERTOOLS_SERVICE_NAME"]}],
            "Statistic": "Sum",
            "Period": 3600,
            "EvaluationPeriods": 1,
            "Threshold": settings.get("sla_breaches_per_hour", 50),
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            **common,
        },
    }
    return found


def slim_deployment_zip(path: Path) -> tuple[int, int]:
    """Drop what the Lambda runtime provides from the zip; returns (bytes before, after)."""
    before = path.stat().st_size
    slim = path.with_suffix(".slim.zip")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(slim, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            top = entry.filename.split("/", 1)[0]
            package = top.split("-", 1)[0] if top.endswith((".dist-info", ".data")) else top
            if package in RUNTIME_PROVIDED:
                continue
            target.writestr(entry, source.read(entry))
    slim.replace(path)
    return before, path.stat().st_size


def import_as_lambda(archive: Path, stage: Stage, statement: str = "import app") -> float:
    """Seconds a fresh interpreter spends on `statement` with only the zip's contents and the
    runtime's boto3 (this venv's copies of RUNTIME_PROVIDED and their dependencies) on its
    path, as Lambda would import it: an import the zip cannot satisfy fails here too."""
    import importlib.util
    import tempfile

    runtime_packages = (*RUNTIME_PROVIDED, "dateutil", "urllib3", "six")
    with tempfile.TemporaryDirectory() as scratch:
        code_dir, runtime_dir = Path(scratch, "task"), Path(scratch, "runtime")
        runtime_dir.mkdir()
        with zipfile.ZipFile(archive) as shipped:
            shipped.extractall(code_dir)
        for name in runtime_packages:
            spec = importlib.util.find_spec(name)
            assert spec is not None and spec.origin is not None, name
            origin = Path(spec.origin)
            source = origin.parent if origin.name == "__init__.py" else origin
            (runtime_dir / source.name).symlink_to(source)
        code = f"import time\nt0 = time.perf_counter()\n{statement}\nprint(time.perf_counter() - t0)\n"
        environment = {
            "PYTHONPATH": f"{code_dir}{os.pathsep}{runtime_dir}",
            "AWS_DEFAULT_REGION": stage.region,
            **stage.environment,
        }
        # -S: no site-packages, so nothing of this venv but the runtime's own packages is seen
        for _ in range(2):  # the first run writes the .pyc files, as the first cold start does
            result = subprocess.run(
                [sys.executable, "-S", "-c", code], cwd=code_dir, env=environment, capture_output=True, text=True
            )
            if result.returncode != 0:
                raise RuntimeError(f"the shipped zip cannot run {statement!r}:\n{result.stderr}")
        return float(result.stdout.split()[-1])


def package(stage_name: str, out_dir: Path | None = None) -> Path:
    """Run `chalice package` for the stage with the merge template; returns the output dir."""
    stage = deployable_stage(stage_name)
    out = out_dir or BUILD_DIR / stage_name
    out.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "AWS_DEFAULT_REGION": stage.region, "RESOURCE_PREFIX": stage.resource_prefix}
    for variable in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        environment.pop(variable, None)
    merge_path = out / "merge.json"
    # The handler list comes from the app itself, imported in a child with the stage's environment.
    subprocess.run(
        [sys.executable, "-m", "infra.package", "--write-merge-template", stage_name, str(merge_path)],
        check=True,
        cwd=REPO_ROOT,
        env=environment,
    )
    chalice = Path(sys.executable).parent / "chalice"
    subprocess.run(
        [str(chalice), "package", "--stage", stage_name, "--merge-template", str(merge_path), str(out)],
        check=True,
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
    )
    before, after = slim_deployment_zip(out / "deployment.zip")
    portal = write_bundle(out)
    print(f"{stage_name}: {out / 'sam.json'}; deployment.zip {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")
    print(f"{stage_name}: portal bundle {portal}")
    return out


def expand_offline(template: dict[str, Any], region: str) -> dict[str, Any]:
    """The SAM template as CloudFormation would expand it, without AWS: aws-sam-translator
    with no managed policies to look up (our roles use none)."""
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = copy.deepcopy(template)
    for spec in template["Resources"].values():
        if spec["Type"] == "AWS::Serverless::Function":
            spec["Properties"]["CodeUri"] = "s3://offline-artifacts/deployment.zip"
    # The session only names the region; the translator makes no call with it.
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    expanded = translator.translate(template, parameter_values={}, get_managed_policy_map=dict)
    return dict(expanded)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", nargs="?", help="a stage of .chalice/config.json; all but local when omitted")
    parser.add_argument("--write-merge-template", nargs=2, metavar=("STAGE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.write_merge_template:
        import app

        stage_name, path = args.write_merge_template
        Path(path).write_text(json.dumps(merge_template(load_stage(stage_name), app), indent=2) + "\n")
        return
    for stage_name in [args.stage] if args.stage else deployable_stages():
        out = package(stage_name)
        subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), str(out / "sam.json")], check=True)
        print(f"{stage_name}: cfn-lint clean")


if __name__ == "__main__":
    main()
