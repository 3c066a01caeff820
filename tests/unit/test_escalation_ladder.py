"""A category may give each escalation level its own hours; the grievance keeps the ladder it
was routed with, so changing the category later never rewrites a deadline already set."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from chalicelib.domain import grievance as lifecycle
from chalicelib.domain.catalogue import Category, from_document, to_document
from tests.unit.cases import CLOCK, START, WATER, filed, routed

LADDER = replace(WATER, escalation_hours=(4, 10, 30))


def climb(grievance, owners=("sup-1", "head-1", "admin-1")):
    for owner in owners:
        now = grievance.due_at + timedelta(seconds=1)
        grievance = lifecycle.escalate(grievance, owner, CLOCK, now).grievance
        yield now, grievance


def test_each_level_gets_its_own_hours_from_the_category_ladder():
    g = routed(category=LADDER)
    assert (g.sla_hours, g.escalation_hours) == (24, (4, 10, 30))
    assert g.due_at == CLOCK.deadline(START, 24 * 3600, False)  # level 0: the category's SLA

    for (now, after), hours in zip(climb(g), (4, 10, 30), strict=True):
        assert after.due_at == CLOCK.deadline(now, hours * 3600, False)


def test_a_category_without_a_ladder_gives_every_level_its_sla_again():
    for now, after in climb(routed(category=WATER)):
        assert after.due_at == CLOCK.deadline(now, 24 * 3600, False)


def test_a_short_ladder_falls_back_to_the_sla_above_it():
    levels = list(climb(routed(category=replace(WATER, escalation_hours=(2,)))))
    (first_at, first), (second_at, second) = levels[0], levels[1]
    assert first.due_at == CLOCK.deadline(first_at, 2 * 3600, False)
    assert second.due_at == CLOCK.deadline(second_at, 24 * 3600, False)


def test_the_ladder_routed_with_is_kept_whatever_the_category_becomes():
    g = routed(category=LADDER)
    # The state cell edits the category afterwards: the grievance does not read it again.
    (now, after), *_ = climb(g)
    assert after.escalation_hours == (4, 10, 30)
    assert after.due_at == CLOCK.deadline(now, 4 * 3600, False)


def test_the_ladder_survives_the_catalogue_document_round_trip():
    stored = to_document(LADDER)
    assert from_document(Category, {**stored, "escalation_hours": list(stored["escalation_hours"])}) == LADDER
    assert from_document(Category, {k: v for k, v in stored.items() if k != "escalation_hours"}).escalation_hours == ()


def test_a_grievance_filed_before_ladders_existed_reads_as_having_none():
    assert filed().escalation_hours == ()
