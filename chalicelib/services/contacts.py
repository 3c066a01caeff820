"""Who wrote: the citizen whose account holds the mobile or email a message came from, or
else the unverified contact that stands for it until someone registers with it.

A contact files and is answered like a citizen (its grievances notify the mobile or email it
wrote from), but nobody can log in as it. When a citizen later proves the same mobile (at
registration) or email (confirming it on their profile), the contact's grievances move to
their account, each with a `linked_to_account` entry in its trail.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.domain.errors import Conflict
from chalicelib.domain.grievance import Grievance, link_to_account
from chalicelib.domain.identity import Citizen
from chalicelib.ids import new_id
from chalicelib.models import citizens, grievances
from chalicelib.services.dispatch import hand_over

logger = Logger(child=True)

EVER = datetime(2000, 1, 1, tzinfo=UTC)  # before any grievance of any state


def known_sender(*, mobile: str | None, email: str | None, trust_account: bool = True) -> Citizen | None:
    """The account holding `mobile` (else `email`), or the contact made for it earlier; None
    for someone never heard from. Without `trust_account` (an email whose sender nobody
    vouched for) an account is never the answer: a forged From line must not act as it."""
    attribute, value = _address(mobile, email)
    holder = None
    if trust_account:
        holder = citizens.active_holder_of_mobile(value) if attribute == "mobile" else citizens.holder_of_email(value)
    return holder or citizens.contact_holding(attribute, value)


def sender(
    *,
    mobile: str | None,
    email: str | None,
    name: str | None,
    language: str,
    now: datetime,
    trust_account: bool = True,
    looked_up: bool = False,
) -> Citizen:
    """`known_sender`, or a new contact for the address when there is none (`looked_up`: the
    caller asked `known_sender` already and it found nobody). The caller gives at least one
    address, normalised."""
    found = None if looked_up else known_sender(mobile=mobile, email=email, trust_account=trust_account)
    if found is not None:
        return found
    attribute, value = _address(mobile, email)
    clean_name = " ".join(name.split())[:100] if name else None
    return citizens.contact_for(
        citizen_id=new_id("con"), attribute=attribute, value=value, name=clean_name or None, language=language, now=now
    )


def _address(mobile: str | None, email: str | None) -> tuple[str, str]:
    if mobile:
        return "mobile", mobile
    if email:
        return "email", email
    raise ValueError("a sender needs a mobile or an email")


def link_contact(account: Citizen, attribute: str, value: str, now: datetime | None = None) -> int:
    """Move the grievances of the contact that wrote from `value` to `account`, which has
    just proved it; returns how many moved. Each move is its own saved change, so a failure
    part-way leaves the rest with the contact, whose claim is released only once all moved."""
    now = now or utc_now()
    contact = citizens.contact_holding(attribute, value)
    if contact is None:
        return 0
    moved = 0
    for listed in list(grievances.recent_for_citizen(contact.citizen_id, EVER)):
        _move(listed, account, now)
        moved += 1
    citizens.close_contact(contact, attribute, value, account.citizen_id, now)
    logger.info("contact linked to an account", extra={"contact_id": contact.citizen_id, "grievances": moved})
    return moved


def _move(listed: Grievance, account: Citizen, now: datetime) -> None:
    """One grievance to the account; read again and retried when an officer moved it at the
    same moment (the index's copy may be stale, and the save is version-guarded)."""
    grievance: Grievance | None = listed
    for attempt in range(3):
        if attempt:
            grievance = grievances.get_grievance(listed.tracking_id)
        if grievance is None or grievance.citizen_id == account.citizen_id:
            return
        change = link_to_account(grievance, account.principal(), now)
        try:
            saved = grievances.save_change(grievance, change, now)
        except Conflict:
            continue
        hand_over(saved, change.events, saved.audit_seq)
        return
    raise Conflict("A grievance kept changing while it was linked to the account.")


def link_contact_safely(account: Citizen, attribute: str, value: str | None, now: datetime) -> None:
    """`link_contact` after a proof that has already succeeded: a failure to move the
    contact's grievances must not undo the citizen's verification. They stay the contact's
    (still answered on the same mobile or email), and the failure is logged for the state cell."""
    if not value:
        return
    try:
        link_contact(account, attribute, value, now)
    except Exception:
        logger.exception("contact not linked", extra={"citizen_id": account.citizen_id, "attribute": attribute})
