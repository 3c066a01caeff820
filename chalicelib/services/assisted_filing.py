"""Staff at a helpline or a service centre file for a citizen who called or walked in.

Two steps on `POST /grievances` with `on_behalf_of`: without a code, one is sent to the
citizen's mobile; with the code the citizen read out, the grievance is filed as theirs (their
account, or the contact for that mobile when they have none), and its `filed` entry keeps the
filer's id (`assisted_by`). The code proves the citizen is there and agrees: staff cannot
file in the name of any mobile they like. The code is bound to the officer who asked for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.identity import Principal, mask_mobile
from chalicelib.services import contacts, one_time_codes
from chalicelib.services.file_grievance import (
    ASSISTED_CHANNELS,
    Filed,
    NewGrievance,
    check_new_grievance,
    file_for,
)
from chalicelib.services.idempotency import run_once

logger = Logger(child=True)

ASSISTED_FILING = "assisted_filing"
# What the code authorises, said to the citizen whose mobile it reaches.
CODE_TEXTS = {
    "en": (
        "{code} is your code to let the helpline or service centre file your grievance. "
        "Give it only to the staff member in front of you or on the call."
    ),
    "hi": (
        "{code} आपका कोड है, जिससे हेल्पलाइन या सेवा केंद्र आपकी शिकायत दर्ज करेगा। इसे केवल सामने या कॉल पर मौजूद कर्मचारी को बताएं।"
    ),
}


@dataclass(frozen=True)
class CodeSent:
    otp_sent_to: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"status": "otp_sent", "otp_sent_to": self.otp_sent_to}


def file_for_citizen(
    officer: Principal,
    request: NewGrievance,
    mobile: str,
    otp: str | None,
    idempotency_key: str | None = None,
    lambda_context: Any = None,
    now: datetime | None = None,
) -> Filed | CodeSent:
    """Send the citizen a code (no `otp`), or file with the code they read out."""
    now = now or utc_now()
    if request.channel not in ASSISTED_CHANNELS:
        raise InvalidInput(f"channel: staff file by {' or '.join(ASSISTED_CHANNELS)}.", field="channel")
    mobile = one_time_codes.reachable_mobile(mobile, field="on_behalf_of.mobile")
    # What can be checked without the code is, before one is sent or spent: a citizen should
    # not read out a code for a filing that a wrong district then refuses.
    check_new_grievance(request)
    if otp is None:
        one_time_codes.count_send(mobile=mobile, now=now, source=officer.subject_id)
        language = get_settings().default_language
        one_time_codes.deliver_code(
            to=mobile,
            purpose=ASSISTED_FILING,
            subject_id=officer.subject_id,
            language=language,
            now=now,
            slot=ASSISTED_FILING,
            texts=CODE_TEXTS,
        )
        return CodeSent(mask_mobile(mobile))
    if not idempotency_key:
        return _file(officer, request, mobile, otp, now)
    answer = run_once(
        "assisted_filing",
        officer.subject_id,
        idempotency_key,
        {**request.__dict__, "mobile": mobile},
        lambda: _file(officer, request, mobile, otp, now).as_dict(),
        lambda_context,
    )
    return Filed(**answer)


def _file(officer: Principal, request: NewGrievance, mobile: str, otp: str, now: datetime) -> Filed:
    try:
        asked_by = one_time_codes.check_code(
            to=mobile, code=otp, purpose=ASSISTED_FILING, now=now, source=officer.subject_id, slot=ASSISTED_FILING
        )
    except InvalidInput as wrong:
        raise InvalidInput(wrong.message.replace("otp:", "on_behalf_of.otp:"), field="on_behalf_of.otp") from None
    if asked_by != officer.subject_id:  # a code another officer asked for
        raise InvalidInput(one_time_codes.WRONG_CODE.replace("otp:", "on_behalf_of.otp:"), field="on_behalf_of.otp")
    citizen = contacts.sender(mobile=mobile, email=None, name=None, language=get_settings().default_language, now=now)
    filed = file_for(citizen.principal(), request, assisted_by=officer.subject_id, now=now)
    logger.info(
        "grievance filed for a citizen", extra={"tracking_id": filed.tracking_id, "officer": officer.subject_id}
    )
    return filed
