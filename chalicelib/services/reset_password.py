"""A citizen who forgot their password gets back in with a code sent to the mobile they
proved: the new password ends every login, and the mobile is told.

Asking answers the same whether or not an account uses the mobile (the send limits apply
either way), and every way a code can fail answers the same, so neither step reveals which
numbers are registered. Staff passwords are reset by the state cell, not by SMS: a code to
a mobile must not be enough to take over an officer's powers.
"""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.domain.identity import CitizenStatus, check_password_policy
from chalicelib.models import citizens
from chalicelib.models import sessions as stored_sessions
from chalicelib.security.passwords import hash_password
from chalicelib.services import account_notices, one_time_codes

logger = Logger(child=True)

RESET_CODE = "password_reset"  # what the one-time code is for


def request_reset(mobile: str, source: str = "unknown", now: datetime | None = None) -> None:
    """Send a reset code when an active citizen proved this mobile; nothing otherwise."""
    now = now or utc_now()
    mobile = one_time_codes.reachable_mobile(mobile)
    one_time_codes.count_send(mobile=mobile, now=now, source=source)
    holder = citizens.active_holder_of_mobile(mobile)
    if holder is None:
        return
    one_time_codes.deliver_code(
        to=mobile, purpose=RESET_CODE, subject_id=holder.citizen_id, language=holder.language, now=now
    )


def confirm_reset(
    mobile: str, otp: str, new_password: str, source: str = "unknown", now: datetime | None = None
) -> None:
    """Set `new_password` for the citizen the code was sent to and end every login of theirs.

    InvalidInput naming `new_password` for a password the policy refuses (before the code is
    tried, so a weak password costs no guess), else naming `otp` for any code that does not
    work; Conflict when the account changed at that instant (ask again).
    """
    now = now or utc_now()
    mobile = one_time_codes.reachable_mobile(mobile)
    check_password_policy(new_password, field="new_password")
    citizen_id = one_time_codes.check_code(to=mobile, code=otp, purpose=RESET_CODE, now=now, source=source)
    citizen = citizens.get_citizen(citizen_id)
    if citizen is None or citizen.status is not CitizenStatus.ACTIVE or citizen.mobile != mobile:
        raise one_time_codes.wrong_code()
    citizens.update_citizen(citizen_id, citizen.version, {"password_hash": hash_password(new_password)}, now)
    stored_sessions.revoke_refresh_sessions(citizen_id)
    logger.info("password reset", extra={"citizen_id": citizen_id})
    account_notices.tell_citizen(citizen, "password_reset")
