"""Email intake in SES's inbound shape: the citizen's own words kept, the conversation quoted
under them dropped (in the forms Gmail, Outlook, Apple Mail and Thunderbird write, English and
Hindi), a reply tied to its grievance by the tracking id in the subject, and an oversized body
cut to size."""

from __future__ import annotations

import pytest

from chalicelib.domain.email_intake import DEFAULT_MAX_CHARS, InboundEmail, parse_email
from chalicelib.domain.errors import InvalidInput

CITIZEN = "asha@example.in"
NEW_WORDS = "Still no water in ward 5.\nThe tanker did not come either."


def body_of(text_body: str, subject: str = "Re: Water") -> str:
    return parse_email(subject, text_body, CITIZEN).body


# --- the sender ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sender",
    [
        "asha@example.in",
        "Asha@Example.IN",
        " asha@example.in ",
        "<asha@example.in>",
        "Asha Devi <Asha@Example.IN>",
        '"Devi, Asha" <ASHA@example.in>',
        "आशा देवी <asha@example.in>",
    ],
)
def test_the_sender_is_the_address_alone_in_lower_case(sender):
    assert parse_email("Water", "no water", sender).sender == "asha@example.in"


@pytest.mark.parametrize("sender", ["", "Asha Devi", "asha at example dot in", "Asha <asha@>"])
def test_a_sender_that_is_no_address_is_refused(sender):
    with pytest.raises(InvalidInput) as refused:
        parse_email("Water", "no water", sender)

    assert refused.value.field == "sender"


# --- a reply to a grievance ----------------------------------------------------------------


@pytest.mark.parametrize(
    "subject, reply_to",
    [
        ("Re: [OD-261203-HN88J6] Water not coming", "OD-261203-HN88J6"),
        ("RE: re: od-261203-hn88j6", "OD-261203-HN88J6"),  # typed in lower case
        ("Fwd: Grievance OD-261203-HN88J6: closed", "OD-261203-HN88J6"),
        ("[OD-261203-HN88J6]Water", "OD-261203-HN88J6"),
        ("Re: OD-261203-HN88J6 and OD-261204-ABCDEF", "OD-261203-HN88J6"),  # the first one
        ("Re: शिकायत OD-261203-HN88J6 पानी", "OD-261203-HN88J6"),
        ("Water not coming in ward 5", None),
        ("Re: [OD-261203-HN88J] Water", None),  # suffix one short
        ("Re: OD-261203-HN88J6X", None),  # suffix one long
        ("Re: OD-26120-HN88J6", None),  # date one short
        ("Re: XOD-261203-HN88J6", None),  # inside a longer word
        ("Re: OD-261203-HN88J6-2", "OD-261203-HN88J6"),  # a dash ends the id
        ("Re: OD-APP-261203-HN88J6", None),  # an application's id, not a grievance's
        ("", None),
    ],
)
def test_a_tracking_id_in_the_subject_makes_the_email_a_reply(subject, reply_to):
    assert parse_email(subject, "thanks", CITIZEN).reply_to == reply_to


def test_the_subject_is_kept_with_its_whitespace_collapsed():
    email = parse_email("Re:  [OD-261203-HN88J6]\r\n Water\tnot coming ", NEW_WORDS, CITIZEN)

    assert email == InboundEmail(
        sender=CITIZEN,
        subject="Re: [OD-261203-HN88J6] Water not coming",
        body=NEW_WORDS,
        reply_to="OD-261203-HN88J6",
        truncated=False,
    )


# --- quoted replies ------------------------------------------------------------------------

GMAIL = f"""{NEW_WORDS}

On Tue, 3 Dec 2026 at 10:15, Citizen CRM <noreply@crm.od.gov.in> wrote:

> Your grievance OD-261203-HN88J6 is registered.
> We will tell you who handles it and by when.
"""

GMAIL_WRAPPED_ADDRESS = f"""{NEW_WORDS}

On Tue, 3 Dec 2026 at 10:15, Odisha Citizen Grievance Redressal Portal <
noreply@crm.od.gov.in> wrote:
> Your grievance OD-261203-HN88J6 is registered.
"""

