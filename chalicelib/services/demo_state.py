"""The demo state of the local stack: its catalogue and one login per seat.

The accounts are derived from the catalogue (every department × district gets officers
and a supervisor, every department a head, the state one admin), so the seed that
creates them and `GET /dev/accounts` that lists them cannot drift apart. Nothing here
runs outside the local stage.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain.catalogue import Category, Department, DepartmentWebhook, District, Service, from_document
from chalicelib.domain.errors import NotFound
from chalicelib.domain.inbound import Channel
from chalicelib.models import catalogue, officers
from chalicelib.models.officers import NewOfficer, save_officers
from chalicelib.notify.outbox import read_outbox, read_webhook_deliveries
from chalicelib.security.channel_keys import channel_secret, open311_api_key
from chalicelib.security.passwords import hash_password

# Public demo credentials, printed by `make dev` and listed by /dev/accounts.
DEMO_PASSWORDS = {
    "officer": "Officer@2026",
    "supervisor": "Supervisor@2026",
    "department_head": "DeptHead@2026",
    "state_admin": "StateAdmin@2026",
}
OFFICERS_PER_DISTRICT = 2


@dataclass(frozen=True)
class DemoAccount:
    officer_id: str
    name: str
    role: str
    department: str | None
    district: str | None
    mobile: str
    email: str
    password: str

    @property
    def username(self) -> str:
        return self.email

    def as_dict(self) -> dict[str, Any]:
        return {"username": self.username, **asdict(self)}


@dataclass(frozen=True)
class SeedSummary:
    districts: int
    departments: int
    services: int
    categories: int
    accounts: list[DemoAccount]


def demo_accounts(
    state_code: str, departments: Iterable[Department], districts: Iterable[District]
) -> list[DemoAccount]:
    """Every demo login of the state, in a stable order with stable ids and numbers."""
    domain = f"{state_code.lower()}.demo.gov.in"
    seats: list[tuple[str, Department | None, District | None, int]] = [("state_admin", None, None, 1)]
    district_list = sorted(districts, key=lambda d: d.code)
    for department in sorted(departments, key=lambda d: d.code):
        seats.append(("department_head", department, None, 1))
        for district in district_list:
            seats.append(("supervisor", department, district, 1))
            seats.extend(("officer", department, district, n) for n in range(1, OFFICERS_PER_DISTRICT + 1))
    return [_account(index, seat, domain) for index, seat in enumerate(seats)]


def _account(index: int, seat: tuple[str, Department | None, District | None, int], domain: str) -> DemoAccount:
    role, department, district, number = seat
    parts = [p.code.lower() for p in (department, district) if p is not None] + [role.replace("_", "-")]
    if role == "officer":
        parts.append(str(number))
    slug = ".".join(parts)
    title = role.replace("_", " ").title()
    where = ", ".join(p.names.get("en", p.code) for p in (department, district) if p is not None)
    return DemoAccount(
        officer_id=f"off-{slug.replace('.', '-')}",
        name=f"{title} {number if role == 'officer' else ''}".strip() + (f" ({where})" if where else ""),
        role=role,
        department=department.code if department else None,
        district=district.code if district else None,
        mobile=f"+9190000{index:05d}",
        email=f"{slug}@{domain}",
        password=DEMO_PASSWORDS[role],
    )


def catalogue_from_document(
    document: dict[str, Any],
) -> tuple[list[District], list[Department], list[Service], list[Category]]:
    """Read the demo state's catalogue file (`infra/seed/demo_state.json`)."""
    return (
        [from_document(District, d) for d in document["districts"]],
        [from_document(Department, d) for d in document["departments"]],
        [from_document(Service, s) for s in document["services"]],
        [from_document(Category, c) for c in document["categories"]],
    )


def seed_demo_state(document: dict[str, Any], *, now: datetime) -> SeedSummary:
    """Write the catalogue and every demo officer. Safe to run again (same keys)."""
    districts, departments, services, categories = catalogue_from_document(document)
    catalogue.save_catalogue([*districts, *departments, *services, *categories])
    catalogue.save_state_calendar(document["state"].get("calendar", {}))
    receiver = get_settings().webhook_receiver_url
    if receiver:  # the dev runner's receiver stands in for every demo department's server
        for department in departments:
            catalogue.save_department_webhook(
                DepartmentWebhook(
                    department=department.code,
                    url=f"{receiver.rstrip('/')}/departments/{department.code}",
                    updated_at=now.isoformat(),
                    updated_by="demo-seed",
                )
            )
    accounts = demo_accounts(get_settings().state_code, departments, districts)
    # One hash per role password: argon2 is deliberately slow, and demo seats share them.
    hashes = {role: hash_password(password) for role, password in DEMO_PASSWORDS.items()}
    save_officers(
        (
            NewOfficer(
                officer_id=a.officer_id,
                name=a.name,
                role=a.role,
                department=a.department,
                district=a.district,
                mobile=a.mobile,
                email=a.email,
                password_hash=hashes[a.role],
            )
            for a in accounts
        ),
        now_utc=now,
    )
    return SeedSummary(len(districts), len(departments), len(services), len(categories), accounts)


def list_demo_accounts() -> list[DemoAccount]:
    """The seeded logins of the local stack; other stages have none to show. Only those
    seeded: a district or department the state cell added since has no demo seats."""
    _require_local_stage()
    departments = catalogue.list_departments()
    seeded = {o.officer_id for o in officers.officers_in(None, None)}
    seeded.update(o.officer_id for d in departments for o in officers.list_officers(d.code))
    accounts = demo_accounts(get_settings().state_code, departments, catalogue.list_districts())
    return [account for account in accounts if account.officer_id in seeded]


def demo_channel_credentials() -> dict[str, dict[str, str]]:
    """What the local stage's providers sign with, and its Open311 clients file with: a
    developer (or a test) plays the SMS gateway, SES or FixMyStreet with these."""
    _require_local_stage()
    return {
        "channel_secrets": {channel.value: channel_secret(channel.value) for channel in Channel},
        "open311_api_keys": {client: open311_api_key(client) for client in get_settings().open311_clients},
    }


def read_local_outbox(recipient: str | None) -> list[dict[str, Any]]:
    """What moto captured instead of sending (SMS and email), optionally to one recipient."""
    _require_local_stage()
    return read_outbox(recipient)


def read_local_webhook_deliveries(department: str | None) -> list[dict[str, Any]]:
    """What the dev runner's webhook receiver got, optionally for one department."""
    _require_local_stage()
    return read_webhook_deliveries(department)


def _require_local_stage() -> None:
    # Answer exactly like a missing route: other stages must not reveal these exist.
    if not get_settings().is_local:
        raise NotFound("Not found.")
