"""POST one signed JSON body to a department's webhook."""

from __future__ import annotations

import urllib.error
import urllib.request

from chalicelib.notify.errors import SendFailed

TIMEOUT_SECONDS = 5  # a slow receiver is retried later rather than holding the consumer


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: a signed POST must not be re-sent somewhere else (or as a GET)."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post_json(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST `body`; returns the 2xx status, or raises SendFailed ("HTTP 503", "timeout", ...)."""
    if not url.startswith(("https://", "http://")):
        raise SendFailed("bad URL scheme")
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
