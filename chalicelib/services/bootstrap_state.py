"""Going live: load a state's catalogue file into its stack and create its first state_admin
(`make bootstrap`, run by an operator, never by a request).

Idempotent: each item of the file is compared with what is stored and only what differs
is written, so a re-run changes nothing and an edited file changes only its edits; the
summary says which. Items stored but missing from the file are left as they are and named
(removing a category under open grievances is a decision for the state cell, not a file).
A file with any problem is refused whole before anything is written.

The first state_admin gets a random one-time password by SMS and email, sent from here
rather than through the notifications queue, so it never rests in a queue, a dead-letter
queue or a log, and the operator learns at once whether it left. It is never returned: the
summary holds only the masked addresses it went to. It must be changed at first login.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain.admin import BOOTSTRAP, AdminAct, AdministrativeAct, subject_of
from chalicelib.domain.catalogue import Category, Department, District, Service, to_document
from chalicelib.domain.catalogue_file import CatalogueFile, CatalogueInvalid, read_catalogue_file
from chalicelib.domain.contact import normalize_email, normalize_mobile
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.forms import Problem
from chalicelib.domain.identity import Officer, Role, claim_key, clean_name, mask_mobile
from chalicelib.ids import new_id
from chalicelib.models import admin_trail, catalogue, citizens, officers
from chalicelib.notify.email import send_email
from chalicelib.notify.errors import SendFailed
from chalicelib.notify.sms import send_sms
from chalicelib.security.passwords import hash_password
from chalicelib.services import manage_catalogue

logger = Logger(child=True)

DEFAULT_ADMIN_NAME = "State Grievance Cell"
# No look-alikes (0/O, 1/l/I): the password is read off a phone and typed on a keyboard.
ONE_TIME_SYMBOLS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_GROUPS, GROUP_LENGTH = 4, 4  # 16 symbols of 55: about 92 bits
# Written by the system, never by a file: an edit bumps them (see manage_catalogue).
SYSTEM_FIELDS = ("revision", "form_version")

PASSWORD_TEXTS = {
    "en": "citizen-crm: your state administrator account is ready. Log in as {login} with the one-time "
    "password {password} and choose your own password at once. Never share it with anyone.",
    "hi": "citizen-crm: आपका राज्य प्रशासक खाता तैयार है। {login} और एक-बार के पासवर्ड {password} से लॉग इन "
    "करें और तुरंत अपना पासवर्ड चुनें। इसे किसी से साझा न करें।",
    "or": "citizen-crm: ଆପଣଙ୍କ ରାଜ୍ୟ ପ୍ରଶାସକ ଖାତା ପ୍ରସ୍ତୁତ। {login} ଓ ଏକକାଳୀନ ପାସୱାର୍ଡ {password} ଦ୍ୱାରା ଲଗ୍ ଇନ୍ "
    "କରନ୍ତୁ ଏବଂ ତୁରନ୍ତ ନିଜ ପାସୱାର୍ଡ ବାଛନ୍ତୁ। ଏହାକୁ କାହା ସହ ସେୟାର କରନ୍ତୁ ନାହିଁ।",
    "pa": "citizen-crm: ਤੁਹਾਡਾ ਰਾਜ ਪ੍ਰਸ਼ਾਸਕ ਖਾਤਾ ਤਿਆਰ ਹੈ। {login} ਅਤੇ ਇੱਕ-ਵਾਰ ਦੇ ਪਾਸਵਰਡ {password} ਨਾਲ ਲੌਗ ਇਨ "
    "ਕਰੋ ਅਤੇ ਤੁਰੰਤ ਆਪਣਾ ਪਾਸਵਰਡ ਚੁਣੋ। ਇਸਨੂੰ ਕਿਸੇ ਨਾਲ ਸਾਂਝਾ ਨਾ ਕਰੋ।",
}
PASSWORD_TITLES = {
    "en": "citizen-crm: your state administrator account",
    "hi": "citizen-crm: आपका राज्य प्रशासक खाता",
    "or": "citizen-crm: ଆପଣଙ୍କ ରାଜ୍ୟ ପ୍ରଶାସକ ଖାତା",
    "pa": "citizen-crm: ਤੁਹਾਡਾ ਰਾਜ ਪ੍ਰਸ਼ਾਸਕ ਖਾਤਾ",
}

Item = TypeVar("Item", District, Department, Service, Category)


@dataclass(frozen=True)
class KindLoaded:
    """What the load did to one kind of item, by code."""

    kind: str  # districts | departments | services | categories
    added: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    not_in_file: tuple[str, ...]  # stored, absent from the file: left as they are


@dataclass(frozen=True)
class FirstAdmin:
    officer_id: str
    outcome: str  # created | exists | password_reissued
    sent_to: tuple[str, ...] = ()  # masked addresses the one-time password reached
    not_sent: tuple[str, ...] = ()  # "sms: <provider code>" for each channel that failed

    @property
    def unreachable(self) -> bool:
        """A one-time password was made and reached nobody."""
        return self.outcome != "exists" and not self.sent_to


@dataclass(frozen=True)
class BootstrapSummary:
    state_code: str
    kinds: tuple[KindLoaded, ...]
    calendar: str  # added | changed | unchanged
    admin: FirstAdmin

    @property
    def catalogue_changed(self) -> bool:
        return self.calendar != "unchanged" or any(k.added or k.changed for k in self.kinds)


@dataclass(frozen=True)
class _Plan:
    kinds: tuple[KindLoaded, ...]
    writes: list[District | Department | Category]
    services: list[tuple[Service, Service | None]]  # (to save, the stored one it replaces)
    calendar: str
    calendar_document: dict[str, Any]


def bootstrap_state(
    document: Any,
    *,
    admin_email: str,
    admin_mobile: str,
    admin_name: str = DEFAULT_ADMIN_NAME,
    reissue_password: bool = False,
    now: datetime | None = None,
) -> BootstrapSummary:
    """Load the catalogue `document` (a parsed catalogue file) into this stage and make sure
    the state has an active state_admin. CatalogueInvalid, naming every problem of the file
    and of the admin's contact, before anything is written.

    With `reissue_password`, an existing first admin who has never used their one-time
    password (it is still temporary) and whose mobile and email are these gets a new one:
    the way out when the first never arrived."""
    now = now or utc_now()
    settings = get_settings()
    problems: list[Problem] = []
    loaded: CatalogueFile | None = None
    try:
        loaded = read_catalogue_file(document, state_code=settings.state_code, languages=settings.languages)
    except CatalogueInvalid as invalid:
        problems.extend(invalid.problems)
    mobile, email = _admin_contact(admin_mobile, admin_email, problems)
    name = _admin_name(admin_name, problems)
    admins = sorted(
        (o for o in officers.officers_in(None, None) if o.role is Role.STATE_ADMIN and o.active),
        key=lambda o: o.officer_id,
    )
    reissue_to = None
    if not admins and mobile and email:
        problems.extend(_logins_taken(mobile, email))
    elif admins and reissue_password and mobile and email:
        reissue_to = _unused_first_admin(admins, mobile, email, problems)
    if loaded is not None:
        problems.extend(_stranded_by_moves(loaded.categories))
    if problems or loaded is None:
        raise CatalogueInvalid(problems)

    plan = _plan(loaded)
    if plan.writes or plan.services or plan.calendar != "unchanged":
        _write(plan, now)
    if not admins:
        admin = _create_first_admin(name, mobile, email, now)
    elif reissue_to is not None:
        admin = _reissue_password(reissue_to, now)
    else:
        admin = FirstAdmin(admins[0].officer_id, "exists")
    return BootstrapSummary(settings.state_code, plan.kinds, plan.calendar, admin)


# -- the catalogue ---------------------------------------------------------------------------
def _stranded_by_moves(categories: Sequence[Category]) -> list[Problem]:
    """A category the file moves to another department while grievances of it are open in
    the old one: refused like `PUT /categories/{code}` refuses it, naming them."""
    stored = {category.code: category for category in catalogue.list_categories()}
    problems = []
    for index, category in enumerate(categories):
        before = stored.get(category.code)
        if before is None or before.department == category.department:
            continue
        for tracking_id in manage_catalogue.open_in_department(before)[: manage_catalogue.NAMED_AT_MOST]:
            problems.append(
                Problem(
                    f"categories[{index}].department",
                    f"open grievance {tracking_id} is still with {before.department}; transfer or decide it first",
                )
            )
    return problems


def _plan(loaded: CatalogueFile) -> _Plan:
    districts, district_writes = _compare("districts", loaded.districts, catalogue.list_districts())
    departments, department_writes = _compare("departments", loaded.departments, catalogue.list_departments())
    categories, category_writes = _compare("categories", loaded.categories, catalogue.list_categories())
    stored_services = {s.code: s for s in catalogue.list_services()}
    services, service_writes = _compare("services", loaded.services, stored_services.values())
    stored_calendar = catalogue.get_state_calendar()
    current = {key: stored_calendar.get(key) for key in loaded.calendar}
    calendar = "added" if not stored_calendar else "unchanged" if current == loaded.calendar else "changed"
    return _Plan(
        kinds=(districts, departments, services, categories),
        writes=[*district_writes, *department_writes, *category_writes],
        services=[_next_version(s, stored_services.get(s.code)) for s in service_writes],
        calendar=calendar,
        # what the state cell stored beside these keys (PUT /calendar) stays
        calendar_document={**stored_calendar, **loaded.calendar},
    )


def _compare(kind: str, wanted: Sequence[Item], stored: Any) -> tuple[KindLoaded, list[Item]]:
    """What differs between the file's items and the stored ones, and the items to write."""
    existing = {item.code: item for item in stored}
    added, changed, unchanged, writes = [], [], [], []
    for item in wanted:
        before = existing.get(item.code)
        if before is None:
            added.append(item.code)
            writes.append(item)
        elif _comparable(before) != _comparable(item):
            changed.append(item.code)
            writes.append(replace(item, revision=before.revision + 1))  # an edit read before is stale now
        else:
            unchanged.append(item.code)
    codes = {item.code for item in wanted}
    missing = tuple(sorted(code for code in existing if code not in codes))
    return KindLoaded(kind, tuple(added), tuple(changed), tuple(unchanged), missing), writes


