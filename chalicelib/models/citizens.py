"""Citizens, and the identity claims that keep national ID, mobile and email unique.

A claim item (`citizen#national_id#<keyed hash>`, `citizen#mobile#+9198...`,
`officer#email#a@b.in`) is written with `attribute_not_exists` in the same transaction as
the change that earns it, so two accounts racing for one value cannot both win; logins look
claims up by key. A citizen's claims are earned by proof, never by asking: national ID and
mobile when the registration's mobile is verified, an email when the code sent to it is
confirmed. A pending registration claims nothing, so it can block nobody, and it lapses
after 24 hours (`expires_at`: a TTL, also compared by readers since TTL deletion is lazy).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    Attribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.admin import AdministrativeAct
from chalicelib.domain.errors import Conflict, IdentityTaken
from chalicelib.domain.events import Event
from chalicelib.domain.identity import REGISTRATION_LIFETIME, Address, Citizen, CitizenStatus, claim_key
from chalicelib.models import admin_trail
from chalicelib.models.audit_trail import AuditEntryRecord, chain_audit
from chalicelib.models.base import ItemRead, TableName, failed_condition, shared_connection
from chalicelib.resource_names import Table


class CitizenRecord(Model):
    class Meta:
        table_name = TableName(Table.CITIZENS)

    citizen_id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()  # pending_verification | active | erased | contact
    name = UnicodeAttribute(null=True)
    # The national ID itself is never stored: a keyed hash (in the claim) for lookup, the
    # kind and last four digits for display.
    national_id_kind = UnicodeAttribute(null=True)
    national_id_last4 = UnicodeAttribute(null=True)
    national_id_hash = UnicodeAttribute(null=True)
    mobile = UnicodeAttribute(null=True)
    pending_mobile = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)  # verified only: a login name and a notification target
    pending_email = UnicodeAttribute(null=True)  # waiting for the code sent to it
    password_hash = UnicodeAttribute(null=True)
    address: MapAttribute[str, Any] = MapAttribute(null=True)
    language = UnicodeAttribute(default="en")
    notify_by = ListAttribute(of=UnicodeAttribute, null=True)  # sms, email: where messages go
    consent: MapAttribute[str, Any] = MapAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute(null=True)
    erased_at = UTCDateTimeAttribute(null=True)
    # A pending registration lapses then (TTL); removed when the mobile is verified.
    expires_at = TTLAttribute(null=True)
    # The last entry of the citizen's audit trail (administrative acts such as a release).
    audit_seq = NumberAttribute(default=0)
    audit_hash = UnicodeAttribute(null=True)
    # A contact whose grievances moved to an account: that account.
    linked_to = UnicodeAttribute(null=True)
    version = VersionAttribute()


class IdentityClaim(Model):
    class Meta:
        table_name = TableName(Table.IDENTITY_CLAIMS)

    claim = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    owner_kind = UnicodeAttribute()  # citizen | officer | contact


def _to_citizen(record: CitizenRecord) -> Citizen:
    address = record.address.as_dict() if isinstance(record.address, MapAttribute) else record.address
    return Citizen(
        citizen_id=record.citizen_id,
        status=CitizenStatus(record.status),
        name=record.name,
        national_id_kind=record.national_id_kind,
        national_id_last4=record.national_id_last4,
        mobile=record.mobile,
        email=record.email,
        password_hash=record.password_hash,
        address=Address(**address) if address else None,
        language=record.language,
        version=int(record.version or 0),
        pending_mobile=record.pending_mobile,
        notify_by=tuple(str(channel) for channel in record.notify_by) if record.notify_by else ("sms", "email"),
        pending_email=record.pending_email,
        registration_expires_at=record.expires_at,
    )


def _raise_if_taken(error: TransactWriteError, claim_keys: Sequence[str | None]) -> None:
    """IdentityTaken when one of `claim_keys` (aligned with the transaction's items; None for
    items that are not claims) failed its condition."""
    reasons = error.cancellation_reasons or []
    taken = [
        key
        for key, reason in zip(claim_keys, reasons, strict=False)
        if key is not None and reason is not None and reason.code == "ConditionalCheckFailed"
    ]
    if taken:
        owners = find_claim_owners(taken)
        raise IdentityTaken([owner_id for kind, owner_id in owners.values() if kind == "citizen"]) from None


def raise_conflict_for(error: TransactWriteError, fields_in_order: Sequence[str | None]) -> None:
    """Turn a cancelled transaction into a 409 naming the field whose claim was taken."""
    reasons = error.cancellation_reasons or []
    for field, reason in zip(fields_in_order, reasons, strict=False):
        if reason is not None and reason.code == "ConditionalCheckFailed":
            if field is None:
                raise Conflict("The record was changed by someone else; read it again.") from None
            raise Conflict(f"{field}: already registered.", field=field) from None
    if any(reason is not None and reason.code == "TransactionConflict" for reason in reasons):
        # Another transaction touched one of the same items at that instant: a retry decides.
        raise Conflict("Someone else changed this at the same moment; try again.") from None
    raise error


def save_registration(
    *,
    citizen_id: str,
    name: str,
    national_id_kind: str,
    national_id_last4: str,
    national_id_hash: str,
    mobile: str,
    email: str | None,
    password_hash: str,
    address: Address,
    language: str,
    consent: dict[str, str],
    now: datetime,
) -> Citizen:
    """Store a pending registration, claiming nothing; it lapses after REGISTRATION_LIFETIME."""
    record = CitizenRecord(
        citizen_id,
        status=CitizenStatus.PENDING_VERIFICATION.value,
        name=name,
        national_id_kind=national_id_kind,
        national_id_last4=national_id_last4,
        national_id_hash=national_id_hash,
        mobile=mobile,
        pending_email=email,
        password_hash=password_hash,
        address={"line": address.line, "district": address.district, "pincode": address.pincode},
        language=language,
        consent=consent,
        created_at=now,
        expires_at=now + REGISTRATION_LIFETIME,
    )
    record.save(condition=CitizenRecord.citizen_id.does_not_exist())
    return _to_citizen(record)


def get_citizen(citizen_id: str) -> Citizen | None:
    try:
        return _to_citizen(CitizenRecord.get(citizen_id, consistent_read=True))
    except CitizenRecord.DoesNotExist:
        return None


def citizen_read(citizen_id: str) -> ItemRead[Citizen | None]:
    """The citizen (None: no such citizen), as a read that can share its call with others."""
    return ItemRead(CitizenRecord, citizen_id, lambda record: _to_citizen(record) if record else None)


def active_holder_of_mobile(mobile: str) -> Citizen | None:
    """The active citizen who proved `mobile` (its claim), if any: two reads."""
    key = claim_key("citizen", "mobile", mobile)
    owner = find_claim_owners([key]).get(key)
    holder = get_citizen(owner[1]) if owner else None
    return holder if holder is not None and holder.status is CitizenStatus.ACTIVE else None


def find_claim_owners(keys: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Which accounts own these claim keys: key -> (owner_kind, owner_id). One BatchGet."""
    return {item.claim: (item.owner_kind, item.owner_id) for item in IdentityClaim.batch_get(list(keys))}


