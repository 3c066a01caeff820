"""What a citizen's SMS asks for: the grammar typed on feature phones.

    GRV <category> <text>     files a grievance (`File`)
    STATUS <tracking id>      asks where one stands (`Status`)
    HELP                      asks how to use the service (`Help`)
    anything else             a complaint in the citizen's words, categorised by the caller (`FreeText`)

The rules, so that a citizen (and a helpline officer reading a log) can predict the outcome:

- The first word decides. GRV, STATUS and HELP are read in any letter case, after any leading
  spaces, punctuation or symbols (`#GRV`, `*help`, `"Status`), and only as a whole word:
  `GRVWATER`, `GRV_WATER` and `G R V` are not keywords, so such a message is free text and still
  filed, never lost.
- A keyword followed by what it cannot use gets the HELP reply (`Help` with a reason): `GRV` with
  no description, `STATUS` with no or a malformed tracking id. `HELP` followed by anything is
  still HELP: the reply tells the sender how to file.
- After GRV, the next word is the category when it names one (a code or an alias, in any case,
  `-` accepted for `_` because the underscore is buried on a keypad; surrounding punctuation such
  as `<WATER>` copied from the instructions is ignored). Otherwise that word is kept as the first
  word of the text and the category is None: the caller categorises the text.
- A tracking id is read in any case, with its dashes typed, replaced by a space or a dot, or left
  out (`od261203hn88j6`). A message that is nothing but a tracking id asks for its status.
- Runs of whitespace (a keypad's double spaces, line breaks) become one space; the citizen's
  words are otherwise kept as typed, Devanagari and Odia included. A text over
  `MAX_TEXT_CHARS` is cut there, with `truncated` set.
- A message with no letter or digit at all (empty, `???`, only emoji) gets the HELP reply.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.catalogue import normalize_for_search
from chalicelib.domain.grievance import TRACKING_ID_PATTERN

MAX_TEXT_CHARS = 1000


class HelpReason(StrEnum):
    """Why a message got the HELP reply instead of doing what it seemed to ask."""

    EMPTY = "empty"  # nothing but whitespace
    UNREADABLE = "unreadable"  # no letter or digit: punctuation, symbols, emoji
    NO_DESCRIPTION = "no_description"  # GRV with no words to file
    NO_TRACKING_ID = "no_tracking_id"  # STATUS alone
    MALFORMED_TRACKING_ID = "malformed_tracking_id"  # STATUS with something that is not one


@dataclass(frozen=True)
class File:
    """File a grievance: `category` is a code of the catalogue, or None for the caller to
    categorise `text`."""

    category: str | None
    text: str
    truncated: bool = False


@dataclass(frozen=True)
class Status:
    tracking_id: str  # upper case, in the form new_tracking_id makes


@dataclass(frozen=True)
class Help:
    reason: HelpReason | None = None  # None: the citizen sent HELP


@dataclass(frozen=True)
class FreeText:
    text: str
    truncated: bool = False


SmsCommand = File | Status | Help | FreeText

_KEYWORDS = frozenset({"GRV", "STATUS", "HELP"})
# ASCII letters as the keyword, then no letter or digit of any script: "GRVपानी" is no keyword.
_FIRST_WORD = re.compile(r"[A-Za-z]+(?!\w)")
# What may stand between a keyword and its argument, or a category and its text ("GRV: WATER - ...").
_SEPARATORS = " :;,.-–—=*#"
# The parts of a tracking id, with the dashes optional or typed as a space or a dot; the result
# is checked against TRACKING_ID_PATTERN, the one definition.
_TRACKING_ID_SHAPE = re.compile(r"([A-Z]{2})(?: ?[-.] ?| )?([0-9]{6})(?: ?[-.] ?| )?([0-9A-Z]{6})(?![0-9A-Z])")


def parse_sms(text: str, category_codes: Collection[str], aliases: Mapping[str, str] | None = None) -> SmsCommand:
    """The command an SMS carries. Never raises: what cannot be understood is `Help` (with a
    reason) or `FreeText`.

    `category_codes` are the catalogue's category codes; `aliases` maps short words a citizen
    can type ("WATER") to one of them. An alias naming no code in `category_codes` is ignored,
    and a code wins over an alias spelled the same.
    """
    message = " ".join(text.split())
    if not message:
        return Help(HelpReason.EMPTY)
    if not _has_words(message):
        return Help(HelpReason.UNREADABLE)
    head = _strip_symbols(message, leading=True, trailing=False)
    match = _FIRST_WORD.match(head)
    keyword = match.group().upper() if match else None
    if match is None or keyword not in _KEYWORDS:
        bare_id = _tracking_id(_strip_symbols(message), whole=True)
        if bare_id:
            return Status(bare_id)
        return FreeText(*_limited(message))
    argument = head[match.end() :].lstrip(_SEPARATORS)
    if keyword == "HELP":
        return Help()
    if keyword == "STATUS":
        return _status(argument)
    return _file(argument, _category_table(category_codes, aliases))


def _status(argument: str) -> Status | Help:
    if not _has_words(argument):
        return Help(HelpReason.NO_TRACKING_ID)
    tracking_id = _tracking_id(_strip_symbols(argument, leading=True, trailing=False), whole=False)
    return Status(tracking_id) if tracking_id else Help(HelpReason.MALFORMED_TRACKING_ID)


def _file(argument: str, categories: Mapping[str, str]) -> File | Help:
    first, _, rest = argument.partition(" ")
    category = categories.get(_category_key(_strip_symbols(first)))
    description = rest.lstrip(_SEPARATORS) if category else argument
    if not _has_words(description):
        return Help(HelpReason.NO_DESCRIPTION)
    return File(category, *_limited(description))


def _tracking_id(candidate: str, *, whole: bool) -> str | None:
    """The tracking id `candidate` starts with (or, `whole`, consists of), in canonical form."""
    upper = candidate.upper()
    match = _TRACKING_ID_SHAPE.fullmatch(upper) if whole else _TRACKING_ID_SHAPE.match(upper)
    if match is None:
        return None
    tracking_id = "-".join(match.groups())
    return tracking_id if re.fullmatch(TRACKING_ID_PATTERN, tracking_id) else None


def _category_table(codes: Collection[str], aliases: Mapping[str, str] | None) -> dict[str, str]:
    """Typed word (as `_category_key` makes it) -> category code."""
    by_code = {_category_key(code): code for code in codes}
    table = {}
    for alias, target in (aliases or {}).items():
        code = by_code.get(_category_key(target))
        if code:
            table[_category_key(alias)] = code
    table.update(by_code)
    return table


def _category_key(word: str) -> str:
    return normalize_for_search(word).replace("-", "_")


def _limited(text: str) -> tuple[str, bool]:
    if len(text) <= MAX_TEXT_CHARS:
        return text, False
    return text[:MAX_TEXT_CHARS].rstrip(), True


def _has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _strip_symbols(text: str, *, leading: bool = True, trailing: bool = True) -> str:
    """`text` without the punctuation, symbols and spaces around it ("#GRV", "<WATER>",
    "OD-261203-HN88J6.")."""
    start, end = 0, len(text)
    while leading and start < end and _is_symbol(text[start]):
        start += 1
    while trailing and end > start and _is_symbol(text[end - 1]):
        end -= 1
    return text[start:end]


def _is_symbol(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch)[0] in "PS"


# --- the HELP reply ------------------------------------------------------------------------

MAX_HELP_SEGMENTS = 3
# Three concatenated segments: 3 x 153 GSM-7 septets, or 3 x 67 UTF-16 units in UCS-2
# (chalicelib/notify/segments.py counts them; the domain may not import notify).
GSM7_HELP_LIMIT = MAX_HELP_SEGMENTS * 153
UCS2_HELP_LIMIT = MAX_HELP_SEGMENTS * 67
# Printable ASCII that GSM-7 carries in one septet each: not the backtick (absent) nor
# [ \ ] ^ { | } ~ (two septets each). A text of these alone is GSM-7 at one septet a
# character; anything else is counted as UCS-2, which never undercounts.
_GSM7_PLAIN = frozenset("\n !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")

_HELP_PHRASES = {
    "en": ("To file: GRV <code> <complaint>\nTo track: STATUS <tracking id>\nCodes:", "+{more} more ({total} in all)"),
    "hi": ("शिकायत: GRV <कोड> <विवरण>\nस्थिति: STATUS <ट्रैकिंग आईडी>\nकोड:", "+{more} और (कुल {total})"),
    "or": ("ଅଭିଯୋଗ: GRV <କୋଡ୍> <ବିବରଣୀ>\nସ୍ଥିତି: STATUS <ଟ୍ରାକିଂ ଆଇଡି>\nକୋଡ୍:", "+{more} ଅଧିକ (ମୋଟ {total})"),
    "pa": ("ਸ਼ਿਕਾਇਤ: GRV <ਕੋਡ> <ਵੇਰਵਾ>\nਸਥਿਤੀ: STATUS <ਟਰੈਕਿੰਗ ਆਈਡੀ>\nਕੋਡ:", "+{more} ਹੋਰ (ਕੁੱਲ {total})"),
}


def help_text(categories: Sequence[tuple[str, str]], language: str) -> str:
    """The HELP reply: how to file and track, then `code name` per category (in the order
    given, names already in `language`), within `MAX_HELP_SEGMENTS` SMS segments.

    When not all fit, the list stops with an ellipsis, how many more there are and the total.
    The ellipsis is "…" in a reply that is UCS-2 anyway, and "..." in a GSM-7 one, where "…"
    alone would switch the whole reply to UCS-2 and cost more than half its room. An unknown
    `language` gets English.
    """
    header, more_phrase = _HELP_PHRASES.get(language, _HELP_PHRASES["en"])
    lines = [f"{code} {name}".strip() for code, name in categories]
    whole = "\n".join([header, *lines])
    if _fits_help(whole):
        return whole
    candidate = whole
    for shown in range(len(lines) - 1, -1, -1):
        listed = "\n".join([header, *lines[:shown]])
        ellipsis = "..." if _is_gsm7_plain(listed) else "…"
        candidate = f"{listed}\n{ellipsis} {more_phrase.format(more=len(lines) - shown, total=len(lines))}"
        if _fits_help(candidate):
            break
    return candidate  # with no category shown, it fits in every language: a test holds each to it


def _fits_help(text: str) -> bool:
    if _is_gsm7_plain(text):
        return len(text) <= GSM7_HELP_LIMIT
    return len(text.encode("utf-16-le")) // 2 <= UCS2_HELP_LIMIT


def _is_gsm7_plain(text: str) -> bool:
    return all(ch in _GSM7_PLAIN for ch in text)
