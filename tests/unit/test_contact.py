"""Mobiles and emails normalized so that one person has one key, without touching the network."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import dns.resolver
import pytest

from chalicelib.domain.contact import looks_like_email, normalize_email, normalize_mobile
from chalicelib.domain.errors import InvalidInput


@pytest.fixture
def name_lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every DNS lookup attempted while the test runs (there should be none)."""
    attempted: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempted.append(repr(args))
        raise OSError("no network in unit tests")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "gethostbyname", refuse)
    monkeypatch.setattr(dns.resolver.Resolver, "resolve", refuse)
    monkeypatch.setattr(dns.resolver, "resolve", refuse)
    yield attempted


# --- mobiles -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "+91 98765-43210",
        "098765 43210",  # trunk prefix, as dialled within India
        "9876543210",
        "+919876543210",
        "+91 (98765) 43210",
        " 98765 43210 ",
    ],
)
def test_indian_mobile_variants_are_one_number(typed):
    assert normalize_mobile(typed) == "+919876543210"


def test_a_pakistani_mobile_is_kept_in_e164():
    assert normalize_mobile("+92 300 1234567") == "+923001234567"


def test_a_national_number_is_read_in_the_region_given():
    # Given the same national digits read as Pakistani
    assert normalize_mobile("0300 1234567", region="PK") == "+923001234567"


def test_normalizing_twice_changes_nothing():
    once = normalize_mobile("098765 43210")

    assert normalize_mobile(once) == once


@pytest.mark.parametrize(
    "typed",
    [
        "+91 11 2334 5678",  # Delhi landline: SMS cannot reach it
        "011 2334 5678",
        "1800 180 1551",  # toll-free
        "12345",
        "100",  # police
        "98765",
        "98765432101234",
        "abcdefghij",
        "98765 4321O",  # letter O for zero
        "",
        "   ",
    ],
)
def test_landlines_short_numbers_and_junk_are_rejected_naming_the_field(typed):
    with pytest.raises(InvalidInput) as raised:
        normalize_mobile(typed, field="alternate_mobile")

    assert raised.value.field == "alternate_mobile"
    assert raised.value.message.startswith("alternate_mobile")


def test_mobile_field_defaults_to_mobile():
    with pytest.raises(InvalidInput) as raised:
        normalize_mobile("12345")

    assert raised.value.field == "mobile"


# --- emails --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("asha@example.in", "asha@example.in"),
        ("Asha@Example.IN", "asha@example.in"),
        ("ASHA.DEVI@EXAMPLE.IN", "asha.devi@example.in"),
        ("  asha.devi+grievance@Example.in \n", "asha.devi+grievance@example.in"),
        ("ASHA@गाँव.भारत", "asha@गाँव.भारत"),  # internationalized domain, kept readable
    ],
)
def test_emails_are_trimmed_and_case_folded(typed, kept, name_lookups):
    assert normalize_email(typed) == kept
    assert name_lookups == []


def test_one_address_typed_in_two_cases_is_one_key(name_lookups):
    assert normalize_email("Asha@Example.IN") == normalize_email("asha@example.in")
    assert normalize_email(normalize_email("Asha@Example.IN")) == "asha@example.in"


def test_a_domain_that_cannot_exist_is_accepted_without_a_dns_lookup(name_lookups):
    # Given a well-formed address at a domain nobody registered
    # Then syntax is all that is checked: no MX or A lookup is made
    assert normalize_email("asha@no-such-domain-anywhere.in") == "asha@no-such-domain-anywhere.in"
    assert name_lookups == []


@pytest.mark.parametrize(
    "typed",
    [
        "no-at-sign",
        "a@",
        "@example.in",
        "a@b",
        "a b@example.in",
        "asha@@example.in",
        "asha@example..in",
        "",
        "   ",
    ],
)
def test_invalid_emails_are_rejected_naming_the_field(typed, name_lookups):
    with pytest.raises(InvalidInput) as raised:
        normalize_email(typed, field="officer_email")

    assert raised.value.field == "officer_email"
    assert raised.value.message.startswith("officer_email")
    assert name_lookups == []


def test_email_field_defaults_to_email():
    with pytest.raises(InvalidInput) as raised:
        normalize_email("no-at-sign")

    assert raised.value.field == "email"


@pytest.mark.parametrize(
    "username, is_email",
    [("asha@example.in", True), ("+919876543210", False), ("9876543210", False)],
)
def test_a_username_with_an_at_sign_is_an_email(username, is_email):
    assert looks_like_email(username) is is_email


def test_an_email_keeps_letters_that_casefold_would_change():
    assert normalize_email("Straße@Example.DE") == "straße@example.de"


# --- the stage's own countries -------------------------------------------------------------


def test_a_mobile_outside_the_allowed_regions_is_refused_naming_the_field():
    # Given a valid British mobile on a stage that serves India only
    with pytest.raises(InvalidInput) as raised:
        normalize_mobile("+44 7400 123456", allowed_regions=("IN",))

    assert raised.value.field == "mobile" and "IN" in raised.value.message


def test_a_mobile_of_an_allowed_region_passes():
    assert normalize_mobile("98765 43210", allowed_regions=("IN",)) == "+919876543210"
    assert normalize_mobile("0300 1234567", region="PK", allowed_regions=("IN", "PK")) == "+923001234567"


def test_without_allowed_regions_any_country_is_read():
    assert normalize_mobile("+44 7400 123456") == "+447400123456"