def _comparable(item: District | Department | Service | Category) -> Any:
    # through JSON, as stored: a tuple read back is a list, and must not count as a change
    document = json.loads(json.dumps(to_document(item)))
    for name in SYSTEM_FIELDS:
        document.pop(name, None)
    return document


def _next_version(service: Service, stored: Service | None) -> tuple[Service, Service | None]:
    """The service to save over `stored`: a new form version when its form or documents
    changed (applications filed on the old one keep it), and the next revision."""
    if stored is None:
        return service, None
    form_changed = (stored.form, stored.documents) != (service.form, service.documents)
    return (
        replace(
            service,
            form_version=stored.form_version + (1 if form_changed else 0),
            revision=stored.revision + 1,
        ),
        stored,
    )


def _write(plan: _Plan, now: datetime) -> None:
    """One act for the whole load, then the writes. The act goes first: a load cut short
    is finished by running it again, which records what it then writes, so nothing is ever
    written without an act (at worst an act claims a write a re-run completes)."""
    details: dict[str, Any] = {
        kind.kind: {"added": list(kind.added), "changed": list(kind.changed)}
        for kind in plan.kinds
        if kind.added or kind.changed
    }
    if plan.calendar != "unchanged":
        details["calendar"] = plan.calendar
    admin_trail.record([AdministrativeAct(AdminAct.CATALOGUE_LOADED, subject_of("catalogue"), BOOTSTRAP, now, details)])
    if plan.writes:
        catalogue.save_catalogue(plan.writes)
    for service, replacing in plan.services:
        catalogue.save_service(service, replacing)
    if plan.calendar != "unchanged":
        catalogue.save_state_calendar(plan.calendar_document)
    logger.info("catalogue loaded", extra={"changes": details})


