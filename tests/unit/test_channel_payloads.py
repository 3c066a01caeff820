"""The providers' webhook shapes read into InboundMessages: an SMS gateway's, SES's inbound
email (real MIME: multipart, quoted-printable Hindi, RFC 2047 subjects, HTML-only), an IVRS
call, WhatsApp Cloud API webhooks, a kiosk's filing and another portal's case; and garbage of
every kind answered only with ValidationError or InvalidInput, never another exception."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.inbound import Channel, InboundMessage
from chalicelib.handlers.channel_payloads import MAX_HEADER_CHARS, PAYLOAD_MODELS, html_to_text, read_inbound
from chalicelib.handlers.http import first_problem

CLIENT_ERRORS = (ValidationError, InvalidInput)


def crlf(*lines: str) -> str:
    return "\r\n".join(lines)


# --- documents as the providers send them --------------------------------------------------


def sms(**changes: Any) -> dict[str, Any]:
    return {
        "message_id": "gw-7781",
        "from": "+919812300001",
        "text": "GRV WATER no water in ward 5",
        "received_at": "2026-12-03T10:15:00+05:30",
        **changes,
    }


def ses(content: str | None, spf: str = "PASS", dkim: str = "PASS", dmarc: str = "PASS", **mail: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "notificationType": "Received",
        "receipt": {
            "timestamp": "2026-12-03T04:45:00.000Z",
            "processingTimeMillis": 310,
            "recipients": ["grievance@od.gov.example"],
            "spamVerdict": {"status": "PASS"},
            "virusVerdict": {"status": "PASS"},
            "spfVerdict": {"status": spf},
            "dkimVerdict": {"status": dkim},
            "dmarcVerdict": {"status": dmarc},
            "action": {"type": "SNS", "topicArn": "arn:aws:sns:ap-south-1:123456789012:inbound-email"},
        },
        "mail": {
            "timestamp": "2026-12-03T04:45:00.000Z",
            "source": "bounce-1234@mailer.example.in",
            "messageId": "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g01",
            "destination": ["grievance@od.gov.example"],
            "headersTruncated": False,
            "commonHeaders": {"from": ["Asha Devi <asha@example.in>"], "subject": "Water supply"},
            **mail,
        },
    }
    if content is not None:
        document["content"] = content
    return document


HINDI_SUBJECT = "पानी की आपूर्ति बंद"
HINDI_BODY = "नमस्ते,\nवार्ड 5 में तीन दिन से पानी नहीं आ रहा है।\n\n> पिछला संदेश: टैंकर भेजा जाएगा\n"

# As Gmail sends it: alternative parts, the plain one quoted-printable UTF-8 (soft line
# breaks "=" inside the Devanagari), an RFC 2047 subject and display name.
MULTIPART_HINDI = crlf(
    "Return-Path: <asha@example.in>",
    "Received: from mail-pl1-f170.google.com by inbound-smtp.ap-south-1.amazonaws.com with SMTP",
    "MIME-Version: 1.0",
    "From: =?UTF-8?B?4KSG4KS24KS+IOCkpuClh+CkteClgA==?= <asha@example.in>",
    "Date: Thu, 3 Dec 2026 10:14:52 +0530",
    "Message-ID: <CAB1x2y3z@mail.gmail.com>",
    "Subject: =?UTF-8?B?4KSq4KS+4KSo4KWAIOCkleClgCDgpIbgpKrgpYLgpLDgpY3gpKTgpL8g4KSs4KSC4KSm?=",
    "To: grievance@od.gov.example",
    'Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f6"',
    "",
    "--000000000000a1b2c3d4e5f6",
    'Content-Type: text/plain; charset="UTF-8"',
    "Content-Transfer-Encoding: quoted-printable",
    "",
    "=E0=A4=A8=E0=A4=AE=E0=A4=B8=E0=A5=8D=E0=A4=A4=E0=A5=87,",
    "=E0=A4=B5=E0=A4=BE=E0=A4=B0=E0=A5=8D=E0=A4=A1 5 =E0=A4=AE=E0=A5=87=E0=A4=82=",
    " =E0=A4=A4=E0=A5=80=E0=A4=A8 =E0=A4=A6=E0=A4=BF=E0=A4=A8 =E0=A4=B8=E0=A5=87=",
    " =E0=A4=AA=E0=A4=BE=E0=A4=A8=E0=A5=80 =E0=A4=A8=E0=A4=B9=E0=A5=80=E0=A4=82 =",
    "=E0=A4=86 =E0=A4=B0=E0=A4=B9=E0=A4=BE =E0=A4=B9=E0=A5=88=E0=A5=A4",
    "",
    "> =E0=A4=AA=E0=A4=BF=E0=A4=9B=E0=A4=B2=E0=A4=BE =E0=A4=B8=E0=A4=82=E0=A4=A6=",
    "=E0=A5=87=E0=A4=B6: =E0=A4=9F=E0=A5=88=E0=A4=82=E0=A4=95=E0=A4=B0 =E0=A4=AD=",
    "=E0=A5=87=E0=A4=9C=E0=A4=BE =E0=A4=9C=E0=A4=BE=E0=A4=8F=E0=A4=97=E0=A4=BE",
    "",
    "--000000000000a1b2c3d4e5f6",
    'Content-Type: text/html; charset="UTF-8"',
    "Content-Transfer-Encoding: quoted-printable",
    "",
    '<div dir=3D"ltr">HTML PART, NOT THE BODY</div>',
    "",
    "--000000000000a1b2c3d4e5f6--",
    "",
)

# Outlook-style HTML only, Latin-1 quoted-printable, with a style block, entities and a quote.
HTML_ONLY = crlf(
    "From: Ravi Kumar <ravi@example.in>",
    "Subject: Streetlight",
    "MIME-Version: 1.0",
    'Content-Type: text/html; charset="iso-8859-1"',
    "Content-Transfer-Encoding: quoted-printable",
    "",
    "<html><head><style>p {margin:0}</style></head><body>",
    "<p>The streetlight near the caf=E9 on MG&nbsp;Road is out.</p><p>Wires &amp; pole are =",
    "exposed.<br>Please fix.</p>",
    "<blockquote><p>Your complaint was received.</p></blockquote>",
    "<!-- a comment --><script>alert(1)</script></body></html>",
    "",
)


def mime(headers: list[str], body: str) -> str:
    return crlf(*headers, "", body, "")


def ivrs(**changes: Any) -> dict[str, Any]:
    return {
        "call_id": "c-20261203-0042",
        "caller": "+919812300002",
        "menu_choice": "3",
        "recording_url": "https://recordings.ivr.example/c-20261203-0042.mp3",
        "transcript": "Garbage not collected for a week",
        "language": "hi",
        "district": "KHURDA",
        "duration": 74,
        **changes,
    }


def whatsapp(*values: dict[str, Any], field: str = "messages") -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "102290129340398", "changes": [{"field": field, "value": value} for value in values]},
        ],
    }


def wa_value(contacts: list[dict[str, Any]], messages: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": contacts,
        "messages": messages,
        **more,
    }


def wa_contact(wa_id: str, name: str) -> dict[str, Any]:
    return {"profile": {"name": name}, "wa_id": wa_id}


def wa_text(sender: str, message_id: str, body: str) -> dict[str, Any]:
    return {"from": sender, "id": message_id, "timestamp": "1764737700", "type": "text", "text": {"body": body}}


def wa_location(sender: str, message_id: str, lat: float, lon: float) -> dict[str, Any]:
    return {
        "from": sender,
        "id": message_id,
        "timestamp": "1764737710",
        "type": "location",
        "location": {"latitude": lat, "longitude": lon, "name": "Ward 5 tank", "address": "Unit 4, Bhubaneswar"},
    }


def kiosk(**changes: Any) -> dict[str, Any]:
    return {
        "message_id": "k-000913",
        "kiosk_id": "CSC-KHURDA-07",
        "mobile": "+919812300003",
        "name": "Sunita Behera",
        "email": "sunita@example.in",
        "category": "WATER_SUPPLY",
        "district": "KHURDA",
        "ward": "12",
        "lat": 20.2961,
        "lon": 85.8245,
        "description": "No water since Monday",
        "language": "or",
        **changes,
    }


def portal(**changes: Any) -> dict[str, Any]:
    return {
        "message_id": "cpg-55120",
        "portal": "CPGRAMS",
        "external_ref": "DARPG/E/2026/0012345",
        "citizen": {"name": "Mohan Das", "mobile": "+919812300004", "email": "mohan@example.in"},
        "category": "ROADS",
        "district": "CUTTACK",
        "ward": "3",
        "lat": 20.4625,
        "lon": 85.8828,
        "description": "Pothole on the ring road",
        "language": "en",
        **changes,
    }


VALID: dict[Channel, dict[str, Any]] = {
    Channel.SMS: sms(),
    Channel.EMAIL: ses(MULTIPART_HINDI),
    Channel.IVRS: ivrs(),
    Channel.WHATSAPP: whatsapp(
        wa_value([wa_contact("919812300001", "Asha")], [wa_text("919812300001", "wamid.A1", "No water")])
    ),
    Channel.KIOSK: kiosk(),
    Channel.PORTAL: portal(),
}


def field_of(refusal: pytest.ExceptionInfo[Exception]) -> str | None:
    """The field the route's 422 would name."""
    error = refusal.value
    if isinstance(error, ValidationError):
        return first_problem(error)[0]
    assert isinstance(error, InvalidInput)
    return error.field


