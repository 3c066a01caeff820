"""Every message template renders in every language for every event it exists for, names
the grievance, tells the citizen the date where there is one, and the load-time checks
refuse a template that would not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markupsafe import escape

from chalicelib.notify import render

VALUES = {
    "tracking_id": "OD-261130-7KQ3XM",
    "department": "WATER",
    "category": "WATER_NO_SUPPLY",
    "district": "KHORDHA",
    "due": "02 Dec 2026 17:30",
    "level": 2,
    "note": "Valve reopened.",
    "service": "New Water Connection",
}
LANGUAGES = ("en", "hi", "or", "pa")
SCRIPTS = {"hi": r"[\u0900-\u097F]", "or": r"[\u0B00-\u0B7F]", "pa": r"[\u0A00-\u0A7F]"}  # Devanagari, Odia, Gurmukhi
CITIZEN_EVENTS = sorted({event for audience, event, _ in render.templates() if audience == "citizen"})
OWNER_EVENTS = sorted({event for audience, event, _ in render.templates() if audience == "owner"})
# Every event a citizen can see in the grievance lifecycle has its message.
PUBLIC_EVENTS = {
    "filed",
    "handed_over",
    "assigned",
    "accepted",
    "info_requested",
    "transferred",
    "reassigned",
    "escalated",
    "resolved",
    "rejected",
    "closed",
    "reopened",
    "appealed",
}
# ... and every stage of a service application the citizen is told of.
PUBLIC_APPLICATION_EVENTS = {
    "application_submitted",
    "application_handed_over",
    "application_verification_started",
    "application_verified",
    "application_info_requested",
    "application_approved",
    "application_rejected",
    "application_completed",
}


def test_every_public_event_has_a_citizen_message_and_every_owner_event_one_for_the_owner():
    titles = {"_title", "_application_title"}
    assert PUBLIC_EVENTS | PUBLIC_APPLICATION_EVENTS | titles == set(CITIZEN_EVENTS)
    assert {"assigned", "escalated", "sla_warning", "sla_breached", "citizen_wrote"} <= set(OWNER_EVENTS)
    assert {"application_submitted", "application_info_provided"} <= set(OWNER_EVENTS)


@pytest.mark.parametrize("event", CITIZEN_EVENTS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_citizen_message_renders_in_each_language(event, language):
    assert ("citizen", event, language) in render.templates(), f"{event} has no {language} text"

    text = render.render("citizen", event, language, VALUES)

    assert VALUES["tracking_id"] in text
    assert "None" not in text and "{{" not in text
    if event in render.WITH_DEADLINE:
        assert VALUES["due"] in text
    if language != "en":
        assert text != render.render("citizen", event, "en", VALUES), "a translation, not the English text"
        assert re.search(SCRIPTS[language], text), "written in the language's own script"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("event", OWNER_EVENTS)
def test_each_owner_message_renders_in_each_language(event, language):
    text = render.render("owner", event, language, VALUES)
    assert VALUES["tracking_id"] in text and "{{" not in text and "None" not in text
    if language != "en":
        assert text != render.render("owner", event, "en", VALUES), "a translation, not the English text"
        assert re.search(SCRIPTS[language], text), "written in the language's own script"


def test_a_language_without_a_translation_falls_back_to_english():
    assert render.render("citizen", "closed", "ta", VALUES) == render.render("citizen", "closed", "en", VALUES)


def test_a_missing_value_fails_loudly_rather_than_printing_nothing():
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        render.render("citizen", "assigned", "en", {"tracking_id": "OD-261130-7KQ3XM"})


@pytest.mark.parametrize(
    "files, problem",
    [
        ({"citizen/filed.en.txt": "Your grievance is registered."}, "tracking_id"),
        ({"citizen/assigned.en.txt": "Grievance {{ tracking_id }} is assigned."}, "due date"),
        ({"citizen/filed.en.txt": "Grievance {{ tracking_id }} for {{ name }}."}, "unknown placeholders"),
        (
            {
                "citizen/reopened.en.txt": "Grievance {{ tracking_id }} reopened, due {{ due }}.",
                "citizen/reopened.hi.txt": "शिकायत {{ tracking_id }} फिर से खोली गई {{ due }} {{ note }}।",
            },
            "differ from English",
        ),
        ({"citizen/closed.hi.txt": "शिकायत {{ tracking_id }} बंद।"}, "English original"),
    ],
)
def test_the_load_time_checks_refuse_a_bad_template(tmp_path: Path, monkeypatch, files, problem):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setattr(render, "TEMPLATES", tmp_path)
    render.templates.cache_clear()
    try:
        with pytest.raises(render.TemplateProblem, match=problem):
            render.templates()
    finally:
        render.templates.cache_clear()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_html_email_carries_the_message_escaped_in_the_language_of_the_citizen(language):
    text = render.render("citizen", "resolved", language, {**VALUES, "note": '<script>alert("x")</script> & done'})

    html = render.email_html(f"Grievance {VALUES['tracking_id']}", text, language)

    assert VALUES["tracking_id"] in html and f'lang="{language}"' in html
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; done" in html
    assert str(escape(render.EMAIL_FOOTERS[language])) in html