# -- the first state_admin -------------------------------------------------------------------
def _admin_contact(raw_mobile: str, raw_email: str, problems: list[Problem]) -> tuple[str, str]:
    regions = get_settings().mobile_regions
    mobile = email = ""
    try:
        mobile = normalize_mobile(raw_mobile, field="admin_mobile", region=regions[0], allowed_regions=regions)
    except InvalidInput as error:
        problems.append(Problem("admin_mobile", error.message.removeprefix("admin_mobile: ")))
    try:
        email = normalize_email(raw_email, field="admin_email")
    except InvalidInput as error:
        problems.append(Problem("admin_email", error.message.removeprefix("admin_email: ")))
    return mobile, email


def _admin_name(raw: str, problems: list[Problem]) -> str:
    try:
        return clean_name(raw)
    except InvalidInput as error:
        problems.append(Problem("admin_name", error.message.partition(": ")[2] or error.message))
        return ""


def _logins_taken(mobile: str, email: str) -> list[Problem]:
    """The admin's mobile or email already opens another staff account: creating the admin
    would fail after the catalogue was written, so it is a problem of the input."""
    keys = {claim_key("officer", "mobile", mobile): "admin_mobile", claim_key("officer", "email", email): "admin_email"}
    owners = citizens.find_claim_owners(keys)
    return [Problem(keys[key], "already the login of another staff account") for key in keys if key in owners]


