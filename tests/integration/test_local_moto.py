"""The local moto server as the stack needs it: DynamoDB transactions from many threads at
once all land, and moto's dashboard-only instance lists do not keep every copy a
transaction makes. (Unserialised, moto's races are timing-dependent: they showed under the
burst bench as 500s while copying a table mid-write; this test holds the outcome, not the
timing.)"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from moto.core.model_instances import model_data

from chalicelib.domain.identity import Principal, Role
from chalicelib.models import audit_trail, grievances
from chalicelib.services.file_grievance import NewGrievance, file_grievance


def test_concurrent_transactions_all_land_and_nothing_is_rolled_back(citizen, routed_grievance):
    """Officers' stale writes (cancelled transactions, which moto rolls back by restoring a
    copy of the table) race with citizens filing: every filing must still be there."""
    from chalicelib.domain import grievance as lifecycle
    from chalicelib.domain.errors import Conflict

    people = [citizen() for _ in range(5)]
    contested = grievances.get_grievance(routed_grievance(people[0], category="WELFARE_APPLICATION_PENDING"))
    officer = Principal(contested.assignee_id, Role.OFFICER, contested.department, contested.district)
    categories = [
        "WATER_NO_SUPPLY",
        "ROADS_POTHOLE",
        "SANITATION_GARBAGE",
        "ELECTRICITY_OUTAGE",
        "HEALTH_DOCTOR_ABSENT",
    ]
    filings = [(person, category) for person in people for category in categories]

    def file(job: tuple) -> str:
        person, category = job
        request = NewGrievance(description=f"Concurrent filing: {category}.", district="CUTTACK", category=category)
        return file_grievance(Principal(person.citizen_id, Role.CITIZEN), request).tracking_id

    def stale_comment(n: int) -> str:
        change = lifecycle.comment(contested, officer, f"Note {n}.", contested.filed_at)
        try:
            grievances.save_change(contested, change, contested.filed_at)
        except Conflict:
            return "conflict"
        return "saved"

    # Interleaved, so cancelled transactions and filings really overlap.
    jobs = [job for n, filing in enumerate(filings) for job in ((stale_comment, n), (file, filing))]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda job: (job[0], job[0](job[1])), jobs))
    outcomes = [result for run, result in results if run is stale_comment]
    tracking_ids = [result for run, result in results if run is file]

    assert outcomes.count("saved") == 1 and outcomes.count("conflict") == len(filings) - 1
    assert len(set(tracking_ids)) == len(filings)
    missing = [t for t in tracking_ids if grievances.get_grievance(t) is None or len(audit_trail.history(t)) != 1]
    assert missing == []


def test_moto_does_not_keep_every_copy_a_transaction_makes(citizen, file_grievance):
    person = citizen()
    for category in ("WATER_NO_SUPPLY", "ROADS_POTHOLE", "HEALTH_DOCTOR_ABSENT"):
        file_grievance(person, category=category)

    tracked = {name: len(model.instances_tracked) for name, model in model_data["dynamodb"].items()}

    assert tracked and all(count == 0 for count in tracked.values()), tracked
