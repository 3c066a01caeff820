"""A person's own profile: read it, correct it, move to a new mobile, erase it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain.contact import normalize_email, normalize_mobile
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from chalicelib.domain.identity import Citizen, CitizenStatus, Officer, Principal, claim_key, clean_name
from chalicelib.ids import new_id
from chalicelib.models import catalogue, citizens, officers
from chalicelib.models import sessions as stored_sessions
from chalicelib.services import one_time_codes

logger = Logger(child=True)

MOBILE_CHANGE = "mobile_change"


@dataclass(frozen=True)
class ProfileChanges:
    name: str | None = None
    email: str | None = None
    mobile: str | None = None
    language: str | None = None
    address: dict[str, str] | None = None
    notify_by: list[str] | None = None


@dataclass(frozen=True)
class ErasureReceipt:
    receipt_id: str
    citizen_id: str
    erased_at: datetime
    erased: list[str]
    retained: str


def get_profile(principal: Principal) -> Citizen | Officer:
    profile = _citizen(principal) if principal.is_citizen else officers.get_officer(principal.subject_id)
    if profile is None:
        raise NotFound("Not found.")
    return profile


def update_profile(principal: Principal, changes: ProfileChanges, now: datetime | None = None) -> Citizen:
    """Apply a citizen's corrections. A new email is claimed at once (409 if taken); a new
    mobile is only claimed once the code sent to it is confirmed (POST /me/mobile/verify)."""
    now = now or utc_now()
    citizen = _own_citizen(principal)
    updates = _plain_updates(changes)
    # Everything is checked before anything is written, so a refused mobile cannot leave
    # a half-applied change behind.
    email = normalize_email(changes.email) if changes.email is not None else None
    mobile = normalize_mobile(changes.mobile) if changes.mobile is not None else None
    new_mobile = mobile if mobile is not None and mobile != citizen.mobile else None
    if new_mobile and citizens.find_claim_owners([claim_key("citizen", "mobile", new_mobile)]):
        raise Conflict("mobile: already registered.", field="mobile")
    if new_mobile:
        one_time_codes.count_send(mobile=new_mobile, now=now)
    if email is not None and email != citizen.email:
        citizens.move_claim(
            citizen.citizen_id,
            citizen.version,
            attribute="email",
            old_value=citizen.email,
            new_value=email,
            changes={"email": email, **updates},
            now=now,
        )
        updates = {}
        citizen = _own_citizen(principal)
    if new_mobile:
        _start_mobile_change(citizen, new_mobile, updates, now)
        updates = {}
    if updates:
        citizens.update_citizen(citizen.citizen_id, citizen.version, updates, now)
    return _own_citizen(principal)


def confirm_mobile_change(principal: Principal, otp: str, now: datetime | None = None) -> Citizen:
    now = now or utc_now()
    citizen = _own_citizen(principal)
    if not citizen.pending_mobile:
        raise InvalidInput("otp: no mobile change is waiting for confirmation.", field="otp")
    subject = one_time_codes.check_code(mobile=citizen.pending_mobile, code=otp, purpose=MOBILE_CHANGE, now=now)
    if subject != citizen.citizen_id:
        raise InvalidInput("otp: no valid code for this mobile; request a new one.", field="otp")
    citizens.move_claim(
        citizen.citizen_id,
        citizen.version,
        attribute="mobile",
        old_value=citizen.mobile,
        new_value=citizen.pending_mobile,
        changes={"mobile": citizen.pending_mobile, "pending_mobile": None},
        now=now,
    )
    logger.info("citizen mobile changed", extra={"citizen_id": citizen.citizen_id})
    return _own_citizen(principal)


def erase_profile(principal: Principal, now: datetime | None = None) -> ErasureReceipt:
    """Erasure on request (DPDP Act, 2023, s.12): personal data is wiped, every login ended,
    and the citizen's grievances and applications stay, linked only to an anonymous id."""
    now = now or utc_now()
    citizen = _own_citizen(principal)
    erased = citizens.erase_citizen(citizen.citizen_id, citizen.version, now)
    stored_sessions.revoke_refresh_sessions(citizen.citizen_id)
    one_time_codes.forget_codes(citizen.mobile, citizen.pending_mobile)
    logger.info("citizen erased", extra={"citizen_id": citizen.citizen_id})
    return ErasureReceipt(
        receipt_id=new_id("era"),
        citizen_id=citizen.citizen_id,
        erased_at=now,
        erased=erased,
        retained="Grievances, applications and their audit trail, kept under the anonymous citizen_id.",
    )


def _citizen(principal: Principal) -> Citizen | None:
    citizen = citizens.get_citizen(principal.subject_id)
    if citizen is None or citizen.status is CitizenStatus.ERASED:
        return None
    return citizen


def _own_citizen(principal: Principal) -> Citizen:
    if not principal.is_citizen:
        raise Forbidden("Only citizens have a citizen profile to change.")
    citizen = _citizen(principal)
    if citizen is None:
        raise NotFound("Not found.")
    return citizen


def _plain_updates(changes: ProfileChanges) -> dict[str, Any]:
    settings = get_settings()
    updates: dict[str, Any] = {}
    if changes.name is not None:
        updates["name"] = clean_name(changes.name)
    if changes.language is not None:
        if changes.language not in settings.languages:
            raise InvalidInput(f"language: one of {', '.join(settings.languages)}.", field="language")
        updates["language"] = changes.language
    if changes.notify_by is not None:
        updates["notify_by"] = list(dict.fromkeys(changes.notify_by))  # in order, once each
    if changes.address is not None:
        if catalogue.get_district(changes.address["district"]) is None:
            raise InvalidInput("address.district: no such district in this state.", field="address.district")
        updates["address"] = dict(changes.address)
    return updates


def _start_mobile_change(citizen: Citizen, mobile: str, updates: dict[str, Any], now: datetime) -> None:
    """Park the new mobile until its code is confirmed; the send was already counted."""
    citizens.update_citizen(citizen.citizen_id, citizen.version, {"pending_mobile": mobile, **updates}, now)
    one_time_codes.deliver_code(
        mobile=mobile, purpose=MOBILE_CHANGE, subject_id=citizen.citizen_id, language=citizen.language, now=now
    )
