"""Who people are to the system: national IDs, roles, principals, and what is masked.

Pure rules, no I/O. National IDs are validated here (Aadhaar's Verhoeff check digit,
CNIC's layout) and only ever leave this module as a normalized value to be hashed, or
as a mask showing the last four digits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.principal import ESCALATION_ROLES, STAFF_ROLES, Principal, Role

# Role and Principal live in domain/principal.py, which every request's edge imports; they
# are named here too, where most of the domain looks for them.
__all__ = ["ESCALATION_ROLES", "STAFF_ROLES", "Principal", "Role"]


# --- national IDs --------------------------------------------------------------------------

_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_VERHOEFF_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


def verhoeff_valid(digits: str) -> bool:
    """True when the last digit of `digits` is the Verhoeff check digit of the rest."""
    check = 0
    for position, digit in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[position % 8][int(digit)]]
    return check == 0


def verhoeff_check_digit(digits: str) -> str:
    """The Verhoeff check digit to append to `digits`."""
    check = 0
    for position, digit in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[(position + 1) % 8][int(digit)]]
    return str(_VERHOEFF_INV[check])


_AADHAAR = re.compile(r"^[2-9][0-9]{3}[ -]?[0-9]{4}[ -]?[0-9]{4}$")
_CNIC = re.compile(r"^[0-9]{5}-?[0-9]{7}-?[0-9]$")


def _ascii_digits(text: str) -> str:
    """Devanagari, Urdu or any other decimal digits as 0-9, so one number has one key."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


@dataclass(frozen=True)
class NationalId:
    kind: str  # aadhaar | cnic
    digits: str

    @property
    def last4(self) -> str:
        return self.digits[-4:]

    def lookup_key(self) -> str:
        """What gets hashed for lookup: the kind keeps an Aadhaar and a CNIC apart."""
        return f"{self.kind}:{self.digits}"


def parse_national_id(raw: str) -> NationalId:
    """An Aadhaar (12 digits, Verhoeff-checked, grouped 4-4-4 or not) or a CNIC
    (`NNNNN-NNNNNNN-N`, dashes optional). Raises InvalidInput naming `national_id`."""
    text = _ascii_digits(raw.strip())
    digits = re.sub(r"[ -]", "", text)
    if _AADHAAR.match(text):
        if not verhoeff_valid(digits):
            raise InvalidInput("national_id: the Aadhaar check digit is wrong.", field="national_id")
        return NationalId("aadhaar", digits)
    if _CNIC.match(text):
        return NationalId("cnic", digits)
    raise InvalidInput(
        "national_id: expected a 12-digit Aadhaar number or a 13-digit CNIC (NNNNN-NNNNNNN-N).",
        field="national_id",
    )


def mask_national_id(kind: str | None, last4: str | None) -> str | None:
    """The only form a national ID is ever shown in: every digit but the last four hidden."""
    if not last4:
        return None
    if kind == "cnic":
        return f"XXXXX-XXXX{last4[:3]}-{last4[3:]}"
    return f"XXXX-XXXX-{last4}"


# --- names and passwords -------------------------------------------------------------------

# Zero-width joiner and non-joiner shape Indic scripts (and emoji); every other control or
# format character is rejected.
_ALLOWED_FORMAT_CHARACTERS = {"\u200c", "\u200d"}


def clean_name(raw: str, field: str = "name") -> str:
    """A person's name in any script, NFC-normalized and trimmed; 1–100 characters."""
    text = unicodedata.normalize("NFC", raw).strip()
    categories = [unicodedata.category(character) for character in text]
    for character, category in zip(text, categories, strict=True):
        # Cc control, Cs lone surrogate (cannot be stored as UTF-8), Co private use, Cn unassigned
        if category in {"Cc", "Cs", "Co", "Cn"} or (category == "Cf" and character not in _ALLOWED_FORMAT_CHARACTERS):
            raise InvalidInput(f"{field}: contains a control or invalid character.", field=field)
    if not any(category[0] in "LNS" for category in categories):
        raise InvalidInput(f"{field}: must contain a letter.", field=field)
    name = " ".join(text.split())  # control characters are already refused above
    if len(name) > 100:
        raise InvalidInput(f"{field}: must be 1 to 100 characters.", field=field)
    return name