def _set_actions(changes: dict[str, Any]) -> list[Action]:
    """Update actions for plain attributes; None removes the attribute."""
    attributes = [getattr(CitizenRecord, name) for name in changes]
    return [a.remove() if v is None else a.set(v) for a, v in zip(attributes, changes.values(), strict=True)]


def activate_citizen(citizen_id: str, version: int, now: datetime) -> None:
    """pending_verification -> active, claiming the registration's national ID and mobile,
    all or nothing. IdentityTaken when another account holds either; Conflict when the
    registration changed meanwhile (verified by a parallel request)."""
    record = CitizenRecord.get(citizen_id, consistent_read=True)
    keys = [claim_key("citizen", "mobile", record.mobile)]
    if record.national_id_hash:
        keys.append(claim_key("citizen", "national_id", record.national_id_hash))
    try:
        with TransactWrite(connection=shared_connection()) as transaction:
            for key in keys:
                transaction.save(
                    IdentityClaim(key, owner_id=citizen_id, owner_kind="citizen"),
                    condition=IdentityClaim.claim.does_not_exist(),
                )
            transaction.update(
                CitizenRecord(citizen_id, version=version),
                actions=[
                    CitizenRecord.status.set(CitizenStatus.ACTIVE.value),
                    CitizenRecord.expires_at.remove(),
                    CitizenRecord.updated_at.set(now),
                ],
                condition=CitizenRecord.status == CitizenStatus.PENDING_VERIFICATION.value,
            )
    except TransactWriteError as error:
        _raise_if_taken(error, [*keys, None])
        raise_conflict_for(error, [None] * (len(keys) + 1))


