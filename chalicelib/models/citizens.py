"""Citizens, and the identity claims that keep national ID, mobile and email unique.

A claim item (`national_id#<keyed hash>`, `mobile#+9198...`, `email#a@b.in`) is written in
the same transaction as the record it points to, with `attribute_not_exists`, so two
registrations racing for one mobile cannot both win; logins look the claim up by key.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    MapAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.models import Model

from chalicelib.models.base import TableName


class CitizenRecord(Model):
    class Meta:
        table_name = TableName("citizens")

    citizen_id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()  # pending_verification | active | erased
    name = UnicodeAttribute(null=True)
    # The national ID itself is never stored in clear: a keyed hash for lookup, the last
    # four digits for display.
    national_id_hash = UnicodeAttribute(null=True)
    national_id_last4 = UnicodeAttribute(null=True)
    mobile = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute(null=True)
    address: MapAttribute[str, Any] = MapAttribute(null=True)
    language = UnicodeAttribute(default="en")
    consent: MapAttribute[str, Any] = MapAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute(null=True)
    version = VersionAttribute()


class IdentityClaim(Model):
    class Meta:
        table_name = TableName("identity-claims")

    claim = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    owner_kind = UnicodeAttribute()  # citizen | officer