GMAIL_WRAPPED_WROTE = f"""{NEW_WORDS}
On Tue, Dec 3, 2026 at 10:15 AM Citizen CRM <noreply@crm.od.gov.in>
wrote:

> Your grievance OD-261203-HN88J6 is registered.
"""

APPLE_MAIL = f"""{NEW_WORDS}

Sent from my iPhone

> On 3 Dec 2026, at 10:15, Citizen CRM <noreply@crm.od.gov.in> wrote:
>
> Your grievance OD-261203-HN88J6 is registered.
"""

THUNDERBIRD = f"""{NEW_WORDS}

On 03/12/26 10:15 AM, Citizen CRM wrote:
> Your grievance OD-261203-HN88J6 is registered.
"""

UNQUOTED_BELOW_ATTRIBUTION = f"""{NEW_WORDS}

On Tue, 3 Dec 2026 at 10:15, Citizen CRM <noreply@crm.od.gov.in> wrote:
Your grievance OD-261203-HN88J6 is registered.
We will tell you who handles it and by when.
"""

GMAIL_HINDI = """पानी अभी भी नहीं आया।
टैंकर भी नहीं आया।

मंगल, 3 दिस॰ 2026 को 10:15 am बजे Citizen CRM <noreply@crm.od.gov.in> ने लिखा:

> आपकी शिकायत OD-261203-HN88J6 दर्ज हो गई है।
"""

GMAIL_HINDI_UNQUOTED = """पानी अभी भी नहीं आया।
टैंकर भी नहीं आया।

मंगल, 3 दिस॰ 2026 को 10:15 am बजे Citizen CRM <
noreply@crm.od.gov.in> ने लिखा:
आपकी शिकायत OD-261203-HN88J6 दर्ज हो गई है।
"""

OUTLOOK_ORIGINAL_MESSAGE = f"""{NEW_WORDS}

-----Original Message-----
From: Citizen CRM [mailto:noreply@crm.od.gov.in]
Subject: Grievance OD-261203-HN88J6

Your grievance is registered.
"""

OUTLOOK_SPACED_ORIGINAL_MESSAGE = f"""{NEW_WORDS}
----- Original Message -----
Your grievance is registered.
"""

THUNDERBIRD_HINDI_ORIGINAL_MESSAGE = """पानी अभी भी नहीं आया।
टैंकर भी नहीं आया।

-------- मूल संदेश --------
विषय: शिकायत OD-261203-HN88J6
"""

OUTLOOK_HEADER_BLOCK = f"""{NEW_WORDS}

________________________________
From: Citizen CRM <noreply@crm.od.gov.in>
Sent: Tuesday, December 3, 2026 10:15 AM
To: Asha Devi <asha@example.in>
Subject: Grievance OD-261203-HN88J6

Your grievance is registered.
"""

OUTLOOK_BOLD_HEADER_BLOCK = f"""{NEW_WORDS}

*From:* Citizen CRM <noreply@crm.od.gov.in>
*Sent:* Tuesday, December 3, 2026 10:15 AM
*To:* Asha Devi
Your grievance is registered.
"""

OUTLOOK_HINDI_HEADER_BLOCK = """पानी अभी भी नहीं आया।
टैंकर भी नहीं आया।

से: Citizen CRM <noreply@crm.od.gov.in>
भेजा गया: मंगलवार, 3 दिसंबर 2026 10:15
प्रति: आशा देवी
विषय: शिकायत OD-261203-HN88J6
आपकी शिकायत दर्ज हो गई है।
"""

ANY_LANGUAGE_BEFORE_QUOTE = f"""{NEW_WORDS}

El mar, 3 dic 2026 a las 10:15, Citizen CRM (<noreply@crm.od.gov.in>) escribió:
> Your grievance OD-261203-HN88J6 is registered.
"""

HINDI = "पानी अभी भी नहीं आया।\nटैंकर भी नहीं आया।"


