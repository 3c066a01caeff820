"""Every language of the portal speaks every English word of every page: a key missing from
`hi` or `or` falls back to English on a Hindi or Odia screen, and a translation that drops a
`{placeholder}` shows the citizen a sentence without its tracking id or date."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

WEB_JS = Path(__file__).resolve().parents[2] / "web" / "js"
DICTIONARY_FILES = [WEB_JS / "strings.js", *sorted((WEB_JS / "pages").glob("*.js"))]
PORTAL_LANGUAGES = {"en", "hi", "or"}  # Odia is a full language of the Odisha stage

STRINGS_START = re.compile(r"^export const STRINGS = \{\s*$")
STRINGS_END = re.compile(r"^\};\s*$")
LANGUAGE_START = re.compile(r"^\s*(\w+): \{\s*$")
LANGUAGE_END = re.compile(r"^\s*\},?\s*$")
WORD = re.compile(r'^\s*"([^"\\]+)":\s*"((?:[^"\\]|\\.)*)",?\s*$')
PLACEHOLDER = re.compile(r"\{(\w+)\}")  # the pattern i18n.js's t() fills in


def dictionaries(path: Path) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    """The `STRINGS = { en: {...}, hi: {...} }` object of one module, as language -> key -> text,
    and the keys each language lists twice (JavaScript keeps only the last one silently).

    Reads the house's one-entry-a-line layout; any other line inside a language block raises
    instead of being skipped, so a word the parser cannot read never passes unseen."""
    lines = path.read_text("utf-8").splitlines()
    start = next(number for number, line in enumerate(lines) if STRINGS_START.match(line))
    words: dict[str, dict[str, str]] = {}
    repeated: dict[str, list[str]] = {}
    language = None
    for number, line in enumerate(lines[start + 1 :], start=start + 2):
        if language is None:
            if STRINGS_END.match(line):
                return words, repeated
            opened = LANGUAGE_START.match(line)
            if opened is None:
                raise ValueError(f"{path.name}:{number}: expected a language block, found {line!r}")
            language = opened.group(1)
            words.setdefault(language, {})
        elif LANGUAGE_END.match(line):
            language = None
        elif (word := WORD.match(line)) is not None:
            key, text = word.groups()
            if key in words[language]:
                repeated.setdefault(language, []).append(key)
            words[language][key] = text
        elif line.strip() and not line.strip().startswith("//"):
            raise ValueError(f"{path.name}:{number}: cannot read {line!r} in the {language} block")
    raise ValueError(f"{path.name}: the STRINGS object never closes")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


files = pytest.mark.parametrize("path", DICTIONARY_FILES, ids=lambda path: str(path.relative_to(WEB_JS)))


@files
def test_the_parser_reads_the_english_words(path):
    """Guards the two checks below against passing on an empty parse."""
    words, _ = dictionaries(path)

    assert len(words.get("en", {})) > 10


@files
def test_every_language_has_exactly_the_english_keys(path):
    words, repeated = dictionaries(path)
    english = set(words["en"])

    differences = {
        language: {"missing": sorted(english - set(texts)), "extra": sorted(set(texts) - english)}
        for language, texts in words.items()
        if set(texts) != english
    }

    assert sorted(PORTAL_LANGUAGES - set(words)) == [], "languages without a block"
    assert differences == {}
    assert repeated == {}, "keys listed twice"


@files
def test_every_translation_keeps_the_english_placeholders(path):
    words, _ = dictionaries(path)
    english = words["en"]

    changed = {
        f"{language}:{key}": sorted(placeholders(text) ^ placeholders(english[key]))
        for language, texts in words.items()
        for key, text in texts.items()
        if key in english and placeholders(text) != placeholders(english[key])
    }

    assert changed == {}
