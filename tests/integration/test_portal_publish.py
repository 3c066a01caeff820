"""Publishing the portal as `make deploy` does, against moto's S3 and CloudFront: every file
of the bundle with its type and caching, a `config.js` naming the stage's API and languages,
what a release dropped removed, CloudFront told to forget its copies; and the bucket emptied
before the stack that owns it is deleted."""

from __future__ import annotations

import json
import shutil
import uuid

import boto3
import pytest

from infra.package import load_stage
from infra.portal_bundle import bundle_files, empty_bucket, publish, write_bundle

REGION = "ap-south-1"


@pytest.fixture
def portal_bucket(moto_server):
    s3 = boto3.client("s3", region_name=REGION)
    name = f"crm-test-portal-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


@pytest.fixture
def distribution(moto_server):
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    created = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": uuid.uuid4().hex,
            "Comment": "portal",
            "Enabled": True,
            "DefaultRootObject": "index.html",
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "portal-bucket",
                        "DomainName": "portal.s3.ap-south-1.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {"TargetOriginId": "portal-bucket", "ViewerProtocolPolicy": "redirect-to-https"},
        }
    )
    return created["Distribution"]["Id"]


def test_deploy_publishes_the_bundle_with_the_stages_api_and_languages(tmp_path, portal_bucket, distribution):
    s3, cloudfront = boto3.client("s3", region_name=REGION), boto3.client("cloudfront", region_name=REGION)
    bundle = write_bundle(tmp_path)
    s3.put_object(Bucket=portal_bucket, Key="js/pages/retired.js", Body=b"// dropped by this release")
    odisha = load_stage("odisha")

    published = publish(
        s3,
        cloudfront,
        bucket=portal_bucket,
        distribution_id=distribution,
        bundle=bundle,
        api_origin="https://abc123.execute-api.ap-south-1.amazonaws.com/api/",
        languages=odisha.languages,
    )

    keys = sorted(item["Key"] for item in s3.list_objects_v2(Bucket=portal_bucket)["Contents"])
    assert keys == sorted([*bundle_files(), "config.js"]) == published.uploaded
    assert published.removed == ["js/pages/retired.js"]
    config = s3.get_object(Bucket=portal_bucket, Key="config.js")
    script = config["Body"].read().decode()
    assert script.startswith("window.CRM_CONFIG = ") and script.endswith(";\n")
    assert json.loads(script.removeprefix("window.CRM_CONFIG = ").removesuffix(";\n")) == {
        "api": "https://abc123.execute-api.ap-south-1.amazonaws.com/api",
        "languages": ["en", "hi", "or"],
    }
    index = s3.head_object(Bucket=portal_bucket, Key="index.html")
    assert index["ContentType"] == "text/html; charset=utf-8" and index["CacheControl"] == "no-cache"
    app = s3.head_object(Bucket=portal_bucket, Key="js/app.js")
    assert app["ContentType"] == "text/javascript; charset=utf-8" and app["CacheControl"] == "public, max-age=3600"
    assert s3.head_object(Bucket=portal_bucket, Key="sw.js")["CacheControl"] == "no-cache"
    assert (
        s3.head_object(Bucket=portal_bucket, Key="manifest.webmanifest")["ContentType"] == "application/manifest+json"
    )
    invalidation = cloudfront.get_invalidation(DistributionId=distribution, Id=published.invalidation_id)
    assert invalidation["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/*"]


def test_a_file_removed_from_web_is_removed_from_the_bucket_by_the_next_deploy(tmp_path, portal_bucket, distribution):
    s3, cloudfront = boto3.client("s3", region_name=REGION), boto3.client("cloudfront", region_name=REGION)
    bundle = write_bundle(tmp_path)
    where = {
        "bucket": portal_bucket,
        "distribution_id": distribution,
        "api_origin": "https://api.x",
        "languages": ["en"],
    }
    publish(s3, cloudfront, bundle=bundle, **where)
    shutil.rmtree(bundle / "icons")

    again = publish(s3, cloudfront, bundle=bundle, **where)

    assert again.removed == ["icons/icon.svg"]
    assert "icons/icon.svg" not in {item["Key"] for item in s3.list_objects_v2(Bucket=portal_bucket)["Contents"]}


def test_the_portal_bucket_is_emptied_so_the_stack_can_delete_it(tmp_path, portal_bucket, distribution):
    s3, cloudfront = boto3.client("s3", region_name=REGION), boto3.client("cloudfront", region_name=REGION)
    where = {
        "bucket": portal_bucket,
        "distribution_id": distribution,
        "api_origin": "https://api.x",
        "languages": ["en"],
    }
    publish(s3, cloudfront, bundle=write_bundle(tmp_path), **where)

    assert empty_bucket(s3, portal_bucket) == len(bundle_files()) + 1
    assert "Contents" not in s3.list_objects_v2(Bucket=portal_bucket)
    # A bucket already gone holds nothing. (None is deleted here: moto's state dump, which the
    # outbox reads, fails on an object it still tracks from a deleted bucket.)
    assert empty_bucket(s3, f"{portal_bucket}-gone") == 0
