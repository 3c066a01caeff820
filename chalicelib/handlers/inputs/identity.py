"""Request models of registration, verification and sessions (handlers/identity.py); the
address and the one-time code are the profile's too (handlers/profile.py)."""

from __future__ import annotations

from pydantic import Field

from chalicelib.handlers.inputs import StrictBody

OTP_PATTERN = r"^\d{6}$"


class AddressIn(StrictBody):
    line: str = Field(min_length=1, max_length=200)
    district: str = Field(pattern=r"^[A-Z0-9_]{1,64}$")
    pincode: str = Field(pattern=r"^[1-9][0-9]{5}$")


class RegistrationIn(StrictBody):
    name: str = Field(min_length=1, max_length=200)
    national_id: str = Field(min_length=12, max_length=20)
    mobile: str = Field(min_length=5, max_length=25)
    email: str | None = Field(default=None, max_length=254)
    password: str = Field(min_length=1, max_length=1000)
    address: AddressIn
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")


class VerificationIn(StrictBody):
    mobile: str = Field(min_length=5, max_length=25)
    otp: str = Field(pattern=OTP_PATTERN)


class ResendIn(StrictBody):
    mobile: str = Field(min_length=5, max_length=25)


class PasswordResetIn(StrictBody):
    mobile: str = Field(min_length=5, max_length=25)
    otp: str = Field(pattern=OTP_PATTERN)
    new_password: str = Field(min_length=1, max_length=1000)


class ReleaseIn(StrictBody):
    reason: str = Field(min_length=10, max_length=1000)


class LoginIn(StrictBody):
    username: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1000)


class RefreshIn(StrictBody):
    refresh_token: str = Field(min_length=10, max_length=200)
