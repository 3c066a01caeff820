"""An upload is what it claims to be: the presigned POST pins the declared content type, not
the bytes, so `attach` checks the file's first bytes against that type. A disguised file is
a 422 naming its slot; nothing is attached, not even the slots checked before it, and the
disguised upload itself is deleted."""

from __future__ import annotations

import json

import pytest

from chalicelib.models import applications
from tests.integration.conftest import bearer
from tests.integration.documents import FIELDS, JPEG, PDF, PNG, SERVICE, documents_bucket, upload, versions_under


def apply(api, person, documents: dict[str, str]):
    headers = {**bearer(person.access_token), "Content-Type": "application/json"}
    body = {"service_code": SERVICE, "fields": FIELDS, "documents": documents}
    return api.post("/applications", headers=headers, body=json.dumps(body))


@pytest.mark.parametrize(
    ("content", "declared"),
    [
        (b"<html><script>alert(1)</script></html>", "application/pdf"),  # a web page posing as a PDF
        (PDF, "image/png"),
        (JPEG, "image/png"),
        (PNG, "image/jpeg"),
    ],
)
def test_a_file_that_is_not_what_it_declares_is_refused_and_nothing_is_kept(api, stack, citizen, content, declared):
    # Given a genuine identity proof and a disguised "proof of ownership" (checked second:
    # slots are filed in order, so the genuine one has already been copied when it fails)
    asha = citizen()
    bucket = documents_bucket(stack)
    genuine = upload(api, asha, "identity_proof")
    disguised = upload(api, asha, "proof_of_ownership", content, declared)

    # When she applies with both
    answer = apply(api, asha, {"identity_proof": genuine, "proof_of_ownership": disguised})

    # Then a 422 names the disguised slot, no application is stored, no copy of either
    # document is filed under any application, and the disguised upload is gone
    assert answer.status_code == 422, answer.json_body
    assert answer.json_body["error"]["field"] == "documents.proof_of_ownership"
    assert declared in answer.json_body["error"]["message"]
    assert applications.citizen_applications(asha.citizen_id, limit=10, cursor=None).cases == []
    filed = [key for key, _ in versions_under(bucket, "applications/") if key.endswith((genuine, disguised))]
    assert filed == []
    assert versions_under(bucket, f"uploads/{asha.citizen_id}/{disguised}") == []
    # the genuine upload is still there to be used again
    assert len(versions_under(bucket, f"uploads/{asha.citizen_id}/{genuine}")) == 1


def test_files_that_are_what_they_declare_are_attached(api, stack, citizen):
    asha = citizen()
    documents = {
        "identity_proof": upload(api, asha, "identity_proof", PNG, "image/png"),
        "proof_of_ownership": upload(api, asha, "proof_of_ownership", JPEG, "image/jpeg"),
    }

    answer = apply(api, asha, documents)

    assert answer.status_code == 201, answer.json_body
    stored = applications.get_application(answer.json_body["tracking_id"])
    assert {slot: d.content_type for slot, d in stored.documents.items()} == {
        "identity_proof": "image/png",
        "proof_of_ownership": "image/jpeg",
    }
