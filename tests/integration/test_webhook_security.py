"""Department webhooks cannot be steered inside the network, and are signed with a key of
their own.

DNS rebinding: a name that resolves to a public address while it is checked and to an
internal one a moment later must not get the POST inside. The resolver here is a stand-in
for DNS (it answers what the attacker's name server would); the receiver is the real local
one; the network is this machine's, where only loopback answers."""

from __future__ import annotations

import errno
import ipaddress
import json
import socket
import ssl
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib.config import ConfigurationError, get_settings
from chalicelib.models import catalogue
from chalicelib.notify.errors import SendFailed
from chalicelib.notify.webhook import post_json
from chalicelib.security.keyed_hash import keyed_hash
from chalicelib.security.webhook_signature import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    department_secret,
    sign,
)
from infra.devstack import free_port
from infra.webhook_receiver import WebhookReceiver
from tests.integration.conftest import bearer, post

HOOK_HOST = "hooks.water.example.in"
PUBLIC_ADDRESS = "93.184.215.14"  # a global address nothing here can reach
real_getaddrinfo = socket.getaddrinfo
real_create_connection = socket.create_connection


class Resolver:
    """DNS as the attacker runs it: each name answers its listed addresses in turn (the last
    one from then on); numeric hosts resolve as themselves. Counts the lookups of each name."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.lookups: dict[str, int] = dict.fromkeys(answers, 0)
        monkeypatch.setattr(socket, "getaddrinfo", self.getaddrinfo)

    def getaddrinfo(self, host: object, port: object, *args: object, **kwargs: object) -> list:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in self.answers:
            return real_getaddrinfo(host, port, *args, **kwargs)  # type: ignore[arg-type]
        answers = self.answers[name]
        address = answers[min(self.lookups[name], len(answers) - 1)]
        self.lookups[name] += 1
        return real_getaddrinfo(address, port, *args, **kwargs)  # type: ignore[arg-type]


def only_loopback_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """This machine's network without the internet: a connection, after resolving its host
    as socket.create_connection does, reaches only loopback addresses."""

    def connect(address: tuple, timeout: object = None, *args: object, **kwargs: object) -> socket.socket:
        host, port = address[:2]
        sockaddr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4]
        if not ipaddress.ip_address(sockaddr[0]).is_loopback:
            raise OSError(errno.ENETUNREACH, "Network is unreachable")
        return real_create_connection(sockaddr[:2], timeout, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "create_connection", connect)


def signed_delivery(department: str) -> tuple[str, bytes, dict[str, str]]:
    """A delivery as deliver_webhook builds it, signed with the department's current secret."""
    webhook = catalogue.get_department_webhook(department)
    assert webhook is not None
    delivery_id, timestamp = f"test-{uuid.uuid4().hex}", int(time.time())
    body = json.dumps({"event": "assigned", "delivery_id": delivery_id, "timestamp": timestamp}).encode()
    headers = {
        SIGNATURE_HEADER: sign(department_secret(department, webhook.secret_version), body),
        TIMESTAMP_HEADER: str(timestamp),
        DELIVERY_HEADER: delivery_id,
    }
    return delivery_id, body, headers


def received(receiver: WebhookReceiver, delivery_id: str) -> list[dict]:
    return [d for d in receiver.received("WATER") if d["delivery_id"] == delivery_id]


def test_a_name_that_rebinds_to_an_internal_address_after_the_check_gets_nothing(monkeypatch, stack, webhook_receiver):
    # Given a name answering a public address first, then the internal receiver's
    resolver = Resolver(monkeypatch, {HOOK_HOST: [PUBLIC_ADDRESS, "127.0.0.1"]})
    only_loopback_answers(monkeypatch)
    port = webhook_receiver.server.server_address[1]
    delivery_id, body, headers = signed_delivery("WATER")

    # When a deployed stage posts to it
    with pytest.raises(SendFailed) as failed:
        post_json(f"http://{HOOK_HOST}:{port}/departments/WATER", body, headers, public_only=True)

    # Then the POST went to the public address it checked (unreachable), never inside
    assert failed.value.code == "OSError"
    assert resolver.lookups[HOOK_HOST] == 1
    assert received(webhook_receiver, delivery_id) == []


@pytest.mark.parametrize("internal", ["127.0.0.1", "10.0.0.7", "169.254.169.254", "::1"])
def test_a_name_with_any_internal_address_is_refused_before_connecting(monkeypatch, stack, internal):
    resolver = Resolver(monkeypatch, {HOOK_HOST: [internal]})

    with pytest.raises(SendFailed) as refused:
        post_json(f"https://{HOOK_HOST}/events", b"{}", {}, public_only=True)

    assert refused.value.code == "address not public" and resolver.lookups[HOOK_HOST] == 1


