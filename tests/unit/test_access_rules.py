"""Every access rule as a table: each role against each situation, deny by default."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chalicelib.domain.access import (
    CaseScope,
    can_manage_officers_of,
    can_see_case,
    can_see_officer,
    require_may_act,
)
from chalicelib.domain.errors import AboveYourLevel, Forbidden
from chalicelib.domain.identity import Principal, Role

# Asha's water grievance in Patna, assigned to officer Ravi.
ASHAS_CASE = CaseScope(citizen_id="cit-asha", department="WATER", district="PATNA", assignee_id="off-ravi")

ASHA = Principal("cit-asha", Role.CITIZEN, district="PATNA")
ASHAS_NEIGHBOUR = Principal("cit-bilal", Role.CITIZEN, district="PATNA")
RAVI_ASSIGNED = Principal("off-ravi", Role.OFFICER, department="WATER", district="PATNA")
MEERA_SAME_DESK = Principal("off-meera", Role.OFFICER, department="WATER", district="PATNA")
WATER_PATNA_SUPERVISOR = Principal("off-sup-1", Role.SUPERVISOR, department="WATER", district="PATNA")
WATER_GAYA_SUPERVISOR = Principal("off-sup-2", Role.SUPERVISOR, department="WATER", district="GAYA")
ROADS_PATNA_SUPERVISOR = Principal("off-sup-3", Role.SUPERVISOR, department="ROADS", district="PATNA")
WATER_HEAD = Principal("off-head-1", Role.DEPARTMENT_HEAD, department="WATER")
WATER_HEAD_POSTED_IN_GAYA = Principal("off-head-2", Role.DEPARTMENT_HEAD, department="WATER", district="GAYA")
ROADS_HEAD = Principal("off-head-3", Role.DEPARTMENT_HEAD, department="ROADS")
STATE_CELL = Principal("off-admin", Role.STATE_ADMIN)


# --- can_see_case --------------------------------------------------------------------------

CASE_VISIBILITY = [
    pytest.param(ASHA, True, id="citizen-own-case"),
    pytest.param(ASHAS_NEIGHBOUR, False, id="citizen-someone-elses-case"),
    pytest.param(RAVI_ASSIGNED, True, id="officer-assigned"),
    pytest.param(MEERA_SAME_DESK, False, id="officer-same-desk-not-assigned"),
    pytest.param(WATER_PATNA_SUPERVISOR, True, id="supervisor-same-department-and-district"),
    pytest.param(WATER_GAYA_SUPERVISOR, False, id="supervisor-other-district"),
    pytest.param(ROADS_PATNA_SUPERVISOR, False, id="supervisor-other-department"),
    pytest.param(WATER_HEAD, True, id="department-head-same-department"),
    pytest.param(WATER_HEAD_POSTED_IN_GAYA, True, id="department-head-any-district"),
    pytest.param(ROADS_HEAD, False, id="department-head-other-department"),
    pytest.param(STATE_CELL, True, id="state-admin"),
]


@pytest.mark.parametrize("principal, may_see", CASE_VISIBILITY)
def test_who_sees_a_case(principal, may_see):
    assert can_see_case(principal, ASHAS_CASE) is may_see


def test_every_role_appears_in_the_case_visibility_table():
    # A new Role must be given a row (and a decision) before it ships.
    roles_in_table = {param.values[0].role for param in CASE_VISIBILITY}

    assert roles_in_table == set(Role)


def test_every_role_that_sees_some_case_is_also_refused_some_case_except_the_state_cell():
    # Deny by default: only the state cell sees everything.
    refused_roles = {param.values[0].role for param in CASE_VISIBILITY if not param.values[1]}

    assert refused_roles == set(Role) - {Role.STATE_ADMIN}


def test_an_officer_loses_sight_of_a_case_reassigned_away():
    # Given Ravi's case reassigned to Meera
    reassigned = CaseScope(citizen_id="cit-asha", department="WATER", district="PATNA", assignee_id="off-meera")

    assert not can_see_case(RAVI_ASSIGNED, reassigned)
    assert can_see_case(MEERA_SAME_DESK, reassigned)


def test_an_unassigned_case_is_seen_by_no_officer():
    unassigned = CaseScope(citizen_id="cit-asha", department="WATER", district="PATNA", assignee_id=None)

    assert not can_see_case(RAVI_ASSIGNED, unassigned)
    assert not can_see_case(MEERA_SAME_DESK, unassigned)
    assert can_see_case(WATER_PATNA_SUPERVISOR, unassigned)


def test_a_citizen_sees_their_case_wherever_it_is_routed():
    # Given Asha's case routed to another department in another district
    moved = CaseScope(citizen_id="cit-asha", department="ROADS", district="GAYA", assignee_id="off-x")

    assert can_see_case(ASHA, moved)
    assert not can_see_case(ASHAS_NEIGHBOUR, moved)


# --- can_see_officer -----------------------------------------------------------------------

# Ravi: an officer of WATER in PATNA.
OFFICER_VISIBILITY = [
    pytest.param(ASHA, False, id="citizen"),
    pytest.param(MEERA_SAME_DESK, False, id="officer-even-same-desk"),
    pytest.param(WATER_PATNA_SUPERVISOR, True, id="supervisor-same-department-and-district"),
    pytest.param(WATER_GAYA_SUPERVISOR, False, id="supervisor-other-district"),
    pytest.param(ROADS_PATNA_SUPERVISOR, False, id="supervisor-other-department"),
    pytest.param(WATER_HEAD, True, id="department-head-same-department"),
    pytest.param(WATER_HEAD_POSTED_IN_GAYA, True, id="department-head-any-district"),
    pytest.param(ROADS_HEAD, False, id="department-head-other-department"),
    pytest.param(STATE_CELL, True, id="state-admin"),
]


@pytest.mark.parametrize("principal, may_see", OFFICER_VISIBILITY)
def test_who_sees_an_officer(principal, may_see):
    assert can_see_officer(principal, "WATER", "PATNA") is may_see


def test_every_role_appears_in_the_officer_visibility_table():
    assert {param.values[0].role for param in OFFICER_VISIBILITY} == set(Role)


def test_only_the_state_cell_sees_staff_outside_any_department():
    # Given a state-cell colleague, who belongs to no department or district
    assert can_see_officer(STATE_CELL, None, None)
    assert not can_see_officer(WATER_HEAD, None, None)
    assert not can_see_officer(WATER_PATNA_SUPERVISOR, None, None)
    assert not can_see_officer(RAVI_ASSIGNED, None, None)


# --- can_manage_officers_of ----------------------------------------------------------------

OFFICER_MANAGEMENT = [
    pytest.param(ASHA, "WATER", False, id="citizen"),
    pytest.param(RAVI_ASSIGNED, "WATER", False, id="officer-own-department"),
    pytest.param(WATER_PATNA_SUPERVISOR, "WATER", False, id="supervisor-own-department"),
    pytest.param(WATER_HEAD, "WATER", True, id="department-head-own-department"),
    pytest.param(WATER_HEAD_POSTED_IN_GAYA, "WATER", True, id="department-head-own-department-any-district"),
    pytest.param(ROADS_HEAD, "WATER", False, id="department-head-other-department"),
    pytest.param(WATER_HEAD, None, False, id="department-head-staff-of-no-department"),
    pytest.param(Principal("off-h", Role.DEPARTMENT_HEAD), None, False, id="department-head-without-department"),
    pytest.param(STATE_CELL, "WATER", True, id="state-admin-any-department"),
    pytest.param(STATE_CELL, None, True, id="state-admin-staff-of-no-department"),
]


@pytest.mark.parametrize("principal, department, may_manage", OFFICER_MANAGEMENT)
def test_who_manages_officers_of_a_department(principal, department, may_manage):
    assert can_manage_officers_of(principal, department) is may_manage


@pytest.mark.parametrize(
    "principal, role, may_manage",
    [
        pytest.param(WATER_HEAD, Role.OFFICER, True, id="head-manages-officer"),
        pytest.param(WATER_HEAD, Role.SUPERVISOR, True, id="head-manages-supervisor"),
        pytest.param(WATER_HEAD, Role.DEPARTMENT_HEAD, False, id="head-not-another-head"),
        pytest.param(WATER_HEAD, Role.STATE_ADMIN, False, id="head-not-state-admin"),
        pytest.param(STATE_CELL, Role.DEPARTMENT_HEAD, True, id="state-admin-manages-heads"),
    ],
)
def test_a_department_head_manages_only_the_ranks_below(principal, role, may_manage):
    assert can_manage_officers_of(principal, "WATER", role) is may_manage


def test_every_role_appears_in_the_officer_management_table():
    assert {param.values[0].role for param in OFFICER_MANAGEMENT} == set(Role)


# --- regressions found in review: a missing attribute matches nothing ----------------------


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.DEPARTMENT_HEAD])
def test_a_principal_without_a_department_sees_no_unplaced_record(role):
    nobody = Principal("p", role)

    assert not can_see_case(nobody, CaseScope("c", None, None, None))
    assert not can_see_officer(nobody, None, None)


def test_an_officer_without_an_id_match_sees_no_unassigned_case():
    assert not can_see_case(Principal("o", Role.OFFICER), CaseScope("c", "WATER", "PURI", None))


# --- require_may_act: the level a case has reached -------------------------------------------

# Those who see Asha's case, by the rung of the ladder they hold.
RUNG_OF = {RAVI_ASSIGNED: 0, WATER_PATNA_SUPERVISOR: 1, WATER_HEAD: 2, STATE_CELL: 3}


@pytest.mark.parametrize("level", range(4))
@pytest.mark.parametrize("principal", list(RUNG_OF), ids=lambda p: p.role.value)
def test_a_move_is_made_only_from_the_level_the_case_has_reached(principal, level):
    case = replace(ASHAS_CASE, level=level)
    if RUNG_OF[principal] >= level:
        require_may_act(principal, case, "resolve")
    else:
        with pytest.raises(AboveYourLevel):
            require_may_act(principal, case, "resolve")
    require_may_act(principal, case, "comment")  # a note never moves it: open to all who see it


@pytest.mark.parametrize("principal", [ASHA, ASHAS_NEIGHBOUR, MEERA_SAME_DESK, ROADS_PATNA_SUPERVISOR, ROADS_HEAD])
def test_nobody_acts_on_a_case_they_may_not_see(principal):
    with pytest.raises(Forbidden) as refused:
        require_may_act(principal, ASHAS_CASE, "comment")
    assert not isinstance(refused.value, AboveYourLevel)


def test_an_officer_never_reassigns_and_a_manager_only_at_their_level():
    with pytest.raises(Forbidden):
        require_may_act(RAVI_ASSIGNED, ASHAS_CASE, "reassign")
    require_may_act(WATER_PATNA_SUPERVISOR, ASHAS_CASE, "reassign")
    with pytest.raises(AboveYourLevel):
        require_may_act(WATER_PATNA_SUPERVISOR, replace(ASHAS_CASE, level=2), "reassign")
