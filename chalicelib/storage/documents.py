"""The documents bucket: citizens upload straight to S3 with a presigned POST, the app
checks and files what arrived, and hands out short-lived download links.

    uploads/<citizen_id>/<upload_id>            where a presigned POST may write (one object)
    applications/<tracking_id>/<slot>/<upload_id>  where an attached document is kept

An upload is only trusted once the app has looked at it: `attach` reads its size and
content type from S3 (not from the citizen), checks that its first bytes are what that type
begins with, hashes it, and copies it under the application. The bucket expires `uploads/`
objects nobody attached after two days; a citizen's erasure deletes at once every version
and delete marker of their uploads and of their applications' documents.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from chalicelib.aws import bucket_name, client
from chalicelib.resource_names import Bucket

UPLOAD_SECONDS = 15 * 60
DOWNLOAD_SECONDS = 5 * 60
MAX_BYTES = 5 * 1024 * 1024
# What a file of each accepted type begins with. A presigned POST pins the declared type,
# not the bytes: an HTML page uploaded as "application/pdf" is caught here.
MAGIC = {
    "application/pdf": b"%PDF-",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
}
CONTENT_TYPES = tuple(MAGIC)
TYPE_NAMES = {"application/pdf": "a PDF", "image/jpeg": "a JPEG image", "image/png": "a PNG image"}


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
    version_id: str | None = None  # of the copy: what `discard` deletes


class NotUploaded(Exception):
    """Nothing (or nothing acceptable) is at the upload's key."""


def upload_key(citizen_id: str, upload_id: str) -> str:
    return f"uploads/{citizen_id}/{upload_id}"


def uploads_prefix(citizen_id: str) -> str:
    return f"uploads/{citizen_id}/"


def document_key(tracking_id: str, slot: str, upload_id: str) -> str:
    return f"{application_prefix(tracking_id)}{slot}/{upload_id}"


def application_prefix(tracking_id: str) -> str:
    return f"applications/{tracking_id}/"


def upload_form(key: str, content_type: str, max_bytes: int) -> UploadForm:
    """A presigned POST that accepts exactly one object at `key`, of `content_type`, of at
    most `max_bytes`, for 15 minutes. S3 enforces the conditions; `attach` checks again."""
    presigned = client("s3").generate_presigned_post(
        Bucket=bucket_name(Bucket.DOCUMENTS),
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=UPLOAD_SECONDS,
    )
    return UploadForm(url=str(presigned["url"]), fields={k: str(v) for k, v in presigned["fields"].items()})


def attach(upload: str, destination: str, max_bytes: int) -> StoredFile:
    """Check the uploaded object, hash it and copy it to `destination`. NotUploaded when it
    is missing, empty, too large, not of an accepted type, or its bytes are not of the type
    it declares (that upload is deleted then: nothing of it is kept)."""
    s3, bucket = client("s3"), bucket_name(Bucket.DOCUMENTS)
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
    # The upload form stays valid for minutes: pin the version looked at, so what is checked
    # and hashed is what is copied even if the citizen posts again meanwhile.
    version = {"VersionId": head["VersionId"]} if head.get("VersionId") else {}
    body: Any = s3.get_object(Bucket=bucket, Key=upload, **version)["Body"]
    # The type is checked on the stream's first bytes, before anything else is read: a
    # disguised file costs a few bytes, and a genuine one no extra request.
    magic = MAGIC[content_type]
    first = body.read(len(magic))
    if first != magic:
        body.close()
        s3.delete_object(Bucket=bucket, Key=upload, **version)
        raise NotUploaded(f"is not {TYPE_NAMES[content_type]} file (its content is not {content_type})")
    digest = hashlib.sha256(first)
    for chunk in iter(lambda: body.read(256 * 1024), b""):
        digest.update(chunk)
    checksum = digest.hexdigest()
    copied = s3.copy_object(
        Bucket=bucket,
        Key=destination,
        CopySource={"Bucket": bucket, "Key": upload, **version},
        MetadataDirective="REPLACE",
        ContentType=content_type,
        Metadata={"sha256": checksum},
    )
    return StoredFile(destination, size, content_type, checksum, copied.get("VersionId"))


def discard(stored: StoredFile) -> None:
    """Delete a copy `attach` made for a filing that was then refused."""
    version = {"VersionId": stored.version_id} if stored.version_id else {}
    client("s3").delete_object(Bucket=bucket_name(Bucket.DOCUMENTS), Key=stored.key, **version)


def erase_everything_under(prefix: str) -> int:
    """Delete every version and delete marker under `prefix` (old versions too: a deleted
    or replaced identity proof lingers as one). Returns how many were deleted; a second run
    finds none. One listing and one batch delete per 1000 versions."""
    s3, bucket = client("s3"), bucket_name(Bucket.DOCUMENTS)
    erased = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        found = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        if not found:
            continue
        objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in found]
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
        if answer.get("Errors"):  # left for the retry, which lists what is still there
            raise RuntimeError(f"{len(answer['Errors'])} document versions under {prefix} were not deleted")
        erased += len(objects)
    return erased


def download_url(key: str, filename: str) -> str:
    """A link to one stored document, valid for 5 minutes."""
    return str(
        client("s3").generate_presigned_url(
            "get_object",
            Params={
                "Bucket": bucket_name(Bucket.DOCUMENTS),
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
            },
            ExpiresIn=DOWNLOAD_SECONDS,
        )
    )
