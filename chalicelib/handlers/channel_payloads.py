"""What each channel's provider posts to `/channels/{channel}/inbound`, and how it becomes the
`InboundMessage`s the intake reads.

The models are the providers' shapes, not ours: fields a provider adds are ignored, and the
fields read are typed and bounded. `read_inbound` is the one entry point; for any document a
client can send it returns messages or raises pydantic's `ValidationError` or `InvalidInput`,
never anything else. Phone numbers, categories and districts are checked by the intake against
the catalogue, not here.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from email.message import Message
from email.policy import Compat32
from email.utils import parseaddr
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.inbound import Channel, InboundMessage

__all__ = [
    "PAYLOAD_MODELS",
    "IvrsCallCompleted",
    "KioskFiling",
    "PortalCase",
    "SesReceivedNotification",
    "SmsReceived",
    "WhatsAppWebhook",
    "html_to_text",
    "read_inbound",
]


# Every string is constrained: besides the bound, pydantic then refuses a lone surrogate (a JSON
# "\ud800"), which no UTF-8 store or SMS can carry.
ID_PATTERN = r"^[!-~]+$"  # printable ASCII, no spaces: ids are compared and stored as keys
CODE_PATTERN = r"^[A-Z0-9_]{1,64}$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}$"

Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=ID_PATTERN)]
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
Language = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]
Mobile = Annotated[str, StringConstraints(min_length=1, max_length=32)]  # as written; not checked here
EmailAddress = Annotated[str, StringConstraints(min_length=1, max_length=320)]
PersonName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Ward = Annotated[str, StringConstraints(min_length=1, max_length=50)]
MessageText = Annotated[str, StringConstraints(max_length=5000)]
Description = Annotated[str, StringConstraints(min_length=1, max_length=5000)]
Label = Annotated[str, StringConstraints(max_length=64)]  # a provider's own names and types
HeaderText = Annotated[str, StringConstraints(max_length=2000)]
PlaceText = Annotated[str, StringConstraints(max_length=1000)]
# strict: a provider's `true` or `"12.9"` is a mistake to report, not a place to guess
Latitude = Annotated[float, Field(ge=-90, le=90, strict=True, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, strict=True, allow_inf_nan=False)]


class ProviderShape(BaseModel):
    """A provider's document: fields it adds later are ignored, not refused."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


# --- sms ----------------------------------------------------------------------------------


class SmsReceived(ProviderShape):
    """A generic SMS gateway's inbound webhook: one SMS a citizen sent to the state's number."""

    message_id: Id
    from_: Mobile = Field(alias="from")
    text: MessageText
    received_at: datetime | None = None


def _read_sms(document: Any) -> list[InboundMessage]:
    sms = SmsReceived.model_validate(document)
    return [InboundMessage(channel=Channel.SMS, message_id=sms.message_id, text=sms.text, mobile=sms.from_)]


# --- email --------------------------------------------------------------------------------

# SES publishes the raw message in the notification only up to 150 KB; JSON escaping adds some.
MAX_MIME_CHARS = 200_000


class SesCommonHeaders(ProviderShape):
    """The headers SES decodes itself, in `mail.commonHeaders`."""

    from_: list[HeaderText] = Field(default_factory=list, alias="from", max_length=50)
    subject: HeaderText | None = None


class SesMail(ProviderShape):
    """SES's `mail` object: who sent the message (`source` is the envelope's MAIL FROM)."""

    message_id: Id = Field(alias="messageId")
    source: Annotated[str, StringConstraints(max_length=320)] = ""
    common_headers: SesCommonHeaders | None = Field(default=None, alias="commonHeaders")


class SesVerdict(ProviderShape):
    status: Label | None = None  # PASS | FAIL | GRAY | PROCESSING_FAILED


class SesReceipt(ProviderShape):
    """SES's `receipt` object: what SES checked about the message on arrival."""

    spf_verdict: SesVerdict | None = Field(default=None, alias="spfVerdict")
    dkim_verdict: SesVerdict | None = Field(default=None, alias="dkimVerdict")
    dmarc_verdict: SesVerdict | None = Field(default=None, alias="dmarcVerdict")

    @property
    def sender_verified(self) -> bool:
        """DMARC passed: SPF or DKIM passed for the domain of the From line itself. (SPF alone
        vouches for the envelope's sender and DKIM for whichever domain signed: either can
        pass for a forger who writes a citizen's address in the From line.)"""
        return self.dmarc_verdict is not None and self.dmarc_verdict.status == "PASS"


