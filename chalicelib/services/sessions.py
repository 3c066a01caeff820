"""Log in, refresh, log out, change password: the life of a session.

Citizens and officers log in the same way, with a mobile or an email and a password.
Failures are counted per username (5 in a 15-minute window, then 429); an unknown
username costs the same argon2 work as a wrong password and gets the same answer. Each
attempt takes its slot in the count before the password is checked, so a burst of parallel
guesses cannot slip past the limit; a success gives the slots back.

A login ends when its holder logs out, changes their password (every other login ends), a
copied refresh token comes back, an officer is deactivated or a citizen erased. Its access
tokens end with it: every authenticated request checks that its login still stands
(`standing_login`), at the cost of one read.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain.contact import looks_like_email, normalize_email, normalize_mobile
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput, RateLimited, Unauthenticated
from chalicelib.domain.identity import (
    Citizen,
    CitizenStatus,
    Officer,
    Principal,
    check_password_policy,
    claim_key,
    mask_mobile,
)
from chalicelib.ids import new_id
from chalicelib.models import citizens, officers
from chalicelib.models import sessions as stored_sessions
from chalicelib.security.keyed_hash import keyed_hash
from chalicelib.security.passwords import hash_password, needs_rehash, verify_password
from chalicelib.security.tokens import issue_access_token, new_refresh_token
from chalicelib.services import limits

logger = Logger(child=True)

BAD_CREDENTIALS = "The username or password is wrong."

Account = Citizen | Officer


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    role: str
    # A staff password the state cell chose: nothing but POST /me/password works until changed.
    password_change_required: bool = False


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    # Verified against when the username is unknown, so both failures cost the same.
    return hash_password("decoy password that no account has")


def log_in(username: str, password: str, source: str = "unknown", now: datetime | None = None) -> Tokens:
    """Tokens for the account this username and password open. Attempts are limited per
    source address (every attempt) and per account (failures)."""
    now = now or utc_now()
    limits.take("logins_per_source", source, now)
    kind_and_value = _username_key(username)
    shown = _masked(kind_and_value)
    attempt = _take_attempt("login_failures_per_account", ":".join(kind_and_value), now, shown)

    account = _account_matching(kind_and_value, password)
    if account is None:
        logger.info("login refused", extra={"username": shown, "outcome": "bad_credentials"})
        raise Unauthenticated(BAD_CREDENTIALS)
    try:
        _require_usable(account)
    except (Forbidden, Unauthenticated) as refusal:
        logger.info("login refused", extra={"username": shown, "outcome": refusal.code})
        raise
    limits.give_back(attempt)
    _rehash_if_needed(account, password)
    logger.info("login succeeded", extra={"username": shown, "subject_id": _subject_of(account)})
    return start_session(account.principal(), now, password_change_required=_password_temporary(account))


def start_session(principal: Principal, now: datetime, *, password_change_required: bool = False) -> Tokens:
    """Tokens of a new login for `principal`, whose credentials the caller has checked."""
    login_id = new_id("login")
    stored_sessions.save_login(
        login_id=login_id,
        subject_id=principal.subject_id,
        subject_kind=_kind_of(principal),
        now=now,
        expires_at=_refresh_expiry(now),
    )
    return _issue_tokens(principal, login_id, now, password_change_required)


def refresh(refresh_token: str, now: datetime | None = None) -> Tokens:
    """Trade a refresh token for new tokens; the old one stops working. Presenting a
    token a second time revokes the whole login it came from (it was copied)."""
    now = now or utc_now()
    token_hash = keyed_hash("refresh_token", refresh_token)
    try:
        session = stored_sessions.use_refresh_session(token_hash, now)
    except stored_sessions.RefreshTokenReused as reuse:
        stored_sessions.revoke_refresh_sessions(reuse.session.subject_id, reuse.session.family_id)
        logger.warning("refresh token reused; login revoked", extra={"subject_id": reuse.session.subject_id})
        raise Unauthenticated("The refresh token is not valid.") from None
    if session is None or not stored_sessions.extend_login(session.family_id, _refresh_expiry(now)):
        raise Unauthenticated("The refresh token is not valid.")
    account = _load_account(session.subject_kind, session.subject_id)
    if account is None:
        raise Unauthenticated("The refresh token is not valid.")
    _require_usable(account)
    return _issue_tokens(account.principal(), session.family_id, now, _password_temporary(account))


def log_out(refresh_token: str) -> None:
    """End the login a refresh token belongs to; unknown tokens are ignored."""
    session = stored_sessions.find_refresh_session(keyed_hash("refresh_token", refresh_token))
    if session is not None:
        stored_sessions.revoke_refresh_sessions(session.subject_id, session.family_id)


def change_password(
    principal: Principal, current_password: str, new_password: str, now: datetime | None = None
) -> None:
    """Change the caller's password and end every other login of theirs. Wrong current
    passwords are limited like failed logins: a stolen access token must not become a way
    to guess the password."""
    now = now or utc_now()
    attempt = _take_attempt("password_change_failures_per_account", principal.subject_id, now, principal.subject_id)
    account = _load_account(_kind_of(principal), principal.subject_id)
    if account is None or not account.password_hash or not verify_password(account.password_hash, current_password):
        raise InvalidInput("current_password: does not match.", field="current_password")
    limits.give_back(attempt)
    check_password_policy(new_password, field="new_password")
    if new_password == current_password:
        raise InvalidInput("new_password: must differ from the current password.", field="new_password")
    _store_password(account, hash_password(new_password), temporary=False)
    stored_sessions.revoke_refresh_sessions(principal.subject_id, keep_family=principal.session_id)


def _take_attempt(limit: str, subject: str, now: datetime, shown: str) -> limits.Slot:
    """Reserve one attempt in the current window (RateLimited once the limit's slots are
    taken); returns the slot, for a success to give back."""
    try:
        return limits.take(limit, subject, now, "Too many failed attempts; try again later.")
    except RateLimited:
        logger.info("attempt refused", extra={"who": shown, "outcome": "locked"})
        raise


def _username_key(username: str) -> tuple[str, str]:
    """(`email`|`mobile`, normalized value); anything unreadable is an unknown user."""
    try:
        if looks_like_email(username):
            return "email", normalize_email(username)
        return "mobile", normalize_mobile(username)
    except InvalidInput:
        return "unknown", username.strip().casefold()[:254]


def _masked(kind_and_value: tuple[str, str]) -> str:
    kind, value = kind_and_value
    if kind == "mobile":
        return mask_mobile(value) or ""
    if kind == "email":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    return "unreadable"


def _account_matching(kind_and_value: tuple[str, str], password: str) -> Account | None:
    """The account this username and password open: an officer's before a citizen's, since
    an officer is often a citizen too with the same mobile."""
    kind, value = kind_and_value
    candidates: list[Account] = []
    if kind != "unknown":
        keys = [claim_key("officer", kind, value), claim_key("citizen", kind, value)]
        owners = citizens.find_claim_owners(keys)
        for key in keys:
            if key in owners:
                account = _load_account(*owners[key])
                if account is not None:
                    candidates.append(account)
    for account in candidates:
        if account.password_hash and verify_password(account.password_hash, password):
            return account
    if not candidates:
        verify_password(_decoy_hash(), password)
    return None


def _load_account(kind: str, subject_id: str) -> Account | None:
    if kind == "officer":
        return officers.get_officer(subject_id)
    return citizens.get_citizen(subject_id)


def _require_usable(account: Account) -> None:
    if isinstance(account, Officer):
        if not account.active:
            raise Forbidden("This officer account is deactivated.")
    elif account.status is CitizenStatus.PENDING_VERIFICATION:
        raise Forbidden("Verify your mobile number first (POST /citizens/verify).", field="username")
    elif account.status is not CitizenStatus.ACTIVE:
        raise Unauthenticated(BAD_CREDENTIALS)


def _rehash_if_needed(account: Account, password: str) -> None:
    if account.password_hash and needs_rehash(account.password_hash):
        # A concurrent change wins; the upgrade happens at the next login instead.
        with contextlib.suppress(Conflict):
            _store_password(account, hash_password(password), temporary=_password_temporary(account))


def _store_password(account: Account, password_hash: str, *, temporary: bool) -> None:
    if isinstance(account, Officer):
        officers.update_officer_password(account.officer_id, account.version, password_hash, temporary=temporary)
    else:
        citizens.update_citizen(account.citizen_id, account.version, {"password_hash": password_hash}, utc_now())


def _subject_of(account: Account) -> str:
    return account.officer_id if isinstance(account, Officer) else account.citizen_id


def _kind_of(principal: Principal) -> str:
    return "citizen" if principal.is_citizen else "officer"


def _password_temporary(account: Account) -> bool:
    return isinstance(account, Officer) and account.password_temporary


def _refresh_expiry(now: datetime) -> datetime:
    return now + timedelta(days=get_settings().refresh_token_days)


def _issue_tokens(principal: Principal, login_id: str, now: datetime, password_change_required: bool) -> Tokens:
    """An access token and a fresh refresh token of the login `login_id`."""
    access_token, expires_in = issue_access_token(replace(principal, session_id=login_id), now)
    refresh_token = new_refresh_token()
    stored_sessions.save_refresh_session(
        token_hash=keyed_hash("refresh_token", refresh_token),
        subject_id=principal.subject_id,
        subject_kind=_kind_of(principal),
        family_id=login_id,
        now=now,
        expires_at=_refresh_expiry(now),
    )
    return Tokens(access_token, refresh_token, expires_in, principal.role.value, password_change_required)
