"""Registration, mobile verification and sessions: the public doors of identity; and the
state cell's release of a disputed national ID."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib.domain.principal import Principal, Role
from chalicelib.handlers.http import parse_body, route, source_address

if TYPE_CHECKING:
    from chalicelib.services import sessions

identity_api = Blueprint(__name__)


@route(identity_api, "/citizens", methods=["POST"], public=True)
def register_citizen() -> Response:
    from chalicelib.handlers.inputs.identity import RegistrationIn
    from chalicelib.services import register_citizen as registration

    body = parse_body(identity_api, RegistrationIn)
    receipt = registration.register_citizen(
        registration.Registration(
            name=body.name,
            national_id=body.national_id,
            mobile=body.mobile,
            email=body.email,
            password=body.password,
            address_line=body.address.line,
            address_district=body.address.district,
            address_pincode=body.address.pincode,
            language=body.language,
        ),
        source=source_address(identity_api),
    )
    return Response(
        status_code=201,
        body={"citizen_id": receipt.citizen_id, "status": receipt.status.value, "otp_sent_to": receipt.otp_sent_to},
    )


@route(identity_api, "/citizens/verify", methods=["POST"], public=True)
def verify_citizen() -> dict[str, Any]:
    from chalicelib.handlers.inputs.identity import VerificationIn
    from chalicelib.services import register_citizen as registration

    body = parse_body(identity_api, VerificationIn)
    citizen = registration.verify_citizen(body.mobile, body.otp, source=source_address(identity_api))
    return {"citizen_id": citizen.citizen_id, "status": citizen.status.value}


@route(identity_api, "/auth/otp", methods=["POST"], public=True)
def resend_otp() -> Response:
    from chalicelib.handlers.inputs.identity import ResendIn
    from chalicelib.services import register_citizen as registration

    body = parse_body(identity_api, ResendIn)
    registration.resend_code(body.mobile, source=source_address(identity_api))
    return Response(
        status_code=202,
        body={"message": "If a registration on this mobile awaits verification, a new code is on its way."},
    )


@route(identity_api, "/auth/password-reset", methods=["POST"], public=True)
def request_password_reset() -> Response:
    from chalicelib.handlers.inputs.identity import ResendIn
    from chalicelib.services import reset_password as password_reset

    body = parse_body(identity_api, ResendIn)
    password_reset.request_reset(body.mobile, source=source_address(identity_api))
    return Response(
        status_code=202,
        body={"message": "If an account uses this mobile, a code to reset its password is on its way."},
    )


@route(identity_api, "/auth/password-reset/confirm", methods=["POST"], public=True)
def confirm_password_reset() -> Response:
    from chalicelib.handlers.inputs.identity import PasswordResetIn
    from chalicelib.services import reset_password as password_reset

    body = parse_body(identity_api, PasswordResetIn)
    password_reset.confirm_reset(body.mobile, body.otp, body.new_password, source=source_address(identity_api))
    return Response(status_code=204, body="")


@route(
    identity_api, "/citizens/{citizen_id}/release-national-id", methods=["POST"], roles=frozenset({Role.STATE_ADMIN})
)
def release_national_id(caller: Principal, citizen_id: str) -> dict[str, Any]:
    from chalicelib.handlers.inputs.identity import ReleaseIn
    from chalicelib.services import release_national_id as disputes

    body = parse_body(identity_api, ReleaseIn)
    release = disputes.release_national_id(caller, citizen_id, body.reason.strip())
    return {
        "citizen_id": release.citizen_id,
        "released_national_id": release.released_national_id,
        "released_at": release.released_at.isoformat(),
        "audit_seq": release.audit_seq,
    }


@route(identity_api, "/auth/login", methods=["POST"], public=True)
def log_in() -> dict[str, Any]:
    from chalicelib.handlers.inputs.identity import LoginIn
    from chalicelib.services import sessions

    body = parse_body(identity_api, LoginIn)
    return _tokens(sessions.log_in(body.username, body.password, source=source_address(identity_api)))


@route(identity_api, "/auth/refresh", methods=["POST"], public=True)
def refresh() -> dict[str, Any]:
    from chalicelib.handlers.inputs.identity import RefreshIn
    from chalicelib.services import sessions

    body = parse_body(identity_api, RefreshIn)
    return _tokens(sessions.refresh(body.refresh_token))


@route(identity_api, "/auth/logout", methods=["POST"], public=True)
def log_out() -> Response:
    from chalicelib.handlers.inputs.identity import RefreshIn
    from chalicelib.services import sessions

    body = parse_body(identity_api, RefreshIn)
    sessions.log_out(body.refresh_token)
    return Response(status_code=204, body="")


def _tokens(tokens: sessions.Tokens) -> dict[str, Any]:
    return {
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
        "role": tokens.role,
        "password_change_required": tokens.password_change_required,
    }
