"""The portal (`web/`) served on 127.0.0.1:$WEB_PORT for the local stack, as CloudFront
serves it for a deployed state: static files, plus a `config.js` that names this stack's API
and the stage's languages (the copy in `web/` names the default local ports)."""

from __future__ import annotations

import functools
import json
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

WEB_ROOT = Path(__file__).resolve().parents[1] / "web"


def config_script(api_url: str, languages: list[str]) -> bytes:
    config = json.dumps({"api": api_url, "languages": languages})
    return f"window.CRM_CONFIG = {config};\n".encode()


class _PortalHandler(SimpleHTTPRequestHandler):
    config: bytes = b""

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/config.js":
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(self.config)))
            self.end_headers()
            self.wfile.write(self.config)
            return
        super().do_GET()

    def end_headers(self) -> None:
        # A developer's edit shows on reload; the service worker does the caching a phone needs.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class PortalServer:
    def __init__(self, host: str, port: int, api_url: str, languages: list[str]) -> None:
        handler = type("Handler", (_PortalHandler,), {"config": config_script(api_url, languages)})
        self.server = ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(WEB_ROOT)))
        self.url = f"http://{host}:{port}"

    def start(self) -> PortalServer:
        threading.Thread(target=self.server.serve_forever, name="web", daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
