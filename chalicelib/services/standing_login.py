"""Whether the login behind a request's access token still stands: checked on every
authenticated request, so that powers end when the login or the account does, not when the
token expires.

The check is one read: the login (staff: the officer and the login, in one batch). A read
route that shows one case may let that read ride on the case's own
(`checked_with_first_read`): the login, the officer and the case come back in one
BatchGetItem, and `GET /grievances/{id}` costs two calls instead of three. The check is
still made before anything leaves the request: if no read took it along, it is made when the
view is done, and a login that has ended gets its 401 whatever the view found or failed at.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from chalicelib.domain.errors import Forbidden, Unauthenticated
from chalicelib.domain.principal import Principal
from chalicelib.models import officers
from chalicelib.models import sessions as stored_sessions
from chalicelib.models.base import ItemRead, read_together

LOGIN_ENDED = "This login has ended; log in again."

T = TypeVar("T")


class LoginCheck:
    """One request's check of its caller's login, made at most once: on its own read
    (`settle`) or riding on another (`read_checking_login`). Forbidden
    (`password_change_required`) while a staff password is temporary, unless the request is
    the one `changing_password`."""

    def __init__(self, principal: Principal, *, changing_password: bool = False) -> None:
        if principal.session_id is None:
            raise Unauthenticated("The access token is not valid.")
        self.principal = principal
        self.session_id: str = principal.session_id
        self.changing_password = changing_password
        self.settled = False

    def reads(self) -> list[ItemRead[Any]]:
        login = stored_sessions.login_read(self.session_id, self.principal.subject_id)
        if not self.principal.is_staff:
            return [login]
        return [officers.officer_read(self.principal.subject_id), login]

    def judge(self, answers: list[Any]) -> None:
        """Raise unless the answers of `reads()` show the login (and the account) standing."""
        self.settled = True
        if not self.principal.is_staff:
            (login_stands,) = answers
            if not login_stands:
                raise Unauthenticated(LOGIN_ENDED)
            return
        officer, login_stands = answers
        if officer is None or not officer.active or officer.role is not self.principal.role:
            raise Unauthenticated("This account is no longer active.")
        if not login_stands:
            raise Unauthenticated(LOGIN_ENDED)
        if officer.password_temporary and not self.changing_password:
            raise Forbidden(
                "Change the password you were given first (POST /me/password).", code="password_change_required"
            )

    def settle(self) -> None:
        """Make the check now, unless it was made already."""
        if not self.settled:
            self.judge(read_together(*self.reads()))


def require_standing_login(principal: Principal, *, changing_password: bool = False) -> None:
    """Unauthenticated unless `principal`'s login (and account) still stands: one read."""
    LoginCheck(principal, changing_password=changing_password).settle()


# The check a read route has not made yet. A context variable, not an argument: the read that
# takes it along is a use case's first read of its case, several calls below the view.
_pending: ContextVar[LoginCheck | None] = ContextVar("pending_login_check", default=None)


@contextmanager
def checked_with_first_read(principal: Principal) -> Iterator[None]:
    """Within: the first `read_checking_login` carries the login check in its call. However
    the block ends, the check has been made when it does, before its caller answers."""
    check = LoginCheck(principal)
    token = _pending.set(check)
    try:
        yield
    finally:
        _pending.reset(token)
        check.settle()


def read_checking_login(read: ItemRead[T]) -> T:
    """`read`'s answer; in one call with the request's login check if that is still to be
    made, which raises before the answer is returned when the login has ended."""
    check = _pending.get()
    if check is None or check.settled:
        answer: T = read_together(read)[0]
        return answer
    *login, answer = read_together(*check.reads(), read)
    check.judge(login)
    return answer
