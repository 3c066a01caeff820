"""`read_together`: the items of several reads in one call, each answer where its read was."""

from __future__ import annotations

from bench.aws_calls import count_aws_calls
from chalicelib.models import grievances, officers
from chalicelib.models import sessions as stored_sessions
from chalicelib.models.base import read_together


def test_reads_of_several_tables_come_back_in_one_call_in_the_order_asked(citizen, file_grievance, stack):
    # Given a stored grievance and a seeded officer
    tracking_id = file_grievance(citizen()).json_body["tracking_id"]
    officer_id = stack.seed.accounts[0].officer_id

    # When it, two officers (one that does not exist), the same officer again and a login
    # that was never made are read together
    with count_aws_calls() as calls:
        answers = read_together(
            officers.officer_read("no-such-officer"),
            grievances.grievance_read(tracking_id),
            officers.officer_read(officer_id),
            stored_sessions.login_read("login-never-made", "cit-nobody"),
            officers.officer_read(officer_id),
        )

    # Then one BatchGetItem answers each in place
    assert dict(calls) == {"dynamodb:BatchGetItem": 1}
    missing, grievance, officer, login_stands, again = answers
    assert missing is None and login_stands is False
    assert grievance == grievances.get_grievance(tracking_id)
    assert officer is not None and officer.officer_id == officer_id and again == officer


def test_one_read_alone_is_one_consistent_get(citizen, file_grievance):
    tracking_id = file_grievance(citizen()).json_body["tracking_id"]

    with count_aws_calls() as calls:
        (found,) = read_together(grievances.grievance_read(tracking_id))
        (absent,) = read_together(grievances.grievance_read("OD-000000-000000"))

    assert dict(calls) == {"dynamodb:GetItem": 2}
    assert found is not None and found.tracking_id == tracking_id and absent is None


def test_items_of_a_table_with_a_sort_key_are_read_by_both_keys(stack):
    from datetime import UTC, datetime

    from chalicelib.domain.catalogue import DepartmentWebhook
    from chalicelib.models import catalogue

    # Given one department with a webhook, and one without
    department = f"RT{datetime.now(UTC).strftime('%H%M%S%f')}"
    hook = DepartmentWebhook(
        department=department, url="https://hooks.example.in/rt", updated_at="t", updated_by="test"
    )
    catalogue.save_department_webhook(hook)
    officer_id = stack.seed.accounts[0].officer_id

    # When both are read with an officer, in one call
    with count_aws_calls() as calls:
        found, officer, absent = read_together(
            catalogue.department_webhook_read(department),
            officers.officer_read(officer_id),
            catalogue.department_webhook_read(f"{department}X"),
        )

    # Then each comes back by its full key: the hook asked for, None for the other
    assert dict(calls) == {"dynamodb:BatchGetItem": 1}
    assert found == hook == catalogue.get_department_webhook(department)
    assert absent is None and officer is not None and officer.officer_id == officer_id
