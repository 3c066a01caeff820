"""Typed settings read lazily from the environment of the running stage."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from chalicelib.config import ENVIRONMENT_VARIABLES, Settings, get_settings, resource_name_at_import

SETTINGS_VARIABLES = list(ENVIRONMENT_VARIABLES.values())


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The process environment with none of the settings variables; the settings cache is
    cleared before and after so no test sees another's (or the session's) settings."""
    get_settings.cache_clear()
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def test_an_empty_environment_gives_the_local_defaults(environment):
    settings = get_settings()

    assert settings == Settings()
    assert settings.stage == "local"
    assert settings.is_local
    assert settings.resource_prefix == "crm-local"
    assert settings.languages == ("en", "hi")
    assert settings.aws_endpoint_url is None


def test_every_setting_is_read_from_its_environment_variable(environment):
    # Given the environment of a deployed stage
    environment.setenv("STAGE", "odisha")
    environment.setenv("RESOURCE_PREFIX", "crm-odisha")
    environment.setenv("AWS_DEFAULT_REGION", "ap-south-2")
    environment.setenv("STATE_CODE", "PB")
    environment.setenv("LANGUAGES", "pa,en")
    environment.setenv("SES_SENDER", "noreply@grievance.punjab.gov.in")
    environment.setenv("SMS_SENDER_ID", "PBGRIV")
    environment.setenv("SLA_SECONDS_PER_HOUR", "1.5")
    environment.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5999")

    # When the settings are read
    settings = get_settings()

    # Then each field carries its variable's value, typed
    assert settings.stage == "odisha"
    assert settings.resource_prefix == "crm-odisha"
    assert settings.region == "ap-south-2"
    assert settings.state_code == "PB"
    assert settings.languages == ("pa", "en")
    assert settings.ses_sender == "noreply@grievance.punjab.gov.in"
    assert settings.sms_sender_id == "PBGRIV"
    assert settings.sla_seconds_per_hour == 1.5
    assert settings.aws_endpoint_url == "http://127.0.0.1:5999"
    assert not settings.is_local


def test_an_empty_variable_is_treated_as_unset(environment):
    environment.setenv("STAGE", "")
    environment.setenv("LANGUAGES", "")

    settings = get_settings()

    assert settings.stage == Settings().stage
    assert settings.languages == Settings().languages


def test_languages_are_split_on_commas_and_trimmed(environment):
    environment.setenv("LANGUAGES", "en, hi ,or")

    assert get_settings().languages == ("en", "hi", "or")


def test_empty_items_in_languages_are_dropped(environment):
    environment.setenv("LANGUAGES", "or,,hi, ")

    assert get_settings().languages == ("or", "hi")


@pytest.mark.parametrize("languages, default", [("hi,en", "hi"), ("en, hi ,or", "en"), ("pa", "pa")])
def test_the_default_language_is_the_first_listed(environment, languages, default):
    environment.setenv("LANGUAGES", languages)

    assert get_settings().default_language == default


def test_resource_name_prefixes_the_logical_name_with_the_stage_prefix(environment):
    environment.setenv("RESOURCE_PREFIX", "crm-punjab")

    assert get_settings().resource_name("grievances") == "crm-punjab-grievances"
    assert get_settings().resource_name("notifications-dlq") == "crm-punjab-notifications-dlq"


@pytest.mark.parametrize("stage, is_local", [("local", True), ("odisha", False), ("Local", False)])
def test_only_the_local_stage_is_local(environment, stage, is_local):
    environment.setenv("STAGE", stage)

    assert get_settings().is_local is is_local


def test_settings_are_cached_until_the_cache_is_cleared(environment):
    # Given settings read once
    environment.setenv("STAGE", "odisha")
    first = get_settings()

    # When the environment changes
    environment.setenv("STAGE", "punjab")

    # Then the cached settings stand until the cache is cleared
    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().stage == "punjab"


@pytest.mark.parametrize("value", ["0", "-1", "abc"])
def test_a_non_positive_or_non_numeric_sla_clock_is_rejected(environment, value):
    environment.setenv("SLA_SECONDS_PER_HOUR", value)

    with pytest.raises(ValidationError) as raised:
        get_settings()

    assert [error["loc"] for error in raised.value.errors()] == [("sla_seconds_per_hour",)]


