"""Messages rendered from templates: one file per audience, event and language.

`templates/<audience>/<event>.<language>.txt` (audience: `citizen` or `owner`; `_title` is
the email subject). Jinja2 renders them with StrictUndefined, so a missing value fails
loudly instead of printing "None". Every template is parsed and checked once, before the
first message goes out: only known placeholders, the tracking id in every message, the due
date wherever the event sets one, and every translation using the same placeholders as its
English original — a translation cannot quietly drop the date.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).resolve().parent / "templates"
FALLBACK_LANGUAGE = "en"
PLACEHOLDERS = frozenset({"tracking_id", "department", "category", "district", "due", "level", "note", "service"})
# Events after which the grievance or application has a deadline: the citizen is always told it.
WITH_DEADLINE = frozenset(
    {
        "assigned",
        "handed_over",
        "application_handed_over",
        "accepted",
        "reassigned",
        "escalated",
        "reopened",
        "appealed",
        "application_submitted",
        "application_verified",
    }
)


class TemplateProblem(Exception):
    """A template that must not be used: found at load, never while sending."""


@lru_cache(maxsize=1)
def templates() -> dict[tuple[str, str, str], Any]:
    """(audience, event, language) -> compiled template, checked."""
    from jinja2 import Environment, StrictUndefined, meta

    # Plain-text SMS and email bodies: HTML escaping would print "&amp;" in an SMS.
    environment = Environment(autoescape=False, undefined=StrictUndefined)  # noqa: S701
    compiled: dict[tuple[str, str, str], Any] = {}
    used_by: dict[tuple[str, str, str], set[str]] = {}
    for path in sorted(TEMPLATES.glob("*/*.txt")):
        event, _, language = path.name.removesuffix(".txt").rpartition(".")
        key = (path.parent.name, event, language)
        source = path.read_text(encoding="utf-8").strip()
        used = meta.find_undeclared_variables(environment.parse(source))
        _check(path, key, used)
        used_by[key] = used
        compiled[key] = environment.from_string(source)
    for (audience, event, language), used in used_by.items():
        original = used_by.get((audience, event, FALLBACK_LANGUAGE))
        if original is None:
            raise TemplateProblem(f"{audience}/{event}.{language}: no English original to fall back on")
        if used != original:
            raise TemplateProblem(f"{audience}/{event}.{language}: placeholders {sorted(used)} differ from English")
    return compiled


def _check(path: Path, key: tuple[str, str, str], used: set[str]) -> None:
    audience, event, _ = key
    if unknown := used - PLACEHOLDERS:
        raise TemplateProblem(f"{path.name}: unknown placeholders {sorted(unknown)}")
    if "tracking_id" not in used:
        raise TemplateProblem(f"{path.name}: every message names its grievance ({{{{ tracking_id }}}})")
    if audience == "citizen" and event in WITH_DEADLINE and "due" not in used:
        raise TemplateProblem(f"{path.name}: the citizen is told the due date after {event}")


def has_message(audience: str, event: str) -> bool:
    return (audience, event, FALLBACK_LANGUAGE) in templates()


EMAIL_FOOTERS = {
    "en": "An automated message from the state's grievance system. Do not reply to this email.",
    "hi": "राज्य की शिकायत प्रणाली का स्वचालित संदेश। इस ईमेल का उत्तर न दें।",
    "or": "ରାଜ୍ୟ ଅଭିଯୋଗ ପ୍ରଣାଳୀର ସ୍ୱୟଂଚାଳିତ ସନ୍ଦେଶ। ଏହି ଇମେଲର ଉତ୍ତର ଦିଅନ୍ତୁ ନାହିଁ।",
    "pa": "ਰਾਜ ਦੀ ਸ਼ਿਕਾਇਤ ਪ੍ਰਣਾਲੀ ਦਾ ਆਟੋਮੈਟਿਕ ਸੁਨੇਹਾ। ਇਸ ਈਮੇਲ ਦਾ ਜਵਾਬ ਨਾ ਦਿਓ।",
}


@lru_cache(maxsize=1)
def _email_layout() -> Any:
    from jinja2 import Environment, StrictUndefined

    # HTML, so everything interpolated is escaped: an officer's note cannot inject markup.
    environment = Environment(autoescape=True, undefined=StrictUndefined)
    return environment.from_string((TEMPLATES / "_layout" / "email.html").read_text(encoding="utf-8"))


def email_html(title: str, text: str, language: str) -> str:
    """The HTML part of an email whose plain-text part is `text`."""
    footer = EMAIL_FOOTERS.get(language, EMAIL_FOOTERS[FALLBACK_LANGUAGE])
    return str(_email_layout().render(title=title, text=text, footer=footer, language=language))


def language_used(audience: str, event: str, language: str | None) -> str:
    """`language` when the message exists in it, else English."""
    return language if language and (audience, event, language) in templates() else FALLBACK_LANGUAGE


def render(audience: str, event: str, language: str | None, values: dict[str, Any]) -> str:
    """The message in `language`, or in English when there is no translation."""
    return str(templates()[(audience, event, language_used(audience, event, language))].render(**values))
