"""One case as its caller may see it: the same 404 for a case that is not theirs to see as
for one that does not exist, so a tracking id cannot be probed. The case's read carries the
request's login check when that is still to be made (`standing_login`)."""

from __future__ import annotations

from chalicelib.domain.access import can_see_case
from chalicelib.domain.application import Application
from chalicelib.domain.errors import NotFound
from chalicelib.domain.grievance import Grievance
from chalicelib.domain.identity import Principal
from chalicelib.models import applications, grievances
from chalicelib.services.standing_login import read_checking_login


def visible_grievance(principal: Principal, tracking_id: str) -> Grievance:
    grievance = read_checking_login(grievances.grievance_read(tracking_id))
    if grievance is None or not can_see_case(principal, grievance.scope):
        raise NotFound("No such grievance.", field="tracking_id")
    return grievance


def visible_application(principal: Principal, tracking_id: str) -> Application:
    application = read_checking_login(applications.application_read(tracking_id))
    if application is None or not can_see_case(principal, application.scope):
        raise NotFound("No such application.", field="tracking_id")
    return application
