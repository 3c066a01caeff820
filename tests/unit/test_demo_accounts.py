"""The demo logins derived from the catalogue: one per seat, stable, and unique."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from chalicelib.domain.catalogue import Department, District
from chalicelib.services.demo_state import DEMO_PASSWORDS, OFFICERS_PER_DISTRICT, DemoAccount, demo_accounts

INDIAN_MOBILE = re.compile(r"\+91[6-9][0-9]{9}")

DEPARTMENTS = [
    Department(code="WATER", names={"en": "Water Supply", "hi": "जल आपूर्ति"}),
    Department(code="HEALTH", names={"en": "Health", "hi": "स्वास्थ्य"}),
    Department(code="REVENUE", names={"en": "Revenue", "hi": "राजस्व"}),
]
DISTRICTS = [
    District(code="KHORDHA", names={"en": "Khordha", "hi": "खोरधा"}),
    District(code="CUTTACK", names={"en": "Cuttack", "hi": "कटक"}),
    District(code="PURI", names={"en": "Puri", "hi": "पुरी"}),
    District(code="GANJAM", names={"en": "Ganjam", "hi": "गंजाम"}),
]


@pytest.fixture
def accounts() -> list[DemoAccount]:
    return demo_accounts("OD", DEPARTMENTS, DISTRICTS)


def with_role(accounts: list[DemoAccount], role: str) -> list[DemoAccount]:
    return [a for a in accounts if a.role == role]


def test_the_state_has_exactly_one_admin_bound_to_no_department_or_district(accounts):
    admins = with_role(accounts, "state_admin")

    assert len(admins) == 1
    assert (admins[0].department, admins[0].district) == (None, None)


def test_every_department_has_one_head_bound_to_no_district(accounts):
    heads = with_role(accounts, "department_head")

    assert Counter(h.department for h in heads) == Counter(d.code for d in DEPARTMENTS)
    assert all(h.district is None for h in heads)


def test_every_department_and_district_has_one_supervisor_and_its_officers(accounts):
    seats = [(d.code, district.code) for d in DEPARTMENTS for district in DISTRICTS]

    supervisors = Counter((a.department, a.district) for a in with_role(accounts, "supervisor"))
    officers = Counter((a.department, a.district) for a in with_role(accounts, "officer"))

    assert supervisors == Counter(seats)
    assert officers == Counter({seat: OFFICERS_PER_DISTRICT for seat in seats})


def test_there_are_no_other_roles_or_extra_accounts(accounts):
    seats = len(DEPARTMENTS) * len(DISTRICTS)

    assert {a.role for a in accounts} == set(DEMO_PASSWORDS)
    assert len(accounts) == 1 + len(DEPARTMENTS) + seats * (1 + OFFICERS_PER_DISTRICT)


@pytest.mark.parametrize("attribute", ["officer_id", "mobile", "email", "username"])
def test_ids_mobiles_and_emails_are_unique(accounts, attribute):
    values = [getattr(a, attribute) for a in accounts]

    assert [value for value, count in Counter(values).items() if count > 1] == []


def test_mobiles_are_indian_numbers_in_e164(accounts):
    assert [a.mobile for a in accounts if not INDIAN_MOBILE.fullmatch(a.mobile)] == []


def test_emails_are_addresses_in_the_states_demo_domain(accounts):
    assert all(a.email.endswith("@od.demo.gov.in") for a in accounts)
    assert all(re.fullmatch(r"[a-z0-9.-]+@od\.demo\.gov\.in", a.email) for a in accounts)


def test_the_username_is_the_email(accounts):
    assert all(a.username == a.email == a.as_dict()["username"] for a in accounts)


def test_each_account_has_its_roles_demo_password(accounts):
    assert all(a.password == DEMO_PASSWORDS[a.role] for a in accounts)
    # Roles do not share a password, so a seat's password says which role it unlocks.
    assert len(set(DEMO_PASSWORDS.values())) == len(DEMO_PASSWORDS)


def test_names_say_the_role_and_where_it_sits(accounts):
    supervisor = next(a for a in with_role(accounts, "supervisor") if (a.department, a.district) == ("WATER", "PURI"))

    assert "Supervisor" in supervisor.name
    assert "Water Supply" in supervisor.name
    assert "Puri" in supervisor.name


def test_the_same_catalogue_gives_the_same_accounts(accounts):
    assert demo_accounts("OD", DEPARTMENTS, DISTRICTS) == accounts


def test_the_accounts_do_not_depend_on_the_order_of_the_catalogue(accounts):
    # Given the same departments and districts listed in another order, and as one-shot iterators
    reordered = demo_accounts(
        "OD", iter(DEPARTMENTS[::-1]), iter([DISTRICTS[2], DISTRICTS[0], DISTRICTS[3], DISTRICTS[1]])
    )

    # Then every account, its id, number and email included, is the same and in the same place
    assert reordered == accounts


def test_adding_a_district_keeps_the_existing_seats_logins(accounts):
    # A re-seed after the catalogue grows should not hand an existing officer's login to another seat.
    grown = demo_accounts("OD", DEPARTMENTS, [*DISTRICTS, District(code="ZZZ_LAST", names={"en": "Last"})])
    by_id = {a.officer_id: a for a in grown}

    assert {a.officer_id for a in accounts} <= set(by_id)
    assert all(by_id[a.officer_id].email == a.email for a in accounts)


def test_a_state_without_departments_has_only_its_admin():
    accounts = demo_accounts("PB", [], DISTRICTS)

    assert [(a.role, a.email) for a in accounts] == [("state_admin", "state-admin@pb.demo.gov.in")]
