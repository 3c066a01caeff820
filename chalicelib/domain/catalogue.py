"""The state's catalogue: districts, departments, their services and grievance categories.

Pure data and rules: no I/O. Names and descriptions are held per language
(`{"en": ..., "hi": ...}`); `localized()` picks one with a fallback so a citizen who
asks for a language the catalogue lacks still gets a readable name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar

Localized = dict[str, str]

FALLBACK_LANGUAGE = "en"
# What the catalogue routes take for an item's code and for a language.
CODE_PATTERN = r"^[A-Z0-9_]{1,64}$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}$"


def localized(texts: Localized, language: str | None) -> str:
    """The text in `language`, else English, else any language present, else ""."""
    if language and texts.get(language):
        return texts[language]
    if texts.get(FALLBACK_LANGUAGE):
        return texts[FALLBACK_LANGUAGE]
    return next((text for text in texts.values() if text), "")


# Zero-width (non-)joiners only choose how a conjunct is drawn; phones put them into typed Odia
# and Hindi, where they would keep a word from matching the same word typed without them.
_JOINERS = str.maketrans("", "", "\u200c\u200d")


def normalize_for_search(text: str) -> str:
    """Case- and form-insensitive key: 'पानी' typed with any normalization matches, and so
    does 'ପେନ୍‌ସନ' typed with a zero-width non-joiner."""
    return unicodedata.normalize("NFKC", text).translate(_JOINERS).casefold().strip()


@dataclass(frozen=True)
class District:
    code: str
    names: Localized
    population: int | None = None  # for reports per lakh of people
    revision: int = 0  # bumped on every change: an edit is saved only over the one it read


@dataclass(frozen=True)
class Department:
    code: str
    names: Localized
    description: Localized = field(default_factory=dict)
    revision: int = 0


@dataclass(frozen=True)
class DepartmentWebhook:
    """Where a department wants its events posted. The signing secret is not stored: it is
    derived from the stage's key and `secret_version` (bumped to rotate it)."""

    department: str
    url: str
    secret_version: int = 1
    updated_at: str = ""
    updated_by: str = ""


@dataclass(frozen=True)
class DocumentSlot:
    slot: str
    names: Localized
    required: bool = True


@dataclass(frozen=True)
class Service:
    code: str
    department: str
    names: Localized
    sla_days: int
    description: Localized = field(default_factory=dict)
    eligibility: Localized = field(default_factory=dict)
    keywords: dict[str, list[str]] = field(default_factory=dict)
    fee_inr: int = 0
    form: dict[str, Any] = field(default_factory=dict)
    documents: tuple[DocumentSlot, ...] = ()
    # Bumped whenever the form or the document slots change; an application keeps the
    # version it was filed against.
    form_version: int = 1
    # Bumped on every change: an edit is saved only over the revision it was made from.
    revision: int = 0

    def slot(self, name: str) -> DocumentSlot | None:
        return next((slot for slot in self.documents if slot.slot == name), None)

    def matches(self, query: str) -> bool:
        """True when every word of `query` appears in a name, description or keyword,
        in any language of the catalogue."""
        return _all_words_found(query, self._search_texts())

    def _search_texts(self) -> list[str]:
        texts = [self.code, *self.names.values(), *self.description.values()]
        for words in self.keywords.values():
            texts.extend(words)
        return texts


@dataclass(frozen=True)
class Category:
    """A kind of grievance, owned by one department, with its resolution deadline."""

    code: str
    department: str
    names: Localized
    sla_hours: int
    round_the_clock: bool = False
    keywords: dict[str, list[str]] = field(default_factory=dict)
    # Hours each escalation level gets (levels 1, 2, 3) when the category has its own
    # ladder; a level without one gets `sla_hours` again.
    escalation_hours: tuple[int, ...] = ()
    revision: int = 0


CatalogueItem = District | Department | Service | Category
Item = TypeVar("Item", District, Department, Service, Category)


def to_document(item: CatalogueItem) -> dict[str, Any]:
    """A plain JSON-able dict of the item, the shape of `infra/seed/demo_state.json`."""
    return asdict(item)


def from_document(kind: type[Item], document: dict[str, Any]) -> Item:
    """Build a catalogue item from its document; keys the item does not know are ignored."""
    known = {f.name for f in fields(kind)}
    values = {key: value for key, value in document.items() if key in known}
    if kind is Service:
        values["documents"] = tuple(DocumentSlot(**slot) for slot in values.get("documents", ()))
    if kind is Category:
        values["escalation_hours"] = tuple(int(hours) for hours in values.get("escalation_hours") or ())
    return kind(**values)


def _all_words_found(query: str, texts: list[str]) -> bool:
    """Every word of the query is in the texts, as typed or as it sounds: "pani" finds
    "पानी", "jal" finds "जल" and "नल" finds "nal", whatever script either was written in."""
    words = normalize_for_search(query).split()
    if not words:
        return True
    haystack = " ".join(normalize_for_search(text) for text in texts)
    sounds = {sound for text in texts for word in normalize_for_search(text).split() if (sound := skeleton(word))}
    return all(word in haystack or _sounds_like(skeleton(word), sounds) for word in words)


def skeleton(word: str) -> str:
    """How a word sounds, roughly, in any Indian script or in Latin letters: transliterated
    to ASCII, then only its first letter and its consonants, doubled letters collapsed.
    Indic scripts often leave the vowel "a" unwritten (जल → "jl"), so vowels cannot count."""
    from anyascii import anyascii

    latin = "".join(ch for ch in anyascii(word).lower() if ch.isalnum())
    # the anusvara comes out as "m"; before anything but a labial it is said "n" (पेंशन: pension)
    latin = re.sub(r"m(?=[^aeioupbmy])", "n", latin)
    latin = latin.replace("sh", "s").replace("w", "v").replace("ph", "f").replace("ee", "i").replace("oo", "u")
    if not latin:
        return ""
    consonants = latin[0] + "".join(ch for ch in latin[1:] if ch not in "aeiouy")
    return "".join(ch for i, ch in enumerate(consonants) if i == 0 or ch != consonants[i - 1])


def _sounds_like(sound: str, sounds: set[str]) -> bool:
    """A whole word that sounds the same, or (from 3 sounds on) the start of one."""
    if len(sound) < 2:
        return False
    return sound in sounds or (len(sound) >= 3 and any(other.startswith(sound) for other in sounds))
