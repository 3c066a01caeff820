"""Every language a stage lists speaks every message: the citizens' and the staff's
templates, the one-time code, the account notices and the email footer. A stage that adds a
language without its texts fails here, not in a citizen's inbox."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chalicelib.notify import render
from chalicelib.services.account_notices import NOTICE_TEXTS
from chalicelib.services.one_time_codes import CODE_EMAIL_TITLES, CODE_TEXTS

CHALICE_CONFIG = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text("utf-8"))
STAGE_LANGUAGES = sorted(
    {
        (stage, language.strip())
        for stage, settings in CHALICE_CONFIG["stages"].items()
        for language in settings.get("environment_variables", {}).get("LANGUAGES", "en").split(",")
    }
)
TEMPLATES = render.templates()


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", text))


@pytest.mark.parametrize(("stage", "language"), STAGE_LANGUAGES)
def test_every_message_template_exists_in_the_language(stage, language):
    missing = sorted(
        f"{audience}/{event}"
        for audience, event, english in TEMPLATES
        if english == render.FALLBACK_LANGUAGE and (audience, event, language) not in TEMPLATES
    )

    assert missing == [], f"stage {stage} lists {language!r}"


@pytest.mark.parametrize(("stage", "language"), STAGE_LANGUAGES)
def test_codes_notices_and_the_email_footer_speak_the_language(stage, language):
    assert language in CODE_TEXTS and language in CODE_EMAIL_TITLES, f"stage {stage}"
    assert language in render.EMAIL_FOOTERS, f"stage {stage}"
    for notice, texts in NOTICE_TEXTS.items():
        assert language in texts, f"stage {stage}: notice {notice}"
        assert placeholders(texts[language]) == placeholders(texts["en"]), notice
    assert placeholders(CODE_TEXTS[language]) == {"code"}


def test_the_stages_list_more_than_english():
    """The check above has something to check: the state stages are multilingual."""
    assert {language for _, language in STAGE_LANGUAGES} >= {"en", "hi", "or", "pa"}
