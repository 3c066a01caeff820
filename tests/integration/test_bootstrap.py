"""`make bootstrap` brings an empty `punjab` stack to a usable state: its catalogue loaded, a
first state_admin who gets a one-time password by SMS and email (never on the terminal)
and must change it at first login. Re-running changes nothing; an edited file changes only
its edits; a bad file is refused whole, every problem named, nothing written.

The punjab stack is provisioned from `infra/resources.json` on the session's moto server,
under its own prefix and region (crm-punjab-*, ap-south-2), beside the local stack's;
the bootstrap runs as the operator runs it (`infra.bootstrap.main`), and the app answers
as the deployed punjab stage (keys from the stack's secrets)."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from chalice.test import Client

from infra import bootstrap
from infra.package import load_stage
from infra.provision import REPO_ROOT, provision
from tests.integration.conftest import bearer, post

CATALOGUE = REPO_ROOT / "infra" / "seed" / "punjab.json"
ADMIN_MOBILE = "+919814012345"
ADMIN_EMAIL = "grievance.cell@punjab.gov.in"
ONE_TIME_PASSWORD = re.compile(r"\b[A-Za-z0-9]{4}(?:-[A-Za-z0-9]{4}){3}\b")
STAGE = load_stage("punjab")


@dataclass
class Run:
    exit_code: int
    out: str
    err: str
    logged: str


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(repr(record.__dict__))


def run_bootstrap(catalogue: Path, *extra: str) -> Run:
    """`make bootstrap STATE=punjab ...` in this process, with what it printed and logged
    (every record, whichever logger: Powertools' do not propagate to the root)."""
    out, err, recorder = io.StringIO(), io.StringIO(), _Recorder()
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in loggers:
        logger.addHandler(recorder)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = bootstrap.main(
                ["punjab", str(catalogue), "--admin-email", ADMIN_EMAIL, "--admin-mobile", ADMIN_MOBILE, *extra]
            )
    finally:
        for logger in loggers:
            logger.removeHandler(recorder)
    return Run(code, out.getvalue(), err.getvalue(), "\n".join(recorder.records))


def catalogue_table() -> list[dict[str, Any]]:
    """Every item of the punjab catalogue table, as stored."""
    client = boto3.client("dynamodb", region_name=STAGE.region)
    items = client.scan(TableName=f"{STAGE.resource_prefix}-catalogue")["Items"]
    return sorted(items, key=lambda item: (item["kind"]["S"], item["code"]["S"]))


def stored_count(table: str) -> int:
    client = boto3.client("dynamodb", region_name=STAGE.region)
    return int(client.scan(TableName=f"{STAGE.resource_prefix}-{table}", Select="COUNT")["Count"])


@contextlib.contextmanager
def punjab_app(chalice_app: Any) -> Iterator[Any]:
    """The app as the deployed punjab stage answers: its env, its keys from its secrets."""
    with bootstrap.stage_environment(STAGE), Client(chalice_app.app, stage_name="punjab") as client:
        yield client.http


def sent_to(recipient: str) -> list[dict[str, Any]]:
    with bootstrap.stage_environment(STAGE):
        from chalicelib.notify.outbox import read_outbox

        return read_outbox(recipient)


def write_catalogue(tmp_path: Path, document: dict[str, Any], name: str = "catalogue.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def first_run(_stack_state) -> Run:
    """An empty punjab stack, provisioned as the deploy creates it, then bootstrapped once."""
    provision(
        resource_prefix=STAGE.resource_prefix,
        ses_sender_domain=STAGE.ses_sender_domain,
        allowed_origins=STAGE.environment["ALLOWED_ORIGINS"].split(","),
        region=STAGE.region,
    )
    assert catalogue_table() == [] and stored_count("officers") == 0
    return run_bootstrap(CATALOGUE)


def test_an_empty_punjab_stack_is_loaded_with_the_files_catalogue(first_run, chalice_app):
    # Given an empty punjab stack, bootstrapped with the Punjab catalogue (the fixture)
    # Then the summary names what was added and who got the one-time password
    assert first_run.exit_code == 0, first_run.err
    assert "state PB: catalogue loaded" in first_run.out
    assert (
        "districts: 6 added (AMRITSAR, BATHINDA, JALANDHAR, LUDHIANA, PATIALA, SAS_NAGAR), 0 changed" in first_run.out
    )
    assert "departments: 3 added" in first_run.out and "services: 3 added" in first_run.out
    assert "categories: 8 added" in first_run.out and "calendar: added" in first_run.out
    assert re.search(
        r"state_admin created \(off-[^)]+\): one-time password sent to \+91X+2345 and g…@punjab\.gov\.in",
        first_run.out,
    )

    # When the catalogue is read as a citizen of the deployed stage would
    with punjab_app(chalice_app) as http:
        districts = http.get("/districts?lang=pa")
        categories = http.get("/categories")
        service = http.get("/services/WATER_SEWER_CONNECTION")
        from chalicelib.models.catalogue import get_state_calendar

        calendar = get_state_calendar()

    # Then the state is there, in its languages, with its calendar
    assert {d["code"] for d in districts.json_body["districts"]} == {
        "AMRITSAR",
        "BATHINDA",
        "JALANDHAR",
        "LUDHIANA",
        "PATIALA",
        "SAS_NAGAR",
    }
    assert "ਲੁਧਿਆਣਾ" in json.dumps(districts.json_body, ensure_ascii=False)
    assert len(categories.json_body["categories"]) == 8
    assert service.status_code == 200, service.body
    assert service.json_body["department"] == "WATER"
    assert (calendar["working_days"], calendar["day_start"], calendar["day_end"]) == ([0, 1, 2, 3, 4], "09:00", "17:00")
    assert calendar["holiday_names"]["2026-11-24"] == "Prakash Purab of Sri Guru Nanak Dev Ji"


def one_time_password(message: dict[str, Any]) -> str:
    (password,) = set(ONE_TIME_PASSWORD.findall(message["text"]))
    return str(password)


def test_the_first_admin_gets_a_one_time_password_by_sms_and_email_only_and_must_change_it(first_run, chalice_app):
    # Given the bootstrapped stack: the one-time password went by SMS and by email, the same one
    sms, email = sent_to(ADMIN_MOBILE)[0], sent_to(ADMIN_EMAIL)[0]
    password = one_time_password(sms)
    assert one_time_password(email) == password
    assert "ਰਾਜ ਪ੍ਰਸ਼ਾਸਕ" in email["text"]  # the email speaks the state's languages too
    # and never to the terminal or a log
    assert "first state_admin" in first_run.logged  # (the capture works)
    for shown in (first_run.out, first_run.err, first_run.logged):
        assert password not in shown
    created = re.search(r"state_admin created \((off-[^)]+)\)", first_run.out)
    assert created, first_run.out

    # When the operator asks for a new one for someone else, then for the admin (it never arrived, say)
    stranger = run_bootstrap(CATALOGUE, "--reissue-password", "--admin-mobile", "+919814099999")
    reissued = run_bootstrap(CATALOGUE, "--reissue-password")
    new_password = one_time_password(sent_to(ADMIN_MOBILE)[-1])
    with punjab_app(chalice_app) as http:
        # and the admin logs in with the first, then the new one-time password
        stale = post(http, "/auth/login", {"username": ADMIN_EMAIL, "password": password})
        login = post(http, "/auth/login", {"username": ADMIN_EMAIL, "password": new_password})
        token = login.json_body["access_token"]
        before_change = http.get("/admin/audit", headers=bearer(token))
        chosen = "ਪੰਜਾਬ grievance cell 2026"
        changed = post(http, "/me/password", {"current_password": new_password, "new_password": chosen}, token)
        again = post(http, "/auth/login", {"username": ADMIN_MOBILE, "password": chosen})
        trail = http.get("/admin/audit", headers=bearer(again.json_body["access_token"]))
    # and once it was used, the operator tries to reissue one again
    too_late = run_bootstrap(CATALOGUE, "--reissue-password")

    # Then only the admin's own contact gets a new password, the first stops working
    assert stranger.exit_code == 2 and "reissue_password: no state_admin with this mobile" in stranger.err
    assert reissued.exit_code == 0, reissued.err
    assert "given a new one-time password" in reissued.out and new_password not in reissued.out + reissued.logged
    assert new_password != password and stale.status_code == 401
    # and the admin had to change it before anything else
    assert login.status_code == 200, login.body
    assert (login.json_body["role"], login.json_body["password_change_required"]) == ("state_admin", True)
    assert before_change.status_code == 403 and before_change.json_body["error"]["code"] == "password_change_required"
    assert changed.status_code == 204, changed.body
    assert again.status_code == 200 and again.json_body["password_change_required"] is False
    # and an account in use is never handed a new password by the operator
    assert too_late.exit_code == 2 and "reissue_password" in too_late.err
    # and the trail holds the load and the admin's creation, by the bootstrap, and no password
    assert trail.status_code == 200, trail.body
    entries = trail.json_body["entries"]
    loaded = [e for e in entries if e["event"] == "catalogue_loaded"][-1]  # the first load (newest first)
    assert (loaded["actor_id"], loaded["subject"]) == ("bootstrap", "catalogue")
    assert loaded["details"]["districts"]["added"][0] == "AMRITSAR"
    assert [e["subject"] for e in entries if e["event"] == "officer_created"] == [f"officer/{created.group(1)}"]
    assert [e["details"] for e in entries if e["event"] == "officer_changed"] == [
        {"password": "one-time password reissued"}
    ]
    assert password not in json.dumps(trail.json_body) and new_password not in json.dumps(trail.json_body)


def test_a_rerun_with_the_same_file_changes_nothing_and_creates_no_second_admin(first_run):
    # Given a bootstrapped punjab stack
    before = catalogue_table()
    trail_before = stored_count("audit")
    messages_before = len(sent_to(ADMIN_MOBILE) + sent_to(ADMIN_EMAIL))

    # When the same bootstrap runs again
    rerun = run_bootstrap(CATALOGUE)

    # Then nothing was written, no admin created, no message sent, and it says so
    assert rerun.exit_code == 0, rerun.err
    assert "state PB: no change" in rerun.out
    assert "districts: 0 added, 0 changed, 6 unchanged" in rerun.out
    assert "calendar: unchanged" in rerun.out
    assert re.search(r"state_admin exists \(off-[^)]+\): none created", rerun.out)
    assert catalogue_table() == before
    assert stored_count("audit") == trail_before
    assert stored_count("officers") == 1
    assert len(sent_to(ADMIN_MOBILE) + sent_to(ADMIN_EMAIL)) == messages_before


def test_an_edited_file_changes_only_its_edits_and_says_which(first_run, tmp_path):
    # Given a bootstrapped punjab stack and the file with a few edits
    original = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    edited = copy.deepcopy(original)
    edited["districts"][3]["population"] = 3_500_000  # LUDHIANA
    edited["categories"][3]["sla_hours"] = 6  # POWER_OUTAGE
    edited["services"][2]["form"]["properties"]["employees"]["maximum"] = 50_000  # TRADE_LICENCE
    edited["state"]["calendar"]["holidays"].append({"date": "2027-03-22", "name": "Holi"})
    stored = {(i["kind"]["S"], i["code"]["S"]): i for i in catalogue_table()}

    # When it is loaded
    run = run_bootstrap(write_catalogue(tmp_path, edited))

    # Then only the edited items changed, and the summary names them
    assert run.exit_code == 0, run.err
    assert "districts: 0 added, 1 changed (LUDHIANA), 5 unchanged" in run.out
    assert "departments: 0 added, 0 changed, 3 unchanged" in run.out
    assert "services: 0 added, 1 changed (TRADE_LICENCE), 2 unchanged" in run.out
    assert "categories: 0 added, 1 changed (POWER_OUTAGE), 7 unchanged" in run.out
    assert "calendar: changed" in run.out
    assert "state_admin exists" in run.out
    now = {(i["kind"]["S"], i["code"]["S"]): i for i in catalogue_table()}
    differing = {key for key in stored.keys() | now.keys() if stored.get(key) != now.get(key)}
    assert differing == {
        ("DISTRICT", "LUDHIANA"),
        ("CATEGORY", "POWER_OUTAGE"),
        ("SERVICE", "TRADE_LICENCE"),
        ("STATE", "CALENDAR"),
        # the form the earlier applications were filed on is kept
        (
            "SERVICE_VERSION",
            f"TRADE_LICENCE#{json.loads(stored[('SERVICE', 'TRADE_LICENCE')]['details']['S'])['form_version']}",
        ),
    }
    assert json.loads(now[("DISTRICT", "LUDHIANA")]["details"]["S"])["population"] == 3_500_000

    # and loading the original again puts back exactly those
    restored = run_bootstrap(CATALOGUE)
    assert "1 changed (LUDHIANA)" in restored.out and "1 changed (POWER_OUTAGE)" in restored.out
    assert "calendar: changed" in restored.out


def test_a_bad_file_is_refused_whole_naming_each_problem_and_nothing_is_written(first_run, tmp_path):
    # Given a file with a new district (fine), an unknown department, a duplicate code and a bad form
    bad = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    bad["districts"].append({"code": "BARNALA", "names": {"en": "Barnala"}, "population": 595527})
    bad["categories"][0]["department"] = "HEALTH"
    bad["departments"].append({"code": "WATER", "names": {"en": "Water again"}})
    bad["services"][1]["form"] = {"type": "object", "properties": {"load_kw": {"type": "number"}}}
    bad["state"]["calendar"]["holidays"][4] = "2026-02-30"
    before, trail_before, officers_before = catalogue_table(), stored_count("audit"), stored_count("officers")

    # When it is bootstrapped
    run = run_bootstrap(write_catalogue(tmp_path, bad))

    # Then it is refused with exit 2, each problem named where it is
    assert run.exit_code == 2
    assert "refused, nothing was written" in run.err
    for problem in (
        "categories[0].department: no department 'HEALTH'",
        "departments[3].code: duplicate code WATER",
        "services[1].form: must be an object schema with additionalProperties false.",
        "state.calendar.holidays[4]: not a date (YYYY-MM-DD)",
    ):
        assert problem in run.err
    assert run.out == ""
    # and nothing at all was written: not the good district, not a trail entry
    assert catalogue_table() == before
    assert stored_count("audit") == trail_before
    assert stored_count("officers") == officers_before


def test_a_file_for_another_state_is_refused(first_run):
    # Given Odisha's demo file, When it is bootstrapped into punjab, Then it is refused
    run = run_bootstrap(REPO_ROOT / "infra" / "seed" / "demo_state.json")

    assert run.exit_code == 2
    assert "state.code: is 'OD', but this stage's state is 'PB'" in run.err


def test_a_file_that_is_not_json_is_refused(first_run, tmp_path):
    path = tmp_path / "catalogue.json"
    path.write_text('{"state": {"code": "PB",', encoding="utf-8")

    run = run_bootstrap(path)

    assert run.exit_code == 2
    assert "refused, nothing was written" in run.err and "not a JSON file" in run.err


def test_a_file_moving_a_category_with_open_grievances_is_refused_naming_them(first_run, tmp_path):
    # Given an open grievance of the file's first category, routed to its department
    original = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    category = original["categories"][0]
    elsewhere = next(d["code"] for d in original["departments"] if d["code"] != category["department"])
    with bootstrap.stage_environment(STAGE):
        from dataclasses import replace

        from chalicelib.domain.catalogue import Category, from_document
        from chalicelib.domain.identity import Role
        from chalicelib.models import grievances, officers
        from chalicelib.models.case_store import load_counter_key
        from chalicelib.models.counters import Counter
        from chalicelib.models.grievances import GrievanceRecord
        from tests.unit.cases import filed, route

        (admin,) = [o.officer_id for o in officers.officers_in(None, None) if o.role is Role.STATE_ADMIN]
        open_one = filed(
            tracking_id="PB-261203-MOVEME",
            category=category["code"],
            district=original["districts"][0]["code"],
        )
        routed = route(open_one, from_document(Category, category))
        routed = replace(routed, grievance=replace(routed.grievance, assignee_id=admin))
        grievances.save_change(None, routed, open_one.filed_at)
    moved = copy.deepcopy(original)
    moved["categories"][0]["department"] = elsewhere
    before = catalogue_table()

    try:
        # When a file moves that category to another department
        run = run_bootstrap(write_catalogue(tmp_path, moved))

        # Then it is refused, naming the grievance, and nothing is written
        assert run.exit_code == 2
        assert "categories[0].department" in run.err and "PB-261203-MOVEME" in run.err
        assert catalogue_table() == before
    finally:
        with bootstrap.stage_environment(STAGE):  # as it was: no grievance, nothing on the admin's desk
            GrievanceRecord.get("PB-261203-MOVEME").delete()
            Counter(*load_counter_key(admin)).update(actions=[Counter.value.add(-1)])
