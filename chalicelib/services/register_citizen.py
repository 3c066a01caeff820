"""Register a citizen, verify their mobile by OTP, and resend the code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain.contact import normalize_email, normalize_mobile
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.identity import (
    Address,
    Citizen,
    CitizenStatus,
    check_password_policy,
    claim_key,
    clean_name,
    parse_national_id,
)
from chalicelib.ids import new_id
from chalicelib.models import catalogue, citizens
from chalicelib.security.keyed_hash import keyed_hash
from chalicelib.security.passwords import hash_password
from chalicelib.services import one_time_codes

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


def register_citizen(registration: Registration, now: datetime | None = None) -> Citizen:
    """Create a pending citizen and send an OTP to their mobile.

    InvalidInput names the first bad field; Conflict names the national ID, mobile or email
    that another citizen already registered.
    """
    now = now or utc_now()
    settings = get_settings()
    name = clean_name(registration.name)
    national_id = parse_national_id(registration.national_id)
    mobile = normalize_mobile(registration.mobile)
    email = normalize_email(registration.email) if registration.email else None
    check_password_policy(registration.password)
    language = registration.language or settings.default_language
    if language not in settings.languages:
        raise InvalidInput(f"language: one of {', '.join(settings.languages)}.", field="language")
    if catalogue.get_district(registration.address_district) is None:
        raise InvalidInput("address.district: no such district in this state.", field="address.district")
    # Counted before anything is stored: a refused send must not leave an account behind.
    one_time_codes.count_send(mobile=mobile, now=now)
    citizen = citizens.register_citizen(
        citizen_id=new_id("cit"),
        name=name,
        national_id_kind=national_id.kind,
        national_id_last4=national_id.last4,
        national_id_hash=keyed_hash("national_id", national_id.lookup_key()),
        mobile=mobile,
        email=email,
        password_hash=hash_password(registration.password),
        address=Address(registration.address_line.strip(), registration.address_district, registration.address_pincode),
        language=language,
        consent={"purpose": CONSENT_PURPOSE, "notice_version": CONSENT_NOTICE_VERSION, "given_at": now.isoformat()},
        now=now,
    )
    logger.info("citizen registered", extra={"citizen_id": citizen.citizen_id})
    one_time_codes.deliver_code(
        mobile=mobile, purpose=REGISTRATION, subject_id=citizen.citizen_id, language=language, now=now
    )
    return citizen


def verify_citizen(mobile: str, otp: str, now: datetime | None = None) -> Citizen:
    """Activate the citizen a registration code was sent to."""
    now = now or utc_now()
    mobile = normalize_mobile(mobile)
    citizen_id = one_time_codes.check_code(mobile=mobile, code=otp, purpose=REGISTRATION, now=now)
    citizen = citizens.get_citizen(citizen_id)
    if citizen is None or citizen.status is not CitizenStatus.PENDING_VERIFICATION:
        raise InvalidInput("otp: this registration is no longer waiting for verification.", field="otp")
    citizens.activate_citizen(citizen_id, citizen.version, now)
    logger.info("citizen verified", extra={"citizen_id": citizen_id})
    return citizens.get_citizen(citizen_id) or citizen


def resend_code(mobile: str, now: datetime | None = None) -> None:
    """Send a new code when a registration on this mobile awaits verification.

    Answers the same whether or not one does, so the endpoint cannot be used to learn
    which numbers are registered; the per-mobile send limit applies either way.
    """
    now = now or utc_now()
    mobile = normalize_mobile(mobile)
    owners = citizens.find_claim_owners([claim_key("citizen", "mobile", mobile)])
    owner = next(iter(owners.values()), None)
    citizen = citizens.get_citizen(owner[1]) if owner else None
    if citizen is None or citizen.status is not CitizenStatus.PENDING_VERIFICATION:
        one_time_codes.count_send(mobile=mobile, now=now)
        return
    one_time_codes.send_code(
        mobile=mobile, purpose=REGISTRATION, subject_id=citizen.citizen_id, language=citizen.language, now=now
    )