_COMMON_PASSWORDS = frozenset(
    {"password", "password1", "12345678", "123456789", "1234567890", "qwertyuiop", "11111111", "iloveyou", "abcd1234"}
)


def check_password_policy(password: str, field: str = "password") -> None:
    """NIST 800-63B: long enough, not absurdly long, not a well-known password."""
    if len(password) < 8:
        raise InvalidInput(f"{field}: must be at least 8 characters.", field=field)
    if len(password) > 128:
        raise InvalidInput(f"{field}: must be at most 128 characters.", field=field)
    if password.casefold() in _COMMON_PASSWORDS or len(set(password)) == 1:
        raise InvalidInput(f"{field}: is too easy to guess.", field=field)


def mask_mobile(mobile: str | None) -> str | None:
    """For logs and staff views: +91XXXXXX3210."""
    if not mobile:
        return None
    return mobile[:3] + "X" * max(len(mobile) - 7, 0) + mobile[-4:]


# --- accounts ------------------------------------------------------------------------------


# A registration whose mobile is not proven within this time is gone, as if never made.
REGISTRATION_LIFETIME = timedelta(hours=24)


class CitizenStatus(StrEnum):
    PENDING_VERIFICATION = "pending_verification"
    ACTIVE = "active"
    ERASED = "erased"
    # Reached the state by SMS, email, a call or another portal without an account: replies
    # go to the mobile or email it wrote from; nobody can log in as it. Its grievances move
    # to the account that later proves the same mobile (or email).
    CONTACT = "contact"


@dataclass(frozen=True)
class Address:
    line: str
    district: str
    pincode: str


@dataclass(frozen=True)
class Citizen:
    citizen_id: str
    status: CitizenStatus
    name: str | None
    national_id_kind: str | None
    national_id_last4: str | None
    mobile: str | None
    email: str | None
    password_hash: str | None
    address: Address | None
    language: str
    version: int
    pending_mobile: str | None = None
    notify_by: tuple[str, ...] = ("sms", "email")
    # An email given but not yet confirmed by its code: neither a login name nor a target.
    pending_email: str | None = None
    # Set while the registration awaits its OTP: when it lapses.
    registration_expires_at: datetime | None = None

    def registration_lapsed(self, now: datetime) -> bool:
        """True for a pending registration older than REGISTRATION_LIFETIME."""
        return self.registration_expires_at is not None and self.registration_expires_at <= now

    @property
    def notification_channels(self) -> tuple[str, ...]:
        """Where messages go: the channels the citizen chose that they have an address for;
        if none of those (email chosen, none verified), the SMS every citizen has. Only a
        verified email is ever in `email`; a `pending_email` gets no messages but its code."""
        have = {"sms": self.mobile, "email": self.email}
        chosen = tuple(channel for channel in self.notify_by if have.get(channel))
        return chosen or (("sms",) if self.mobile else ())

    @property
    def masked_national_id(self) -> str | None:
        return mask_national_id(self.national_id_kind, self.national_id_last4)

    def principal(self) -> Principal:
        return Principal(self.citizen_id, Role.CITIZEN, district=self.address.district if self.address else None)


@dataclass(frozen=True)
class Officer:
    officer_id: str
    name: str
    role: Role
    department: str | None
    district: str | None
    mobile: str
    email: str
    password_hash: str
    active: bool
    version: int
    # Set by the state cell at creation: the first login must change it.
    password_temporary: bool = False
    # The role that switched the account off (a department head cannot undo the state cell).
    deactivated_by: Role | None = None
    # The language the officer is messaged in (assignments, escalations, handovers).
    language: str = "en"

    def principal(self) -> Principal:
        return Principal(self.officer_id, self.role, department=self.department, district=self.district)


def claim_key(kind: str, attribute: str, value: str) -> str:
    """The uniqueness/lookup key of one identifying value: `citizen#mobile#+9198...`.

    Citizens and officers have separate namespaces: an officer is often a citizen too,
    with the same mobile, and the two accounts must not collide.
    """
    return f"{kind}#{attribute}#{value}"
