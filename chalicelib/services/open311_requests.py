"""Open311 GeoReport v2 over the same intake: civic apps list the state's grievance
categories as services, file requests, and follow them.

Mapping (DOMAIN.md): category ↔ service_code, tracking_id ↔ service_request_id, department
↔ agency_responsible, due_at ↔ expected_datetime, status open/closed. A service's required
attribute `district` places the request (a lat/long alone cannot: the state's districts have
no boundaries here), else a district named in `address_string`.

Filing needs a configured client's `api_key` and the reporter's phone or email: the request
is filed as that citizen's (their account, or the contact for it), by channel `portal` with
source `open311:<client>`. Reading needs no key (the spec's and the `georeport` client's
way), so only requests filed through Open311 are ever listed or shown: a citizen's SMS or
portal grievance never appears to an Open311 client.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain import open311 as spec
from chalicelib.domain.catalogue import Category, localized
from chalicelib.domain.channel_replies import district_named_in
from chalicelib.domain.contact import normalize_email
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.grievance import TRACKING_ID_PATTERN, Grievance
from chalicelib.models import catalogue, grievances, open311
from chalicelib.security.channel_keys import open311_client_of
from chalicelib.services import contacts, one_time_codes
from chalicelib.services.file_grievance import NewGrievance, file_for
from chalicelib.services.open311_updates import OPEN311_SOURCE, is_from_open311

logger = Logger(child=True)

MAX_LISTED = 1000  # the spec's default volume: the first 1000 requests
MAX_IDS = 100  # service_request_id=a,b,...: one BatchGet's worth
MAX_EXTRA = 300  # characters of an address_string or media_url kept with the description


def services(language: str) -> list[dict[str, Any]]:
    departments = {d.code: d for d in catalogue.list_departments()}
    listed = []
    for category in sorted(catalogue.list_categories(), key=lambda c: c.code):
        department = departments.get(category.department)
        listed.append(spec.service(category, localized(department.names, language) if department else None, language))
    return listed


def service_definition(code: str, language: str) -> dict[str, Any]:
    category = _category(code, status=404)
    districts = [(d.code, localized(d.names, language)) for d in catalogue.list_districts()]
    return spec.service_definition(category, districts)


def file_request(
    fields: dict[str, str], attributes: dict[str, str | list[str]], now: datetime | None = None
) -> dict[str, Any]:
    """File one request; Open311Error (400/403/404) for what the client must fix."""
    now = now or utc_now()
    api_key = fields.get("api_key")
    if not api_key:
        raise spec.Open311Error(400, "api_key: required to file a request.")
    client = open311_client_of(api_key, get_settings().open311_clients)
    if client is None:
        raise spec.Open311Error(403, "api_key: not a key of this jurisdiction.")
    code = fields.get("service_code")
    if not code:
        raise spec.Open311Error(400, "service_code: required.")
    category = _category(code, status=404)
    lat, lon = _location(fields)
    address = (fields.get("address_string") or fields.get("address_id") or "")[:MAX_EXTRA] or None
    district = _district(attributes, address)
    given_ward = attributes.get("ward")
    ward = (" ".join(given_ward.split())[:50] or None) if isinstance(given_ward, str) else None
    reporter = _reporter(fields, now)
    description = " ".join((fields.get("description") or "").split())[: spec.MAX_DESCRIPTION]
    if len(description) < 10:
        description = f"{localized(category.names, 'en')}: {description}".strip(" :") or category.code
    extras = [
        f"Address: {address}" if address else None,
        f"Photo: {fields['media_url']}" if fields.get("media_url") else None,
    ]
    text = "\n".join([description, *[extra for extra in extras if extra]])
    request = NewGrievance(
        description=text if len(text) >= 10 else f"{text} (Open311)",
        district=district,
        category=category.code,
        ward=ward,
        lat=lat,
        lon=lon,
        channel="portal",
    )
    try:
        # A retried POST is linked to what it filed; never to the reporter's open grievance of
        # the kind from another channel, which the client could not read back.
        source = f"{OPEN311_SOURCE}{client}"
        filed = file_for(reporter.principal(), request, source=source, duplicates_from_source_only=True, now=now)
    except InvalidInput as wrong:
        raise spec.Open311Error(400, wrong.message) from None
    logger.info("open311 request filed", extra={"tracking_id": filed.tracking_id, "client": client})
    notice = f"Expected to be resolved within {category.sla_hours} hours of reaching the department."
    return spec.filed(filed.tracking_id, notice)


def requests(
    *,
    ids: Sequence[str],
    service_codes: Sequence[str],
    statuses: Sequence[str],
    start: datetime | None,
    end: datetime | None,
    language: str,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """GET requests: by id (which overrides every other filter), else filed in the window."""
    now = now or utc_now()
    if ids:
        # Only what could be a tracking id is looked up: anything else names no request.
        wanted = [i for i in dict.fromkeys(ids) if re.match(TRACKING_ID_PATTERN, i)][:MAX_IDS]
        found = grievances.get_grievances(wanted) if wanted else {}
        chosen = [found[i] for i in wanted if i in found and is_from_open311(found[i])]
    else:
        first, last = spec.date_window(start, end, now)
        rows = open311.filed_between(first, last, MAX_LISTED)
        wanted = [tid for tid, code in rows if not service_codes or code in service_codes]
        found = grievances.get_grievances(wanted)
        chosen = [found[tid] for tid in wanted if tid in found]
    if statuses:
        chosen = [g for g in chosen if spec.status_of(g.status) in statuses]
    return _shown(chosen, language)


def request(tracking_id: str, language: str) -> list[dict[str, Any]]:
    valid = re.match(TRACKING_ID_PATTERN, tracking_id) is not None
    found = grievances.get_grievances([tracking_id]).get(tracking_id) if valid else None
    if found is None or not is_from_open311(found):
        raise spec.Open311Error(404, f"service_request_id: no request {tracking_id[:64]}.")
    return _shown([found], language)


def updates(start: datetime | None, end: datetime | None, now: datetime | None = None) -> list[dict[str, Any]]:
    """FixMyStreet's servicerequestupdates: every change in the window, oldest first."""
    now = now or utc_now()
    first, last = spec.date_window(start, end, now)
    return [
        spec.update(u.update_id, u.tracking_id, u.status, u.at, u.description)
        for u in open311.updates_between(first, last, MAX_LISTED)
    ]


