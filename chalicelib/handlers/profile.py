"""The caller's own account: /me and what hangs off it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib.domain.principal import Principal
from chalicelib.handlers.http import CITIZENS, EVERYONE, parse_body, route

if TYPE_CHECKING:
    from chalicelib.domain.identity import Citizen, Officer

profile_api = Blueprint(__name__)


@route(profile_api, "/me", methods=["GET"], roles=EVERYONE)
def get_me(caller: Principal) -> dict[str, Any]:
    from chalicelib.services import manage_profile

    return profile_view(manage_profile.get_profile(caller))


@route(profile_api, "/me", methods=["PATCH"], roles=CITIZENS)
def update_me(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.profile import ProfileChangesIn
    from chalicelib.services import manage_profile

    body = parse_body(profile_api, ProfileChangesIn)
    changes = manage_profile.ProfileChanges(
        name=body.name,
        email=body.email,
        mobile=body.mobile,
        language=body.language,
        address=body.address.model_dump() if body.address else None,
        notify_by=list(body.notify_by) if body.notify_by else None,
    )
    return profile_view(manage_profile.update_profile(caller, changes))


@route(profile_api, "/me", methods=["DELETE"], roles=CITIZENS)
def erase_me(caller: Principal) -> dict[str, Any]:
    from chalicelib.services import manage_profile

    receipt = manage_profile.erase_profile(caller)
    return {
        "receipt_id": receipt.receipt_id,
        "citizen_id": receipt.citizen_id,
        "status": "erased",
        "erased_at": receipt.erased_at.isoformat(),
        "erased": receipt.erased,
        "retained": receipt.retained,
    }


@route(profile_api, "/me/mobile/verify", methods=["POST"], roles=CITIZENS)
def confirm_mobile(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.profile import CodeConfirmationIn
    from chalicelib.services import manage_profile

    body = parse_body(profile_api, CodeConfirmationIn)
    return profile_view(manage_profile.confirm_mobile_change(caller, body.otp))


@route(profile_api, "/me/email/verify", methods=["POST"], roles=CITIZENS)
def confirm_email(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.profile import CodeConfirmationIn
    from chalicelib.services import manage_profile

    body = parse_body(profile_api, CodeConfirmationIn)
    return profile_view(manage_profile.confirm_email(caller, body.otp))


@route(profile_api, "/me/password", methods=["POST"], roles=EVERYONE, allow_temporary_password=True)
def change_password(caller: Principal) -> Response:
    from chalicelib.handlers.inputs.profile import PasswordChangeIn
    from chalicelib.services import sessions

    body = parse_body(profile_api, PasswordChangeIn)
    sessions.change_password(caller, body.current_password, body.new_password)
    return Response(status_code=204, body="")


def profile_view(profile: Citizen | Officer) -> dict[str, Any]:
    from chalicelib.domain.identity import Officer

    if isinstance(profile, Officer):
        return {
            "officer_id": profile.officer_id,
            "role": profile.role.value,
            "name": profile.name,
            "department": profile.department,
            "district": profile.district,
            "mobile": profile.mobile,
            "email": profile.email,
            "active": profile.active,
        }
    address = profile.address
    return {
        "citizen_id": profile.citizen_id,
        "role": "citizen",
        "status": profile.status.value,
        "name": profile.name,
        "national_id": profile.masked_national_id,
        "mobile": profile.mobile,
        "pending_mobile": profile.pending_mobile,
        "email": profile.email,
        "pending_email": profile.pending_email,
        "address": {"line": address.line, "district": address.district, "pincode": address.pincode}
        if address
        else None,
        "language": profile.language,
        "notify_by": list(profile.notify_by),
    }