# --- sms -------------------------------------------------------------------------------------


def test_an_sms_is_one_free_text_message_from_its_sender():
    assert read_inbound(Channel.SMS, sms(gateway="acme", dlr=True)) == [
        InboundMessage(
            channel=Channel.SMS, message_id="gw-7781", text="GRV WATER no water in ward 5", mobile="+919812300001"
        )
    ]


def test_an_sms_without_a_time_is_read_and_with_a_wrong_one_is_refused():
    undated = sms()
    del undated["received_at"]
    assert read_inbound(Channel.SMS, undated)[0].message_id == "gw-7781"

    with pytest.raises(ValidationError) as refused:
        read_inbound(Channel.SMS, sms(received_at="yesterday"))
    assert field_of(refused) == "received_at"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"text": 123}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"from": None}, "from"),
        ({"from": ""}, "from"),
        ({"message_id": "two words"}, "message_id"),
        ({"message_id": "m" * 65}, "message_id"),
        ({"text": "broken \ud800 surrogate"}, "text"),
    ],
)
def test_a_wrong_sms_field_is_named(changes, field):
    with pytest.raises(ValidationError) as refused:
        read_inbound(Channel.SMS, sms(**changes))

    assert field_of(refused) == field


# --- email -----------------------------------------------------------------------------------


