"""The documents bucket: citizens upload straight to S3 with a presigned POST, the app
checks and files what arrived, and hands out short-lived download links.

    uploads/<citizen_id>/<upload_id>            where a presigned POST may write (one object)
    applications/<tracking_id>/<slot>/<upload_id>  where an attached document is kept

An upload is only trusted once the app has looked at it: `attach` reads its size and
content type from S3 (not from the citizen), hashes it, and copies it under the
application. The bucket expires `uploads/` objects after two days, so abandoned uploads
leave nothing behind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from chalicelib.aws import bucket_name, client

DOCUMENTS_BUCKET = "documents"
UPLOAD_SECONDS = 15 * 60
DOWNLOAD_SECONDS = 5 * 60
MAX_BYTES = 5 * 1024 * 1024
CONTENT_TYPES = ("application/pdf", "image/jpeg", "image/png")


@dataclass(frozen=True)
class UploadForm:
    url: str
    fields: dict[str, str]


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    content_type: str
    sha256: str


class NotUploaded(Exception):
    """Nothing (or nothing acceptable) is at the upload's key."""


def upload_key(citizen_id: str, upload_id: str) -> str:
    return f"uploads/{citizen_id}/{upload_id}"


def upload_form(key: str, content_type: str, max_bytes: int) -> UploadForm:
    """A presigned POST that accepts exactly one object at `key`, of `content_type`, of at
    most `max_bytes`, for 15 minutes. S3 enforces the conditions; `attach` checks again."""
    presigned = client("s3").generate_presigned_post(
        Bucket=bucket_name(DOCUMENTS_BUCKET),
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=UPLOAD_SECONDS,
    )
    return UploadForm(url=str(presigned["url"]), fields={k: str(v) for k, v in presigned["fields"].items()})


def attach(upload: str, destination: str, max_bytes: int) -> StoredFile:
    """Check the uploaded object, hash it and copy it to `destination`. NotUploaded when it
    is missing, empty, too large or not of an accepted type."""
    s3, bucket = client("s3"), bucket_name(DOCUMENTS_BUCKET)
    try:
        head = s3.head_object(Bucket=bucket, Key=upload)
    except s3.exceptions.ClientError as error:
        # Without s3:ListBucket (not granted: nobody lists citizens' uploads) S3 answers a
        # missing key with 403, not 404.
        if error.response.get("Error", {}).get("Code") in {"403", "404", "NoSuchKey", "NotFound", "AccessDenied"}:
            raise NotUploaded("nothing has been uploaded for it") from None
        raise
    size, content_type = int(head["ContentLength"]), str(head.get("ContentType", ""))
    if not 0 < size <= max_bytes:
        raise NotUploaded(f"must be between 1 byte and {max_bytes // (1024 * 1024)} MB")
    if content_type not in CONTENT_TYPES:
        raise NotUploaded(f"must be one of {', '.join(CONTENT_TYPES)}")
    # The upload form stays valid for minutes: pin the version looked at, so what is hashed
    # is what is copied even if the citizen posts again meanwhile.
    version = {"VersionId": head["VersionId"]} if head.get("VersionId") else {}
    digest = hashlib.sha256()
    body: Any = s3.get_object(Bucket=bucket, Key=upload, **version)["Body"]
    for chunk in iter(lambda: body.read(256 * 1024), b""):
        digest.update(chunk)
    checksum = digest.hexdigest()
    s3.copy_object(
        Bucket=bucket,
        Key=destination,
        CopySource={"Bucket": bucket, "Key": upload, **version},
        MetadataDirective="REPLACE",
        ContentType=content_type,
        Metadata={"sha256": checksum},
    )
    return StoredFile(key=destination, size=size, content_type=content_type, sha256=checksum)


def download_url(key: str, filename: str) -> str:
    """A link to one stored document, valid for 5 minutes."""
    return str(
        client("s3").generate_presigned_url(
            "get_object",
            Params={
                "Bucket": bucket_name(DOCUMENTS_BUCKET),
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=DOWNLOAD_SECONDS,
        )
    )
