"""The application's stages as pure functions: who may make each move, what it does to the
SLA clock, and the form checks, without any AWS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.application import (
    ALLOWED,
    Action,
    Application,
    Document,
    Stage,
    StageNotAllowed,
    act,
    new_application_id,
    require_may_act,
    sla_seconds_for,
    submit,
)
from chalicelib.domain.catalogue import Service, skeleton
from chalicelib.domain.errors import Forbidden, InvalidInput
from chalicelib.domain.forms import FormInvalid, check_form, validate_fields
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.sla import SlaClock, WorkingCalendar

CLOCK = SlaClock(WorkingCalendar())
MONDAY_NOON = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)  # 12:00 in Odisha
CITIZEN = Principal("cit-1", Role.CITIZEN, district="KHORDHA")
OFFICER = Principal("off-1", Role.OFFICER, department="WATER", district="KHORDHA")
OTHER_OFFICER = Principal("off-2", Role.OFFICER, department="WATER", district="KHORDHA")
HEAD = Principal("head-1", Role.DEPARTMENT_HEAD, department="WATER")
ROADS_HEAD = Principal("head-2", Role.DEPARTMENT_HEAD, department="ROADS")
PHOTO = Document("premises_photo", "applications/x/premises_photo/u", "image/jpeg", 10, "ab" * 32, MONDAY_NOON)


def submitted() -> Application:
    application = Application(
        tracking_id=new_application_id("OD", MONDAY_NOON),
        citizen_id=CITIZEN.subject_id,
        service_code="WATER_NEW_CONNECTION",
        form_version=1,
        department="WATER",
        district="KHORDHA",
        fields={},
        filed_at=MONDAY_NOON,
        assignee_id=OFFICER.subject_id,
        sla_seconds=sla_seconds_for(15, CLOCK),
    )
    return submit(application, CITIZEN, CLOCK, MONDAY_NOON).application


def move(application: Application, actor: Principal, action: Action, at: datetime = MONDAY_NOON, **kw):
    """A move as the service makes it: through the gate once, then the transition."""
    require_may_act(actor, application, action)
    return act(application, actor, action, note=kw.pop("note", "because"), clock=CLOCK, now=at, **kw).application


def test_fifteen_working_days_run_out_fifteen_working_days_later():
    application = submitted()

    # 7.5 office hours a day, Monday to Saturday: Monday noon + 15 days of them
    assert sla_seconds_for(15, CLOCK) == 15 * 7.5 * 3600
    assert application.due_at == CLOCK.calendar.add_working_seconds(MONDAY_NOON, 15 * 7.5 * 3600)
    assert application.due_at.astimezone(CLOCK.calendar.zone).date().isoformat() == "2026-12-17"


def test_the_happy_path_runs_through_every_stage_to_completed():
    application = submitted()
    for action, stage in [
        (Action.START_VERIFICATION, Stage.UNDER_VERIFICATION),
        (Action.VERIFY, Stage.PROCESSING),
        (Action.APPROVE, Stage.APPROVED),
        (Action.COMPLETE, Stage.COMPLETED),
    ]:
        application = move(application, OFFICER, action)
        assert application.stage is stage
    assert application.due_at is None and application.completed_at == MONDAY_NOON and not application.is_open


def test_asking_the_citizen_pauses_the_clock_and_the_answer_resumes_it_where_it_was():
    application = move(submitted(), OFFICER, Action.START_VERIFICATION)
    left = CLOCK.remaining(MONDAY_NOON + timedelta(hours=1), application.due_at, False)

    asked = move(
        application,
        OFFICER,
        Action.REQUEST_INFO,
        MONDAY_NOON + timedelta(hours=1),
        requested_documents=("premises_photo",),
    )
    assert asked.stage is Stage.INFO_REQUESTED and asked.due_at is None and asked.sla_remaining_seconds == left

    week_later = MONDAY_NOON + timedelta(days=7)
    with pytest.raises(InvalidInput, match=r"documents\.premises_photo"):
        move(asked, CITIZEN, Action.PROVIDE_INFO, week_later)
    answered = move(asked, CITIZEN, Action.PROVIDE_INFO, week_later, documents={"premises_photo": PHOTO})

    assert answered.stage is Stage.UNDER_VERIFICATION
    assert answered.due_at == CLOCK.deadline(week_later, left, False)
    assert answered.documents["premises_photo"] == PHOTO and answered.info_request is None


def test_only_the_applicant_answers_and_only_the_department_moves_it():
    application = move(submitted(), OFFICER, Action.START_VERIFICATION)

    with pytest.raises(Forbidden):
        move(application, CITIZEN, Action.VERIFY)
    with pytest.raises(Forbidden):
        move(application, OTHER_OFFICER, Action.VERIFY)  # not assigned to them
    with pytest.raises(Forbidden):
        move(application, ROADS_HEAD, Action.VERIFY)
    assert move(application, HEAD, Action.VERIFY).stage is Stage.PROCESSING
    asked = move(application, OFFICER, Action.REQUEST_INFO)
    with pytest.raises(Forbidden):
        move(asked, Principal("cit-2", Role.CITIZEN), Action.PROVIDE_INFO, note="me")


SUPERVISOR = Principal("sup-1", Role.SUPERVISOR, department="WATER", district="KHORDHA")
STATE_CELL = Principal("admin-1", Role.STATE_ADMIN)


@pytest.mark.parametrize("actor", [OFFICER, SUPERVISOR, HEAD, STATE_CELL], ids=lambda p: p.role.value)
@pytest.mark.parametrize("action", sorted(set(Action) - {Action.PROVIDE_INFO}))
def test_an_application_never_escalates_so_its_officer_and_everyone_above_in_reach_move_it(actor, action):
    # Applications share the grievances' gate (access.require_may_act) at the first rung.
    application = submitted()
    assert application.scope.level == 0
    try:
        require_may_act(actor, application, action)
    except StageNotAllowed:
        assert action not in ALLOWED[application.stage]


def test_a_rejection_needs_a_reason_and_is_then_closed_as_completed():
    application = move(submitted(), OFFICER, Action.START_VERIFICATION)

    with pytest.raises(InvalidInput, match="note"):
        move(application, OFFICER, Action.REJECT, note="  ")
    rejected = move(application, OFFICER, Action.REJECT, note="Not in the supply area.")
    assert rejected.stage is Stage.REJECTED and rejected.due_at is None
    assert move(rejected, OFFICER, Action.COMPLETE).stage is Stage.COMPLETED


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list(Action)), max_size=12))
def test_any_sequence_of_moves_only_ever_makes_the_allowed_ones(actions):
    application = submitted()
    for action in actions:
        actor = CITIZEN if action is Action.PROVIDE_INFO else OFFICER
        allowed = action in ALLOWED[application.stage]
        try:
            after = move(application, actor, action, note="n")
        except StageNotAllowed as refused:
            assert not allowed
            assert refused.allowed == sorted(a.value for a in ALLOWED[application.stage])
            continue
        assert allowed
        assert (after.due_at is not None) == (
            after.stage in {Stage.SUBMITTED, Stage.UNDER_VERIFICATION, Stage.PROCESSING, Stage.APPROVED}
        )
        application = after


FORM = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "pincode"],
    "properties": {
        "name": {"type": "string", "minLength": 3},
        "pincode": {"type": "string", "pattern": "^[1-9][0-9]{5}$"},
        "members": {"type": "integer", "minimum": 1},
    },
}


def test_a_declared_format_is_enforced():
    form = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"born": {"type": "string", "format": "date"}},
    }

    assert validate_fields(form, {"born": "2026-11-30"}) == {"born": "2026-11-30"}
    with pytest.raises(FormInvalid, match=r"fields\.born"):
        validate_fields(form, {"born": "30/11/2026"})


def test_an_answer_carries_what_was_asked_and_nothing_already_verified():
    asked = move(
        move(submitted(), OFFICER, Action.START_VERIFICATION),
        OFFICER,
        Action.REQUEST_INFO,
        requested_fields=("pincode",),
    )

    with pytest.raises(InvalidInput, match=r"fields\.applicant_name"):
        move(asked, CITIZEN, Action.PROVIDE_INFO, answers={"pincode": "751007", "applicant_name": "Someone Else"})
    with pytest.raises(InvalidInput, match=r"documents\.premises_photo"):
        move(asked, CITIZEN, Action.PROVIDE_INFO, answers={"pincode": "751007"}, documents={"premises_photo": PHOTO})
    answered = move(asked, CITIZEN, Action.PROVIDE_INFO, answers={"pincode": "751007"})
    assert answered.fields == {"pincode": "751007"} and answered.stage is Stage.UNDER_VERIFICATION


def test_a_citizen_who_never_answers_can_be_refused_and_it_stays_on_the_desk_until_closed():
    asked = move(move(submitted(), OFFICER, Action.START_VERIFICATION), OFFICER, Action.REQUEST_INFO)

    rejected = move(asked, OFFICER, Action.REJECT, note="No answer in 30 days.")

    assert rejected.stage is Stage.REJECTED and rejected.info_request is None and rejected.is_open
    assert not move(rejected, OFFICER, Action.COMPLETE).is_open


def test_a_form_names_every_wrong_field_without_echoing_values():
    with pytest.raises(FormInvalid) as refused:
        validate_fields(FORM, {"name": "Al", "members": 0, "aadhaar": "234123412346"})

    problems = {p["field"]: p["message"] for p in refused.value.problems}
    assert set(problems) == {"fields.name", "fields.members", "fields.aadhaar", "fields.pincode"}
    assert "234123412346" not in str(problems)
    assert validate_fields(FORM, {"members": 2}, partial=True) == {"members": 2}


@pytest.mark.parametrize(
    "form",
    [
        {"type": "object", "properties": {"a": {"type": "string"}}},  # accepts unknown fields
        {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "object"}}},
        {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "string"}}, "required": ["b"]},
        {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "strin"}}},
        {"type": "object", "additionalProperties": False, "properties": {"a": {"type": ["string", "null"]}}},
        {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "array", "items": True}}},
        {"type": "object", "additionalProperties": False, "properties": {"a": {"$ref": "https://example.org/s"}}},
        {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "string"}}, "required": "a"},
    ],
)
def test_a_form_the_system_could_not_show_or_check_is_refused_when_saved(form):
    with pytest.raises(InvalidInput):
        check_form(form)


@pytest.mark.parametrize(
    ("typed", "written"),
    [("pani", "पानी"), ("jal", "जल"), ("nal", "नल"), ("janm", "जन्म"), ("pension", "पेंशन"), ("pani", "ପାଣି")],
)
def test_a_word_sounds_the_same_in_latin_letters_and_in_indian_scripts(typed, written):
    assert skeleton(typed) == skeleton(written)


def test_search_does_not_confuse_words_that_merely_share_consonants():
    service = Service(code="X", department="W", names={"en": "Old age pension"}, sla_days=1)

    assert service.matches("pension") and service.matches("पेंशन")
    assert not service.matches("pani")