def test_the_post_goes_to_the_address_resolved_once_not_to_a_later_answer(monkeypatch, stack, webhook_receiver):
    # Given (on the local stage, internal addresses allowed) a name answering the receiver's
    # address first and another loopback address, where nothing listens, afterwards
    resolver = Resolver(monkeypatch, {HOOK_HOST: ["127.0.0.1", "127.0.0.2"]})
    port = webhook_receiver.server.server_address[1]
    delivery_id, body, headers = signed_delivery("WATER")

    status = post_json(f"http://{HOOK_HOST}:{port}/departments/WATER", body, headers, public_only=False)

    # Then the receiver got it, signed, from the one lookup
    assert status == 204
    (delivery,) = received(webhook_receiver, delivery_id)
    assert delivery["verified"] and resolver.lookups[HOOK_HOST] == 1


def test_a_redirect_is_a_failure_not_followed(stack, webhook_receiver):
    with pytest.raises(SendFailed) as failed:
        post_json(f"{webhook_receiver.url}/fail/307", b"{}", {}, public_only=False)

    assert failed.value.code == "HTTP 307"


@pytest.fixture
def tls_receiver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stack) -> Iterator[WebhookReceiver]:
    """The receiver over https with a certificate for HOOK_HOST only, trusted by this process
    (and no other certificate is)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOOK_HOST)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOOK_HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    receiver = WebhookReceiver("127.0.0.1", free_port(), tls=context).start()
    yield receiver
    receiver.stop()


def test_https_connects_to_the_pinned_address_but_checks_the_certificate_against_the_name(monkeypatch, tls_receiver):
    # Given two names pointing at the https receiver, whose certificate names only the first
    Resolver(monkeypatch, {HOOK_HOST: ["127.0.0.1"], "other.example.in": ["127.0.0.1"]})
    port = tls_receiver.server.server_address[1]
    delivery_id, body, headers = signed_delivery("WATER")

    # When the delivery goes to each name, and to the bare address
    status = post_json(f"https://{HOOK_HOST}:{port}/departments/WATER", body, headers, public_only=False)
    refused = []
    for host in ("other.example.in", "127.0.0.1"):
        with pytest.raises(SendFailed) as failed:
            post_json(f"https://{host}:{port}/departments/WATER", body, headers, public_only=False)
        refused.append(failed.value.code)

    # Then only the name the certificate is for gets it (SNI and verification by name)
    assert status == 204
    assert refused == ["SSLCertVerificationError", "SSLCertVerificationError"]
    (delivery,) = received(tls_receiver, delivery_id)
    assert delivery["verified"]


def test_webhooks_are_signed_without_the_identity_key(
    monkeypatch, api, citizen, file_grievance, consume, admin_token, webhook_receiver
):
    # Given a grievance routed to WATER, its event waiting for the webhooks consumer
    person = citizen()
    tracking_id = file_grievance(person).json_body["tracking_id"]
    consume("route_grievances")
    consume("fan_out_events")
    shown = api.get("/departments/WATER/webhook", headers=bearer(admin_token)).json_body

    # When the webhooks function runs with no identity key at all (as deployed: not granted)
    monkeypatch.delenv("IDENTITY_HMAC_KEY")
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match="IDENTITY_HMAC_KEY is not configured"):
            keyed_hash("national_id", "proof that the key is really gone")
        consume("deliver_webhooks")
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()

    # Then the department got it, signed with its secret from the webhook key, which is
    # not the one the identity key would derive
    (delivery,) = [d for d in webhook_receiver.received("WATER") if (d["body"] or {}).get("tracking_id") == tracking_id]
    assert delivery["verified"]
    version = shown["secret_version"]
    assert (
        shown["secret"] == department_secret("WATER", version) != keyed_hash("department-webhook", f"WATER#{version}")
    )
    assert post(api, "/auth/login", {"username": person.mobile, "password": person.password}).status_code == 200


def test_the_webhooks_function_may_read_its_key_and_not_the_identity_key(stack):
    from tests.aws_permissions import allows
    from tests.integration.test_least_privilege import POLICY_FILES, resolved_policy

    policy = resolved_policy(POLICY_FILES["deliver_webhooks"], stack.resources)
    arns = stack.resources.arns

    assert allows(policy, "secretsmanager:GetSecretValue", arns["WebhookSigningKeySecret"])
    assert not allows(policy, "secretsmanager:GetSecretValue", arns["IdentityHmacKeySecret"])
    assert not allows(policy, "secretsmanager:GetSecretValue", arns["JwtSigningKeySecret"])
