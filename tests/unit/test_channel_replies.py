"""What channels answer and work out: districts named in words, the IVRS menu, status
replies; and the channels' signatures."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

import pytest

from chalicelib.domain.catalogue import District
from chalicelib.domain.channel_replies import district_named_in, reply_text, status_reply
from chalicelib.domain.grievance import Grievance, Status
from chalicelib.security.channel_keys import channel_secret, open311_api_key, open311_client_of, signed_by_channel

DISTRICTS = [
    District("PURI", {"en": "Puri", "hi": "पुरी"}),
    District("KHORDHA", {"en": "Khordha", "hi": "खोरधा"}),
    District("NEW_TOWN", {"en": "New Town"}),
]


@pytest.mark.parametrize(
    "text, district",
    [
        ("no water in Puri, since Monday", "PURI"),
        ("PURI: pipe burst", "PURI"),
        ("पुरी में पानी नहीं", "PURI"),
        ("the drain at new town market", "NEW_TOWN"),
        ("new_town drain", "NEW_TOWN"),
        ("puri and khordha both dry", None),  # two named: no guess
        ("impurity in the water", None),  # a word that merely contains one
        ("no water since Monday", None),
    ],
)
def test_a_district_is_taken_from_the_words_only_when_exactly_one_is_named(text, district):
    assert district_named_in(text, DISTRICTS) == district


def grievance(status: Status, due_at: datetime | None) -> Grievance:
    return Grievance(
        "OD-261203-AB12CD", "cit-1", "PURI", "words", datetime(2026, 12, 1, tzinfo=UTC), status=status, due_at=due_at
    )


def test_a_status_reply_gives_the_deadline_in_the_states_time_while_open():
    due = datetime(2026, 12, 4, 6, 30, tzinfo=UTC)
    ist = timezone(timedelta(minutes=330))

    open_reply = status_reply(grievance(Status.ASSIGNED, due), "en", ist)
    closed_reply = status_reply(grievance(Status.RESOLVED, due), "hi", ist)

    assert open_reply == "Grievance OD-261203-AB12CD: with the officer. Due by 04-12-2026 12:00."
    assert closed_reply == "शिकायत OD-261203-AB12CD: निराकृत।"


def test_a_reply_in_a_language_without_its_own_text_is_in_english():
    assert reply_text("reply_added", "or", tracking_id="X") == reply_text("reply_added", "en", tracking_id="X")


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    "signature_of, sent_at, accepted",
    [
        ("sms", 1_000_000, True),
        ("sms", 1_000_000 - 300, True),
        ("sms", 1_000_000 - 301, False),
        ("sms", 1_000_000 + 301, False),
        ("email", 1_000_000, False),  # another channel's secret
    ],
)
def test_a_channel_accepts_only_its_own_fresh_signature(signature_of, sent_at, accepted):
    body = b'{"message_id": "1"}'
    signature = sign(channel_secret(signature_of), body)

    assert signed_by_channel("sms", body, signature, str(sent_at), now=1_000_000) is accepted


@pytest.mark.parametrize("timestamp", [None, "", "soon", "1e9"])
def test_a_missing_or_unreadable_timestamp_is_refused(timestamp):
    body = b"{}"
    assert not signed_by_channel("sms", body, sign(channel_secret("sms"), body), timestamp, now=1_000_000)


def test_each_secret_and_api_key_is_its_own_and_an_api_key_names_its_client():
    secrets = {channel_secret(c) for c in ("sms", "email", "ivrs", "kiosk", "whatsapp", "portal")}
    keys = {open311_api_key(c) for c in ("fixmystreet", "other")}

    assert len(secrets | keys) == 8
    assert open311_client_of(open311_api_key("other"), ["fixmystreet", "other"]) == "other"
    assert open311_client_of("guess", ["fixmystreet", "other"]) is None
    assert open311_client_of(open311_api_key("gone"), ["fixmystreet"]) is None
    assert open311_client_of("कुंजी", ["fixmystreet"]) is None
