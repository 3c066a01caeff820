"""Deploy or destroy one state's stack in AWS.

    make deploy STATE=odisha     package, upload, create and run a change set, publish the
                                 portal, print the API's and the portal's URLs
    make destroy STATE=odisha    delete the stack; the state's data stays (see below)
    make destroy STATE=odisha DROP_DATA=odisha    ... and delete the data too

Deploying is idempotent: a re-run with nothing changed says so and prints the URL again.
A failed deploy is rolled back by CloudFormation to the last good version.

Tables, the documents bucket and the three key secrets have `DeletionPolicy: Retain` (and the
tables deletion protection), so deleting the stack never deletes a citizen's data. Only
`DROP_DATA=<the same state>` does, and only after the stack is gone.

Credentials and account come from the usual AWS chain (profile, SSO, environment).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import time
from typing import Any

import boto3
from botocore.exceptions import ClientError

from infra.package import Stage, deployable_stage, load_stage, package
from infra.portal_bundle import empty_bucket, publish
from infra.provision import load_template

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")


def artifacts_bucket(stage: Stage, account: str) -> str:
    return f"{stage.resource_prefix}-artifacts-{account}-{stage.region}"


def ensure_artifacts_bucket(s3: Any, name: str, region: str) -> None:
    try:
        s3.head_bucket(Bucket=name)
        return
    except ClientError:
        pass
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def template_for_upload(sam: dict[str, Any], code_uri: str) -> dict[str, Any]:
    """The packaged template with every function's code pointing at the uploaded zip."""
    sam = json.loads(json.dumps(sam))
    for spec in sam["Resources"].values():
        if spec["Type"] == "AWS::Serverless::Function":
            spec["Properties"]["CodeUri"] = code_uri
    return sam


def _upload(s3: Any, bucket: str, key: str, body: bytes) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=body, ServerSideEncryption="aws:kms")


def deploy(stage_name: str) -> str:
    """Package and deploy the stage; the local stage, or one with a key in its configuration,
    is refused before anything touches AWS."""
    stage = deployable_stage(stage_name)
    out = package(stage_name)
    session = boto3.session.Session(region_name=stage.region)
    s3, cloudformation = session.client("s3"), session.client("cloudformation")
    bucket = artifacts_bucket(stage, session.client("sts").get_caller_identity()["Account"])
    ensure_artifacts_bucket(s3, bucket, stage.region)

    code = (out / "deployment.zip").read_bytes()
    code_key = f"{stage_name}/{hashlib.sha256(code).hexdigest()}.zip"
    _upload(s3, bucket, code_key, code)
    template = json.dumps(template_for_upload(json.loads((out / "sam.json").read_text()), f"s3://{bucket}/{code_key}"))
    template_key = f"{stage_name}/{hashlib.sha256(template.encode()).hexdigest()}.json"
    _upload(s3, bucket, template_key, template.encode())

    exists = _stack_status(cloudformation, stage.stack_name) not in (None, "REVIEW_IN_PROGRESS")
    change_set = f"deploy-{int(time.time())}"
    cloudformation.create_change_set(
        StackName=stage.stack_name,
        ChangeSetName=change_set,
        ChangeSetType="UPDATE" if exists else "CREATE",
        TemplateURL=f"https://{bucket}.s3.{stage.region}.amazonaws.com/{template_key}",
        Capabilities=CAPABILITIES,
        Tags=[{"Key": "state", "Value": stage_name}, {"Key": "application", "Value": "citizen-crm"}],
    )
    try:
        cloudformation.get_waiter("change_set_create_complete").wait(
            StackName=stage.stack_name, ChangeSetName=change_set, WaiterConfig={"Delay": 5, "MaxAttempts": 120}
        )
    except Exception:
        reason = cloudformation.describe_change_set(StackName=stage.stack_name, ChangeSetName=change_set).get(
            "StatusReason", ""
        )
        if not any(marker in reason for marker in NO_CHANGES):
            raise SystemExit(f"change set failed: {reason}") from None
        cloudformation.delete_change_set(StackName=stage.stack_name, ChangeSetName=change_set)
        print(f"{stage.stack_name}: no changes")
    else:
        cloudformation.execute_change_set(StackName=stage.stack_name, ChangeSetName=change_set)
        waiter = "stack_update_complete" if exists else "stack_create_complete"
        cloudformation.get_waiter(waiter).wait(
            StackName=stage.stack_name, WaiterConfig={"Delay": 10, "MaxAttempts": 360}
        )
    described = cloudformation.describe_stacks(StackName=stage.stack_name)["Stacks"][0].get("Outputs", [])
    outputs = {o["OutputKey"]: str(o["OutputValue"]) for o in described}
    url = outputs.get("EndpointURL", "")
    published = publish(
        session.client("s3"),
        session.client("cloudfront"),
        bucket=outputs["PortalBucketName"],
        distribution_id=outputs["PortalDistributionId"],
        bundle=out / "web",
        api_origin=stage.portal.get("api_origin") or url,
        languages=stage.languages,
    )
    print(f"{stage.stack_name}: API {url}")
    print(f"{stage.stack_name}: portal {outputs['PortalURL']} ({len(published.uploaded)} files)")
    return url


