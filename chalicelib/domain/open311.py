"""Open311 GeoReport v2, and FixMyStreet's `servicerequestupdates`, in our domain's words.

Pure vocabulary, no I/O: the parsers read what an Open311 client sends (a format suffix, a
form-encoded body, W3C dates) and raise `Open311Error`, which the Open311 handler renders in
the spec's own error shape (not the house's `{"error": ...}`, which Open311 clients cannot read);
the builders shape our categories, grievances and their status changes as the spec's fields, in
the spec's order; `render` writes them as XML (the required format) or JSON (the "Spark
convention": no root, list wrappers become bare arrays).

The mapping (DOMAIN.md, Channels): category ↔ service_code, tracking_id ↔ service_request_id,
department ↔ agency_responsible, due_at ↔ expected_datetime, status open/closed.
See docs/open311-research.md for the sources of each rule.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.catalogue import Category, localized
from chalicelib.domain.grievance import OPEN, TRACKING_ID_PATTERN, Grievance, Status

FORMATS = ("json", "xml")
MAX_DESCRIPTION = 4000  # characters of a request's description, in and out (spec)
MAX_WINDOW = timedelta(days=90)  # the widest start_date..end_date a list may span (spec)

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
XML_CONTENT_TYPE = "text/xml; charset=utf-8"
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'

# What each list wrapper's items are called in XML (the same pairs as FixMyStreet's and
# open311-adapter's serializers). A root outside this table is a single object.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}


class Open311Error(Exception):
    """A request an Open311 client got wrong. `status` is the HTTP status (404 for what does
    not exist, 403 for a wrong api_key, 400 for the rest); `code` is the body's code, which the
    spec lets differ from the status and which defaults to it."""

    def __init__(self, status: int, description: str, code: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.code = status if code is None else code
        self.description = description


# --- reading what a client sends ------------------------------------------------------------


def split_format(segment: str) -> tuple[str, str]:
    """`"OD-261203-AB12CD.json"` -> `("OD-261203-AB12CD", "json")`. A path part that is a whole
    `{var}` in Chalice carries the suffix with it; a missing or unknown format, or nothing
    before it, is a resource that does not exist: Open311Error(404)."""
    ident, dot, fmt = segment.rpartition(".")
    if not dot or not ident or fmt not in FORMATS:
        raise Open311Error(404, f"{segment}: not found; resources end in .json or .xml")
    return ident, fmt


_ATTRIBUTE = re.compile(r"attribute\[([^\[\]]+)\](\[\])?")


def parse_form(raw: bytes) -> tuple[dict[str, str], dict[str, str | list[str]]]:
    """An `application/x-www-form-urlencoded` body -> (plain fields, attributes by code).

    `attribute[CODE]=v` gives `{"CODE": "v"}`; `attribute[CODE][]=a&attribute[CODE][]=b`
    (a multivaluelist) gives `{"CODE": ["a", "b"]}`; brackets may come percent-encoded. An
    empty (or blank) value is absent, as the spec makes an empty optional parameter a missing
    one. A repeated plain field or single attribute: the last one wins. Open311Error(400) for a
    body that is not UTF-8 (raw or percent-encoded), an `attribute[...]` key of another shape,
    or one code given both as a value and as a list."""
    try:
        pairs = urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as error:
        raise Open311Error(400, "the request body is not UTF-8") from error
    fields: dict[str, str] = {}
    singles: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    for key, value in pairs:
        if not key.startswith("attribute["):
            if value.strip():
                fields[key] = value
            continue
        match = _ATTRIBUTE.fullmatch(key)
        if match is None:
            raise Open311Error(400, f"{key}: an attribute is attribute[CODE] or attribute[CODE][]")
        code, many = match.groups()
        if not value.strip():
            continue
        if many:
            lists.setdefault(code, []).append(value)
        else:
            singles[code] = value
    clash = sorted(singles.keys() & lists.keys())
    if clash:
        raise Open311Error(400, f"attribute[{clash[0]}]: given both as one value and as a list")
    return fields, {**singles, **lists}


# The W3C profile of ISO 8601 (what the spec asks for), down to the minute, with its zone.
# A "+" written unencoded in a query string arrives as a space: read " 05:30" as "+05:30".
_W3C_DATETIME = re.compile(
    r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+\- ]\d{2}:\d{2})",
    re.ASCII,  # digits 0-9 only, not every script's
)


def parse_datetime(value: str, field: str) -> datetime:
    """A W3C datetime with its timezone (`2026-12-03T10:00:00Z`, `…+05:30`) -> an aware UTC
    datetime. Open311Error(400, "<field>: ...") for a date alone, a time without a zone, or
    anything else: the spec says the zone must be there, and guessing it would shift the window
    by hours."""
    match = _W3C_DATETIME.fullmatch(value)
    if match is None:
        raise Open311Error(400, f"{field}: expected a W3C datetime with a timezone, such as 2026-12-03T10:00:00Z")
    moment, zone = match.groups()
    if zone.startswith(" "):
        zone = "+" + zone[1:]
    try:
        return datetime.fromisoformat(moment + zone).astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise Open311Error(400, f"{field}: {value} is not a real moment") from error


STATUSES = ("open", "closed")
CODE = re.compile(r"^[A-Z0-9_]{1,64}$")  # a catalogue code: a service's, a district's
# What a part of a list filter must look like: what this API issues, so that a part which
# cannot be one (`false`, `{}`, an empty one) is a 400 rather than an empty list.
LISTED = {
    "service_request_id": (re.compile(TRACKING_ID_PATTERN), "a tracking id such as OD-261203-M4HX9P"),
    "service_code": (CODE, "a service code such as WATER_NO_SUPPLY"),
}


def parse_listed(name: str, parts: Sequence[str]) -> list[str]:
    """The parts of the list filter `name` (`service_request_id`, `service_code`), each checked.
    Open311Error(400, "<name>: ...") for one that is not what this API issues."""
    pattern, expected = LISTED[name]
    for part in parts:
        if not pattern.fullmatch(part):
            raise Open311Error(400, f"{name}: {part[:20]!r} is not {expected}")
    return list(parts)


def parse_statuses(parts: Sequence[str]) -> list[str]:
    """The `status` filter's parts -> the statuses asked for, lowercased, each once.
    Open311Error(400, "status: ...") for any part, an empty one included, that is not open or
    closed in some case: a filter we could not read would otherwise list every request as if
    it matched."""
    asked: dict[str, None] = {}
    for part in parts:
        if part.lower() not in STATUSES:
            raise Open311Error(400, f"status: {part[:20]!r} is not one of open, closed")
        asked[part.lower()] = None
    return list(asked)


def date_window(
    start: datetime | None, end: datetime | None, now: datetime, default: timedelta = MAX_WINDOW
) -> tuple[datetime, datetime]:
    """The `[start, end]` a list covers. Neither given: the last `default` up to `now`. Only
    `start`: 90 days from it, but not past `now` (a start after `now` is an empty window, not an
    error: a client's clock may run ahead of ours). Only `end`: the 90 days before it. Both:
    Open311Error(400) when `end` is before `start` or they span more than 90 days, or when the
    window would reach past the calendar's ends (year 1, year 9999)."""
    try:
        return _window(start, end, now, default)
    except OverflowError:
        raise Open311Error(400, "start_date, end_date: too far from today.") from None


def _window(
    start: datetime | None, end: datetime | None, now: datetime, default: timedelta
) -> tuple[datetime, datetime]:
    if start is None:
        return (now - default, now) if end is None else (end - MAX_WINDOW, end)
    if end is None:
        return start, max(start, min(start + MAX_WINDOW, now))
    if end < start:
        raise Open311Error(400, "end_date: must not be before start_date")
    if end - start > MAX_WINDOW:
        raise Open311Error(400, f"end_date: start_date..end_date may span at most {MAX_WINDOW.days} days")
    return start, end


# --- our domain in the spec's words ---------------------------------------------------------


def status_of(status: Status) -> str:
    """The Open311 status of a grievance: "open" while someone still has to act on it
    (`grievance.OPEN`), "closed" once decided (resolved, closed, rejected). A reopened or
    appealed grievance is open again."""
    return "open" if status in OPEN else "closed"


def w3c(moment: datetime) -> str:
    """`2026-12-03T10:00:00Z`: UTC, to the second, as every datetime leaves this API. A naive
    datetime is a bug (the zone would be a guess): ValueError."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no timezone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _keywords(category: Category, language: str) -> str:
    # The same fallback as names (language, then English, then any); a keyword cannot hold
    # the list's own separator.
    chosen = category.keywords.get(language) or category.keywords.get("en")
    if not chosen:
        chosen = next((words for words in category.keywords.values() if words), [])
    words = (" ".join(word.replace(",", " ").split()) for word in chosen)
    return ",".join(dict.fromkeys(word for word in words if word))


def service(category: Category, department_name: str | None, language: str) -> dict[str, Any]:
    """One entry of `services`: a grievance category as an Open311 service. Every service has
    a definition to fetch (`metadata`: the district to file in) and answers with its tracking
    id at once (`realtime`). A category has no description of its own: `description` is None."""
    return {
        "service_code": category.code,
        "service_name": localized(category.names, language),
        "description": None,
        "metadata": True,
        "type": "realtime",
        "keywords": _keywords(category, language),
        "group": department_name,
    }


def service_definition(category: Category, districts: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """What filing a grievance of `category` needs beyond the spec's own fields: the district
    (one of `districts`, as (code, name) pairs), and the ward if known. A client sends them as
    `attribute[district]` and `attribute[ward]`."""
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "district",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": None,
                "order": 1,
                "description": "The district where the problem is.",
                "values": [{"key": code, "name": name} for code, name in districts],
            },
            {
                "variable": True,
                "code": "ward",
                "datatype": "string",
                "required": False,
                "datatype_description": "The ward's number or name, as the municipality writes it.",
                "order": 2,
                "description": "The ward where the problem is, if known.",
            },
        ],
    }


def _bounded(text: str) -> str:
    # Our own filings allow longer descriptions than the spec lets a response carry.
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"


def request(
    g: Grievance,
    service_name: str | None,
    agency: str | None,
    address: str | None,
    updated_at: datetime,
    notice: str | None = None,
) -> dict[str, Any]:
    """One entry of `service_requests`, its fields in the spec's order. What we do not hold
    (status notes, an address id, a zipcode, media) is None: null in JSON, an empty element in
    XML. A description over 4000 characters is cut to 4000, ending in "…"."""
    return {
        "service_request_id": g.tracking_id,
        "status": status_of(g.status),
        "status_notes": None,
        "service_name": service_name,
        "service_code": g.category,
        "description": _bounded(g.description),
        "agency_responsible": agency,
        "service_notice": notice,
        "requested_datetime": w3c(g.filed_at),
        "updated_datetime": w3c(updated_at),
        "expected_datetime": w3c(g.due_at) if g.due_at else None,
        "address": address,
        "address_id": None,
        "zipcode": None,
        "lat": g.lat,
        "long": g.lon,
        "media_url": None,
    }


def filed(tracking_id: str, notice: str | None) -> dict[str, Any]:
    """The answer to a POST of `requests`: the id at once (every service is realtime, so never
    a token)."""
    return {"service_request_id": tracking_id, "service_notice": notice, "account_id": None}


def update(update_id: str, tracking_id: str, status: str, at: datetime, description: str) -> dict[str, Any]:
    """One FixMyStreet `request_update`. `status` is an Open311 status (`status_of`); FixMyStreet
    wants `media_url` present, if empty."""
    return {
        "update_id": update_id,
        "service_request_id": tracking_id,
        "status": status,
        "updated_datetime": w3c(at),
        "description": description,
        "media_url": "",
    }


# --- writing it -----------------------------------------------------------------------------


def render(fmt: str, root: str, rows: list[dict[str, Any]] | dict[str, Any]) -> tuple[str, str]:
    """(body, content type) of `rows` under `root`. JSON: a list is a bare array and a dict (a
    service definition) an object. XML: the declaration, then `<root>` holding one item element
    per row (named by `ITEMS`), or the dict's fields for a dict. None is an empty element,
    booleans are true/false, numbers their text, and nested lists use the same names.
    ValueError for a format other than json/xml, or a list under a root `ITEMS` does not name
    (both bugs of the caller, never a client's doing)."""
    if fmt == "json":
        return json.dumps(rows, default=_json_default), JSON_CONTENT_TYPE
    if fmt != "xml":
        raise ValueError(f"unknown Open311 format {fmt!r}")
    element = ET.Element(root)
    _fill(element, rows)
    # `short_empty_elements=False` writes `<media_url></media_url>`, as open311-adapter does.
    body = ET.tostring(element, encoding="unicode", short_empty_elements=False)
    return f"{XML_DECLARATION}\n{body}", XML_CONTENT_TYPE


def error_body(fmt: str, errors: list[tuple[int, str]]) -> tuple[str, str]:
    """The spec's error shape: `[{"code", "description"}]` or `<errors><error>…`. An unknown
    format falls back to XML, the one every client must read."""
    rows = [{"code": code, "description": description} for code, description in errors]
    return render(fmt if fmt in FORMATS else "xml", "errors", rows)


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return w3c(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _fill(element: ET.Element, value: object) -> None:
    """Put `value` inside `element`: a dict's fields as children, a list's items as children
    named by `ITEMS[element.tag]`, anything else as text."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _fill(ET.SubElement(element, key), inner)
    elif isinstance(value, list | tuple):
        item = ITEMS.get(element.tag)
        if item is None:
            raise ValueError(f"no Open311 item name for a list under <{element.tag}>")
        for inner in value:
            _fill(ET.SubElement(element, item), inner)
    elif value is not None:
        element.text = _xml_text(value)


# XML 1.0 has no way to write these, escaped or not: one in a citizen's text would make the
# whole document unreadable to every client.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: object) -> str:
    if isinstance(value, bool):  # before numbers: True is an int too
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c(value)
    return _NOT_XML.sub("\ufffd", str(value))
