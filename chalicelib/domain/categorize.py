"""Which category a free-text complaint (an SMS, an email) is about, from its words.

Each category lists keywords per language in the catalogue (English, romanised Hindi,
Devanagari...). The category whose keywords appear most often wins (ties: the smaller
code); no keyword at all means no category, and the grievance goes to the state cell to be
sorted by a person.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from chalicelib.domain.catalogue import Category, normalize_for_search


def words_of(text: str) -> set[str]:
    """Whitespace-separated words without surrounding punctuation. (`\\w+` would cut
    Devanagari apart at every vowel sign, which is a combining mark, not a letter.)"""
    words = set()
    for chunk in normalize_for_search(text).split():
        word = _strip_punctuation(chunk)
        if word:
            words.add(word)
    return words


def _strip_punctuation(chunk: str) -> str:
    start, end = 0, len(chunk)
    while start < end and unicodedata.category(chunk[start])[0] in "PS":
        start += 1
    while end > start and unicodedata.category(chunk[end - 1])[0] in "PS":
        end -= 1
    return chunk[start:end]


def categorize(text: str, categories: Iterable[Category]) -> Category | None:
    normalized = " ".join(normalize_for_search(text).split())
    words = words_of(text)
    chosen: Category | None = None
    best = 0
    for category in sorted(categories, key=lambda c: c.code):
        score = sum(_mentions(k, normalized, words) for keywords in category.keywords.values() for k in keywords)
        if score > best:
            chosen, best = category, score
    return chosen


def _mentions(keyword: str, text: str, words: set[str]) -> int:
    key = " ".join(normalize_for_search(keyword).split())
    if not key:
        return 0
    if " " in key:  # a phrase: look for it as written
        return 1 if key in text else 0
    return 1 if key in words else 0