@pytest.mark.parametrize("value", ["odisha", "od", "ODI", "O1"])
def test_a_state_code_other_than_two_capital_letters_is_rejected(environment, value):
    environment.setenv("STATE_CODE", value)

    with pytest.raises(ValidationError) as raised:
        get_settings()

    assert [error["loc"] for error in raised.value.errors()] == [("state_code",)]


def test_resource_name_at_import_uses_the_stage_prefix(environment):
    environment.setenv("RESOURCE_PREFIX", "crm-odisha")

    assert resource_name_at_import("notifications") == "crm-odisha-notifications"


def test_resource_name_at_import_agrees_with_the_settings(environment):
    environment.setenv("RESOURCE_PREFIX", "crm-punjab")

    assert resource_name_at_import("escalations") == get_settings().resource_name("escalations")


def test_resource_name_at_import_defaults_to_the_local_prefix(environment):
    assert resource_name_at_import("notifications") == "crm-local-notifications"
    assert resource_name_at_import("notifications") == get_settings().resource_name("notifications")


@pytest.mark.parametrize("prefix", ["", "crm-assam"])
def test_the_import_time_name_and_the_settings_agree_even_for_an_empty_prefix(environment, prefix):
    # An SQS handler bound at import must listen on the queue the rest of the app writes to.
    environment.setenv("RESOURCE_PREFIX", prefix)

    assert resource_name_at_import("notifications") == get_settings().resource_name("notifications")


@pytest.mark.parametrize("value", [",", " , "])
def test_a_language_list_with_no_language_is_rejected(environment, value):
    environment.setenv("LANGUAGES", value)

    with pytest.raises(ValidationError):
        get_settings()


def test_a_stage_names_its_working_week_hours_and_holidays(environment):
    from datetime import date, time

    from chalicelib.domain.sla import calendar_from_document

    environment.setenv("WORKING_DAYS", "Mon, tue,WED,thu,fri")
    environment.setenv("OFFICE_HOURS", "09:00-17:00")
    environment.setenv("UTC_OFFSET_MINUTES", "300")
    environment.setenv("HOLIDAYS", "2026-04-14, 2026-08-14")

    calendar = calendar_from_document(get_settings().working_calendar)

    assert calendar.working_days == frozenset({0, 1, 2, 3, 4})
    assert (calendar.day_start, calendar.day_end) == (time(9, 0), time(17, 0))
    assert calendar.utc_offset_minutes == 300
    assert calendar.holidays == frozenset({date(2026, 4, 14), date(2026, 8, 14)})
    assert not calendar.is_working_day(date(2026, 8, 14))  # a Friday, but a holiday


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WORKING_DAYS", "mon,funday"),
        ("OFFICE_HOURS", "9-5"),
        ("HOLIDAYS", "2026-02-30"),
        ("UTC_OFFSET_MINUTES", "900"),
    ],
)
def test_a_mistyped_calendar_is_refused_naming_the_setting(environment, variable, value):
    environment.setenv(variable, value)

    with pytest.raises(ValidationError, match=variable.lower()):
        get_settings()


def test_a_key_given_directly_wins_and_a_missing_one_is_an_error(environment):
    environment.setenv("STAGE", "odisha")
    environment.setenv("JWT_SIGNING_KEY", "k" * 40)

    assert get_settings().secret("jwt_signing_key") == "k" * 40
    with pytest.raises(RuntimeError, match="IDENTITY_HMAC_KEY is not configured for stage 'odisha'"):
        get_settings().secret("identity_hmac_key")


def test_deployed_s3_links_name_the_buckets_own_region(environment):
    """ap-south-2 has no global S3 address: presigned links must be regional, virtual-hosted."""
    from chalicelib import aws

    environment.setenv("AWS_DEFAULT_REGION", "ap-south-2")
    environment.setenv("AWS_ACCESS_KEY_ID", "testing")
    environment.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    environment.delenv("AWS_ENDPOINT_URL", raising=False)
    aws.reset_caches()
    try:
        form = aws.client("s3").generate_presigned_post(Bucket="crm-punjab-documents-123456789012", Key="uploads/x")
        link = aws.client("s3").generate_presigned_url(
            "get_object", Params={"Bucket": "crm-punjab-documents-123456789012", "Key": "k"}
        )
    finally:
        aws.reset_caches()

    assert form["url"] == "https://crm-punjab-documents-123456789012.s3.ap-south-2.amazonaws.com/"
    assert link.startswith("https://crm-punjab-documents-123456789012.s3.ap-south-2.amazonaws.com/k?")