def test_a_multipart_email_gives_its_decoded_subject_sender_and_plain_text_body_with_quotes_kept():
    [message] = read_inbound(Channel.EMAIL, ses(MULTIPART_HINDI))

    assert message == InboundMessage(
        channel=Channel.EMAIL,
        message_id="o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g01",
        text=HINDI_BODY,  # the "> " line too: the intake strips quotes, not the reader
        email="asha@example.in",
        name="आशा देवी",
        subject=HINDI_SUBJECT,
    )


@pytest.mark.parametrize(
    "spf, dkim, dmarc, vouched",
    [
        ("PASS", "PASS", "PASS", True),
        ("FAIL", "PASS", "PASS", True),
        # SPF for a forger's own envelope domain, or DKIM by the forger's domain, passes while
        # the From line names someone else's address: only DMARC ties them to the From domain.
        ("PASS", "PASS", "FAIL", False),
        ("PASS", "FAIL", "GRAY", False),
        ("GRAY", "PROCESSING_FAILED", "PROCESSING_FAILED", False),
    ],
)
def test_the_sender_is_vouched_for_only_when_dmarc_passed(spf, dkim, dmarc, vouched):
    [message] = read_inbound(Channel.EMAIL, ses(MULTIPART_HINDI, spf=spf, dkim=dkim, dmarc=dmarc))

    assert message.sender_verified is vouched


