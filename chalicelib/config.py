"""Typed settings, read from the environment lazily (never at import time).

Chalice applies a stage's environment variables only while a function runs (and the
test client only during a call), so every module asks `get_settings()` when it needs a
value instead of reading `os.environ` at import.
"""

from __future__ import annotations

import ipaddress
import os
import re
import urllib.parse
from datetime import date
from functools import lru_cache

from pydantic import BaseModel, Field, ValidationError, field_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LOCAL_STAGE = "local"
# The keys a stage signs and hashes with; each has a `<key>_secret` twin naming its secret.
KEYS = ("identity_hmac_key", "jwt_signing_key", "webhook_signing_key")


class ConfigurationError(RuntimeError):
    """The stage's environment is missing or has a wrong setting: a deployment mistake,
    never the caller's (so it is not a pydantic ValidationError, which routes answer 422)."""


class Settings(BaseModel):
    # Required: an unset STAGE is a broken deployment, never silently the local stage.
    stage: str = Field(min_length=1)
    resource_prefix: str = "crm-local"
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


ENVIRONMENT_VARIABLES = {
    "stage": "STAGE",
    "resource_prefix": "RESOURCE_PREFIX",
    "region": "AWS_DEFAULT_REGION",
    "state_code": "STATE_CODE",
    "languages": "LANGUAGES",
    "ses_sender": "SES_SENDER",
    "sms_sender_id": "SMS_SENDER_ID",
    "sla_seconds_per_hour": "SLA_SECONDS_PER_HOUR",
    "aws_endpoint_url": "AWS_ENDPOINT_URL",
    "identity_hmac_key": "IDENTITY_HMAC_KEY",
    "jwt_signing_key": "JWT_SIGNING_KEY",
    "jwt_issuer": "JWT_ISSUER",
    "access_token_minutes": "ACCESS_TOKEN_MINUTES",
    "refresh_token_days": "REFRESH_TOKEN_DAYS",
    "retry_base_seconds": "RETRY_BASE_SECONDS",
    "quiet_hours": "QUIET_HOURS",
    "webhook_signing_key": "WEBHOOK_SIGNING_KEY",
    "webhook_receiver_url": "WEBHOOK_RECEIVER_URL",
    "identity_hmac_key_secret": "IDENTITY_HMAC_KEY_SECRET",
    "jwt_signing_key_secret": "JWT_SIGNING_KEY_SECRET",
    "webhook_signing_key_secret": "WEBHOOK_SIGNING_KEY_SECRET",
    "allowed_origins": "ALLOWED_ORIGINS",
    "utc_offset_minutes": "UTC_OFFSET_MINUTES",
    "working_days": "WORKING_DAYS",
    "office_hours": "OFFICE_HOURS",
    "holidays": "HOLIDAYS",
    "rate_limits": "RATE_LIMITS",
    "mobile_regions": "MOBILE_REGIONS",
    "open311_clients": "OPEN311_CLIENTS",
    "ivrs_menu": "IVRS_MENU",
}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of the running stage; cached until `get_settings.cache_clear()`. Raises
    ConfigurationError, naming the variables, when one is missing or wrong."""
    values = {field: os.environ[env] for field, env in ENVIRONMENT_VARIABLES.items() if os.environ.get(env)}
    try:
        return Settings.model_validate(values)
    except ValidationError as error:
        problems = []
        for problem in error.errors(include_url=False):
            field = str(problem["loc"][0]) if problem["loc"] else "settings"
            problems.append(f"{ENVIRONMENT_VARIABLES.get(field, field)} ({field}): {problem['msg']}")
        raise ConfigurationError(f"the stage's configuration is invalid: {'; '.join(problems)}") from error


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


def resource_name_at_import(logical_name: str) -> str:
    """A resource name needed while `app.py` is imported.

    Chalice binds SQS event sources by queue name when the decorator runs, so this is
    the one place a name is resolved at import. `chalice package` and Lambda both load
    the app with the stage's environment set, so the prefix is the stage's.
    """
    return f"{os.environ.get('RESOURCE_PREFIX') or Settings.model_fields['resource_prefix'].default}-{logical_name}"