class SesReceivedNotification(ProviderShape):
    """Amazon SES inbound: the JSON an SES receipt rule's SNS action publishes as the SNS message
    (notificationType "Received", `mail`, `receipt`, and the raw MIME message in `content`)."""

    notification_type: Label = Field(alias="notificationType")
    mail: SesMail | None = None
    receipt: SesReceipt | None = None
    content: Annotated[str, StringConstraints(max_length=MAX_MIME_CHARS)] | None = None


def _read_email(document: Any) -> list[InboundMessage]:
    notification = SesReceivedNotification.model_validate(document)
    if notification.notification_type != "Received":
        return []
    if notification.mail is None:
        raise InvalidInput("A received email's notification carries its `mail` object.", field="mail")
    if notification.content is None:
        # Only the SNS action publishes the message itself; an S3 or Lambda action does not.
        raise InvalidInput("The notification carries no email: publish it with an SNS action.", field="content")
    mail = notification.mail
    try:
        letter = _read_mime(notification.content)
    except Exception:
        # The standard library's MIME and header parsers have crashed on hostile input before
        # (recursion, index and value errors); whatever they raise, the email cannot be read.
        raise InvalidInput("The email in `content` could not be read.", field="content") from None
    common = mail.common_headers or SesCommonHeaders()
    address, name = letter.sender or _first_address(common.from_) or (_address(mail.source), None)
    if not address:
        raise InvalidInput("The email names no sender address.", field="mail.source")
    return [
        InboundMessage(
            channel=Channel.EMAIL,
            message_id=mail.message_id,
            text=letter.body,
            email=address,
            name=name,
            subject=letter.subject if letter.subject is not None else common.subject,
            sender_verified=notification.receipt is not None and notification.receipt.sender_verified,
        )
    ]


class _Letter:
    """What a raw email says: its sender (address, display name), subject and plain-text body."""

    def __init__(self, sender: tuple[str, str | None] | None, subject: str | None, body: str) -> None:
        self.sender = sender
        self.subject = subject
        self.body = body


# Header values read at most this long. The standard library's parameter and address parsers
# take seconds on a long hostile value (quadratic in places); real Content-Type, From and
# Subject headers are far shorter.
MAX_HEADER_CHARS = 2000