def _stack_status(cloudformation: Any, name: str) -> str | None:
    try:
        return str(cloudformation.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"])
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise


def retained_data(stage: Stage) -> dict[str, list[str]]:
    """The state's data that outlives its stack, by kind: physical names from the template."""

    def physical(spec: dict[str, Any], key: str) -> str:
        value = spec["Properties"][key]["Fn::Sub"]
        return str(value.replace("${ResourcePrefix}", stage.resource_prefix))

    kept: dict[str, list[str]] = {"tables": [], "buckets": [], "secrets": []}
    for spec in load_template()["Resources"].values():
        if spec.get("DeletionPolicy") != "Retain":
            continue
        if spec["Type"] == "AWS::DynamoDB::Table":
            kept["tables"].append(physical(spec, "TableName"))
        elif spec["Type"] == "AWS::S3::Bucket":
            kept["buckets"].append(physical(spec, "BucketName"))
        elif spec["Type"] == "AWS::SecretsManager::Secret":
            kept["secrets"].append(physical(spec, "Name"))
    return kept


def destroy(stage_name: str, drop_data: str | None = None, session: Any = None) -> dict[str, list[str]]:
    """Delete the state's stack; with drop_data equal to the stage's name, its data too.
    Returns what was left in place (nothing when the data was dropped)."""
    stage = load_stage(stage_name)
    if drop_data is not None and drop_data != stage_name:
        raise SystemExit(f"DROP_DATA must name the state being destroyed ({stage_name!r}), not {drop_data!r}")
    session = session or boto3.session.Session(region_name=stage.region)
    cloudformation = session.client("cloudformation")
    if _stack_status(cloudformation, stage.stack_name) is not None:
        # The portal's bucket holds only the bundle, which every deploy writes again: emptied,
        # it goes with the stack.
        described = cloudformation.describe_stacks(StackName=stage.stack_name)["Stacks"][0].get("Outputs", [])
        portal = next((o["OutputValue"] for o in described if o["OutputKey"] == "PortalBucketName"), None)
        if portal:
            empty_bucket(session.client("s3"), portal)
        cloudformation.delete_stack(StackName=stage.stack_name)
        cloudformation.get_waiter("stack_delete_complete").wait(
            StackName=stage.stack_name, WaiterConfig={"Delay": 10, "MaxAttempts": 360}
        )
    kept = retained_data(stage)
    account = session.client("sts").get_caller_identity()["Account"]
    kept["buckets"] = [name.replace("${AWS::AccountId}", account) for name in kept["buckets"]]
    if drop_data != stage_name:
        print(f"{stage.stack_name} deleted; the state's data is kept: " + json.dumps(kept))
        return kept
    _drop(session, kept)
    print(f"{stage.stack_name} deleted with its data")
    return {"tables": [], "buckets": [], "secrets": []}


def _drop(session: Any, kept: dict[str, list[str]]) -> None:
    dynamodb, s3, secrets = session.client("dynamodb"), session.client("s3"), session.client("secretsmanager")
    for table in kept["tables"]:
        try:
            dynamodb.update_table(TableName=table, DeletionProtectionEnabled=False)
            dynamodb.delete_table(TableName=table)
        except dynamodb.exceptions.ResourceNotFoundException:
            pass
    for bucket in kept["buckets"]:
        try:
            for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
                versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
                if versions:
                    objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]
                    s3.delete_objects(Bucket=bucket, Delete={"Objects": objects})
            s3.delete_bucket(Bucket=bucket)
        except s3.exceptions.NoSuchBucket:
            pass
    for secret in kept["secrets"]:
        # a week to undo: without the identity key no stored national-ID hash can be matched
        with contextlib.suppress(secrets.exceptions.ResourceNotFoundException):
            secrets.delete_secret(SecretId=secret, RecoveryWindowInDays=7)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["deploy", "destroy"])
    parser.add_argument("stage")
    parser.add_argument("--drop-data", default=None, help="the stage's name again, to delete its data too")
    args = parser.parse_args(argv)
    if args.action == "deploy":
        deploy(args.stage)
    else:
        destroy(args.stage, args.drop_data or None)


if __name__ == "__main__":
    main()
