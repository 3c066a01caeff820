"""The dev stack's HTTP server answers a verb the API has no method for as API Gateway does:
403 with its MISSING_AUTHENTICATION_TOKEN gateway response, not http.server's 501."""

from __future__ import annotations

import http.client
import json

import pytest

from infra.devstack import HOST


def ask(
    connection: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None, **headers: str
) -> tuple[int, dict, dict]:
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), json.loads(response.read())


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "BREW"])
@pytest.mark.parametrize("path", ["/health", "/grievances/OD-000000-AAAAAA", "/no/such/resource"])
def test_a_verb_api_gateway_has_no_method_for_is_a_missing_authentication_token(dev_server, method, path):
    connection = http.client.HTTPConnection(HOST, dev_server, timeout=10)

    status, headers, body = ask(connection, method, path)

    assert status == 403
    assert body == {"message": "Missing Authentication Token"}
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert headers["Content-Type"] == "application/json" and headers["x-amzn-RequestId"]
    connection.close()


def test_with_a_bearer_token_it_is_told_the_token_is_no_aws_signature(dev_server):
    connection = http.client.HTTPConnection(HOST, dev_server, timeout=10)

    status, headers, body = ask(connection, "TRACE", "/me", Authorization="Bearer abc.def.ghi")

    assert status == 403
    assert body == {
        "message": "'abc.def.ghi' not a valid key=value pair (missing equal-sign) in Authorization header: "
        "'Bearer abc.def.ghi'."
    }
    assert headers["x-amzn-ErrorType"] == "IncompleteSignatureException"
    connection.close()


def test_the_same_connection_serves_the_next_request_after_a_refused_verb_with_a_body(dev_server):
    # Given one keep-alive connection, over which a TRACE carrying a body is refused
    connection = http.client.HTTPConnection(HOST, dev_server, timeout=10)
    refused = ask(connection, "TRACE", "/openapi.json", body=b"hello")

    # When the next request goes over the same connection
    served = ask(connection, "GET", "/openapi.json")

    # Then the refused body was not left behind to be read as that request
    assert refused[0] == 403 and served[0] == 200 and served[2]["openapi"].startswith("3.1")
    connection.close()
