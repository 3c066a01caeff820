"""SMS segment counting: GSM-7 at 160/153 septets (extension characters take two), UCS-2 at
70/67 UTF-16 units as soon as one character is outside GSM-7 (every Indic script)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.notify.segments import GSM7, UCS2, sms_size


@pytest.mark.parametrize(
    "text, encoding, units, segments",
    [
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),
        ("a" * 306, GSM7, 306, 2),
        ("a" * 307, GSM7, 307, 3),
        ("€" * 80, GSM7, 160, 1),  # extension characters take two septets
        ("€" * 81, GSM7, 162, 2),
        ("क" * 70, UCS2, 70, 1),
        ("क" * 71, UCS2, 71, 2),
        ("ଅ" * 134, UCS2, 134, 2),
        ("ଅ" * 135, UCS2, 135, 3),
        ("a" * 69 + "😀", UCS2, 71, 2),  # an emoji is two UTF-16 units
        ("Grievance OD-261130-7KQ3XM is closed. Thank you.", GSM7, 48, 1),
        ("", GSM7, 0, 1),
    ],
)
def test_segments_follow_the_encoding(text, encoding, units, segments):
    size = sms_size(text)
    assert (size.encoding, size.units, size.segments) == (encoding, units, segments)


def test_one_hindi_letter_turns_a_long_english_text_into_ucs2():
    english = "Grievance OD-261130-7KQ3XM is with the WATER department. Expected by 02 Dec 2026."
    assert sms_size(english).segments == 1
    assert sms_size(english + " धन्यवाद").encoding == UCS2


@given(st.text(max_size=800))
def test_the_segments_hold_the_text_and_no_fewer_would(text):
    size = sms_size(text)
    single, per_part = (160, 153) if size.encoding == GSM7 else (70, 67)
    assert size.units >= len(text)  # every character takes at least one unit
    if size.segments == 1:
        assert size.units <= single
    else:
        assert size.units > single
        assert (size.segments - 1) * per_part < size.units <= size.segments * per_part


@given(st.text(max_size=400), st.text(min_size=1, max_size=50))
def test_a_longer_text_in_the_same_encoding_never_costs_fewer_segments(text, more):
    shorter, longer = sms_size(text), sms_size(text + more)
    if shorter.encoding == longer.encoding:
        assert longer.segments >= shorter.segments
