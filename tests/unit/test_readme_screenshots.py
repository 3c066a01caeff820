"""The README shows the portal as the browser tests see it: every screenshot a browser test
takes is kept in docs/screenshots/ (by `make screenshots`) and shown in the README, and the
README shows no picture that no test takes."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEPT = ROOT / "docs" / "screenshots"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def taken_by_the_browser_tests() -> set[str]:
    sources = (ROOT / "tests" / "browser").glob("*.py")
    return {name for source in sources for name in re.findall(r'screenshot\(page, "([^"]+)"\)', source.read_text())}


def test_the_browser_tests_take_a_screenshot_of_each_main_page():
    taken = taken_by_the_browser_tests()

    assert len(taken) >= 12
    assert {"citizen-register", "citizen-apply", "track", "officer-queue", "admin-dashboard"} <= taken


def test_every_screenshot_taken_is_kept_and_every_kept_one_is_taken():
    kept = {path.stem for path in KEPT.glob("*.png")}

    assert kept == taken_by_the_browser_tests(), "run `make screenshots` and commit docs/screenshots/"


def test_the_readme_shows_every_kept_screenshot_and_no_other():
    shown = re.findall(r"!\[[^\]]*\]\(docs/screenshots/([^)]+)\.png\)", (ROOT / "README.md").read_text())

    assert len(shown) == len(set(shown))
    assert set(shown) == {path.stem for path in KEPT.glob("*.png")}


def test_each_kept_screenshot_is_a_picture():
    for path in KEPT.glob("*.png"):
        body = path.read_bytes()
        assert body.startswith(PNG_SIGNATURE) and len(body) > 10_000, path.name