def test_an_email_without_ses_verdicts_is_not_vouched_for():
    document = ses(MULTIPART_HINDI)
    del document["receipt"]

    assert read_inbound(Channel.EMAIL, document)[0].sender_verified is False


def test_an_html_only_email_becomes_its_words_with_the_quote_marked():
    [message] = read_inbound(Channel.EMAIL, ses(HTML_ONLY))

    assert message.text == (
        "The streetlight near the café on MG Road is out.\n"
        "Wires & pole are exposed.\n"
        "Please fix.\n"
        "> Your complaint was received."
    )
    assert (message.email, message.name, message.subject) == ("ravi@example.in", "Ravi Kumar", "Streetlight")


def test_a_base64_body_in_a_declared_charset_is_decoded():
    latin = mime(
        ["From: a@example.in", "Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: base64"],
        "Q2Fm6SBjbG9zZWQ=",  # "Café closed" in Latin-1
    )
    utf8 = mime(
        ["From: a@example.in", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"],
        "U3RyZWV0bGlnaHQgb24gTUcgUm9hZCBpcyBvdXQuClBsZWFzZSBmaXguCg==",
    )

    assert read_inbound(Channel.EMAIL, ses(latin))[0].text == "Café closed"
    assert read_inbound(Channel.EMAIL, ses(utf8))[0].text == "Streetlight on MG Road is out.\nPlease fix.\n"


def test_an_eight_bit_body_is_taken_as_the_characters_ses_wrote():
    eight_bit = mime(
        ["From: a@example.in", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"],
        "ସଡ଼କ ଖରାପ\r\nਸੜਕ ਖਰਾਬ",
    )

    assert read_inbound(Channel.EMAIL, ses(eight_bit))[0].text == "ସଡ଼କ ଖରାପ\nਸੜਕ ਖਰਾਬ\n"


@pytest.mark.parametrize("charset", ["x-klingon", "rot13", "idna", "base64"])
def test_a_charset_python_cannot_use_falls_back_to_utf8(charset):
    content = mime(
        [
            "From: a@example.in",
            f"Content-Type: text/plain; charset={charset}",
            "Content-Transfer-Encoding: quoted-printable",
        ],
        "Pothole =E0=A4=97=E0=A4=A1=E0=A5=8D=E0=A4=A2=E0=A4=BE \xff",
    )

    assert read_inbound(Channel.EMAIL, ses(content))[0].text.startswith("Pothole गड्ढा")


def test_an_attachment_is_not_the_body():
    content = crlf(
        "From: a@example.in",
        "Content-Type: multipart/mixed; boundary=XX",
        "",
        "--XX",
        "Content-Type: text/plain; charset=utf-8",
        'Content-Disposition: attachment; filename="old.txt"',
        "",
        "attached text",
        "--XX",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "the complaint",
        "--XX--",
    )

    assert read_inbound(Channel.EMAIL, ses(content))[0].text == "the complaint"


def test_an_email_with_only_attachments_has_no_words():
    content = crlf(
        "From: a@example.in",
        "Content-Type: multipart/mixed; boundary=XX",
        "",
        "--XX",
        "Content-Type: image/jpeg",
        "Content-Transfer-Encoding: base64",
        "",
        "/9j/4AAQSkZJRg==",
        "--XX--",
    )

    assert read_inbound(Channel.EMAIL, ses(content))[0].text == ""


def test_the_sender_falls_back_to_ses_common_headers_then_to_the_envelope():
    no_from = mime(["Subject: hi"], "body")
    headerless = ses(no_from)

    assert read_inbound(Channel.EMAIL, headerless)[0].email == "asha@example.in"
    del headerless["mail"]["commonHeaders"]
    assert read_inbound(Channel.EMAIL, headerless)[0].email == "bounce-1234@mailer.example.in"


def test_an_email_with_no_sender_anywhere_is_refused():
    document = ses(mime(["From: undisclosed-recipients:;"], "body"), source="")
    del document["mail"]["commonHeaders"]

    with pytest.raises(InvalidInput) as refused:
        read_inbound(Channel.EMAIL, document)

    assert refused.value.field == "mail.source"


def test_the_subject_falls_back_to_ses_common_headers():
    assert read_inbound(Channel.EMAIL, ses(mime(["From: a@example.in"], "body")))[0].subject == "Water supply"


@pytest.mark.parametrize("kind", ["Bounce", "Complaint", "AmazonSnsSubscriptionSucceeded"])
def test_a_notification_other_than_received_has_no_messages(kind):
    assert read_inbound(Channel.EMAIL, {**ses(None), "notificationType": kind}) == []


def test_a_received_notification_without_the_message_or_its_mail_is_refused():
    with pytest.raises(InvalidInput) as no_content:
        read_inbound(Channel.EMAIL, ses(None))
    without_mail = ses(MULTIPART_HINDI)
    del without_mail["mail"]
    with pytest.raises(InvalidInput) as no_mail:
        read_inbound(Channel.EMAIL, without_mail)

    assert (no_content.value.field, no_mail.value.field) == ("content", "mail")


def test_an_oversize_email_is_refused():
    with pytest.raises(ValidationError) as refused:
        read_inbound(Channel.EMAIL, ses(mime(["From: a@example.in"], "x" * 200_000)))

    assert field_of(refused) == "content"


def test_mime_that_cannot_be_parsed_is_invalid_content_not_a_crash():
    nested = "".join(f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n" for i in range(3000))

    with pytest.raises(InvalidInput) as refused:
        read_inbound(Channel.EMAIL, ses(nested))

    assert refused.value.field == "content"


@pytest.mark.parametrize(
    "content",
    [
        "",
        "not an email at all",
        "From: " + "(" * 20000 + "\r\n\r\nbody",  # the address parser recurses per parenthesis
        "From: " + "a@b, " * 20000 + "\r\n\r\nbody",
        "Subject: " + "=?utf-8?q?a?= " * 10000 + "\r\n\r\nbody",
        'Content-Type: text/plain; x="' + "; " * 20000 + "\r\n\r\nbody",
        "Content-Type: text/html\r\n\r\n" + "<a " * 20000,
        "Subject: =?x-unknown?b?////?=\r\nFrom: =?utf-8?q?=FF?= <a@b.in>\r\n\r\nbody",
        "Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--",
        "Content-Type: text/plain; charset*=utf-8''%ff%fe\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!",
    ],
)
def test_hostile_mime_gives_a_message_or_a_refusal_only(content):
    try:
        messages = read_inbound(Channel.EMAIL, ses(content))
    except InvalidInput as refused:
        assert refused.field in {"content", "mail.source"}
    else:
        [message] = messages
        assert message.message_id == "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g01"
        for said in (message.text, message.email, message.name or "", message.subject or ""):
            said.encode("utf-8")  # storable: no surrogate escapes from undecodable headers


def test_header_values_are_read_only_so_far():
    """The standard library's header parsers are slow on long hostile values: they never see more."""
    [message] = read_inbound(Channel.EMAIL, ses(mime(["From: a@example.in", "Subject: " + "s" * 5000], "body")))

    assert message.subject == "s" * MAX_HEADER_CHARS


def test_html_to_text_keeps_words_and_drops_markup_scripts_and_unclosed_tags():
    assert html_to_text("<div>One <b>two</b></div><div>three<br/>four</div><style>x{}</style><p>five <i") == (
        "One two\nthree\nfour\nfive"
    )
    assert html_to_text("<blockquote>a<blockquote>b</blockquote></blockquote>c") == "> a\n> > b\nc"
    assert html_to_text("&lt;not a tag&gt; &#2346;&#2366;&#2344;&#2368;") == "<not a tag> पानी"


# --- ivrs ------------------------------------------------------------------------------------


def test_an_ivrs_call_files_by_its_keypad_choice_with_the_transcript_as_text():
    assert read_inbound(Channel.IVRS, ivrs()) == [
        InboundMessage(
            channel=Channel.IVRS,
            message_id="c-20261203-0042",
            text="Garbage not collected for a week",
            mobile="+919812300002",
            structured=True,
            keypad="3",
            recording="https://recordings.ivr.example/c-20261203-0042.mp3",
            district="KHURDA",
            language="hi",
        )
    ]


def test_an_ivrs_call_without_transcript_or_recording_has_empty_text():
    call = {"call_id": "c-1", "caller": "09812300002", "menu_choice": "12#"}

    [message] = read_inbound(Channel.IVRS, call)

    assert (message.text, message.keypad, message.recording, message.structured) == ("", "12#", None, True)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"menu_choice": "three"}, "menu_choice"),
        ({"menu_choice": 3}, "menu_choice"),
        ({"recording_url": "http://recordings.ivr.example/a.mp3"}, "recording_url"),
        ({"recording_url": "javascript:alert(1)"}, "recording_url"),
        ({"district": "khurda"}, "district"),
        ({"language": "Hindi"}, "language"),
        ({"transcript": ["a"]}, "transcript"),
    ],
)
def test_a_wrong_ivrs_field_is_named(changes, field):
    with pytest.raises(ValidationError) as refused:
        read_inbound(Channel.IVRS, ivrs(**changes))

    assert field_of(refused) == field


