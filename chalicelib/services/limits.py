"""Every rate limit of citizen-crm, in one place: how often something may happen per window.

A limit counts hits of one subject (a mobile, a source address, a citizen, an account) in a
fixed window. Taking a slot is one conditional write, so a burst of parallel requests can
never overshoot. Subjects are stored only as keyed hashes: the counters table never holds a
mobile number or an IP address. A refused hit answers 429 with `Retry-After` (the end of
the window).

Defaults are below; a stage tunes any of them with `RATE_LIMITS` in its environment
(`name=max/period,...`, period `15m`, `1h`, `1d`), e.g. a state whose service centres register
many citizens from one address raises `registrations_per_source`. A window of a day or more
starts at the state's local midnight, so "per day" means the citizen's day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.config import get_settings
from chalicelib.domain.errors import RateLimited
from chalicelib.models import counters
from chalicelib.models.base import Guard
from chalicelib.security.keyed_hash import keyed_hash
from chalicelib.services.sla_clock import state_zone

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR

# name: (most hits in one window, window in seconds). The names say what is counted per what.
DEFAULTS: dict[str, tuple[int, int]] = {
    "otp_sends_per_mobile": (3, 15 * MINUTE),
    "otp_sends_per_source": (60, HOUR),
    # Per mobile and address, so one stranger cannot use up the owner's day; per mobile alone,
    # so many addresses together still cannot guess their way through.
    "otp_guesses_per_mobile_and_source": (10, DAY),
    "otp_guesses_per_mobile": (50, DAY),
    "registrations_per_source": (30, HOUR),
    "login_failures_per_account": (5, 15 * MINUTE),
    "logins_per_source": (300, HOUR),
    "password_change_failures_per_account": (5, 15 * MINUTE),
    "tracking_lookups_per_grievance": (10, 15 * MINUTE),
    "tracks_per_source": (300, HOUR),
    "filings_per_citizen": (10, DAY),
    "uploads_per_citizen": (60, HOUR),
}


@dataclass(frozen=True)
class Limit:
    name: str
    max_hits: int
    window_seconds: int


@dataclass(frozen=True)
class Slot:
    """One hit taken in one window: what `give_back` returns."""

    counter: str
    window: str


def limit(name: str) -> Limit:
    """The limit called `name` on this stage: its default, or what `RATE_LIMITS` sets."""
    if name not in DEFAULTS:
        raise KeyError(f"no rate limit called {name!r}")
    max_hits, seconds = get_settings().rate_limits.get(name, DEFAULTS[name])
    return Limit(name, max_hits, seconds)


def window_of(now: datetime, seconds: int) -> tuple[str, datetime]:
    """The fixed window `now` falls in: its key and when it ends. Windows of a day or more
    start at the state's local midnight."""
    zone_offset = state_zone().utcoffset(now) if seconds >= DAY else None
    offset = int(zone_offset.total_seconds()) if zone_offset else 0
    start = (int(now.timestamp()) + offset) // seconds * seconds - offset
    return str(start), datetime.fromtimestamp(start + seconds, tz=now.tzinfo or UTC)


def take(name: str, subject: str, now: datetime, message: str = "Too many requests; try again later.") -> Slot:
    """Count one hit of `subject` against the limit `name`; RateLimited (429 with
    Retry-After) when the window is full — nothing is counted then."""
    rule = limit(name)
    slot, window_ends = _slot(rule, subject, now)
    if not counters.add_to_window(slot.counter, slot.window, expires_at=window_ends, limit=rule.max_hits):
        raise RateLimited(message, retry_after_seconds=max(int((window_ends - now).total_seconds()), 1))
    return slot


def guard(name: str, subject: str, now: datetime, message: str = "Too many requests; try again later.") -> Guard:
    """Taking a slot as part of a save (`models.base.Guard`): the save is refused with
    RateLimited when the window is full, and a save refused for any other reason takes no
    slot."""
    rule = limit(name)
    slot, window_ends = _slot(rule, subject, now)
    refusal = RateLimited(message, retry_after_seconds=max(int((window_ends - now).total_seconds()), 1))
    return counters.window_guard(
        slot.counter, slot.window, expires_at=window_ends, limit=rule.max_hits, refusal=refusal
    )


def give_back(slot: Slot) -> None:
    """Forget every hit of this window (a success after failures: the failures are forgiven)."""
    counters.clear_window(slot.counter, slot.window)


def _slot(rule: Limit, subject: str, now: datetime) -> tuple[Slot, datetime]:
    window, window_ends = window_of(now, rule.window_seconds)
    return Slot(f"limit#{rule.name}#{keyed_hash('limit:' + rule.name, subject)}", window), window_ends
