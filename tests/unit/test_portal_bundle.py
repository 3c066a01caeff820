"""The portal stays small enough for a slow phone, and its offline shell holds every file
the pages need."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"
MOST_JAVASCRIPT = 200 * 1024  # issue 16: at most 200 KB of JavaScript


def test_the_portals_javascript_is_at_most_200_kb():
    scripts = [*WEB.rglob("*.js")]

    assert scripts
    assert sum(path.stat().st_size for path in scripts) <= MOST_JAVASCRIPT


def test_the_offline_shell_caches_every_file_the_pages_load_and_nothing_missing():
    listed = set(re.findall(r'"([^"]+)"', (WEB / "sw.js").read_text().split("];")[0].split("FILES = [")[1]))
    served = {str(path.relative_to(WEB)) for path in WEB.rglob("*") if path.is_file() and path.name != "sw.js"}

    assert listed - {"./"} <= served
    assert {name for name in served if name.endswith((".js", ".css", ".html"))} <= listed
