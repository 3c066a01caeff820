"""A citizen's uploads filed under an application: each checked (slot, size, type), hashed
and copied under the application's key, all or none — the copies filed for the others are
deleted when one is refused."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from chalicelib.domain.application import Document
from chalicelib.domain.catalogue import Service
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.identity import Principal
from chalicelib.storage import documents as storage


def attach_documents(
    citizen: Principal, service: Service, tracking_id: str, uploads: dict[str, str], now: datetime
) -> dict[str, Document]:
    """Check, hash and file each named upload under the application (all or none: a refused
    one is a 422 naming its slot, and the copies filed for the others are deleted)."""
    return as_documents(file_documents(citizen, service, tracking_id, uploads), now)


def file_documents(
    citizen: Principal, service: Service, tracking_id: str, uploads: dict[str, str]
) -> dict[str, storage.StoredFile]:
    filed: dict[str, storage.StoredFile] = {}
    try:
        for slot, upload_id in sorted(uploads.items()):
            if service.slot(slot) is None:
                raise InvalidInput(
                    f"documents.{slot}: not a document slot of {service.code}.", field=f"documents.{slot}"
                )
            source = storage.upload_key(citizen.subject_id, upload_id)
            destination = storage.document_key(tracking_id, slot, upload_id)
            try:
                filed[slot] = storage.attach(source, destination, storage.MAX_BYTES)
            except storage.NotUploaded as problem:
                raise InvalidInput(f"documents.{slot}: {problem}.", field=f"documents.{slot}") from None
    except InvalidInput:
        discard_documents(filed.values())
        raise
    return filed


def as_documents(filed: dict[str, storage.StoredFile], now: datetime) -> dict[str, Document]:
    return {slot: Document(slot, f.key, f.content_type, f.size, f.sha256, now) for slot, f in filed.items()}


def discard_documents(filed: Iterable[storage.StoredFile]) -> None:
    for copy in filed:
        storage.discard(copy)
