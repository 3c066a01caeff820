"""What each of a stage's settings must look like: the pydantic model `config.get_settings()`
fills from the environment.

Kept apart from `config.py`, which every function imports on a cold start: this module is
loaded by the first `get_settings()`, so a request that reads no setting (a public catalogue
read needs only a table's name, `config.resource_name`) never imports pydantic.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from datetime import date

from pydantic import BaseModel, Field, field_validator

from chalicelib.resource_names import DEFAULT_PREFIX

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LOCAL_STAGE = "local"


class Settings(BaseModel):
    # Required: an unset STAGE is a broken deployment, never silently the local stage.
    stage: str = Field(min_length=1)
    resource_prefix: str = DEFAULT_PREFIX
    region: str = "ap-south-1"
    state_code: str = Field(default="OD", pattern=r"^[A-Z]{2}$")
    languages: tuple[str, ...] = Field(default=("en", "hi"), min_length=1)
    ses_sender: str = "noreply@grievance.local.gov.in"
    sms_sender_id: str = "CRMGOV"
    sla_seconds_per_hour: float = Field(default=3600.0, gt=0)
    # Only the local stage talks to moto's control API (outbox, demo accounts), and a stage
    # is local only when this points at this machine.
    aws_endpoint_url: str | None = None
    # Keys given directly: only the local stage may (config.json); see security/keys.py.
    identity_hmac_key: str | None = Field(default=None, min_length=32)
    jwt_signing_key: str | None = Field(default=None, min_length=32)
    # Derives departments' webhook secrets; apart from the identity key, so the function
    # that posts webhooks never holds the key that hashes national IDs.
    webhook_signing_key: str | None = Field(default=None, min_length=32)
    jwt_issuer: str = "citizen-crm"
    access_token_minutes: int = Field(default=15, ge=1, le=60)
    refresh_token_days: int = Field(default=30, ge=1, le=90)
    # Failed SMS, email and webhook deliveries come back after base × 2^(attempt-1) seconds.
    retry_base_seconds: float = Field(default=30.0, ge=0, le=3600)
    # "HH:MM-HH:MM" in the state's time zone: citizen SMS about grievances wait until it ends.
    quiet_hours: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
    # Local stage only: the dev runner's webhook receiver, where demo departments' webhooks go.
    webhook_receiver_url: str | None = None
    # Deployed stages: the Secrets Manager secrets holding the keys above (ARNs set by the
    # stack, each function only those it may read); a secret is read once per process.
    identity_hmac_key_secret: str | None = None
    jwt_signing_key_secret: str | None = None
    webhook_signing_key_secret: str | None = None
    # The citizen portal's origins: the only ones the documents bucket's CORS lets in.
    allowed_origins: tuple[str, ...] = ()
    # The state's working calendar; a calendar stored in the catalogue overrides it field by field.
    utc_offset_minutes: int = Field(default=330, ge=-720, le=840)
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
    office_hours: str = Field(default="10:00-17:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
    holidays: tuple[date, ...] = ()
    # Rate limits this stage sets apart from the defaults (services/limits.py):
    # "name=max/period,..." with period like 15m, 1h, 1d -> {name: (max, seconds)}.
    rate_limits: dict[str, tuple[int, int]] = Field(default_factory=dict)
    # Where citizens' mobiles may be (ISO 3166 regions): SMS goes only to these countries.
    mobile_regions: tuple[str, ...] = Field(default=("IN",), min_length=1)
    # Open311 clients (civic apps such as FixMyStreet) that may file: each gets its own api_key
    # (security/channel_keys.py). None: Open311 is read-only on this stage.
    open311_clients: tuple[str, ...] = ()
    # The IVRS category menu, as the provider's recorded prompts say it: keys pressed -> a
    # category code ("1=WATER_NO_SUPPLY,2=..."). Fixed here, not numbered from the catalogue,
    # so that a category added later never shifts what a key means. A key not in it files
    # the call's words for routing to categorise.
    ivrs_menu: dict[str, str] = Field(default_factory=dict)

    @field_validator("ivrs_menu", mode="before")
    @classmethod
    def _parse_ivrs_menu(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        menu = {}
        for entry in (part.strip() for part in value.split(",") if part.strip()):
            keys, _, code = entry.partition("=")
            if not re.fullmatch(r"[0-9*#]{1,4}", keys.strip()) or not re.fullmatch(r"[A-Z0-9_]{1,64}", code.strip()):
                raise ValueError(f"{entry!r} is not <keys>=<CATEGORY_CODE>")
            menu[keys.strip()] = code.strip()
        return menu

    @field_validator("rate_limits", mode="before")
    @classmethod
    def _parse_rate_limits(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
        parsed: dict[str, tuple[int, int]] = {}
        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            name, _, rule = item.partition("=")
            count, _, period = rule.partition("/")
            if not (count.isdigit() and period[:-1].isdigit() and period[-1:] in units and int(period[:-1]) > 0):
                raise ValueError(f"rate limit {item!r}: expected name=max/period, e.g. logins_per_source=300/1h")
            parsed[name.strip()] = (int(count), int(period[:-1]) * units[period[-1]])
        return parsed

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins_only(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        for origin in origins:
            parts = urllib.parse.urlsplit(origin)
            exact = origin == f"{parts.scheme}://{parts.netloc}" and not set("*@") & set(parts.netloc)
            if parts.scheme not in ("https", "http") or not parts.hostname or not exact:
                raise ValueError(f"{origin!r} is not an origin: scheme://host[:port], no path, no wildcard")
        return origins

    @field_validator("languages", "mobile_regions", "open311_clients", mode="before")
    @classmethod
    def _split_languages(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(code.strip() for code in value.split(",") if code.strip())
        return value

    @field_validator("working_days", mode="before")
    @classmethod
    def _weekday_numbers(cls, value: object) -> object:
        if isinstance(value, str):
            names = [name.strip().lower()[:3] for name in value.split(",") if name.strip()]
            unknown = [name for name in names if name not in WEEKDAYS]
            if unknown:
                raise ValueError(f"unknown weekday {unknown[0]!r}; use {', '.join(WEEKDAYS)}")
            return tuple(WEEKDAYS.index(name) for name in names)
        return value

    @field_validator("holidays", mode="before")
    @classmethod
    def _split_holidays(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(day.strip() for day in value.split(",") if day.strip())
        return value

    @property
    def working_calendar(self) -> dict[str, object]:
        """The stage's calendar in the stored document's form (`calendar_from_document`)."""
        day_start, day_end = self.office_hours.split("-")
        return {
            "utc_offset_minutes": self.utc_offset_minutes,
            "working_days": list(self.working_days),
            "day_start": day_start,
            "day_end": day_end,
            "holidays": [day.isoformat() for day in self.holidays],
        }

    @property
    def is_local(self) -> bool:
        """The local stage on moto: STAGE=local said explicitly AND every AWS call going to
        this machine. Only then do /dev/* answer, webhooks may be plain http to internal
        hosts and keys may be given directly."""
        return self.stage == LOCAL_STAGE and _is_loopback(self.aws_endpoint_url)

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def jwt_audience(self) -> str:
        return f"citizen-crm:{self.stage}"

    def resource_name(self, logical_name: str) -> str:
        """The deployed name of one of this stage's resources (a name of `resource_names`)."""
        return f"{self.resource_prefix}-{logical_name}"


def _is_loopback(url: str | None) -> bool:
    """An http(s) URL whose host is this machine: localhost or a loopback address."""
    parts = urllib.parse.urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False
