"""The SMS grammar of feature phones: GRV files, STATUS answers, HELP lists categories, the rest
is free text. What a keypad produces (odd case, double spaces, stray punctuation, Devanagari
and Odia) must land predictably, and nothing the citizen wrote may be lost."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.grievance import TRACKING_ID_PATTERN, new_tracking_id
from chalicelib.domain.sms_commands import (
    MAX_HELP_SEGMENTS,
    MAX_TEXT_CHARS,
    File,
    FreeText,
    Help,
    HelpReason,
    Status,
    help_text,
    parse_sms,
)
from chalicelib.notify.segments import GSM7, UCS2, sms_size

CODES = {
    "WATER_NO_SUPPLY",
    "WATER_PIPE_LEAK",
    "ELECTRICITY_OUTAGE",
    "ROADS_POTHOLE",
    "SANITATION_GARBAGE",
}
ALIASES = {
    "WATER": "WATER_NO_SUPPLY",
    "bijli": "ELECTRICITY_OUTAGE",
    "पानी": "WATER_NO_SUPPLY",
    "road": "roads_pothole",  # an alias may name its code in any case
    "STALE": "GONE_CATEGORY",  # names no category of the catalogue: ignored
}


def parse(text: str) -> object:
    return parse_sms(text, CODES, ALIASES)


# --- GRV -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sms, expected",
    [
        ("GRV WATER_NO_SUPPLY no water since Monday", File("WATER_NO_SUPPLY", "no water since Monday")),
        ("grv water_no_supply no water since Monday", File("WATER_NO_SUPPLY", "no water since Monday")),
        ("Grv Water no water since Monday", File("WATER_NO_SUPPLY", "no water since Monday")),  # alias
        ("  #GRV   WATER   no   water  since Monday ", File("WATER_NO_SUPPLY", "no water since Monday")),
        ("GRV\nWATER\nno water\nsince Monday", File("WATER_NO_SUPPLY", "no water since Monday")),
        ("*grv, bijli light gone since 2 days", File("ELECTRICITY_OUTAGE", "light gone since 2 days")),
        ("GRV: WATER - no water", File("WATER_NO_SUPPLY", "no water")),
        ("GRV.WATER.no water", File(None, "WATER.no water")),  # no space after the category word
        ("GRV <WATER> no water", File("WATER_NO_SUPPLY", "no water")),  # the instructions' brackets copied
        ("GRV (water_pipe_leak) pipe burst", File("WATER_PIPE_LEAK", "pipe burst")),
        ("GRV water-pipe-leak pipe burst", File("WATER_PIPE_LEAK", "pipe burst")),  # '-' for the keypad's '_'
        ("GRV ROAD pothole near school", File("ROADS_POTHOLE", "pothole near school")),
        ("GRV पानी नल से पानी नहीं आ रहा", File("WATER_NO_SUPPLY", "नल से पानी नहीं आ रहा")),  # Hindi alias
        ("GRV WATER नल से पानी नहीं आ रहा है।", File("WATER_NO_SUPPLY", "नल से पानी नहीं आ रहा है।")),
        ("GRV ପାଣି ଆସୁନାହିଁ", File(None, "ପାଣି ଆସୁନାହିଁ")),  # Odia, no category word: categorised later
        ("GRV SEWER overflowing near school", File(None, "SEWER overflowing near school")),
        ("GRV no water since Monday", File(None, "no water since Monday")),
        ("GRV STALE pothole", File(None, "STALE pothole")),  # an alias to a code not in the catalogue
        ("GRV WATER (urgent) no water!", File("WATER_NO_SUPPLY", "(urgent) no water!")),
        ("GRV ₹500 bribe asked for ration card", File(None, "₹500 bribe asked for ration card")),
        ("GRV. no water", File(None, "no water")),
    ],
)
def test_grv_files_a_grievance(sms, expected):
    assert parse(sms) == expected


def test_a_code_wins_over_an_alias_spelled_the_same():
    # Given an alias that shadows a real code
    aliases = {"ROADS_POTHOLE": "WATER_NO_SUPPLY"}

    assert parse_sms("GRV roads_pothole deep pothole", CODES, aliases) == File("ROADS_POTHOLE", "deep pothole")


def test_without_aliases_only_codes_name_a_category():
    assert parse_sms("GRV WATER no water", CODES) == File(None, "WATER no water")
    assert parse_sms("GRV water_no_supply no water", CODES) == File("WATER_NO_SUPPLY", "no water")


def test_a_category_is_returned_as_the_catalogue_spells_it():
    command = parse_sms("GRV Water_No_Supply dry taps", ["Water_No_Supply"])

    assert command == File("Water_No_Supply", "dry taps")


# --- STATUS --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sms",
    [
        "STATUS OD-261203-HN88J6",
        "status od-261203-hn88j6",
        "Status: OD-261203-HN88J6.",
        "STATUS   OD 261203 HN88J6",  # dashes typed as spaces
        "STATUS OD261203HN88J6",  # dashes left out
        "STATUS OD.261203.HN88J6",
        "STATUS OD - 261203 - HN88J6",
        "#STATUS [OD-261203-HN88J6]",
        "STATUS OD-261203-HN88J6 please tell me",  # words after the id are ignored
        "STATUS\nOD-261203-HN88J6",
        "OD-261203-HN88J6",  # nothing but a tracking id asks for its status
        "  od261203hn88j6? ",
        "[OD-261203-HN88J6]",
    ],
)
def test_status_reads_the_tracking_id_in_canonical_form(sms):
    assert parse(sms) == Status("OD-261203-HN88J6")


@given(state=st.sampled_from(["OD", "PB", "UP"]), day=st.dates(min_value=datetime(2020, 1, 1).date()))
def test_every_tracking_id_the_service_makes_is_read_back_however_typed(state, day):
    # Given an id as new_tracking_id makes it, the one definition of its form
    tracking_id = new_tracking_id(state, datetime(day.year, day.month, day.day, tzinfo=UTC))
    compact = tracking_id.replace("-", "")

    for typed in (f"STATUS {tracking_id}", f"status {tracking_id.lower()}", f"STATUS {compact}", compact):
        assert parse(typed) == Status(tracking_id)


@pytest.mark.parametrize(
    "sms",
    [
        "STATUS OD-261203-HN88J",  # suffix one short
        "STATUS OD-261203-HN88J6X",  # suffix one long
        "STATUS OD-2612-HN88J6",  # date too short
        "STATUS OD-26I203-HN88J6",  # a letter I for the digit 1
        "STATUS ODX-261203-HN88J6",
        "STATUS 261203-HN88J6",  # state missing
        "STATUS OD-APP-261203-HN88J6",  # an application's id, not a grievance's
        "STATUS of my complaint please",
        "STATUS पानी",
    ],
)
def test_status_with_a_malformed_tracking_id_gets_the_help_reply(sms):
    assert parse(sms) == Help(HelpReason.MALFORMED_TRACKING_ID)


@pytest.mark.parametrize("sms", ["STATUS", "status ", "STATUS ?", "#STATUS..."])
def test_status_without_a_tracking_id_gets_the_help_reply(sms):
    assert parse(sms) == Help(HelpReason.NO_TRACKING_ID)


# --- HELP and what cannot be used ----------------------------------------------------------


@pytest.mark.parametrize("sms", ["HELP", "help", "Help!", "#HELP", " *help? ", "HELP me please", "HELP: categories"])
def test_help_asks_for_the_categories(sms):
    assert parse(sms) == Help(None)


@pytest.mark.parametrize(
    "sms, reason",
    [
        ("", HelpReason.EMPTY),
        ("   \n\t ", HelpReason.EMPTY),
        ("???", HelpReason.UNREADABLE),
        ("...", HelpReason.UNREADABLE),
        ("#", HelpReason.UNREADABLE),
        ("😀😀", HelpReason.UNREADABLE),
        ("GRV", HelpReason.NO_DESCRIPTION),
        ("grv   ", HelpReason.NO_DESCRIPTION),
        ("GRV !!!", HelpReason.NO_DESCRIPTION),
        ("GRV WATER", HelpReason.NO_DESCRIPTION),  # a category but nothing to file
        ("GRV <water> ...", HelpReason.NO_DESCRIPTION),
        ("GRV water_no_supply -", HelpReason.NO_DESCRIPTION),
    ],
)
def test_what_cannot_be_used_gets_the_help_reply_with_its_reason(sms, reason):
    assert parse(sms) == Help(reason)


# --- free text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sms, text",
    [
        ("no water in ward 5 since Monday", "no water in ward 5 since Monday"),
        ("  road   broken\nnear   school ", "road broken near school"),
        ("नल से पानी नहीं आ रहा है", "नल से पानी नहीं आ रहा है"),
        ("ରାସ୍ତା ଭାଙ୍ଗିଯାଇଛି", "ରାସ୍ତା ଭାଙ୍ଗିଯାଇଛି"),
        ("G R V WATER no water", "G R V WATER no water"),  # spelled out: free text, still filed
        ("GRVWATER no water", "GRVWATER no water"),
        ("GRV_WATER no water", "GRV_WATER no water"),
        ("GRVपानी नहीं", "GRVपानी नहीं"),
        ("Please HELP no water", "Please HELP no water"),  # only the first word is a keyword
        ("HELPLINE number not working", "HELPLINE number not working"),
        ("Statuses of roads are bad", "Statuses of roads are bad"),
        ("#no water!", "#no water!"),  # the citizen's punctuation stays in free text
    ],
)
def test_anything_else_is_free_text_kept_as_written(sms, text):
    assert parse(sms) == FreeText(text)


# --- length --------------------------------------------------------------------------------


def test_the_limit_is_a_thousand_characters():
    assert parse("a" * 1000) == FreeText("a" * 1000, truncated=False)
    assert parse("a" * 1001) == FreeText("a" * 1000, truncated=True)
    assert parse("GRV WATER " + "a" * 1001) == File("WATER_NO_SUPPLY", "a" * 1000, truncated=True)


def test_a_text_of_exactly_the_limit_is_kept_whole():
    text = "a" * MAX_TEXT_CHARS

    assert parse(f"GRV WATER {text}") == File("WATER_NO_SUPPLY", text, truncated=False)
    assert parse(text) == FreeText(text, truncated=False)


@pytest.mark.parametrize(
    "sms, kind, category",
    [
        ("GRV WATER " + "no water " * 200, File, "WATER_NO_SUPPLY"),
        ("no water " * 200, FreeText, None),
        ("GRV " + "पानी नहीं " * 200, File, "WATER_NO_SUPPLY"),  # the Hindi alias, then the text
    ],
)
def test_a_longer_text_is_cut_at_the_limit_and_flagged(sms, kind, category):
    command = parse(sms)

    assert isinstance(command, kind)
    assert command.truncated is True
    assert 0 < len(command.text) <= MAX_TEXT_CHARS
    assert command.text in " ".join(sms.split())  # cut from what was sent, nothing invented
    if isinstance(command, File):
        assert command.category == category


@given(st.text(max_size=1500))
def test_any_message_parses_to_a_usable_command(text):
    command = parse(text)

    message = " ".join(text.split())
    if isinstance(command, File | FreeText):
        assert command.text.strip() == command.text
        assert any(ch.isalnum() for ch in command.text)
        assert len(command.text) <= MAX_TEXT_CHARS
        assert not command.truncated or len(message) > MAX_TEXT_CHARS
    if isinstance(command, FreeText):
        assert command == FreeText(message[:MAX_TEXT_CHARS].rstrip(), truncated=len(message) > MAX_TEXT_CHARS)
    elif isinstance(command, Status):
        assert re.fullmatch(TRACKING_ID_PATTERN, command.tracking_id)
    else:
        assert isinstance(command, Help)


# --- the HELP reply ------------------------------------------------------------------------

FEW = [("WATER_NO_SUPPLY", "No Water Supply"), ("ROADS_POTHOLE", "Potholes / Damaged Road")]
MANY_EN = [(f"CATEGORY_{n:02d}", f"Category number {n} of the state") for n in range(1, 31)]
MANY_HI = [(f"CATEGORY_{n:02d}", f"राज्य की श्रेणी संख्या {n}") for n in range(1, 31)]


def listed_codes(reply: str) -> list[str]:
    return re.findall(r"^(CATEGORY_\d\d|[A-Z]+_[A-Z_]+) ", reply, flags=re.MULTILINE)


def test_a_short_list_is_given_whole_with_how_to_file_and_track():
    reply = help_text(FEW, "en")

    assert reply.startswith("To file: GRV <code> <complaint>\nTo track: STATUS <tracking id>\nCodes:")
    assert reply.endswith("WATER_NO_SUPPLY No Water Supply\nROADS_POTHOLE Potholes / Damaged Road")
    assert "more" not in reply


def test_a_long_english_list_stops_within_three_gsm7_segments_with_the_count():
    reply = help_text(MANY_EN, "en")
    size = sms_size(reply)
    shown = listed_codes(reply)

    assert size.encoding == GSM7  # "..." not "…", which would switch the reply to UCS-2
    assert size.segments <= MAX_HELP_SEGMENTS
    assert shown == [code for code, _ in MANY_EN[: len(shown)]]  # in the order given
    assert 0 < len(shown) < len(MANY_EN)
    assert reply.endswith(f"\n... +{len(MANY_EN) - len(shown)} more ({len(MANY_EN)} in all)")
    # one more category would not have fitted
    more = [f"{code} {name}" for code, name in MANY_EN[: len(shown) + 1]]
    left = len(MANY_EN) - len(more)
    longer = "\n".join([*reply.split("\n")[:3], *more, f"... +{left} more ({len(MANY_EN)} in all)"])
    assert sms_size(longer).segments > MAX_HELP_SEGMENTS


def test_a_long_hindi_list_stops_within_three_ucs2_segments_with_the_count():
    reply = help_text(MANY_HI, "hi")
    size = sms_size(reply)
    shown = listed_codes(reply)

    assert reply.startswith("शिकायत: GRV <कोड> <विवरण>")
    assert size.encoding == UCS2
    assert size.segments <= MAX_HELP_SEGMENTS
    assert 0 < len(shown) < len(MANY_HI)
    assert reply.endswith(f"\n… +{len(MANY_HI) - len(shown)} और (कुल {len(MANY_HI)})")


@pytest.mark.parametrize(
    "language, name, ellipsis, more",
    [("en", "x", "...", "+{} more ({} in all)"), ("hi", "क", "…", "+{} और (कुल {})")],
)
def test_the_reply_lists_as_many_categories_as_three_segments_hold(language, name, ellipsis, more):
    # Given many short categories, so that the limit is met to within a few characters
    categories = [(f"C{n}", name) for n in range(1, 200)]

    reply = help_text(categories, language)
    shown = reply.split("\n")[3:-1]
    header = reply.split("\n")[:3]
    one_more = [f"{code} {name}" for code, name in categories[: len(shown) + 1]]
    tail = f"{ellipsis} {more.format(len(categories) - len(one_more), len(categories))}"

    assert sms_size(reply).segments <= MAX_HELP_SEGMENTS
    assert shown == [f"C{n} {name}" for n in range(1, len(shown) + 1)]
    assert sms_size("\n".join([*header, *one_more, tail])).segments > MAX_HELP_SEGMENTS


@pytest.mark.parametrize(
    "language, header",
    [("en", "To file:"), ("hi", "शिकायत:"), ("or", "ଅଭିଯୋଗ:"), ("pa", "ਸ਼ਿਕਾਇਤ:"), ("xx", "To file:"), ("", "To file:")],
)
def test_each_language_has_its_reply_and_an_unknown_one_gets_english(language, header):
    assert help_text(FEW, language).startswith(header)


@pytest.mark.parametrize("language", ["en", "hi", "or", "pa"])
def test_when_no_category_fits_the_reply_still_fits_and_gives_the_count(language):
    # Given one category whose name alone is longer than three segments
    huge = [("HUGE", "क" * 500), ("OTHER", "x")]

    reply = help_text(huge, language)

    assert sms_size(reply).segments <= MAX_HELP_SEGMENTS
    assert "HUGE" not in reply and "OTHER" not in reply  # the order is kept: nothing skips ahead
    assert "2" in reply.splitlines()[-1]


names = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz ABCXYZ/-éü€[]{}^~|`पानीसड़कଜଳਪਾਣੀ😀"), min_size=1, max_size=60
)


@given(
    categories=st.lists(st.tuples(st.from_regex(r"[A-Z_]{3,25}", fullmatch=True), names), max_size=40),
    language=st.sampled_from(["en", "hi", "or", "pa"]),
)
def test_any_help_reply_fits_three_segments_and_counts_what_it_leaves_out(categories, language):
    reply = help_text(categories, language)

    assert sms_size(reply).segments <= MAX_HELP_SEGMENTS
    last = reply.splitlines()[-1]
    if last.startswith(("...", "…")):
        more, total = (int(n) for n in re.findall(r"\d+", last))
        assert total == len(categories)
        shown_lines = reply.split("\n")[3:-1]
        assert shown_lines == [f"{code} {name}".strip() for code, name in categories[: total - more]]