@pytest.mark.parametrize(
    "text_body, own",
    [
        pytest.param(GMAIL, NEW_WORDS, id="gmail"),
        pytest.param(GMAIL_WRAPPED_ADDRESS, NEW_WORDS, id="gmail-wrapped-before-the-address"),
        pytest.param(GMAIL_WRAPPED_WROTE, NEW_WORDS, id="gmail-wrapped-before-wrote"),
        pytest.param(APPLE_MAIL, NEW_WORDS, id="apple-mail-quoted-attribution-and-footer"),
        pytest.param(THUNDERBIRD, NEW_WORDS, id="thunderbird-no-address"),
        pytest.param(UNQUOTED_BELOW_ATTRIBUTION, NEW_WORDS, id="attribution-then-unquoted-old-message"),
        pytest.param(GMAIL_HINDI, HINDI, id="gmail-hindi"),
        pytest.param(GMAIL_HINDI_UNQUOTED, HINDI, id="gmail-hindi-wrapped-unquoted"),
        pytest.param(OUTLOOK_ORIGINAL_MESSAGE, NEW_WORDS, id="outlook-original-message"),
        pytest.param(OUTLOOK_SPACED_ORIGINAL_MESSAGE, NEW_WORDS, id="outlook-original-message-spaced"),
        pytest.param(THUNDERBIRD_HINDI_ORIGINAL_MESSAGE, HINDI, id="thunderbird-hindi-original-message"),
        pytest.param(OUTLOOK_HEADER_BLOCK, NEW_WORDS, id="outlook-from-sent-block"),
        pytest.param(OUTLOOK_BOLD_HEADER_BLOCK, NEW_WORDS, id="outlook-web-bold-block"),
        pytest.param(OUTLOOK_HINDI_HEADER_BLOCK, HINDI, id="outlook-hindi-block"),
        pytest.param(ANY_LANGUAGE_BEFORE_QUOTE, NEW_WORDS, id="dated-attribution-in-any-language"),
        pytest.param(GMAIL.replace("\n", "\r\n"), NEW_WORDS, id="crlf-line-endings"),
    ],
)
def test_each_quoted_reply_form_is_stripped(text_body, own):
    assert body_of(text_body) == own


def test_quoted_lines_are_dropped_and_answers_between_them_kept():
    # Given a citizen who answered the officer's questions inline
    text_body = (
        "> Which ward are you in?\n"
        "Ward 5, near the temple.\n"
        ">> Earlier quote\n"
        "  > Is the pipe broken?\n"
        "Yes, in two places.\n"
    )

    assert body_of(text_body) == "Ward 5, near the temple.\nYes, in two places."


@pytest.mark.parametrize(
    "text_body",
    [
        pytest.param("On Monday the tap broke. Nobody came.\nThe pipe is still leaking.", id="a-sentence-starting-On"),
        pytest.param("On Monday the engineer wrote:\nwe will come on Friday.", id="on-wrote-without-a-date"),
        pytest.param(
            "From: Ram Kumar, Village Kendupali\nTo: The Collector, Bhadrak\nDate: 03.12.2026\n"
            "Subject: No water\n\nSir, the tube well has been dry for ten days.",
            id="a-formal-letter-with-from-and-date",
        ),
        pytest.param(
            "Please see below.\n\n---------- Forwarded message ---------\nFrom: Panchayat Office <po@example.in>\n"
            "Date: Mon, 2 Dec 2026 at 09:00\nSubject: Water\n\nThe tanker will come on Friday.",
            id="a-forwarded-message",
        ),
        pytest.param("I wrote to ee@example.in on 2 Dec 2026:\nno reply yet.", id="a-dated-line-with-an-address"),
        pytest.param("Water -- not electricity -- is the problem.", id="dashes-inside-a-line"),
    ],
)
def test_the_citizens_own_text_that_merely_looks_like_a_quote_is_kept(text_body):
    assert body_of(text_body) == text_body


def test_a_line_of_the_citizens_just_above_a_wrapped_attribution_stays_theirs():
    text_body = (
        "Thank you.\n"
        "On Tue, 3 Dec 2026 at 10:15, Odisha Citizen Grievance Redressal Portal <\n"
        "noreply@crm.od.gov.in> wrote:\n"
        "> Your grievance is registered.\n"
    )

    assert body_of(text_body) == "Thank you."


