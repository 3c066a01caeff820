"""Register a citizen, verify their mobile by OTP, and resend the code.

Registration answers the same whatever someone else holds: it claims nothing and checks no
one else's national ID or email. Only once the mobile is proven does verification claim the
national ID and mobile — and a conflict then is a 409 that names no field, while the holder
of the existing account is told by SMS. A registration on a mobile an active account already
holds creates nothing: the holder is told by SMS instead of a code being sent. Nor can a
stranger's registration ride on the mobile's owner: while one registration on a mobile awaits
its code, a second one with another password cancels both (see `_contested`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain.contact import normalize_email
from chalicelib.domain.errors import IdentityTaken, InvalidInput
from chalicelib.domain.identity import (
    Address,
    Citizen,
    CitizenStatus,
    check_password_policy,
    clean_name,
    mask_mobile,
    parse_national_id,
)
from chalicelib.ids import new_id
from chalicelib.models import catalogue, citizens
from chalicelib.notify.errors import SendFailed
from chalicelib.security.keyed_hash import keyed_hash
from chalicelib.security.passwords import hash_password, verify_password
from chalicelib.services import account_notices, contacts, limits, manage_profile, one_time_codes

logger = Logger(child=True)

REGISTRATION = "registration"
# What the citizen agrees to by registering (DPDP Act, 2023: notice and purpose).
CONSENT_PURPOSE = "Redressal of grievances and delivery of public services by the state government"
CONSENT_NOTICE_VERSION = "2026-11"


@dataclass(frozen=True)
class Registration:
    name: str
    national_id: str
    mobile: str
    password: str
    address_line: str
    address_district: str
    address_pincode: str
    email: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class RegistrationReceipt:
    """What a registration answers, the same whether or not an account was created."""

    citizen_id: str
    status: CitizenStatus
    otp_sent_to: str | None


def register_citizen(
    registration: Registration, source: str = "unknown", now: datetime | None = None
) -> RegistrationReceipt:
    """Store a pending registration and send an OTP to its mobile.

    InvalidInput names the first bad field (a mobile outside the stage's countries too);
    RateLimited when `source` registered too often or the mobile got too many codes —
    counted before anything is stored or sent. Nobody else's identifiers are checked here.
    """
    now = now or utc_now()
    settings = get_settings()
    name = clean_name(registration.name)
    national_id = parse_national_id(registration.national_id)
    mobile = one_time_codes.reachable_mobile(registration.mobile)
    email = normalize_email(registration.email) if registration.email else None
    check_password_policy(registration.password)
    language = registration.language or settings.default_language
    if language not in settings.languages:
        raise InvalidInput(f"language: one of {', '.join(settings.languages)}.", field="language")
    if catalogue.get_district(registration.address_district) is None:
        raise InvalidInput("address.district: no such district in this state.", field="address.district")
    limits.take("registrations_per_source", source, now, "Too many registrations from here; try again later.")
    one_time_codes.count_send(mobile=mobile, now=now, source=source)
    # Hashed on both roads below, so neither answers faster.
    password_hash = hash_password(registration.password)
    receipt = RegistrationReceipt(new_id("cit"), CitizenStatus.PENDING_VERIFICATION, mask_mobile(mobile))
    holder = citizens.active_holder_of_mobile(mobile)
    if holder is not None:
        logger.info("registration on a held mobile", extra={"holder_id": holder.citizen_id})
        account_notices.tell_citizen(holder, "registration_attempted")
        return receipt
    if _contested(mobile, registration.password, now):
        return receipt
    citizen = citizens.save_registration(
        citizen_id=receipt.citizen_id,
        name=name,
        national_id_kind=national_id.kind,
        national_id_last4=national_id.last4,
        national_id_hash=keyed_hash("national_id", national_id.lookup_key()),
        mobile=mobile,
        email=email,
        password_hash=password_hash,
        address=Address(registration.address_line.strip(), registration.address_district, registration.address_pincode),
        language=language,
        consent={"purpose": CONSENT_PURPOSE, "notice_version": CONSENT_NOTICE_VERSION, "given_at": now.isoformat()},
        now=now,
    )
    logger.info("citizen registered", extra={"citizen_id": citizen.citizen_id})
    one_time_codes.deliver_code(
        to=mobile, purpose=REGISTRATION, subject_id=citizen.citizen_id, language=language, now=now
    )
    return receipt


def verify_citizen(mobile: str, otp: str, source: str = "unknown", now: datetime | None = None) -> Citizen:
    """Activate the registration a code was sent for, claiming its national ID and mobile.

    InvalidInput naming `otp` for any code that does not work (or a lapsed registration);
    IdentityTaken (409 `identity_conflict`, no field) when another account holds the
    national ID or mobile — its holder is told by SMS and nothing else changes.
    """
    now = now or utc_now()
    mobile = one_time_codes.reachable_mobile(mobile)
    citizen_id = one_time_codes.check_code(to=mobile, code=otp, purpose=REGISTRATION, now=now, source=source)
    citizen = citizens.get_citizen(citizen_id)
    if citizen is None or citizen.status is not CitizenStatus.PENDING_VERIFICATION or citizen.registration_lapsed(now):
        raise one_time_codes.wrong_code()
    try:
        citizens.activate_citizen(citizen_id, citizen.version, now)
    except IdentityTaken as taken:
        logger.info("registration conflicts with an account", extra={"citizen_id": citizen_id})
        account_notices.tell_holders(taken.holders, "identity_claimed_elsewhere")
        raise
    logger.info("citizen verified", extra={"citizen_id": citizen_id})
    contacts.link_contact_safely(citizen, "mobile", mobile, now)
    if citizen.pending_email:
        # Bounded by verified registrations, so not counted again here. The account is active
        # by now: a mail provider's failure must not turn that into an error the citizen would
        # retry with a spent code; they ask for the email code again from their profile.
        try:
            manage_profile.send_email_code(citizen, citizen.pending_email, now)
        except SendFailed as failure:
            logger.warning("email code not sent", extra={"citizen_id": citizen_id, "error": failure.code})
    return citizens.get_citizen(citizen_id) or citizen


def resend_code(mobile: str, source: str = "unknown", now: datetime | None = None) -> None:
    """Send a new code when a registration on this mobile awaits verification.

    Answers the same whether or not one does, so the endpoint cannot be used to learn
    which numbers are registered; the send limits apply either way.
    """
    now = now or utc_now()
    mobile = one_time_codes.reachable_mobile(mobile)
    one_time_codes.count_send(mobile=mobile, now=now, source=source)
    citizen_id = one_time_codes.waiting_subject(mobile, REGISTRATION, now)
    citizen = citizens.get_citizen(citizen_id) if citizen_id else None
    if citizen is None or citizen.status is not CitizenStatus.PENDING_VERIFICATION or citizen.registration_lapsed(now):
        return
    one_time_codes.deliver_code(
        to=mobile, purpose=REGISTRATION, subject_id=citizen.citizen_id, language=citizen.language, now=now
    )


def _contested(mobile: str, password: str, now: datetime) -> bool:
    """Whether a registration waiting on `mobile` is someone else's, and so both are off.

    The phone's holder types whichever code reaches it last: if a second registration (a
    stranger's password) simply replaced the first, the owner would activate the stranger's
    account on their own mobile. So a second registration that does not know the first one's
    password cancels the first and is not stored; the phone's holder is told by SMS and starts
    again. The same person retrying (same password) just gets a fresh registration and code."""
    waiting_id = one_time_codes.waiting_subject(mobile, REGISTRATION, now)
    waiting = citizens.get_citizen(waiting_id) if waiting_id else None
    if waiting is None or waiting.status is not CitizenStatus.PENDING_VERIFICATION or waiting.registration_lapsed(now):
        return False
    if waiting.password_hash and verify_password(waiting.password_hash, password):
        return False
    citizens.update_citizen(waiting.citizen_id, waiting.version, {"expires_at": now}, now)
    one_time_codes.forget_codes(mobile)
    logger.info("registration contested", extra={"citizen_id": waiting.citizen_id})
    account_notices.tell_citizen(waiting, "registration_contested")
    return True
