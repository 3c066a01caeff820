"""Documents as a browser sends them (a presigned POST straight to S3 on moto), and what the
documents bucket holds afterwards, every version and delete marker included."""

from __future__ import annotations

from typing import Any

import boto3
import requests

from tests.integration.conftest import Person, post

SERVICE = "WATER_NEW_CONNECTION"  # slots: proof_of_ownership, identity_proof (required), premises_photo
FIELDS = {  # a complete, valid form of SERVICE
    "applicant_name": "Asha Devi",
    "mobile": "9876543210",
    "connection_type": "domestic",
    "premises_address": "Plot 12, Saheed Nagar, Bhubaneswar",
    "pincode": "751007",
}
PDF = b"%PDF-1.7\n% a scanned sale deed\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"


def upload_form(
    api: Any, person: Person, slot: str, content_type: str = "application/pdf", service: str = SERVICE
) -> dict[str, Any]:
    answer = post(
        api, "/uploads", {"service_code": service, "slot": slot, "content_type": content_type}, person.access_token
    )
    assert answer.status_code == 201, answer.json_body
    return dict(answer.json_body)


def send(form: dict[str, Any], content: bytes, content_type: str = "application/pdf") -> None:
    sent = requests.post(form["url"], data=form["fields"], files={"file": ("scan", content, content_type)}, timeout=10)
    assert sent.status_code in {200, 201, 204}, sent.text


def upload(api: Any, person: Person, slot: str, content: bytes = PDF, content_type: str = "application/pdf") -> str:
    """Ask for an upload slot and post the file to it; returns the upload id."""
    form = upload_form(api, person, slot, content_type)
    send(form, content, content_type)
    return str(form["upload_id"])


def documents_bucket(stack: Any) -> str:
    return str(stack.resources.physical_ids["DocumentsBucket"])


def versions_under(bucket: str, prefix: str) -> list[tuple[str, str]]:
    """(key, version id) of every version and delete marker under `prefix`."""
    s3 = boto3.client("s3", region_name="ap-south-1")
    found = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        found += [(v["Key"], v["VersionId"]) for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]]
    return found
