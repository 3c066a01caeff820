"""Request models of the caller's own account (handlers/profile.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.handlers.inputs import StrictBody
from chalicelib.handlers.inputs.identity import OTP_PATTERN, AddressIn


class ProfileChangesIn(StrictBody):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    mobile: str | None = Field(default=None, min_length=5, max_length=25)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    notify_by: list[Literal["sms", "email"]] | None = Field(default=None, min_length=1, max_length=2)
    address: AddressIn | None = None


class CodeConfirmationIn(StrictBody):
    otp: str = Field(pattern=OTP_PATTERN)


class PasswordChangeIn(StrictBody):
    current_password: str = Field(min_length=1, max_length=1000)
    new_password: str = Field(min_length=1, max_length=1000)
