"""`make destroy` deletes a state's stack but keeps its data unless told, by the state's
own name, to drop it; run against moto with the local stage's provisioned resources."""

from __future__ import annotations

import boto3
import pytest

from infra.deploy import destroy, retained_data, template_for_upload
from infra.package import load_stage


def tables(region: str) -> set[str]:
    return set(boto3.client("dynamodb", region_name=region).list_tables()["TableNames"])


def test_destroying_a_state_keeps_its_tables_bucket_and_keys(empty_stack):
    region = empty_stack.resources.region
    before = tables(region)

    kept = destroy("local", session=boto3.session.Session(region_name=region))

    assert set(kept["tables"]) == {t for t in before if t.startswith("crm-local-")} and len(kept["tables"]) == 12
    assert tables(region) == before
    assert kept["buckets"] == ["crm-local-documents-123456789012"]
    boto3.client("s3", region_name=region).head_bucket(Bucket=kept["buckets"][0])


def test_data_is_dropped_only_when_the_same_state_is_named(empty_stack):
    region = empty_stack.resources.region
    session = boto3.session.Session(region_name=region)
    s3 = boto3.client("s3", region_name=region)
    bucket = "crm-local-documents-123456789012"
    s3.put_object(Bucket=bucket, Key="applications/A1/proof.pdf", Body=b"%PDF-1.7")

    with pytest.raises(SystemExit, match="DROP_DATA must name"):
        destroy("local", drop_data="odisha", session=session)
    assert len([t for t in tables(region) if t.startswith("crm-local-")]) == 12

    assert destroy("local", drop_data="local", session=session) == {"tables": [], "buckets": [], "secrets": []}
    assert not [t for t in tables(region) if t.startswith("crm-local-")]
    assert bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    secrets = boto3.client("secretsmanager", region_name=region)
    for name in retained_data(load_stage("local"))["secrets"]:
        assert "DeletedDate" in secrets.describe_secret(SecretId=name)


def test_the_uploaded_template_points_every_function_at_the_uploaded_code():
    sam = {
        "Resources": {
            "Api": {"Type": "AWS::Serverless::Function", "Properties": {"CodeUri": "./deployment.zip"}},
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        }
    }

    uploaded = template_for_upload(sam, "s3://artifacts/odisha/abc.zip")

    assert uploaded["Resources"]["Api"]["Properties"]["CodeUri"] == "s3://artifacts/odisha/abc.zip"
    assert sam["Resources"]["Api"]["Properties"]["CodeUri"] == "./deployment.zip"
