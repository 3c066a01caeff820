"""What a citizen's email says, from the parts SES's inbound notification carries: the
subject, the plain-text body and the sender.

A reply drags the whole conversation along; only the citizen's new words are kept:

- lines quoted with `>` are dropped, wherever they are (inline answers between them stay);
- a reply's attribution ends the message when the old message follows unquoted, and is
  dropped with the quote when it is quoted. It is dated (a time or a year on its first line,
  so a sentence of the citizen's starting "On Monday" is not one) and may be wrapped over up
  to 3 lines: "On <date>, <someone> wrote:" as Gmail, Apple Mail and Thunderbird write it;
  "<date> को <someone> ने लिखा:" (and Punjabi "… ਨੇ ਲਿਖਿਆ:") with an address in it; and, in
  any language, a dated line ending in ":" with an address in it, right before quoted lines;
- Outlook's old message ends the citizen's: a "-----Original Message-----" line (or
  "-----मूल संदेश-----"), or a "From:" line followed within four lines by "Sent:" (Outlook's
  header block, also in Hindi: "से:" / "भेजा गया:"). "Date:" is not enough: Indian complaint
  letters often open with From/To/Date/Subject lines of their own;
- the signature after a "-- " line (or "--": webmail often drops the trailing space), and a
  last line "Sent from my …" / "Get Outlook for …", go too.

Runs of blank lines become one. A forwarded message ("---------- Forwarded message") is kept:
what a citizen forwards is usually the complaint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.utils import parseaddr

from chalicelib.domain.contact import normalize_email
from chalicelib.domain.grievance import TRACKING_ID_PATTERN

DEFAULT_MAX_CHARS = 5000


@dataclass(frozen=True)
class InboundEmail:
    sender: str  # the address alone, lower-cased
    subject: str  # whitespace collapsed
    body: str  # the citizen's own words (the subject when they wrote none)
    reply_to: str | None  # the grievance's tracking id when the subject names one
    truncated: bool  # body cut at max_chars: the caller says so in the grievance


# The grievance tracking id anywhere in the subject ("Re: [OD-261203-HN88J6] Water"), in any
# case; not inside a longer token, so an application's "OD-APP-…" id is not mistaken for one.
_TRACKING_ID_IN_TEXT = re.compile(
    rf"(?<![0-9A-Za-z])(?:{TRACKING_ID_PATTERN.removeprefix('^').removesuffix('$')})(?![0-9A-Za-z])",
    re.IGNORECASE | re.ASCII,
)
_REPLY_PREFIX = re.compile(r"^(?:(?:re|fwd?|aw|wg|sv)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)

_ORIGINAL_MESSAGE = re.compile(r"^\s*-{2,}\s*(?:original message|मूल संदेश)\s*-{2,}\s*$", re.IGNORECASE)
_HEADER_FROM = re.compile(r"^\s*\*?(?:from|से|प्रेषक)\s*\*?\s*:", re.IGNORECASE)
_HEADER_SENT = re.compile(r"^\s*\*?(?:sent|भेजा गया)\s*\*?\s*:", re.IGNORECASE)
_ENGLISH_ATTRIBUTION = re.compile(r"^On\s.*\bwrote:$")
_INDIC_ATTRIBUTION = ("ने लिखा:", "ਨੇ ਲਿਖਿਆ:")
# Every client dates its attribution, and starts with the date (or "On <date>"): a time or a
# year on the attribution's first line. (Gmail writes the date in Latin digits in Hindi too.)
_DATE_MARK = re.compile(r"\b\d{1,2}:\d{2}\b|\b(?:19|20|१९|२०)\d{2}\b")
_RULE = re.compile(r"^\s*[-_=*]{3,}\s*$")  # a line drawn under a message, as Outlook draws one
_MOBILE_FOOTERS = ("sent from my ", "get outlook for ")
_ATTRIBUTION_LINES = 3  # Gmail wraps a long attribution at ~78 characters


def parse_email(subject: str, text_body: str, sender: str, max_chars: int = DEFAULT_MAX_CHARS) -> InboundEmail:
    """The citizen's message, without the conversation quoted under it.

    `sender` may be "Name <address>" or the address alone; one that is not an address raises
    InvalidInput (field "sender"). A body longer than `max_chars` characters is cut there with
    `truncated` set: pass the room left after the note the caller appends. A body with nothing
    of the citizen's becomes the subject without its "Re:"/"Fwd:" prefixes (empty when that is
    empty too).
    """
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    _, address = parseaddr(sender)
    clean_subject = " ".join(subject.split())
    body = own_words(text_body) or _REPLY_PREFIX.sub("", clean_subject)
    truncated = len(body) > max_chars
    if truncated:
        body = body[:max_chars].rstrip()
    return InboundEmail(
        sender=normalize_email(address or sender, field="sender"),
        subject=clean_subject,
        body=body,
        reply_to=reply_to(clean_subject),
        truncated=truncated,
    )


def reply_to(subject: str) -> str | None:
    """The first grievance tracking id in `subject`, upper-cased, or None."""
    match = _TRACKING_ID_IN_TEXT.search(subject)
    return match.group().upper() if match else None


def own_words(text_body: str) -> str:
    """The body without quoted replies, signature and surplus blank lines (see the module)."""
    lines = [line.rstrip() for line in text_body.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    kept: list[int] = []  # which lines are the citizen's
    for end, line in enumerate(lines):
        if _is_quoted(line):
            continue
        if line == "--" or _ORIGINAL_MESSAGE.match(line) or _is_outlook_header(lines, end):
            break
        span = _attribution_ending_at(lines, end)
        if span:
            # its first lines were kept before its last showed what they were
            kept = [i for i in kept if i <= end - span]
            if not _quoted_next(lines, end + 1):
                break  # the old message follows unquoted: all of it is old
            continue
        kept.append(end)
    return _tidy([lines[i] for i in kept])


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_outlook_header(lines: list[str], i: int) -> bool:
    if not _HEADER_FROM.match(lines[i]):
        return False
    return any(_HEADER_SENT.match(line) for line in lines[i + 1 : i + 5])


def _attribution_ending_at(lines: list[str], end: int) -> int:
    """How many lines (1 to 3) ending with line `end` make a reply's attribution, or 0. The
    shortest that does: a line of the citizen's just above it stays theirs."""
    for span in range(1, _ATTRIBUTION_LINES + 1):
        window = lines[end - span + 1 : end + 1]
        if len(window) < span or not all(line.strip() and not _is_quoted(line) for line in window):
            return 0
        if _DATE_MARK.search(window[0]) and _is_attribution(" ".join(line.strip() for line in window), lines, end + 1):
            return span
    return 0


