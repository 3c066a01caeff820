"""POST one signed JSON body to a department's webhook."""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.parse
import urllib.request

from chalicelib.notify.errors import SendFailed

TIMEOUT_SECONDS = 5  # a slow receiver is retried later rather than holding the consumer


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: a signed POST must not be re-sent somewhere else (or as a GET)."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _require_public(url: urllib.parse.SplitResult) -> None:
    """Checked when sending, not only when the URL was set: what a name resolves to can
    change (and `127.1` or `0x7f000001` are loopback too, whatever they look like)."""
    try:
        resolved = socket.getaddrinfo(url.hostname or "", url.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise SendFailed("unresolvable host") from error
    for *_, sockaddr in resolved:
        if not ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]).is_global:
            raise SendFailed("address not public")


def post_json(url: str, body: bytes, headers: dict[str, str], *, public_only: bool = True) -> int:
    """POST `body`; returns the 2xx status, or raises SendFailed ("HTTP 503", "timeout", ...).
    With `public_only`, a host that resolves to any non-public address is refused."""
    if not url.startswith(("https://", "http://")):
        raise SendFailed("bad URL scheme")
    if public_only:
        _require_public(urllib.parse.urlsplit(url))
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as error:
        raise SendFailed(f"HTTP {error.code}") from error
    except TimeoutError as error:
        raise SendFailed("timeout") from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SendFailed(type(reason).__name__ if not isinstance(reason, str) else "unreachable") from error
