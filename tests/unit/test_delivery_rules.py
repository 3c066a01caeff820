"""Backoff, quiet hours and webhook signatures: pure rules, `now` injected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.delivery import LONGEST_POSTPONEMENT_SECONDS, quiet_hours_end, retry_delay_seconds

IST = timezone(timedelta(hours=5, minutes=30))


def test_each_retry_waits_twice_as_long_as_the_last_up_to_sqs_limit():
    assert [retry_delay_seconds(n, 30) for n in range(1, 6)] == [30, 60, 120, 240, 480]
    assert retry_delay_seconds(40, 30) == LONGEST_POSTPONEMENT_SECONDS
    assert retry_delay_seconds(3, 0) == 0
    with pytest.raises(ValueError):
        retry_delay_seconds(0, 30)


@pytest.mark.parametrize(
    ("local_time", "quiet_until"),
    [
        ("2026-11-30 20:59", None),
        ("2026-11-30 21:00", "2026-12-01 08:00"),
        ("2026-11-30 23:30", "2026-12-01 08:00"),
        ("2026-12-01 00:00", "2026-12-01 08:00"),
        ("2026-12-01 07:59", "2026-12-01 08:00"),
        ("2026-12-01 08:00", None),
        ("2026-12-01 13:00", None),
    ],
)
def test_quiet_hours_run_across_midnight_in_the_states_zone(local_time, quiet_until):
    now = datetime.strptime(local_time, "%Y-%m-%d %H:%M").replace(tzinfo=IST).astimezone(UTC)

    end = quiet_hours_end(now, "21:00-08:00", IST)

    expected = datetime.strptime(quiet_until, "%Y-%m-%d %H:%M").replace(tzinfo=IST) if quiet_until else None
    assert end == expected


def test_a_window_within_one_day_and_no_window_at_all():
    at = datetime(2026, 11, 30, 13, 30, tzinfo=IST)
    assert quiet_hours_end(at, "13:00-15:00", IST) == datetime(2026, 11, 30, 15, 0, tzinfo=IST)
    assert quiet_hours_end(at, "15:00-16:00", IST) is None
    assert quiet_hours_end(at, None, IST) is None
    assert quiet_hours_end(at, "10:00-10:00", IST) is None
    with pytest.raises(ValueError):
        quiet_hours_end(at, "9pm-8am", IST)


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)))
def test_a_held_sms_waits_less_than_a_day_and_leaves_once_quiet_ends(now):
    end = quiet_hours_end(now, "21:00-08:00", IST)
    if end is None:
        assert 8 <= now.astimezone(IST).hour < 21
    else:
        assert timedelta(0) < end - now <= timedelta(hours=11)
        assert quiet_hours_end(end, "21:00-08:00", IST) is None


def test_a_signature_verifies_with_the_departments_secret_only(monkeypatch):
    monkeypatch.setenv("WEBHOOK_SIGNING_KEY", "unit-test-webhook-key-that-is-long-enough")
    from chalicelib.config import get_settings
    from chalicelib.security.webhook_signature import department_secret, sign, verify

    get_settings.cache_clear()
    try:
        body = b'{"event":"assigned","timestamp":1764460800,"tracking_id":"OD-261130-7KQ3XM"}'
        water, roads = department_secret("WATER", 1), department_secret("ROADS", 1)
        signature = sign(water, body)

        assert signature.startswith("sha256=") and len(signature) == len("sha256=") + 64
        assert verify(water, body, signature)
        assert not verify(roads, body, signature)  # another department's secret
        assert not verify(department_secret("WATER", 2), body, signature)  # a rotated secret
        assert not verify(water, body.replace(b"assigned", b"resolved"), signature)  # a changed body
        assert not verify(water, body, None)
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://water.odisha.gov.in/crm-events", True),
        ("http://water.odisha.gov.in/crm-events", False),  # events leave the network only over TLS
        ("https://169.254.169.254/latest/meta-data", False),  # the metadata service
        ("https://10.0.0.7/hook", False),
        ("https://127.0.0.1:8443/hook", False),
        ("https://[::1]/hook", False),
        ("https://localhost/hook", False),
        ("https://8.8.8.8/hook", True),
    ],
)
def test_a_deployed_state_posts_webhooks_only_to_public_https_addresses(monkeypatch, url, allowed):
    from chalicelib.config import get_settings
    from chalicelib.domain.errors import InvalidInput
    from chalicelib.services.manage_webhooks import _check_url

    monkeypatch.setenv("STAGE", "odisha")
    get_settings.cache_clear()
    try:
        if allowed:
            _check_url(url)
        else:
            with pytest.raises(InvalidInput) as refused:
                _check_url(url)
            assert refused.value.field == "url"
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize("url", ["https://127.1/hook", "https://0x7f000001/hook", "https://localhost./hook"])
def test_a_deployed_state_refuses_at_send_time_a_host_that_resolves_inside_the_network(url):
    from chalicelib.notify.errors import SendFailed
    from chalicelib.notify.webhook import post_json

    with pytest.raises(SendFailed) as refused:
        post_json(url, b"{}", {}, public_only=True)
    assert refused.value.code in {"address not public", "unresolvable host"}


def test_a_non_ascii_signature_header_is_refused_not_a_crash():
    from chalicelib.security.webhook_signature import verify

    assert not verify("secret", b"{}", "sha256=\u00e9\u00e9")