# --- signatures, footers and blank lines ---------------------------------------------------


@pytest.mark.parametrize(
    "text_body",
    [
        pytest.param(f"{NEW_WORDS}\n-- \nAsha Devi\nWard 5, Bhadrak", id="dash-dash-space"),
        pytest.param(f"{NEW_WORDS}\n--\nAsha Devi\nWard 5, Bhadrak", id="dash-dash-without-the-space"),
        pytest.param(f"{NEW_WORDS}\n\nSent from my iPhone", id="sent-from-my-phone"),
        pytest.param(f"{NEW_WORDS}\n\nGet Outlook for Android\n\n", id="get-outlook"),
        pytest.param(f"{NEW_WORDS}\n\n-- \nआशा देवी\n\nOn Tue, 3 Dec 2026 at 10:15, CRM wrote:\n> x", id="both"),
    ],
)
def test_signatures_and_mobile_footers_are_dropped(text_body):
    assert body_of(text_body) == NEW_WORDS


def test_a_footer_in_the_middle_is_the_citizens_text():
    text_body = "Sent from my village, by the panchayat's phone.\nNo water for ten days."

    assert body_of(text_body) == text_body


def test_runs_of_blank_lines_become_one_and_the_edges_are_trimmed():
    text_body = "\n\n  \nFirst paragraph.   \n\n\n \t \n\n\nSecond paragraph.\n\n\n"

    assert body_of(text_body) == "First paragraph.\n\nSecond paragraph."


def test_hindi_and_odia_text_is_kept_as_written():
    text_body = "नल से पानी नहीं आ रहा है।\n\nଆମ ଗାଁରେ ପାଣି ଆସୁନାହିଁ।"

    assert body_of(text_body) == text_body


# --- an empty body -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "subject, text_body, body",
    [
        ("Water not coming in ward 5", "", "Water not coming in ward 5"),
        ("Re: Fwd: Water not coming", "   \n\n", "Water not coming"),
        ("RE:FW: [OD-261203-HN88J6] Still no water", GMAIL.replace(NEW_WORDS, ""), "[OD-261203-HN88J6] Still no water"),
        ("पानी नहीं आ रहा", "> quoted only", "पानी नहीं आ रहा"),
        ("Water", "-- \nAsha Devi", "Water"),
        ("", "", ""),
    ],
)
def test_with_nothing_of_the_citizens_in_the_body_the_subject_is_the_body(subject, text_body, body):
    assert parse_email(subject, text_body, CITIZEN).body == body


# --- size ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "own, max_chars, truncated",
    [
        ("a" * DEFAULT_MAX_CHARS, DEFAULT_MAX_CHARS, False),
        ("a" * (DEFAULT_MAX_CHARS + 1), DEFAULT_MAX_CHARS, True),
        ("no water " * 2000, DEFAULT_MAX_CHARS, True),
        ("पानी नहीं आ रहा। " * 500, DEFAULT_MAX_CHARS, True),
        ("no water " * 20, 100, True),
        ("no water", 100, False),
    ],
)
def test_an_oversized_body_is_cut_to_max_chars_and_flagged(own, max_chars, truncated):
    email = parse_email("Water", own, CITIZEN, max_chars=max_chars)

    assert email.truncated is truncated
    assert len(email.body) <= max_chars
    assert own.strip().startswith(email.body)  # cut from the citizen's words, nothing added
    if not truncated:
        assert email.body == own.strip()


def test_only_the_citizens_own_words_count_towards_the_size():
    # Given a short reply above a long quoted conversation
    text_body = "Still no water.\n\n" + "> old message line\n" * 2000

    email = parse_email("Re: Water", text_body, CITIZEN, max_chars=100)

    assert (email.body, email.truncated) == ("Still no water.", False)


def test_an_oversized_subject_standing_in_for_the_body_is_cut_too():
    email = parse_email("Water " * 50, "", CITIZEN, max_chars=100)

    assert email.truncated is True
    assert len(email.body) <= 100


def test_max_chars_must_leave_room_for_something():
    with pytest.raises(ValueError, match="max_chars"):
        parse_email("Water", "no water", CITIZEN, max_chars=0)