def _shown(chosen: list[Grievance], language: str) -> list[dict[str, Any]]:
    categories = {c.code: c for c in catalogue.list_categories()} if chosen else {}
    departments = {d.code: d for d in catalogue.list_departments()} if chosen else {}
    shown = []
    for g in chosen:
        category = categories.get(g.category or "")
        department = departments.get(g.department or "")
        shown.append(
            spec.request(
                g,
                localized(category.names, language) if category else None,
                localized(department.names, language) if department else None,
                None,
                _updated_at(g),
            )
        )
    return shown


def _updated_at(g: Grievance) -> datetime:
    return max(moment for moment in (g.filed_at, g.resolved_at, g.closed_at, g.rejected_at) if moment is not None)


def _category(code: str, *, status: int) -> Category:
    category = catalogue.lookup_category(code) if code.isascii() and len(code) <= 64 else None
    if category is None:
        raise spec.Open311Error(status, f"service_code: no service {code[:64]}.")
    return category


def _location(fields: dict[str, str]) -> tuple[float | None, float | None]:
    lat, lon = fields.get("lat"), fields.get("long")
    if (lat is None) != (lon is None):
        raise spec.Open311Error(400, "lat, long: give both, or an address_string.")
    if lat is None or lon is None:
        if not (fields.get("address_string") or fields.get("address_id")):
            raise spec.Open311Error(400, "location: give lat and long, or an address_string.")
        return None, None
    try:
        latitude, longitude = float(lat), float(lon)
    except ValueError:
        raise spec.Open311Error(400, "lat, long: decimal degrees (WGS84).") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise spec.Open311Error(400, "lat, long: outside the globe's ranges.")
    return latitude, longitude


def _district(attributes: dict[str, str | list[str]], address: str | None) -> str:
    given = attributes.get("district")
    code = given.upper() if isinstance(given, str) else None
    if code is not None and spec.CODE.match(code) and catalogue.lookup_district(code) is not None:
        return code
    if given is not None:
        raise spec.Open311Error(400, "attribute[district]: not a district of this state (see the service definition).")
    named = district_named_in(address, catalogue.list_districts()) if address else None
    if named is None:
        raise spec.Open311Error(400, "attribute[district]: required (see the service definition).")
    return named


def _reporter(fields: dict[str, str], now: datetime) -> Any:
    name = " ".join(part for part in (fields.get("first_name"), fields.get("last_name")) if part) or None
    try:
        mobile = one_time_codes.reachable_mobile(fields["phone"], field="phone") if fields.get("phone") else None
        email = normalize_email(fields["email"]) if fields.get("email") else None
    except InvalidInput as wrong:
        raise spec.Open311Error(400, wrong.message) from None
    if mobile is None and email is None:
        raise spec.Open311Error(400, "email or phone: required, so the reporter hears of the request.")
    return contacts.sender(mobile=mobile, email=email, name=name, language=get_settings().default_language, now=now)
