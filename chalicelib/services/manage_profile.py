"""A person's own profile: read it, correct it, move to a new mobile or email, erase it.

A new mobile or email counts only once the code sent to it is confirmed: until then it is
pending, neither a login name nor a notification target, and nobody else's claim on it is
looked at — so changing one's profile cannot be used to learn who holds a number or address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain.admin import Actor, AdminAct, AdministrativeAct, subject_of
from chalicelib.domain.contact import normalize_email
from chalicelib.domain.errors import Forbidden, IdentityTaken, InvalidInput, NotFound
from chalicelib.domain.identity import Citizen, CitizenStatus, Officer, Principal, clean_name
from chalicelib.ids import new_id
from chalicelib.models import catalogue, citizens, officers
from chalicelib.models import sessions as stored_sessions
from chalicelib.services import account_notices, contacts, erase_records, one_time_codes

logger = Logger(child=True)

MOBILE_CHANGE = "mobile_change"
EMAIL_VERIFICATION = "email_verification"


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
    """Apply a citizen's corrections. A new mobile or email is parked as pending and a code
    sent to it (POST /me/mobile/verify, /me/email/verify); asking again for the pending email
    sends a fresh code. Every code is counted against the send limit before anything is written."""
    now = now or utc_now()
    citizen = _own_citizen(principal)
    # Everything is checked and counted before anything is written, so a refused change
    # cannot leave a half-applied one behind.
    updates = _plain_updates(changes)
    email = normalize_email(changes.email) if changes.email is not None else None
    mobile = one_time_codes.reachable_mobile(changes.mobile) if changes.mobile is not None else None
    new_email = email if email is not None and email != citizen.email else None
    new_mobile = mobile if mobile is not None and mobile != citizen.mobile else None
    # Every code sent for an account counts against the mobile it proved (one budget per
    # account, or one new number after another would pump SMS), a new mobile's against it too.
    for _ in filter(None, (new_mobile, new_email)):
        one_time_codes.count_send(mobile=citizen.mobile or citizen.citizen_id, now=now)
    if new_mobile:
        one_time_codes.count_send(mobile=new_mobile, now=now)
        updates["pending_mobile"] = new_mobile
    if new_email:
        updates["pending_email"] = new_email
    if updates:
        citizens.update_citizen(citizen.citizen_id, citizen.version, updates, now)
    if new_mobile:
        one_time_codes.deliver_code(
            to=new_mobile, purpose=MOBILE_CHANGE, subject_id=citizen.citizen_id, language=citizen.language, now=now
        )
    if new_email:
        send_email_code(citizen, new_email, now)
    return _own_citizen(principal)


def confirm_mobile_change(principal: Principal, otp: str, now: datetime | None = None) -> Citizen:
    """Make the pending mobile the citizen's own once its code is confirmed."""
    now = now or utc_now()
    citizen = _own_citizen(principal)
    _confirm(citizen, "mobile", citizen.pending_mobile, MOBILE_CHANGE, otp, now)
    logger.info("citizen mobile changed", extra={"citizen_id": citizen.citizen_id})
    contacts.link_contact_safely(citizen, "mobile", citizen.pending_mobile, now)
    return _own_citizen(principal)


def confirm_email(principal: Principal, otp: str, now: datetime | None = None) -> Citizen:
    """Make the pending email a login name and a notification target once its code is confirmed."""
    now = now or utc_now()
    citizen = _own_citizen(principal)
    _confirm(citizen, "email", citizen.pending_email, EMAIL_VERIFICATION, otp, now)
    logger.info("citizen email verified", extra={"citizen_id": citizen.citizen_id})
    contacts.link_contact_safely(citizen, "email", citizen.pending_email, now)
    return _own_citizen(principal)


def send_email_code(citizen: Citizen, email: str, now: datetime) -> None:
    """Send the code that proves `citizen` reads `email` (the caller counted the send)."""
    one_time_codes.deliver_code(
        to=email,
        purpose=EMAIL_VERIFICATION,
        subject_id=citizen.citizen_id,
        language=citizen.language,
        now=now,
        channel="email",
    )


def erase_profile(principal: Principal, now: datetime | None = None) -> ErasureReceipt:
    """Erasure on request (DPDP Act, 2023, s.12): personal data is wiped, every login ended,
    and the citizen's grievances and applications stay, redacted and linked only to an
    anonymous id. The cases go first: that step can be cut short (Conflict) and is finished
    by a retry, which needs the account still there."""
    now = now or utc_now()
    citizen = _own_citizen(principal)
    erased_from_cases = erase_records.erase_cases_of(citizen.citizen_id, now)
    receipt_id = new_id("era")
    # On the state cell's trail too, with the erasure itself (no personal data: the id is
    # anonymous from now on).
    erased_act = AdministrativeAct(
        AdminAct.CITIZEN_ERASED,
        subject_of("citizen", citizen.citizen_id),
        Actor.of(principal),
        now,
        {"receipt_id": receipt_id, "cases_redacted": len(erased_from_cases)},
    )
    erased = citizens.erase_citizen(citizen.citizen_id, citizen.version, now, [erased_act]) + erased_from_cases
    stored_sessions.revoke_refresh_sessions(citizen.citizen_id)
    one_time_codes.forget_codes(citizen.mobile, citizen.pending_mobile, citizen.pending_email)
    logger.info("citizen erased", extra={"citizen_id": citizen.citizen_id})
    return ErasureReceipt(
        receipt_id=receipt_id,
        citizen_id=citizen.citizen_id,
        erased_at=now,
        erased=erased,
        retained=(
            "Grievances and applications without personal data (category, department, district, status, "
            "dates, officers' acts) and their audit trail, kept under the anonymous citizen_id."
        ),
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


def _confirm(citizen: Citizen, attribute: str, pending: str | None, purpose: str, otp: str, now: datetime) -> None:
    """Check the code sent to the pending `attribute` and move the claim to it. The same
    answer for no pending value as for a wrong code; IdentityTaken (its holders told by SMS)
    when another account proved it first."""
    if not pending:
        raise one_time_codes.wrong_code()
    # An email code's guesses count against the account's mobile, like its sends.
    counted_as = citizen.mobile if attribute == "email" else pending
    subject = one_time_codes.check_code(to=pending, code=otp, purpose=purpose, now=now, mobile=counted_as)
    if subject != citizen.citizen_id:
        raise one_time_codes.wrong_code()
    try:
        citizens.move_claim(
            citizen.citizen_id,
            citizen.version,
            attribute=attribute,
            old_value=getattr(citizen, attribute),
            new_value=pending,
            changes={attribute: pending, f"pending_{attribute}": None},
            now=now,
        )
    except IdentityTaken as taken:
        account_notices.tell_holders(taken.holders, "identity_claimed_elsewhere")
        raise
