"""Mobile numbers and email addresses, normalized so one person has one key.

`+91 98765-43210`, `098765 43210` and `9876543210` are one mobile (`+919876543210`);
`Asha@Example.IN` and `asha@example.in` one email. Libraries do the parsing:
phonenumbers (Google's libphonenumber) and email-validator, never DNS. Both are imported
where they are used, so the requests that never see a mobile or an email (catalogue
reads, every authenticated call) do not pay ~40 ms of imports on a cold start.
"""

from __future__ import annotations

from collections.abc import Collection

from chalicelib.domain.errors import InvalidInput

DEFAULT_REGION = "IN"


def normalize_mobile(
    raw: str, field: str = "mobile", region: str = DEFAULT_REGION, allowed_regions: Collection[str] | None = None
) -> str:
    """The E.164 form of a mobile number; a national number is read in `region` (Indian).

    With `allowed_regions` (ISO 3166 codes), a number of any other country is refused: SMS
    is sent only where the stage serves citizens, so nobody can make it text abroad at the
    state's cost.
    """
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise InvalidInput(f"{field}: not a phone number.", field=field) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"{field}: not a valid phone number.", field=field)
    mobile_types = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
    if phonenumbers.number_type(number) not in mobile_types:
        raise InvalidInput(f"{field}: must be a mobile number (SMS is sent to it).", field=field)
    if allowed_regions is not None and phonenumbers.region_code_for_number(number) not in allowed_regions:
        raise InvalidInput(f"{field}: only mobiles of {', '.join(allowed_regions)} are accepted.", field=field)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalize_email(raw: str, field: str = "email") -> str:
    """A syntactically valid address, lower-cased, because citizens type their address in
    any case and expect it to be one account. (lower, not casefold: `ß` must stay `ß`.)"""
    from email_validator import EmailNotValidError, validate_email

    try:
        email = validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise InvalidInput(f"{field}: {error}", field=field) from None
    return str(email).lower()


def looks_like_email(username: str) -> bool:
    return "@" in username
