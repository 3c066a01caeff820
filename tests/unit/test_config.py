"""Typed settings read lazily from the environment of the running stage."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.config import ENVIRONMENT_VARIABLES, KEYS, ConfigurationError, get_settings, resource_name
from chalicelib.resource_names import Queue, Table
from chalicelib.security.keys import stage_key
from chalicelib.settings import Settings

SETTINGS_VARIABLES = list(ENVIRONMENT_VARIABLES.values())


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The process environment with none of the settings variables but STAGE=odisha (a
    deployed stage: every stage names itself); the settings cache is cleared before and
    after so no test sees another's (or the session's) settings."""
    get_settings.cache_clear()
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STAGE", "odisha")
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.mark.parametrize("stage", [None, ""])
def test_an_unset_stage_is_a_configuration_error_not_the_local_stage(environment, stage):
    # Given a function deployed without STAGE (or with it empty), and everything else local-looking
    if stage is None:
        environment.delenv("STAGE")
    else:
        environment.setenv("STAGE", stage)
    environment.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    environment.setenv("IDENTITY_HMAC_KEY", "k" * 40)

    # When the settings are first used, Then nothing runs as "local": the stage is refused
    with pytest.raises(ConfigurationError, match=r"STAGE \(stage\)"):
        get_settings()


def test_a_wrong_setting_is_a_configuration_error_not_a_callers_validation_error(environment):
    """Routes answer a pydantic ValidationError with 422: a broken stage must not look like
    the caller's mistake."""
    from pydantic import ValidationError

    environment.setenv("LANGUAGES", ",")

    with pytest.raises(ConfigurationError, match="LANGUAGES") as raised:
        get_settings()

    assert not isinstance(raised.value, ValidationError)


def test_an_otherwise_empty_environment_gives_the_defaults(environment):
    settings = get_settings()

    assert settings == Settings(stage="odisha")
    assert not settings.is_local
    assert settings.resource_prefix == "crm-local"
    assert settings.languages == ("en", "hi")
    assert settings.aws_endpoint_url is None
    assert settings.allowed_origins == ()


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
    environment.setenv("LANGUAGES", "")
    environment.setenv("QUIET_HOURS", "")

    settings = get_settings()

    assert settings.languages == Settings(stage="odisha").languages
    assert settings.quiet_hours is None


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

    assert get_settings().resource_name(Table.GRIEVANCES) == "crm-punjab-grievances"
    assert get_settings().resource_name(f"{Queue.MESSAGES}-dlq") == "crm-punjab-messages-dlq"


@pytest.mark.parametrize(
    ("stage", "endpoint", "is_local"),
    [
        ("local", "http://127.0.0.1:5000", True),
        ("local", "http://localhost:5000", True),
        ("local", "http://[::1]:5000", True),
        ("local", "http://127.0.0.2:5000", True),  # all of 127/8 is this machine
        ("local", None, False),  # the local configuration talking to real AWS
        ("local", "https://dynamodb.ap-south-1.amazonaws.com", False),
        ("local", "http://10.0.0.5:4566", False),
        ("local", "http://localhost.attacker.example:5000", False),
        ("local", "http://127.0.0.1.nip.io:5000", False),
        ("local", "127.0.0.1:5000", False),  # not a URL
        ("odisha", "http://127.0.0.1:5000", False),
        ("Local", "http://127.0.0.1:5000", False),
    ],
)
def test_only_an_explicit_local_stage_on_this_machine_is_local(environment, stage, endpoint, is_local):
    environment.setenv("STAGE", stage)
    if endpoint:
        environment.setenv("AWS_ENDPOINT_URL", endpoint)

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

    with pytest.raises(ConfigurationError, match=r"SLA_SECONDS_PER_HOUR \(sla_seconds_per_hour\)") as raised:
        get_settings()

    assert [error["loc"] for error in raised.value.__cause__.errors()] == [("sla_seconds_per_hour",)]


@pytest.mark.parametrize("value", ["odisha", "od", "ODI", "O1"])
def test_a_state_code_other_than_two_capital_letters_is_rejected(environment, value):
    environment.setenv("STATE_CODE", value)

    with pytest.raises(ConfigurationError, match="STATE_CODE") as raised:
        get_settings()

    assert [error["loc"] for error in raised.value.__cause__.errors()] == [("state_code",)]


def test_resource_name_uses_the_stage_prefix(environment):
    environment.setenv("RESOURCE_PREFIX", "crm-odisha")

    assert resource_name(Queue.MESSAGES) == "crm-odisha-messages"


def test_resource_name_agrees_with_the_settings(environment):
    environment.setenv("RESOURCE_PREFIX", "crm-punjab")

    assert resource_name(Queue.SLA_EVENTS) == get_settings().resource_name(Queue.SLA_EVENTS)


def test_resource_name_defaults_to_the_local_prefix(environment):
    assert resource_name(Queue.MESSAGES) == "crm-local-messages"
    assert resource_name(Queue.MESSAGES) == get_settings().resource_name(Queue.MESSAGES)


@pytest.mark.parametrize("prefix", ["", "crm-assam"])
def test_the_resource_name_and_the_settings_agree_even_for_an_empty_prefix(environment, prefix):
    # An SQS handler bound at import must listen on the queue the rest of the app writes to,
    # and a table named without the settings must be the one the rest of the app reads.
    environment.setenv("RESOURCE_PREFIX", prefix)

    assert resource_name(Queue.MESSAGES) == get_settings().resource_name(Queue.MESSAGES)


