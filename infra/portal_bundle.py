"""The portal (`web/`) as a deployed state serves it: a private S3 bucket behind CloudFront.

`make package` copies the bundle to `build/<stage>/web/`; `make deploy` publishes it to the
stack's portal bucket with a `config.js` naming the stage's API (its configured origin, else
the stack's own API URL) and languages, removes what a release dropped, and asks CloudFront
to forget its copies. The local stack serves the same files (infra/web_server.py) with the
same `config.js`.
"""

from __future__ import annotations

import mimetypes
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.web_server import WEB_ROOT, config_script

CONFIG = "config.js"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}
# The names carry no content hash, so nothing may be kept stale for long: the shell's entry
# points are revalidated on every load (a release reaches a phone on its next visit; the
# service worker keeps the offline copy), the rest for at most an hour.
REVALIDATE = "no-cache"
SHORT = "public, max-age=3600"
ENTRY_POINTS = {"index.html", CONFIG, "sw.js", "manifest.webmanifest"}


def bundle_files(root: Path = WEB_ROOT) -> list[str]:
    """Every file of the portal, by its path under `web/`, but the local `config.js`."""
    return sorted(
        path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file() and path.name != CONFIG
    )


def write_bundle(out: Path, root: Path = WEB_ROOT) -> Path:
    """`web/` copied to `out/web/` without its local `config.js`; returns that directory."""
    target = out / "web"
    if target.exists():
        shutil.rmtree(target)
    for name in bundle_files(root):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / name, target / name)
    return target


def content_type(name: str) -> str:
    suffix = Path(name).suffix
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


@dataclass(frozen=True)
class Published:
    uploaded: list[str]
    removed: list[str]
    invalidation_id: str


def publish(
    s3: Any,
    cloudfront: Any,
    *,
    bucket: str,
    distribution_id: str,
    bundle: Path,
    api_origin: str,
    languages: list[str],
) -> Published:
    """Put the bundle and its `config.js` in the bucket, remove what is no longer part of it,
    and invalidate CloudFront's copies."""
    files = {name: (bundle / name).read_bytes() for name in bundle_files(bundle)}
    files[CONFIG] = config_script(api_origin.rstrip("/"), languages)
    # The entry points last: until they change, a phone loads the release it has all files of.
    for name, body in sorted(files.items(), key=lambda item: (item[0] in ENTRY_POINTS, item[0])):
        s3.put_object(
            Bucket=bucket,
            Key=name,
            Body=body,
            ContentType=content_type(name),
            CacheControl=REVALIDATE if name in ENTRY_POINTS else SHORT,
        )
    stale = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for item in page.get("Contents", [])
        if item["Key"] not in files
    ]
    if stale:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in stale]})
    invalidation = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": uuid.uuid4().hex},
    )
    return Published(uploaded=sorted(files), removed=stale, invalidation_id=invalidation["Invalidation"]["Id"])


def empty_bucket(s3: Any, bucket: str) -> int:
    """Remove the bundle, so that deleting the stack can delete its bucket; returns how many
    objects there were. A bucket that is already gone holds nothing."""
    removed = 0
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys})
                removed += len(keys)
    except s3.exceptions.NoSuchBucket:
        return 0
    return removed