class _BoundedHeaders(Compat32):
    """compat32 parsing (fast, lenient) with every header value cut to MAX_HEADER_CHARS.
    From and Subject are then decoded with the modern policy (RFC 2047, RFC 5322 addresses)."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value[:MAX_HEADER_CHARS]


_BOUNDED = _BoundedHeaders()


def _read_mime(content: str) -> _Letter:
    message = email.message_from_string(content, policy=_BOUNDED)
    return _Letter(_header_sender(message.get("From")), _header_subject(message.get("Subject")), _plain_body(message))


# A From or Subject the parser trips on is as good as missing: SES's own reading of the
# headers (`mail.commonHeaders`, `mail.source`) still names the sender, so the email is kept.


def _header_sender(raw: Any) -> tuple[str, str | None] | None:
    if raw is None:
        return None
    try:
        header: Any = email.policy.default.header_fetch_parse("From", str(raw))
        for found in header.addresses:
            address = _address(_clean(found.addr_spec))
            if address:
                return address, _clean(found.display_name) or None
    except Exception:
        return None
    return None


def _header_subject(raw: Any) -> str | None:
    if raw is None:
        return None
    try:
        return _clean(str(email.policy.default.header_fetch_parse("Subject", str(raw))))
    except Exception:
        return None


def _first_address(values: list[str]) -> tuple[str, str | None] | None:
    for value in values:
        name, address = parseaddr(value)
        if _address(address):
            return address, name or None
    return None


def _address(value: str) -> str:
    """The value when it can be a mailbox (something@something), else ""."""
    local, at, domain = value.strip().rpartition("@")
    return value.strip() if at and local and domain else ""


def _clean(text: str) -> str:
    # A header in an unknown charset decodes with surrogate escapes; they cannot be stored.
    return text.encode("utf-8", "replace").decode("utf-8")


def _plain_body(message: Message) -> str:
    """The first text/plain part that says something; else the first text/html as text;
    attachments are not the body."""
    plain: str | None = None
    markup: str | None = None
    for part in _leaves(message):
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = _part_text(part)
            plain = plain if plain.strip() else None
        elif kind == "text/html" and markup is None:
            markup = _part_text(part)
    if plain is not None:
        return plain.replace("\r\n", "\n").replace("\r", "\n")  # the wire's line ends, not the citizen's
    return html_to_text(markup) if markup is not None else ""


def _leaves(message: Message) -> Iterator[Message]:
    for part in message.walk():
        if not part.is_multipart() and part.get_content_disposition() != "attachment":
            yield part


def _part_text(part: Message) -> str:
    payload = part.get_payload()
    if not isinstance(payload, str):
        return ""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding not in ("quoted-printable", "base64"):
        # 7bit/8bit: SES has put the characters themselves into the JSON string.
        return payload
    data = part.get_payload(decode=True)
    return _decode(data, part.get_content_charset()) if isinstance(data, bytes) else ""


def _decode(data: bytes, charset: str | None) -> str:
    # Without a charset a part is us-ascii by the RFC and UTF-8 in practice (a superset). A
    # charset Python does not know, or a codec that is no text encoding (rot13, base64) or
    # refuses "replace" (idna), falls back to UTF-8 rather than losing the citizen's words.
    if charset:
        try:
            return data.decode(charset, "replace")
        except Exception:
            return data.decode("utf-8", "replace")
    return data.decode("utf-8", "replace")


# Tags whose ends break a line of text; tags whose content is not text at all.
_BLOCK_TAGS = frozenset(
    {"address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "footer", "h1", "h2", "h3", "h4", "h5"}
    | {"h6", "header", "hr", "li", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul"}
)
_SILENT_TAGS = ("script", "style", "title")  # not "head": an unclosed one would hide the body
_TAG_NAME = re.compile(r"\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)")
_SILENT_ENDS = {tag: re.compile(rf"</{tag}\s*>", re.IGNORECASE) for tag in _SILENT_TAGS}


def html_to_text(markup: str) -> str:
    """An HTML email's words, a line per block; text inside `<blockquote>` is prefixed with
    "> " (once per level) so the intake drops quoted history as it does in plain-text mail.

    A single linear scan rather than `html.parser`: that parser takes quadratic time on
    unclosed tags ("<a <a <a …"), minutes on a 200 kB message.
    """
    lines = _Lines()
    position = 0
    while position < len(markup):
        opening = markup.find("<", position)
        if opening < 0:
            lines.add(markup[position:])
            break
        lines.add(markup[position:opening])
        if markup.startswith("<!--", opening):
            closing = markup.find("-->", opening + 4)
            position = len(markup) if closing < 0 else closing + 3
            continue
        closing = markup.find(">", opening + 1)
        if closing < 0:
            break  # an unterminated tag to the end: no words in it
        position = closing + 1
        tag = _TAG_NAME.match(markup, opening + 1, closing)
        if tag is None:
            continue
        is_end, name = tag.group(1) == "/", tag.group(2).lower()
        if name in _SILENT_ENDS and not is_end:
            end = _SILENT_ENDS[name].search(markup, position)
            position = len(markup) if end is None else end.end()
        elif name == "blockquote":
            lines.quote(-1 if is_end else 1)
        elif name in _BLOCK_TAGS:
            lines.end_line()
    return lines.text()


class _Lines:
    def __init__(self) -> None:
        self._lines: list[str] = []
        self._words: list[str] = []
        self._depth = 0
        self._line_depth = 0

    def add(self, text: str) -> None:
        if text:
            if not self._words:
                self._line_depth = self._depth
            self._words.append(text)

    def quote(self, step: int) -> None:
        self.end_line()
        self._depth = max(0, self._depth + step)

    def end_line(self) -> None:
        line = " ".join(html.unescape("".join(self._words)).split())
        self._words = []
        if line:
            self._lines.append("> " * self._line_depth + line)

    def text(self) -> str:
        self.end_line()
        return "\n".join(self._lines)


# --- ivrs ---------------------------------------------------------------------------------


class IvrsCallCompleted(ProviderShape):
    """An IVR provider's call-completed webhook (Exotel- or Knowlarity-like): the caller, the
    digits pressed at the category menu, and the recorded (perhaps transcribed) description."""

    call_id: Id
    caller: Mobile
    menu_choice: Annotated[str, StringConstraints(pattern=r"^[0-9*#]{1,16}$")]
    recording_url: Annotated[str, StringConstraints(max_length=2000, pattern=r"^https://[!-~]+$")] | None = None
    transcript: MessageText | None = None
    language: Language | None = None
    district: Code | None = None


def _read_ivrs(document: Any) -> list[InboundMessage]:
    call = IvrsCallCompleted.model_validate(document)
    return [
        InboundMessage(
            channel=Channel.IVRS,
            message_id=call.call_id,
            text=call.transcript or "",
            mobile=call.caller,
            structured=True,
            keypad=call.menu_choice,
            recording=call.recording_url,
            district=call.district,
            language=call.language,
        )
    ]


# --- whatsapp -----------------------------------------------------------------------------


class WhatsAppProfile(ProviderShape):
    name: PersonName | None = None


class WhatsAppContact(ProviderShape):
    wa_id: Mobile
    profile: WhatsAppProfile | None = None


class WhatsAppText(ProviderShape):
    body: MessageText


class WhatsAppLocation(ProviderShape):
    latitude: Latitude
    longitude: Longitude
    name: PlaceText | None = None
    address: PlaceText | None = None


class WhatsAppMessage(ProviderShape):
    """One message a WhatsApp user sent; only `text` and `location` are read."""

    from_: Mobile = Field(alias="from")
    # wamids run past 64 characters ("wamid." and a base64 key)
    id: Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=ID_PATTERN)]
    timestamp: Label | None = None
    type: Label
    text: WhatsAppText | None = None
    location: WhatsAppLocation | None = None


class WhatsAppValue(ProviderShape):
    messaging_product: Label | None = None
    contacts: list[WhatsAppContact] = Field(default_factory=list, max_length=100)
    messages: list[WhatsAppMessage] = Field(default_factory=list, max_length=100)


class WhatsAppChange(ProviderShape):
    field: Label
    value: WhatsAppValue | None = None


class WhatsAppEntry(ProviderShape):
    id: Label
    changes: list[WhatsAppChange] = Field(default_factory=list, max_length=100)


class WhatsAppWebhook(ProviderShape):
    """The WhatsApp Business Cloud API (Meta) webhook: `entry[].changes[]` whose `messages`
    field carries the users' messages and their contacts' profiles (delivery `statuses` are
    not read)."""

    object: Literal["whatsapp_business_account"]
    entry: list[WhatsAppEntry] = Field(default_factory=list, max_length=100)


def _read_whatsapp(document: Any) -> list[InboundMessage]:
    """Each text (or image, audio, …: with text "") becomes a message. A location is not words:
    it gives its coordinates to its sender's other messages in the same webhook, and stands
    alone (text "") only when the sender sent nothing else — once, with their last location."""
    webhook = WhatsAppWebhook.model_validate(document)
    values = [
        change.value
        for entry in webhook.entry
        for change in entry.changes
        if change.field == "messages" and change.value is not None
    ]
    names = {contact.wa_id: contact.profile.name for value in values for contact in value.contacts if contact.profile}
    sent = [message for value in values for message in value.messages]
    last_place = {message.from_: message for message in sent if _is_place(message)}
    talkers = {message.from_ for message in sent if not _is_place(message)}
    messages = []
    for message in sent:
        place = last_place.get(message.from_)
        if _is_place(message) and (message.from_ in talkers or message is not place):
            continue
        coordinates = place.location if place is not None else None
        messages.append(
            InboundMessage(
                channel=Channel.WHATSAPP,
                message_id=message.id,
                text=message.text.body if message.type == "text" and message.text else "",
                mobile="+" + message.from_.removeprefix("+"),
                name=names.get(message.from_),
                lat=coordinates.latitude if coordinates else None,
                lon=coordinates.longitude if coordinates else None,
            )
        )
    return messages


def _is_place(message: WhatsAppMessage) -> bool:
    return message.type == "location" and message.location is not None


# --- kiosk and portal ---------------------------------------------------------------------


class PlacedComplaint(ProviderShape):
    """What a kiosk's form and a relayed case both say outright: the complaint and its place."""

    category: Code | None = None
    district: Code
    ward: Ward | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    description: Description
    language: Language | None = None


