"""Who people are to the system: Verhoeff, national IDs, masks, names, passwords, principals."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.identity import (
    REGISTRATION_LIFETIME,
    Address,
    Citizen,
    CitizenStatus,
    NationalId,
    Officer,
    Principal,
    Role,
    check_password_policy,
    claim_key,
    clean_name,
    mask_mobile,
    mask_national_id,
    parse_national_id,
    verhoeff_check_digit,
    verhoeff_valid,
)

DIGITS = "0123456789"


def with_check_digit(body: str) -> str:
    return body + verhoeff_check_digit(body)


def grouped(number: str, separator: str) -> str:
    return separator.join(number[i : i + 4] for i in range(0, len(number), 4))


# An Aadhaar-shaped number built here (never a real person's): 11 digits, then its check digit.
ASHA_AADHAAR = with_check_digit("23456789012")  # "234567890124"

digit_strings = st.text(alphabet=DIGITS, min_size=1, max_size=20)
aadhaar_bodies = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from("23456789"),
    st.text(alphabet=DIGITS, min_size=10, max_size=10),
)
valid_aadhaars = aadhaar_bodies.map(with_check_digit)


# --- Verhoeff ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, check_digit",
    [
        ("236", "3"),  # Wikipedia's worked example
        ("75872", "2"),
        ("12345", "1"),  # Rosetta Code's vectors
        ("123456789012", "0"),
        ("142857", "0"),
    ],
)
def test_check_digit_matches_published_vectors(body, check_digit):
    assert verhoeff_check_digit(body) == check_digit
    assert verhoeff_valid(body + check_digit)


@pytest.mark.parametrize("number", ["2364", "758723", "1234567890121", "1428571"])
def test_published_numbers_with_another_check_digit_are_invalid(number):
    assert not verhoeff_valid(number)


@pytest.mark.parametrize("body", ["23456789012", "98765432109", "50000000000", "79797979797"])
def test_aadhaar_shaped_numbers_carry_exactly_one_valid_check_digit(body):
    # Given an Aadhaar-shaped 11-digit body
    # Then exactly one of the ten possible last digits makes it valid, and it is the computed one
    valid_endings = [digit for digit in DIGITS if verhoeff_valid(body + digit)]

    assert valid_endings == [verhoeff_check_digit(body)]


@given(digit_strings)
def test_appending_the_check_digit_always_gives_a_valid_number(body):
    assert verhoeff_valid(with_check_digit(body))


@given(digit_strings, st.data())
def test_every_single_digit_error_is_detected(body, data):
    # Given a valid number
    number = with_check_digit(body)
    # When any one digit, the check digit included, is mistyped as another
    position = data.draw(st.integers(0, len(number) - 1), label="position")
    typo = data.draw(st.sampled_from(DIGITS.replace(number[position], "")), label="typo")
    mistyped = number[:position] + typo + number[position + 1 :]

    # Then the number no longer validates
    assert not verhoeff_valid(mistyped)


@given(digit_strings, st.data())
def test_every_adjacent_transposition_is_detected(body, data):
    # Given a valid number with two different neighbouring digits
    number = with_check_digit(body)
    swappable = [i for i in range(len(number) - 1) if number[i] != number[i + 1]]
    assume(swappable)
    position = data.draw(st.sampled_from(swappable), label="position")
    # When the two are swapped
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]

    # Then the number no longer validates
    assert not verhoeff_valid(swapped)


# --- parse_national_id ---------------------------------------------------------------------


@pytest.mark.parametrize("separator", ["", " ", "-"])
def test_aadhaar_is_accepted_grouped_or_not(separator):
    typed = grouped(ASHA_AADHAAR, separator)

    national_id = parse_national_id(typed)

    assert national_id == NationalId("aadhaar", "234567890124")


def test_aadhaar_surrounded_by_whitespace_is_accepted():
    assert parse_national_id(f"  {grouped(ASHA_AADHAAR, ' ')}\n") == NationalId("aadhaar", ASHA_AADHAAR)


@given(valid_aadhaars, st.sampled_from(["", " ", "-"]))
def test_any_valid_aadhaar_parses_to_its_twelve_digits(number, separator):
    national_id = parse_national_id(grouped(number, separator))

    assert national_id.kind == "aadhaar"
    assert national_id.digits == number


@pytest.mark.parametrize("typed", ["35202-1234567-1", "3520212345671", " 35202-1234567-1 "])
def test_cnic_is_accepted_with_or_without_dashes(typed):
    assert parse_national_id(typed) == NationalId("cnic", "3520212345671")


@pytest.mark.parametrize("first_digit", ["0", "1"])
def test_aadhaar_starting_with_0_or_1_is_rejected_even_with_a_good_check_digit(first_digit):
    # Given a number whose Verhoeff check digit is right, but UIDAI never issues it
    number = with_check_digit(first_digit + "3456789012")
    assert verhoeff_valid(number)

    with pytest.raises(InvalidInput) as raised:
        parse_national_id(grouped(number, " "))

    assert raised.value.field == "national_id"


@given(aadhaar_bodies, st.data())
def test_aadhaar_with_a_wrong_check_digit_is_rejected(body, data):
    wrong = data.draw(st.sampled_from(DIGITS.replace(verhoeff_check_digit(body), "")), label="wrong check digit")

    with pytest.raises(InvalidInput) as raised:
        parse_national_id(grouped(body + wrong, " "))

    assert raised.value.field == "national_id"
    assert "check digit" in raised.value.message


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        ASHA_AADHAAR[:-1],  # 11 digits
        grouped(ASHA_AADHAAR[:-1], " "),
        ASHA_AADHAAR + "12",  # 14 digits
        grouped(ASHA_AADHAAR + "1", " "),  # 13 digits grouped like an Aadhaar
        "2345 6789 O124",  # letter O for zero
        "ABCD EFGH IJKL",
        "2345_6789_0124",
        "2345  6789  0124",
        "35202-123456-71",  # CNIC digits, wrong grouping
        "3520-21234567-1",
        "35202 1234567 1",
        "35202-1234567-12",
    ],
)
def test_malformed_national_ids_are_rejected_naming_the_field(typed):
    with pytest.raises(InvalidInput) as raised:
        parse_national_id(typed)

    assert raised.value.field == "national_id"


def test_last4_is_the_last_four_digits():
    assert NationalId("aadhaar", "234567890124").last4 == "0124"
    assert NationalId("cnic", "3520212345671").last4 == "5671"


def test_lookup_key_keeps_an_aadhaar_and_a_cnic_with_the_same_digits_apart():
    # Given the same digits under both kinds (digits alone are not an identity)
    aadhaar = NationalId("aadhaar", "234567890124")
    cnic = NationalId("cnic", "234567890124")

    assert aadhaar.lookup_key() != cnic.lookup_key()
    assert aadhaar.lookup_key().startswith("aadhaar")
    assert cnic.lookup_key().startswith("cnic")
    assert aadhaar.lookup_key().endswith("234567890124")


@given(valid_aadhaars, st.sampled_from(["", " ", "-"]), st.sampled_from(["", " ", "-"]))
def test_one_aadhaar_typed_two_ways_has_one_lookup_key(number, one_separator, other_separator):
    one = parse_national_id(grouped(number, one_separator))
    other = parse_national_id(grouped(number, other_separator))

    assert one.lookup_key() == other.lookup_key()


# --- mask_national_id ----------------------------------------------------------------------


def test_aadhaar_mask_shows_only_the_last_four_digits():
    assert mask_national_id("aadhaar", "0124") == "XXXX-XXXX-0124"


def test_cnic_mask_keeps_the_cnic_layout():
    # 13 digits as 5-7-1: the last four are the end of the middle group and the final digit
    assert mask_national_id("cnic", "5671") == "XXXXX-XXXX567-1"


@pytest.mark.parametrize("kind", ["aadhaar", "cnic", None])
@pytest.mark.parametrize("last4", [None, ""])
def test_no_last4_means_no_mask(kind, last4):
    assert mask_national_id(kind, last4) is None


@given(valid_aadhaars)
def test_an_aadhaar_mask_reveals_the_last_four_digits_and_nothing_else(number):
    national_id = parse_national_id(number)

    mask = mask_national_id(national_id.kind, national_id.last4)

    assert mask is not None
    assert re.sub(r"\D", "", mask) == number[-4:]
    assert mask.endswith(number[-4:])
    assert set(re.sub(r"\D", "", mask)) <= set(number[-4:])


@given(st.text(alphabet=DIGITS, min_size=13, max_size=13))
def test_a_cnic_mask_reveals_the_last_four_digits_and_nothing_else(digits):
    national_id = parse_national_id(f"{digits[:5]}-{digits[5:12]}-{digits[12]}")

    mask = mask_national_id(national_id.kind, national_id.last4)

    assert mask is not None
    assert re.fullmatch(r"XXXXX-XXXX\d{3}-\d", mask)
    assert re.sub(r"\D", "", mask) == digits[-4:]


# --- clean_name ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "आशा देवी",  # Devanagari
        "ਗੁਰਪ੍ਰੀਤ ਕੌਰ",  # Gurmukhi
        "محمد علی",  # Urdu (Arabic script)
        "முருகன்",  # Tamil
        "Ōlafur Ægirsson",
        "Asha 🌸",
        "👩\u200d👩\u200d👧",  # a family: emoji joined by ZWJ
        "क्\u200dष",  # ZWJ requesting a half-form conjunct
        "र\u200cश्मि",  # ZWNJ preventing one
        "D'Souza-Fernandes",
    ],
)
def test_names_in_any_script_are_kept_as_typed(name):
    assert clean_name(name) == name


def test_names_are_nfc_normalized():
    # Given "ज़ोया" typed with JA + NUKTA, and "José" with a combining acute
    decomposed_hindi = "\u091c\u093c\u094b\u092f\u093e"
    decomposed_latin = "Jose\u0301"

    assert clean_name(decomposed_hindi) == unicodedata.normalize("NFC", decomposed_hindi)
    assert clean_name(decomposed_latin) == "José"
    assert unicodedata.is_normalized("NFC", clean_name(decomposed_latin))


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("  आशा   देवी  ", "आशा देवी"),
        ("Asha\u00a0Devi", "Asha Devi"),  # no-break space
        ("Asha \u3000 Devi", "Asha Devi"),  # ideographic space
        ("\tAsha Devi\n", "Asha Devi"),  # trailing newline from a pasted form field
    ],
)
def test_whitespace_is_trimmed_and_collapsed(typed, kept):
    assert clean_name(typed) == kept


@pytest.mark.parametrize("name", ["", " ", "   \t  ", "\u3000"])
def test_blank_names_are_rejected(name):
    with pytest.raises(InvalidInput) as raised:
        clean_name(name)

    assert raised.value.field == "name"


def test_name_length_limit_is_100_characters():
    assert clean_name("अ" * 100) == "अ" * 100

    with pytest.raises(InvalidInput) as raised:
        clean_name("अ" * 101)

    assert raised.value.field == "name"


@pytest.mark.parametrize(
    "name",
    [
        "Asha\x00Devi",
        "Asha\nDevi",
        "Asha\rDevi",
        "Asha\x7fDevi",
        "Asha\x1bDevi",  # ESC, as in terminal escape sequences
        "\x00",
        "Asha\u202eiveD",  # right-to-left override: makes a name read differently than stored
        "Asha\u200bDevi",  # zero-width space
        "Asha\ufeffDevi",  # byte order mark
        "Asha\u2066Devi",  # left-to-right isolate
    ],
)
def test_control_and_format_characters_are_rejected(name):
    with pytest.raises(InvalidInput) as raised:
        clean_name(name)

    assert raised.value.field == "name"


@pytest.mark.parametrize("name", ["", "Asha\u202eDevi", "अ" * 101])
def test_rejections_name_the_field_passed(name):
    with pytest.raises(InvalidInput) as raised:
        clean_name(name, field="guardian_name")

    assert raised.value.field == "guardian_name"
    assert raised.value.message.startswith("guardian_name")


printable_names = st.text(
    alphabet=st.characters(categories=["L", "M", "N", "Zs"]),
    min_size=1,
    max_size=100,
)


@given(printable_names)
def test_any_printable_name_is_accepted_and_comes_back_nfc(name):
    # Given a name of letters, marks, digits and spaces that is not blank and whose NFC form fits
    # (NFC lengthens a few letters, e.g. U+0958 QA becomes KA + NUKTA: the limit counts NFC)
    assume(name.strip())
    assume(len(unicodedata.normalize("NFC", name).strip()) <= 100)
    # ...and that has a letter or digit: combining marks alone are no name (tested below)
    assume(any(unicodedata.category(c)[0] in "LN" for c in name))

    cleaned = clean_name(name)

    assert cleaned
    assert unicodedata.is_normalized("NFC", cleaned)
    assert cleaned == " ".join(unicodedata.normalize("NFC", name).split())


@given(printable_names)
def test_cleaning_a_clean_name_changes_nothing(name):
    assume(name.strip())
    assume(len(unicodedata.normalize("NFC", name).strip()) <= 100)
    assume(any(unicodedata.category(c)[0] in "LN" for c in name))  # marks alone are no name

    cleaned = clean_name(name)

    assert clean_name(cleaned) == cleaned


# --- check_password_policy -----------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "a1b2c3d4",  # exactly 8
        "correct horse battery staple",
        "मेरा गाँव गंगा के किनारे है",  # a Hindi passphrase
        "ਸਤ ਸ੍ਰੀ ਅਕਾਲ ਜੀ",
        "x" * 127 + "y",  # exactly 128
    ],
)
def test_reasonable_passwords_pass(password):
    assert check_password_policy(password) is None


@pytest.mark.parametrize(
    "password",
    [
        "",
        "a1b2c3d",  # 7
        "आशा१२३",  # 6 code points
        "ab" * 64 + "c",  # 129
        "password",
        "PassWord",
        "PASSWORD1",
        "12345678",
        "QwertyUIOP",
        "ILoveYou",
        "ABCD1234",
        "aaaaaaaa",
        "11111111111111",
        "१" * 12,  # one Devanagari digit repeated
        "🙂" * 8,
    ],
)
def test_short_long_common_or_repetitive_passwords_are_rejected_naming_the_field(password):
    with pytest.raises(InvalidInput) as raised:
        check_password_policy(password, field="new_password")

    assert raised.value.field == "new_password"


def test_password_field_defaults_to_password():
    with pytest.raises(InvalidInput) as raised:
        check_password_policy("short")

    assert raised.value.field == "password"


# --- mobiles and claim keys ----------------------------------------------------------------


@pytest.mark.parametrize(
    "mobile, masked",
    [
        ("+919876543210", "+91XXXXXX3210"),
        ("+923001234567", "+92XXXXXX4567"),
        (None, None),
        ("", None),
    ],
)
def test_mask_mobile_shows_country_code_and_last_four(mobile, masked):
    assert mask_mobile(mobile) == masked


def test_claim_keys_keep_citizens_and_officers_apart():
    # Given an officer who is also a citizen, with one mobile
    citizen_key = claim_key("citizen", "mobile", "+919876543210")
    officer_key = claim_key("officer", "mobile", "+919876543210")

    assert citizen_key == "citizen#mobile#+919876543210"
    assert officer_key == "officer#mobile#+919876543210"
    assert claim_key("citizen", "email", "+919876543210") != citizen_key


# --- principals, citizens, officers --------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_is_exactly_one_of_citizen_or_staff(role):
    principal = Principal("someone", role)

    assert principal.is_citizen == (role is Role.CITIZEN)
    assert principal.is_staff == (role is not Role.CITIZEN)


def a_citizen(**overrides: object) -> Citizen:
    fields: dict[str, object] = {
        "citizen_id": "cit-asha",
        "status": CitizenStatus.ACTIVE,
        "name": "आशा देवी",
        "national_id_kind": "aadhaar",
        "national_id_last4": "0124",
        "mobile": "+919876543210",
        "email": "asha@example.in",
        "password_hash": "not-a-real-hash",
        "address": Address(line="Ward 4, Danapur", district="PATNA", pincode="801503"),
        "language": "hi",
        "version": 1,
    }
    fields.update(overrides)
    return Citizen(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kind, last4, masked",
    [
        ("aadhaar", "0124", "XXXX-XXXX-0124"),
        ("cnic", "5671", "XXXXX-XXXX567-1"),
        (None, None, None),  # erased: nothing left to mask
    ],
)
def test_citizen_shows_only_a_masked_national_id(kind, last4, masked):
    citizen = a_citizen(national_id_kind=kind, national_id_last4=last4)

    assert citizen.masked_national_id == masked


def test_citizen_principal_is_a_citizen_of_their_district():
    principal = a_citizen().principal()

    assert principal == Principal("cit-asha", Role.CITIZEN, department=None, district="PATNA")
    assert principal.is_citizen


def test_citizen_without_an_address_has_no_district():
    assert a_citizen(address=None).principal() == Principal("cit-asha", Role.CITIZEN)


@pytest.mark.parametrize(
    "role, department, district",
    [
        (Role.OFFICER, "WATER", "PATNA"),
        (Role.SUPERVISOR, "WATER", "GAYA"),
        (Role.DEPARTMENT_HEAD, "ROADS", None),
        (Role.STATE_ADMIN, None, None),
    ],
)
def test_officer_principal_carries_role_department_and_district(role, department, district):
    officer = Officer(
        officer_id="off-ravi",
        name="Ravi Kumar",
        role=role,
        department=department,
        district=district,
        mobile="+919812345678",
        email="ravi@example.in",
        password_hash="not-a-real-hash",
        active=True,
        version=3,
    )

    principal = officer.principal()

    assert principal == Principal("off-ravi", role, department=department, district=district)
    assert principal.is_staff


# --- regressions found in review -----------------------------------------------------------


@pytest.mark.parametrize(
    "typed, plain",
    [("۳۵۲۰۲-۱۲۳۴۵۶۷-۱", "35202-1234567-1"), ("३५२०२-१२३४५६७-१", "35202-1234567-1")],
)
def test_national_ids_typed_in_other_digits_are_the_same_id(typed, plain):
    assert parse_national_id(typed).lookup_key() == parse_national_id(plain).lookup_key()
    assert mask_national_id("cnic", parse_national_id(typed).last4) == "XXXXX-XXXX567-1"


@pytest.mark.parametrize("raw", ["Asha \ud800", "\u200d\u200c", "\ue000 Asha"])
def test_names_that_cannot_be_stored_or_seen_are_rejected(raw):
    with pytest.raises(InvalidInput):
        clean_name(raw)


def test_the_length_limit_counts_the_cleaned_name():
    assert clean_name("a" + " " * 120 + "b") == "a b"


def test_combining_marks_alone_are_no_name():
    with pytest.raises(InvalidInput):
        clean_name("\u0483\u0301")


# --- unverified email, lapsing registrations -----------------------------------------------


def test_an_unverified_email_is_no_notification_target():
    # Given a citizen who chose email but whose address is still waiting for its code
    citizen = a_citizen(email=None, pending_email="asha@example.in", notify_by=("email",))

    assert citizen.notification_channels == ("sms",)


def test_a_verified_email_is_a_target_when_chosen():
    assert a_citizen(notify_by=("email",)).notification_channels == ("email",)


def test_a_pending_registration_lapses_at_its_expiry_and_not_before():
    made = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
    pending = a_citizen(status=CitizenStatus.PENDING_VERIFICATION, registration_expires_at=made + REGISTRATION_LIFETIME)

    assert timedelta(hours=24) == REGISTRATION_LIFETIME
    assert not pending.registration_lapsed(made + timedelta(hours=23, minutes=59))
    assert pending.registration_lapsed(made + timedelta(hours=24))
    assert not a_citizen().registration_lapsed(made + timedelta(days=400))  # active: nothing lapses