# --- whatsapp --------------------------------------------------------------------------------


def test_a_senders_location_joins_their_text_and_a_lone_location_asks_for_words():
    asha, ravi, mina = "919812300001", "919812300005", "919812300006"
    document = whatsapp(
        wa_value(
            [wa_contact(asha, "Asha"), wa_contact(ravi, "Ravi"), wa_contact(mina, "Mina")],
            [
                wa_text(asha, "wamid.A1", "Drain overflowing near the school"),
                wa_location(asha, "wamid.A2", 20.2961, 85.8245),
                {"from": ravi, "id": "wamid.R1", "timestamp": "1764737720", "type": "image", "image": {"id": "1"}},
                wa_location(mina, "wamid.M1", 20.1, 85.1),
                wa_location(mina, "wamid.M2", 20.3, 85.3),
            ],
        )
    )

    assert read_inbound(Channel.WHATSAPP, document) == [
        InboundMessage(
            channel=Channel.WHATSAPP,
            message_id="wamid.A1",
            text="Drain overflowing near the school",
            mobile="+" + asha,
            name="Asha",
            lat=20.2961,
            lon=85.8245,
        ),
        InboundMessage(channel=Channel.WHATSAPP, message_id="wamid.R1", text="", mobile="+" + ravi, name="Ravi"),
        InboundMessage(
            channel=Channel.WHATSAPP, message_id="wamid.M2", text="", mobile="+" + mina, name="Mina", lat=20.3, lon=85.3
        ),
    ]


