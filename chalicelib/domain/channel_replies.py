"""What the state answers a citizen who wrote by SMS, WhatsApp, email or called the IVRS, in
their language where it is known; and what a message's words leave to be worked out: which
district it names.

The texts are short: an SMS reply should fit one or two segments, and always carries the
tracking id the citizen needs to follow up.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import tzinfo

from chalicelib.domain.catalogue import District, localized, normalize_for_search
from chalicelib.domain.grievance import Grievance, Status

REPLIES: dict[str, dict[str, str]] = {
    "filed": {
        "en": "Grievance {tracking_id} registered. Track it: STATUS {tracking_id}",
        "hi": "शिकायत {tracking_id} दर्ज हो गई। स्थिति: STATUS {tracking_id}",
    },
    "already_open": {
        "en": "You already have grievance {tracking_id} open for this. Track it: STATUS {tracking_id}",
        "hi": "इसके लिए आपकी शिकायत {tracking_id} पहले से खुली है। स्थिति: STATUS {tracking_id}",
    },
    "status": {
        "en": "Grievance {tracking_id}: {status}.{due}",
        "hi": "शिकायत {tracking_id}: {status}।{due}",
    },
    "due": {"en": " Due by {date}.", "hi": " {date} तक।"},
    "not_found": {
        "en": "No grievance {tracking_id} was filed from this number. Send HELP for how to file.",
        "hi": "इस नंबर से शिकायत {tracking_id} दर्ज नहीं हुई। HELP भेजें।",
    },
    "need_district": {
        "en": (
            "Please name your district with the complaint, e.g. GRV <code> {district} <complaint>. "
            "Districts: {districts}"
        ),
        "hi": "शिकायत के साथ अपना ज़िला लिखें, जैसे GRV <कोड> {district} <विवरण>। ज़िले: {districts}",
    },
    "need_words": {
        "en": "Please send your complaint as text, e.g. GRV <code> <complaint>. Send HELP for the codes.",
        "hi": "अपनी शिकायत टेक्स्ट में भेजें, जैसे GRV <कोड> <विवरण>। कोड के लिए HELP भेजें।",
    },
    "reply_added": {
        "en": "Your message was added to grievance {tracking_id}.",
        "hi": "आपका संदेश शिकायत {tracking_id} में जोड़ दिया गया।",
    },
    "truncated": {
        "en": "[The message was longer than {limit} characters and was cut here.]",
        "hi": "[संदेश {limit} अक्षरों से लंबा था और यहाँ काटा गया।]",
    },
}

STATUS_WORDS: dict[str, dict[Status, str]] = {
    "en": {
        Status.REGISTERED: "registered, being routed",
        Status.ASSIGNED: "with the officer",
        Status.IN_PROGRESS: "being worked on",
        Status.INFO_REQUESTED: "waiting for your answer",
        Status.RESOLVED: "resolved",
        Status.CLOSED: "closed",
        Status.REJECTED: "rejected",
    },
    "hi": {
        Status.REGISTERED: "दर्ज, विभाग को भेजी जा रही है",
        Status.ASSIGNED: "अधिकारी के पास",
        Status.IN_PROGRESS: "कार्यवाही जारी",
        Status.INFO_REQUESTED: "आपके उत्तर की प्रतीक्षा",
        Status.RESOLVED: "निराकृत",
        Status.CLOSED: "बंद",
        Status.REJECTED: "अस्वीकृत",
    },
}


def reply_text(kind: str, language: str, **values: str) -> str:
    """One of REPLIES in `language` (English when it has none), filled in."""
    texts = REPLIES[kind]
    return texts.get(language, texts["en"]).format(**values)


def status_reply(grievance: Grievance, language: str, state_time: tzinfo) -> str:
    """Where a grievance stands, and its deadline in the state's time while it is open."""
    words = STATUS_WORDS.get(language, STATUS_WORDS["en"])
    due = ""
    if grievance.due_at is not None and grievance.is_open:
        local = grievance.due_at.astimezone(state_time)
        due = reply_text("due", language, date=local.strftime("%d-%m-%Y %H:%M"))
    return reply_text("status", language, tracking_id=grievance.tracking_id, status=words[grievance.status], due=due)


def district_named_in(text: str, districts: Sequence[District]) -> str | None:
    """The one district whose code or name (in any of its languages) appears as words in
    `text`; None when none or several do, since a guess would send the grievance astray."""
    words = f" {_words(text)} "
    found = set()
    for district in districts:
        spellings = {district.code, *district.names.values()}
        if any(f" {_words(spelling)} " in words for spelling in spellings if _words(spelling)):
            found.add(district.code)
    return found.pop() if len(found) == 1 else None


def _words(text: str) -> str:
    """`text` as search words: punctuation, symbols and underscores are spaces (vowel signs
    of Indic scripts are kept: they are part of a word)."""
    kept = "".join(" " if ch == "_" or unicodedata.category(ch)[0] in "PSZC" else ch for ch in text)
    return " ".join(normalize_for_search(kept).split())


def district_list(districts: Sequence[District], language: str) -> str:
    return ", ".join(localized(d.names, language) for d in districts)