def update_citizen(citizen_id: str, expected_version: int, changes: dict[str, Any], now: datetime) -> None:
    """Set plain profile attributes, guarded by the version the caller read."""
    record = CitizenRecord(citizen_id, version=expected_version)
    try:
        record.update(actions=[*_set_actions(changes), CitizenRecord.updated_at.set(now)])
    except UpdateError as error:
        if failed_condition(error):
            raise Conflict("The profile was changed by someone else; read it again.") from None
        raise


def move_claim(
    citizen_id: str,
    expected_version: int,
    *,
    attribute: str,
    old_value: str | None,
    new_value: str,
    changes: dict[str, Any],
    now: datetime,
) -> None:
    """Replace a citizen's mobile or email claim and update the record, atomically; the
    caller has proved they hold `new_value`.

    Raises IdentityTaken when another account holds the new value.
    """
    actions = _set_actions(changes)
    new_key = claim_key("citizen", attribute, new_value)
    new_claim = IdentityClaim(new_key, owner_id=citizen_id, owner_kind="citizen")
    # DynamoDB receives deletes, then puts, then updates: the reasons come back in that order.
    claims: list[str | None] = [None] if old_value else []
    claims += [new_key, None]
    try:
        with TransactWrite(connection=shared_connection()) as transaction:
            if old_value:
                # Only ever release a claim this citizen holds.
                transaction.delete(
                    IdentityClaim(claim_key("citizen", attribute, old_value)),
                    condition=IdentityClaim.owner_id == citizen_id,
                )
            transaction.save(new_claim, condition=IdentityClaim.claim.does_not_exist())
            transaction.update(
                CitizenRecord(citizen_id, version=expected_version),
                actions=[*actions, CitizenRecord.updated_at.set(now)],
            )
    except TransactWriteError as error:
        _raise_if_taken(error, claims)
        raise_conflict_for(error, [None] * len(claims))


def release_national_id(
    citizen_id: str, expected_version: int, event: Event, acts: Callable[[int], Sequence[AdministrativeAct]]
) -> int:
    """Release the citizen's national-ID claim and forget the ID on their record, with the
    audit entry of `event` chained onto the citizen's trail and the state cell's `acts` (given
    that entry's seq) on the administrative trail, in one transaction. Returns the entry's
    seq; Conflict when the citizen holds no national-ID claim or changed meanwhile."""
    record = CitizenRecord.get(citizen_id, consistent_read=True)
    key = claim_key("citizen", "national_id", record.national_id_hash or "")
    if not record.national_id_hash or find_claim_owners([key]).get(key) != ("citizen", citizen_id):
        raise Conflict("This citizen holds no national ID to release.")
    audits, seq, head = chain_audit(citizen_id, int(record.audit_seq or 0), record.audit_hash or "", [event])

    def release(transaction: TransactWrite) -> None:
        transaction.delete(IdentityClaim(key), condition=IdentityClaim.owner_id == citizen_id)
        for audit in audits:
            transaction.save(audit, condition=AuditEntryRecord.seq.does_not_exist())
        transaction.update(
            CitizenRecord(citizen_id, version=expected_version),
            actions=[
                CitizenRecord.national_id_hash.remove(),
                CitizenRecord.national_id_kind.remove(),
                CitizenRecord.national_id_last4.remove(),
                CitizenRecord.audit_seq.set(seq),
                CitizenRecord.audit_hash.set(head),
                CitizenRecord.updated_at.set(event.at),
            ],
        )

    admin_trail.record(acts(seq), release)
    return seq


def audit_head(citizen_id: str) -> tuple[int, str]:
    """The seq and hash of the last entry of the citizen's audit trail (0, "" for none)."""
    record = CitizenRecord.get(citizen_id, consistent_read=True)
    return int(record.audit_seq or 0), record.audit_hash or ""