class KioskFiling(PlacedComplaint):
    """A service-centre kiosk's filing: the form a citizen (or the centre's operator) filled in."""

    message_id: Id
    kiosk_id: Id
    mobile: Mobile
    name: PersonName | None = None
    email: EmailAddress | None = None


class PortalCitizen(ProviderShape):
    name: PersonName | None = None
    mobile: Mobile | None = None
    email: EmailAddress | None = None


class PortalCase(PlacedComplaint):
    """Another grievance portal relaying a case (CPGRAMS, e-Abhijog, Jana Sampark,
    e-Municipality): its name, its own reference for the case, and the citizen it knows."""

    message_id: Id
    portal: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    external_ref: Id
    citizen: PortalCitizen


def _read_kiosk(document: Any) -> list[InboundMessage]:
    filing = KioskFiling.model_validate(document)
    return [_placed(Channel.KIOSK, filing, filing.kiosk_id, (filing.mobile, filing.email, filing.name))]


def _read_portal(document: Any) -> list[InboundMessage]:
    case = PortalCase.model_validate(document)
    if case.citizen.mobile is None and case.citizen.email is None:
        raise InvalidInput("The citizen needs a mobile or an email to be answered on.", field="citizen.mobile")
    who = (case.citizen.mobile, case.citizen.email, case.citizen.name)
    return [_placed(Channel.PORTAL, case, case.portal, who, external_ref=case.external_ref)]


