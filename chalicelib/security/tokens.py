"""Access tokens (short-lived JWTs) and refresh tokens (opaque, rotated, stored hashed).

The JWT is signed with HS256 only — the verifier names its one algorithm, so `alg: none`
or an RS/HS confusion cannot get through — and carries issuer, audience (the stage), expiry
and the login it belongs to (`sid`), all required: a token that names no login could not be
ended by logging out, so none is issued or accepted.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from chalicelib.config import get_settings
from chalicelib.domain.errors import Unauthenticated
from chalicelib.domain.identity import Principal, Role
from chalicelib.security import keys

ALGORITHM = "HS256"
# PyJWT is imported where it is used: it pulls in `cryptography` (~60 ms), which only
# requests that carry or issue a token should pay for.


def issue_access_token(principal: Principal, now: datetime) -> tuple[str, int]:
    """A signed access token for `principal` (whose `session_id` names its login), and its
    lifetime in seconds."""
    if not principal.session_id:
        raise ValueError("an access token belongs to a login: session_id is required")
    settings = get_settings()
    lifetime = timedelta(minutes=settings.access_token_minutes)
    claims = {
        "sub": principal.subject_id,
        "role": principal.role.value,
        "dept": principal.department,
        "dist": principal.district,
        "sid": principal.session_id,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": secrets.token_hex(8),
    }
    import jwt

    token = jwt.encode(claims, keys.stage_key("jwt_signing_key"), algorithm=ALGORITHM)
    return token, int(lifetime.total_seconds())


def verify_access_token(token: str) -> Principal:
    """The principal a valid token speaks for; Unauthenticated for anything else."""
    import jwt

    settings = get_settings()
    try:
        claims = jwt.decode(
            token,
            keys.stage_key("jwt_signing_key"),
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "sid"]},
        )
        return Principal(
            subject_id=str(claims["sub"]),
            role=Role(claims["role"]),
            department=claims.get("dept"),
            district=claims.get("dist"),
            session_id=str(claims["sid"]),
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("The access token has expired.") from None
    except (jwt.InvalidTokenError, KeyError, ValueError):
        raise Unauthenticated("The access token is not valid.") from None


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)