def _create_first_admin(name: str, mobile: str, email: str, now: datetime) -> FirstAdmin:
    password = _one_time_password()
    account = officers.NewOfficer(
        officer_id=new_id("off"),
        name=name,
        role=Role.STATE_ADMIN.value,
        department=None,
        district=None,
        mobile=mobile,
        email=email,
        password_hash=hash_password(password),
        password_temporary=True,
    )
    act = AdministrativeAct(
        AdminAct.OFFICER_CREATED, subject_of("officer", account.officer_id), BOOTSTRAP, now, {"role": account.role}
    )
    officer = officers.create_officer(account, now_utc=now, acts=[act])  # one transaction
    return _send_password(officer, password, "created")


def _unused_first_admin(admins: list[Officer], mobile: str, email: str, problems: list[Problem]) -> Officer | None:
    """The state_admin with this mobile and email who has never used their one-time
    password: the operator may send them another, never one to an account in use."""
    unused = [a for a in admins if a.password_temporary and (a.mobile, a.email) == (mobile, email)]
    if not unused:
        problems.append(
            Problem(
                "reissue_password", "no state_admin with this mobile and email still holds an unused one-time password"
            )
        )
        return None
    return unused[0]


def _reissue_password(admin: Officer, now: datetime) -> FirstAdmin:
    password = _one_time_password()
    _record_officer_act(AdminAct.OFFICER_CHANGED, admin.officer_id, now, {"password": "one-time password reissued"})
    officers.update_officer_password(admin.officer_id, admin.version, hash_password(password), temporary=True)
    return _send_password(admin, password, "password_reissued")


def _record_officer_act(act: AdminAct, officer_id: str, now: datetime, details: dict[str, Any]) -> None:
    admin_trail.record([AdministrativeAct(act, subject_of("officer", officer_id), BOOTSTRAP, now, details)])


def _one_time_password() -> str:
    return "-".join(
        "".join(secrets.choice(ONE_TIME_SYMBOLS) for _ in range(GROUP_LENGTH)) for _ in range(PASSWORD_GROUPS)
    )


def _send_password(officer: Officer, password: str, outcome: str) -> FirstAdmin:
    """SMS in the stage's first language, email in each of its languages; each channel on
    its own, so one failing does not stop the other."""
    languages = get_settings().languages
    texts = [PASSWORD_TEXTS.get(lang, PASSWORD_TEXTS["en"]) for lang in dict.fromkeys(languages)]
    sms = texts[0].format(login=officer.email, password=password)
    email_text = "\n\n".join(dict.fromkeys(t.format(login=officer.email, password=password) for t in texts))
    title = PASSWORD_TITLES.get(languages[0], PASSWORD_TITLES["en"])
    sent, failed = [], []
    for channel in ("sms", "email"):
        try:
            if channel == "sms":
                send_sms(officer.mobile, sms)
            else:
                send_email(officer.email, title, email_text)
        except SendFailed as error:
            failed.append(f"{channel}: {error.code}")
            logger.warning("one-time password not sent", extra={"channel": channel, "error": error.code})
        else:
            sent.append(mask_mobile(officer.mobile) or "" if channel == "sms" else mask_email(officer.email))
    # Never the password, nor the addresses in clear.
    logger.info("first state_admin", extra={"officer_id": officer.officer_id, "outcome": outcome, "sent": sent})
    return FirstAdmin(officer.officer_id, outcome, tuple(sent), tuple(failed))


def mask_email(email: str) -> str:
    """a…@punjab.gov.in: enough for the operator to recognise, not to copy."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"