def test_messages_across_entries_and_changes_are_all_read():
    document = {
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "1", "changes": [{"field": "messages", "value": wa_value([], [wa_text("911", "wamid.1", "a")])}]},
            {"id": "2", "changes": [{"field": "messages", "value": wa_value([], [wa_text("912", "wamid.2", "b")])}]},
        ],
    }

    messages = read_inbound(Channel.WHATSAPP, document)

    assert [(m.message_id, m.mobile, m.text, m.name) for m in messages] == [
        ("wamid.1", "+911", "a", None),
        ("wamid.2", "+912", "b", None),
    ]


def test_a_status_only_webhook_has_no_messages():
    statuses = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "statuses": [
            {
                "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3QUZCNTQ4NjlBNkI2QTlBQUY0MgA=",
                "status": "delivered",
                "timestamp": "1764737800",
                "recipient_id": "919812300001",
                "pricing": {"billable": True, "category": "service"},
            }
        ],
    }

    assert read_inbound(Channel.WHATSAPP, whatsapp(statuses)) == []
    assert read_inbound(Channel.WHATSAPP, whatsapp({"event": "APPROVED"}, field="message_template_status_update")) == []


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"object": "page", "entry": []}, "object"),
        (whatsapp(wa_value([], [wa_location("911", "wamid.L", 91.0, 10.0)])), "entry.0.changes.0.value.messages.0"),
        (whatsapp(wa_value([], [{**wa_text("911", "wamid.T", "a"), "text": {"body": None}}])), "entry.0.changes"),
        (whatsapp(wa_value([], [wa_text("911", "wamid.T", "a")] * 101)), "entry.0.changes.0.value.messages"),
    ],
)
def test_a_wrong_whatsapp_webhook_is_refused_naming_the_place(document, field):
    with pytest.raises(ValidationError) as refused:
        read_inbound(Channel.WHATSAPP, document)

    assert (field_of(refused) or "").startswith(field)