def erase_citizen(
    citizen_id: str, expected_version: int, now: datetime, acts: Sequence[AdministrativeAct]
) -> list[str]:
    """Wipe a citizen's personal data and release their claims, recording `acts` on the
    administrative trail in the same transaction; the record (and everything filed under its
    id) stays, anonymised. Returns the kinds of personal data erased."""
    record = CitizenRecord.get(citizen_id, consistent_read=True)
    # A pending mobile was never claimed (that waits for its OTP), so it is not released;
    # and a claim is deleted only while this citizen owns it.
    keys = [claim_key("citizen", "mobile", record.mobile)] if record.mobile else []
    if record.email:
        keys.append(claim_key("citizen", "email", record.email))
    if record.national_id_hash:
        keys.append(claim_key("citizen", "national_id", record.national_id_hash))
    owners = find_claim_owners(keys) if keys else {}
    keys = [key for key in keys if owners.get(key) == ("citizen", citizen_id)]
    personal: list[Attribute[Any]] = [
        CitizenRecord.name,
        CitizenRecord.national_id_kind,
        CitizenRecord.national_id_last4,
        CitizenRecord.national_id_hash,
        CitizenRecord.mobile,
        CitizenRecord.pending_mobile,
        CitizenRecord.email,
        CitizenRecord.pending_email,
        CitizenRecord.password_hash,
        CitizenRecord.address,
    ]
    actions: list[Action] = [attribute.remove() for attribute in personal]
    actions += [
        CitizenRecord.status.set(CitizenStatus.ERASED.value),
        CitizenRecord.erased_at.set(now),
        CitizenRecord.updated_at.set(now),
    ]

    def erase(transaction: TransactWrite) -> None:
        for key in keys:
            transaction.delete(IdentityClaim(key), condition=IdentityClaim.owner_id == citizen_id)
        # A fresh list on each try (see admin_trail.record).
        transaction.update(CitizenRecord(citizen_id, version=expected_version), actions=list(actions))

    admin_trail.record(acts, erase)
    return ["name", "national_id", "mobile", "email", "password", "address"]


def holder_of_email(email: str) -> Citizen | None:
    """The active citizen who confirmed `email`, if any: two reads."""
    key = claim_key("citizen", "email", email)
    owner = find_claim_owners([key]).get(key)
    holder = get_citizen(owner[1]) if owner else None
    return holder if holder is not None and holder.status is CitizenStatus.ACTIVE else None


def contact_for(
    *, citizen_id: str, attribute: str, value: str, name: str | None, language: str, now: datetime
) -> Citizen:
    """A new unverified contact for `value` (attribute "mobile" or "email") under
    `citizen_id`, for a caller that found none (`contact_holding`). The claim
    `contact#<attribute>#<value>` keeps it one contact however many messages race in: the
    loser of the race reads the winner's."""
    key = claim_key("contact", attribute, value)
    record = CitizenRecord(
        citizen_id,
        status=CitizenStatus.CONTACT.value,
        name=name,
        language=language,
        created_at=now,
        mobile=value if attribute == "mobile" else None,
        email=value if attribute == "email" else None,
    )
    try:
        with TransactWrite(connection=shared_connection()) as transaction:
            transaction.save(
                IdentityClaim(key, owner_id=citizen_id, owner_kind="contact"),
                condition=IdentityClaim.claim.does_not_exist(),
            )
            transaction.save(record, condition=CitizenRecord.citizen_id.does_not_exist())
    except TransactWriteError as error:
        reasons = error.cancellation_reasons or []
        if not any(reason is not None and reason.code == "ConditionalCheckFailed" for reason in reasons):
            raise
        winner = find_claim_owners([key]).get(key)
        contact = get_citizen(winner[1]) if winner else None
        if contact is None:
            raise Conflict("Someone else wrote from this address at the same moment; try again.") from None
        return contact
    return _to_citizen(record)


def contact_holding(attribute: str, value: str) -> Citizen | None:
    """The contact that `value` still belongs to (not yet linked to an account), if any."""
    key = claim_key("contact", attribute, value)
    owner = find_claim_owners([key]).get(key)
    contact = get_citizen(owner[1]) if owner else None
    return contact if contact is not None and contact.status is CitizenStatus.CONTACT else None


def close_contact(contact: Citizen, attribute: str, value: str, citizen_id: str, now: datetime) -> None:
    """The contact's grievances have moved to `citizen_id`: it releases `value` and points there."""
    with TransactWrite(connection=shared_connection()) as transaction:
        transaction.delete(
            IdentityClaim(claim_key("contact", attribute, value)),
            condition=IdentityClaim.owner_id == contact.citizen_id,
        )
        transaction.update(
            CitizenRecord(contact.citizen_id, version=contact.version),
            # Its name, mobile and email are the account's now: the contact keeps none of them.
            actions=[
                CitizenRecord.linked_to.set(citizen_id),
                CitizenRecord.name.remove(),
                CitizenRecord.mobile.remove(),
                CitizenRecord.email.remove(),
                CitizenRecord.updated_at.set(now),
            ],
            condition=CitizenRecord.status == CitizenStatus.CONTACT.value,
        )
