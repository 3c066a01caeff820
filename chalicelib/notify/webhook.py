"""POST one signed JSON body to a department's webhook.

The host is resolved once, every address it resolves to is checked, and the connection
goes to a checked address: a name that answers a public address to the check and an
internal one a moment later (DNS rebinding) cannot steer the POST inside the network.
The request still names the host (Host header, and for https SNI and the certificate
checked against the host name, not the address). Redirects are not followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import urllib.parse

from chalicelib.notify.errors import SendFailed

TIMEOUT_SECONDS = 5  # a slow receiver is retried later rather than holding the consumer
DEFAULT_PORTS = {"http": 80, "https": 443}


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to `host` that connects to the addresses already checked for it."""

    def __init__(self, host: str, port: int, addresses: list[str]) -> None:
        super().__init__(host, port, timeout=TIMEOUT_SECONDS)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.port)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: SNI and certificate verification against `host`."""

    def __init__(self, host: str, port: int, addresses: list[str]) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=TIMEOUT_SECONDS, context=self.tls)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = self.tls.wrap_socket(_connect(self.addresses, self.port), server_hostname=self.host)


def _connect(addresses: list[str], port: int) -> socket.socket:
    """A socket to the first of `addresses` that answers (as socket.create_connection does
    with a name, but without resolving anything again)."""
    failure: OSError = OSError("no address")
    for address in addresses:
        try:
            return socket.create_connection((address, port), TIMEOUT_SECONDS)
        except OSError as error:
            failure = error
    raise failure


def _resolve(host: str, port: int, *, public_only: bool) -> list[str]:
    """Every address `host` resolves to, once. With `public_only`, any non-public one is a
    refusal (`127.1` or `0x7f000001` are loopback too, whatever they look like)."""
    try:
        resolved = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise SendFailed("unresolvable host") from error
    addresses = list(dict.fromkeys(str(sockaddr[0]).split("%", 1)[0] for *_, sockaddr in resolved))
    if public_only and not all(ipaddress.ip_address(address).is_global for address in addresses):
        raise SendFailed("address not public")
    return addresses


def post_json(url: str, body: bytes, headers: dict[str, str], *, public_only: bool = True) -> int:
    """POST `body`; returns the 2xx status, or raises SendFailed ("HTTP 503", "timeout", ...).
    With `public_only`, a host that resolves to any non-public address is refused."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise SendFailed("bad URL scheme")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as error:
        raise SendFailed("bad URL") from error
    if not parts.hostname:
        raise SendFailed("bad URL")
    addresses = _resolve(parts.hostname, port, public_only=public_only)
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = kind(parts.hostname, port, addresses)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers={"Content-Type": "application/json", **headers})
        status = connection.getresponse().status
    except TimeoutError as error:
        raise SendFailed("timeout") from error
    except (OSError, http.client.HTTPException) as error:
        raise SendFailed(type(error).__name__) from error
    finally:
        connection.close()
    if not 200 <= status < 300:  # a redirect too: a signed POST is not re-sent elsewhere
        raise SendFailed(f"HTTP {status}")
    return int(status)