# --- kiosk and portal ------------------------------------------------------------------------


def test_a_kiosk_filing_is_structured_and_names_its_kiosk():
    assert read_inbound(Channel.KIOSK, kiosk(operator="op-4")) == [
        InboundMessage(
            channel=Channel.KIOSK,
            message_id="k-000913",
            text="No water since Monday",
            mobile="+919812300003",
            email="sunita@example.in",
            name="Sunita Behera",
            structured=True,
            category="WATER_SUPPLY",
            district="KHURDA",
            ward="12",
            lat=20.2961,
            lon=85.8245,
            language="or",
            source="CSC-KHURDA-07",
        )
    ]


def test_a_portal_case_is_structured_and_keeps_the_portals_reference():
    assert read_inbound(Channel.PORTAL, portal()) == [
        InboundMessage(
            channel=Channel.PORTAL,
            message_id="cpg-55120",
            text="Pothole on the ring road",
            mobile="+919812300004",
            email="mohan@example.in",
            name="Mohan Das",
            structured=True,
            category="ROADS",
            district="CUTTACK",
            ward="3",
            lat=20.4625,
            lon=85.8828,
            language="en",
            source="CPGRAMS",
            external_ref="DARPG/E/2026/0012345",
        )
    ]


def test_a_portal_citizen_known_by_email_alone_is_enough_but_by_neither_is_refused():
    by_email = read_inbound(Channel.PORTAL, portal(citizen={"email": "mohan@example.in"}))
    assert (by_email[0].mobile, by_email[0].email) == (None, "mohan@example.in")

    with pytest.raises(InvalidInput) as refused:
        read_inbound(Channel.PORTAL, portal(citizen={"name": "Mohan Das"}))
    assert refused.value.field == "citizen.mobile"


@pytest.mark.parametrize("channel", [Channel.KIOSK, Channel.PORTAL])
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lat": 91}, "lat"),
        ({"lon": -180.5}, "lon"),
        ({"lat": "20.29"}, "lat"),
        ({"lat": True}, "lat"),
        ({"lat": float("nan")}, "lat"),
        ({"district": "Khurda"}, "district"),
        ({"district": "K" * 65}, "district"),
        ({"category": "WATER SUPPLY"}, "category"),
        ({"description": ""}, "description"),
        ({"description": "d" * 5001}, "description"),
        ({"ward": "w" * 51}, "ward"),
        ({"language": "en-IN"}, "language"),
        ({"description": "pani \ud83d nahin"}, "description"),
        ({"ward": "\udcff"}, "ward"),
    ],
)
def test_a_wrong_structured_field_is_named(channel, changes, field):
    document = kiosk(**changes) if channel is Channel.KIOSK else portal(**changes)

    with pytest.raises(ValidationError) as refused:
        read_inbound(channel, document)

    assert field_of(refused) == field


@pytest.mark.parametrize("channel", [Channel.KIOSK, Channel.PORTAL])
@pytest.mark.parametrize(("lat", "lon", "missing"), [(20.3, None, "lon"), (None, 85.8, "lat")])
def test_half_a_place_is_refused(channel, lat, lon, missing):
    document = (kiosk if channel is Channel.KIOSK else portal)(lat=lat, lon=lon)

    with pytest.raises(InvalidInput) as refused:
        read_inbound(channel, document)

    assert refused.value.field == missing