def _placed(
    channel: Channel,
    complaint: KioskFiling | PortalCase,
    source: str,
    who: tuple[str | None, str | None, str | None],
    external_ref: str | None = None,
) -> InboundMessage:
    """A kiosk's or a portal's complaint; `who` is the citizen's (mobile, email, name)."""
    _require_both_coordinates(complaint.lat, complaint.lon)
    mobile, email, name = who
    return InboundMessage(
        channel=channel,
        message_id=complaint.message_id,
        text=complaint.description,
        structured=True,
        category=complaint.category,
        district=complaint.district,
        ward=complaint.ward,
        lat=complaint.lat,
        lon=complaint.lon,
        language=complaint.language,
        source=source,
        external_ref=external_ref,
        mobile=mobile,
        email=email,
        name=name,
    )


def _require_both_coordinates(lat: float | None, lon: float | None) -> None:
    if (lat is None) != (lon is None):
        missing = "lat" if lat is None else "lon"
        raise InvalidInput("A place needs both lat and lon.", field=missing)


# --- the entry point ----------------------------------------------------------------------

PAYLOAD_MODELS: dict[Channel, type[BaseModel]] = {
    Channel.SMS: SmsReceived,
    Channel.EMAIL: SesReceivedNotification,
    Channel.IVRS: IvrsCallCompleted,
    Channel.KIOSK: KioskFiling,
    Channel.WHATSAPP: WhatsAppWebhook,
    Channel.PORTAL: PortalCase,
}

_READERS: dict[Channel, Callable[[Any], list[InboundMessage]]] = {
    Channel.SMS: _read_sms,
    Channel.EMAIL: _read_email,
    Channel.IVRS: _read_ivrs,
    Channel.KIOSK: _read_kiosk,
    Channel.WHATSAPP: _read_whatsapp,
    Channel.PORTAL: _read_portal,
}


def read_inbound(channel: Channel, document: Any) -> list[InboundMessage]:
    """The messages in a provider's (already JSON-decoded) webhook document for `channel`.

    Zero messages is an answer: an SES notification other than "Received", a WhatsApp webhook
    of delivery statuses. A document that is not the channel's shape raises pydantic's
    `ValidationError` (the route answers 422 naming the field) or `InvalidInput` with its
    field; nothing else escapes for any document. Nothing is checked against the catalogue or
    the citizen register: that is the intake's work.
    """
    reader = _READERS.get(channel)
    if reader is None:
        raise InvalidInput(f"No such channel; one of {', '.join(Channel)}.", field="channel")
    return reader(document)