@pytest.mark.parametrize("value", [",", " , "])
def test_a_language_list_with_no_language_is_rejected(environment, value):
    environment.setenv("LANGUAGES", value)

    with pytest.raises(ConfigurationError, match="LANGUAGES"):
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

    with pytest.raises(ConfigurationError, match=f"{variable} \\({variable.lower()}\\)"):
        get_settings()


LOCAL_ON_MOTO = {"STAGE": "local", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}


@pytest.mark.parametrize("key", ["identity_hmac_key", "jwt_signing_key", "webhook_signing_key"])
def test_only_the_local_stage_on_this_machine_takes_a_key_given_directly(environment, key):
    variable = key.upper()
    for name, value in LOCAL_ON_MOTO.items():
        environment.setenv(name, value)
    environment.setenv(variable, "k" * 40)

    assert stage_key(key) == "k" * 40


@pytest.mark.parametrize(
    "stage_environment",
    [
        {"STAGE": "odisha"},
        {"STAGE": "odisha", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"},
        {"STAGE": "local"},  # "local" but talking to AWS itself
        {"STAGE": "local", "AWS_ENDPOINT_URL": "http://10.1.2.3:4566"},
    ],
)
@pytest.mark.parametrize("key", ["identity_hmac_key", "jwt_signing_key", "webhook_signing_key"])
def test_a_deployed_stage_refuses_a_key_given_directly_even_beside_its_secret(environment, stage_environment, key):
    # Given a key in the stage's configuration, next to (or without) its Secrets Manager twin
    for name, value in stage_environment.items():
        environment.setenv(name, value)
    environment.setenv(key.upper(), "k" * 40)
    environment.setenv(f"{key.upper()}_SECRET", "arn:aws:secretsmanager:ap-south-1:123456789012:secret:x")

    # When the key is needed, Then the configured one is refused, loudly, before any lookup
    with pytest.raises(ConfigurationError, match=f"{key.upper()} is set directly on stage"):
        stage_key(key)


def test_a_deployed_stage_reads_its_key_from_the_secret_it_names(environment):
    # Given a deployed stage that names the secret holding its JWT key
    arn = "arn:aws:secretsmanager:ap-south-1:123456789012:secret:jwt"
    environment.setenv("JWT_SIGNING_KEY_SECRET", arn)
    read: list[str] = []
    environment.setattr("chalicelib.security.keys.secret_string", lambda secret_id: read.append(secret_id) or "s" * 64)

    # When the key is needed, Then it is that secret's value
    assert stage_key("jwt_signing_key") == "s" * 64
    assert read == [arn]


def test_a_missing_key_is_a_configuration_error(environment):
    with pytest.raises(ConfigurationError, match="WEBHOOK_SIGNING_KEY is not configured for stage 'odisha'"):
        stage_key("webhook_signing_key")


def test_allowed_origins_are_split_and_each_must_be_a_bare_origin(environment):
    environment.setenv("ALLOWED_ORIGINS", "https://grievance.odisha.gov.in, http://localhost:8080")

    assert get_settings().allowed_origins == ("https://grievance.odisha.gov.in", "http://localhost:8080")


@pytest.mark.parametrize(
    "origin", ["*", "https://*.gov.in", "https://grievance.odisha.gov.in/", "grievance.odisha.gov.in", "https://u@x.in"]
)
def test_a_wildcard_or_anything_but_an_origin_is_refused(environment, origin):
    environment.setenv("ALLOWED_ORIGINS", f"https://grievance.odisha.gov.in,{origin}")

    with pytest.raises(ConfigurationError, match="ALLOWED_ORIGINS"):
        get_settings()


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


def test_every_key_has_a_secrets_manager_twin_that_the_package_wires():
    from infra.package import SECRET_VARIABLES

    for key in KEYS:
        assert f"{key}_secret" in Settings.model_fields
        assert ENVIRONMENT_VARIABLES[f"{key}_secret"] == f"{ENVIRONMENT_VARIABLES[key]}_SECRET"
    assert set(SECRET_VARIABLES) == {f"{ENVIRONMENT_VARIABLES[key]}_SECRET" for key in KEYS}


def test_the_ivrs_menu_maps_the_keys_pressed_to_category_codes(environment):
    environment.setenv("IVRS_MENU", " 1=WATER_NO_SUPPLY, 12=ROADS_POTHOLE,*9=HEALTH_DOCTOR_ABSENT ,")

    assert get_settings().ivrs_menu == {"1": "WATER_NO_SUPPLY", "12": "ROADS_POTHOLE", "*9": "HEALTH_DOCTOR_ABSENT"}


@pytest.mark.parametrize("menu", ["1:WATER", "one=WATER", "1=water", "12345=WATER", "1="])
def test_an_ivrs_menu_entry_that_is_not_keys_and_a_code_is_a_configuration_error(environment, menu):
    environment.setenv("IVRS_MENU", menu)

    with pytest.raises(ConfigurationError, match="IVRS_MENU"):
        get_settings()


def test_open311_clients_are_split_on_commas(environment):
    environment.setenv("OPEN311_CLIENTS", "fixmystreet, civic-app")

    assert get_settings().open311_clients == ("fixmystreet", "civic-app")