def test_a_filing_without_a_place_on_the_map_is_read():
    [message] = read_inbound(Channel.KIOSK, kiosk(lat=None, lon=None, ward=None, category=None))

    assert (message.lat, message.lon, message.ward, message.category) == (None, None, None, None)


# --- every channel: the models and garbage ---------------------------------------------------


def test_every_channel_has_a_documented_model_that_ignores_what_providers_add():
    assert set(PAYLOAD_MODELS) == set(Channel)
    for model in PAYLOAD_MODELS.values():
        assert model.model_config.get("extra") == "ignore"
        assert model.__doc__ and model.model_json_schema()["type"] == "object"


@pytest.mark.parametrize("channel", list(Channel))
def test_each_valid_example_reads(channel):
    messages = read_inbound(channel, copy.deepcopy(VALID[channel]))

    assert len(messages) == 1 and messages[0].channel is channel


def test_an_unknown_channel_is_refused():
    with pytest.raises(InvalidInput) as refused:
        read_inbound("fax", sms())  # type: ignore[arg-type]

    assert refused.value.field == "channel"


GARBAGE = [None, True, 0, 1.5, "", "text", [], [{}], {}, {"": None}, [sms()], {"a": [[[[[]]]]]}]


@pytest.mark.parametrize("channel", list(Channel))
@pytest.mark.parametrize("document", GARBAGE, ids=repr)
def test_garbage_documents_are_refused_as_invalid(channel, document):
    with pytest.raises(CLIENT_ERRORS):
        read_inbound(channel, document)


def paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key and index path in a JSON document."""
    if isinstance(document, dict):
        children = document.items()
    elif isinstance(document, list):
        children = enumerate(document)
    else:
        return []
    found = []
    for key, child in children:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    changed = copy.deepcopy(document)
    holder = changed
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return changed


WRONG_VALUES = [None, True, -1, 1e308, 10**40, "", "\ud800", "x" * 300_000, [], [None], {}, {"k": "v"}]


@pytest.mark.parametrize("channel", list(Channel))
def test_any_field_of_a_valid_document_replaced_by_garbage_gives_messages_or_a_client_error(channel):
    """Every field at every depth, each replaced in turn by a wrong type, a null, a huge
    string, a lone surrogate: read_inbound answers or refuses, and never crashes."""
    valid = VALID[channel]
    tried = 0
    for path in paths(valid):
        for value in WRONG_VALUES:
            try:
                messages = read_inbound(channel, replaced(valid, path, value))
            except CLIENT_ERRORS:
                pass
            else:
                assert all(isinstance(message, InboundMessage) for message in messages)
            tried += 1

    assert tried >= 4 * len(WRONG_VALUES)  # the sms has the fewest fields: four


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


@given(channel=st.sampled_from(list(Channel)), document=json_values)
def test_random_json_gives_messages_or_a_client_error(channel, document):
    try:
        messages = read_inbound(channel, document)
    except CLIENT_ERRORS:
        return
    assert all(isinstance(message, InboundMessage) for message in messages)


@given(
    channel=st.sampled_from(list(Channel)),
    key=st.sampled_from(["message_id", "from", "text", "mail", "content", "entry", "citizen", "lat", "caller"]),
    value=json_values,
)
def test_a_random_value_in_a_known_field_gives_messages_or_a_client_error(channel, key, value):
    document = {**VALID[channel], key: value}
    try:
        messages = read_inbound(channel, document)
    except CLIENT_ERRORS:
        return
    assert all(isinstance(message, InboundMessage) for message in messages)


@given(content=st.text(max_size=3000))
def test_any_text_as_an_email_gives_a_message_or_a_client_error(content):
    try:
        messages = read_inbound(Channel.EMAIL, ses(content))
    except CLIENT_ERRORS:
        return
    assert len(messages) == 1 and isinstance(messages[0].text, str)