def _is_attribution(joined: str, lines: list[str], after: int) -> bool:
    if _ENGLISH_ATTRIBUTION.match(joined):
        return True
    if not joined.endswith(":") or not _has_address(joined):
        return False
    return joined.endswith(_INDIC_ATTRIBUTION) or _quoted_next(lines, after)


def _has_address(text: str) -> bool:
    """Whether a word of `text` looks like an email address (a@b.c), brackets aside. (Not a
    regular expression: on a long line without spaces one would backtrack for every start.)"""
    for word in re.split(r"[\s<>()\[\]]+", text):
        local, at, domain = word.partition("@")
        if at and local and "." in domain.strip("."):
            return True
    return False


def _quoted_next(lines: list[str], i: int) -> bool:
    """Whether the first non-blank line from `i` is quoted."""
    following = next((line for line in lines[i:] if line.strip()), "")
    return _is_quoted(following)


def _tidy(lines: list[str]) -> str:
    _drop_trailing_rules(lines)
    if lines and lines[-1].strip().lower().startswith(_MOBILE_FOOTERS):
        lines.pop()
        _drop_trailing_rules(lines)
    text = "\n".join(lines).strip("\n")
    return re.sub(r"\n(?:[ \t]*\n)+", "\n\n", text).strip()


def _drop_trailing_rules(lines: list[str]) -> None:
    while lines and (not lines[-1].strip() or _RULE.match(lines[-1])):
        lines.pop()
