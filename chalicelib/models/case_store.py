"""Cases: grievances and applications, stored alike.

A case changes only through `CaseStore.save`: one DynamoDB transaction that writes the whole
record guarded by the version that was read (two officers acting at once: one wins, the
other gets a Conflict), appends its audit entries with `attribute_not_exists` (the trail is
append-only), and moves the owners' open-load counters (grievances and applications share
an officer's desk). Both are listed the same way: a citizen's newest first, an officer's
queue most urgent first, a page at a time behind an opaque cursor.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import Field, dataclass, replace
from datetime import datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar, cast

from pynamodb.attributes import Attribute, NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.events import Event
from chalicelib.domain.jurisdiction import IndexName, Partition, seat_key
from chalicelib.models.audit_trail import AuditEntryRecord, chain_audit
from chalicelib.models.base import Guard, ItemRead, read_together, shared_connection, utc_text
from chalicelib.models.counters import Counter
from chalicelib.models.officers import OfficerRecord, jurisdiction_of

PAUSED = "~paused"  # sorts after every ISO date: a queue's paused items come last


class CitizenIndex(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "citizen-index"
        projection = AllProjection()

    citizen_id = UnicodeAttribute(hash_key=True)
    filed_at = UnicodeAttribute(range_key=True)


class QueueIndex(GlobalSecondaryIndex[Any]):
    """An officer's open cases, most urgent first (waiting on the citizen: last)."""

    class Meta:
        index_name = "queue-index"
        projection = AllProjection()

    queue_owner = UnicodeAttribute(hash_key=True)
    queue_due = UnicodeAttribute(range_key=True)


class DepartmentIndex(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "department-index"
        projection = AllProjection()

    department = UnicodeAttribute(hash_key=True)
    filed_at = UnicodeAttribute(range_key=True)


class SeatIndex(GlobalSecondaryIndex[Any]):
    """A seat's cases (department × district), newest first: a supervisor's jurisdiction."""

    class Meta:
        index_name = "seat-index"
        projection = AllProjection()

    seat = UnicodeAttribute(hash_key=True)
    filed_at = UnicodeAttribute(range_key=True)


class CaseRecord(Model):
    """What a grievance's and an application's records share (no table of its own): where
    and when it was filed, its owner and deadline, the keys of their indexes, the head of the
    audit trail, and the version each save is guarded by. PynamoDB gives each subclass its
    own copy of the indexes."""

    tracking_id = UnicodeAttribute(hash_key=True)
    citizen_id = UnicodeAttribute()
    district = UnicodeAttribute()
    filed_at = UnicodeAttribute()
    assignee_id = UnicodeAttribute(null=True)
    due_at = UnicodeAttribute(null=True)
    sla_remaining_seconds = NumberAttribute(null=True)  # set while the clock is paused
    audit_seq = NumberAttribute(default=0)
    audit_hash = UnicodeAttribute(null=True)
    # Sparse queue keys, present only while the case is open and owned.
    queue_owner = UnicodeAttribute(null=True)
    queue_due = UnicodeAttribute(null=True)
    seat = UnicodeAttribute(null=True)  # DEPARTMENT#DISTRICT once the case has a department
    version = VersionAttribute()

    by_citizen = CitizenIndex()
    by_queue = QueueIndex()
    by_department = DepartmentIndex()
    by_seat = SeatIndex()


class OwnedCase(Protocol):
    """A grievance or an application, as far as an officer's open load is concerned."""

    @property
    def is_open(self) -> bool: ...

    @property
    def assignee_id(self) -> str | None: ...


class Case(OwnedCase, Protocol):
    """A grievance or an application, as far as the store is concerned: a dataclass."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    @property
    def tracking_id(self) -> str: ...

    @property
    def version(self) -> int: ...

    @property
    def audit_seq(self) -> int: ...

    @property
    def audit_hash(self) -> str: ...


C = TypeVar("C", bound=Case)
R = TypeVar("R", bound=CaseRecord)


@dataclass(frozen=True)
class Page(Generic[C]):
    """One page of a list of cases; `cursor` asks for the next (None: this was the last)."""

    cases: list[C]
    cursor: str | None


class CaseStore(Generic[C, R]):
    """The grievances or the applications table: `record` is its model, `what` names a case
    in errors, and `to_record`/`to_case` translate between the domain and the table."""

    def __init__(self, record: type[R], what: str, to_record: Callable[[C], R], to_case: Callable[[R], C]) -> None:
        self.record = record
        self.what = what
        self.to_record = to_record
        self.to_case = to_case

    def save(
        self, before: C | None, after: C, events: Sequence[Event], now: datetime, guards: Sequence[Guard] = ()
    ) -> C:
        """Persist one move atomically (`save_with_trail`), with `guards`, and return the case
        as saved. `before` is None for a new case: KeyTaken when its tracking id is used
        already; Conflict when someone else moved the case first."""
        base = before or replace(after, audit_seq=0, audit_hash="", version=0)
        audits, seq, head = chain_audit(base.tracking_id, base.audit_seq, base.audit_hash, events)
        saved = replace(after, audit_seq=seq, audit_hash=head, version=base.version)
        save_with_trail(
            self.to_record(saved),
            new_key=self.record.tracking_id if before is None else None,
            audits=audits,
            moves=load_moves(before, saved),
            now=now,
            what=self.what,
            guards=guards,
        )
        return replace(saved, version=base.version + 1)

    def snapshot(self, case: C) -> dict[str, Any]:
        """The case as JSON-able data, exactly as this table stores it (`from_snapshot` reads it
        back): how a move's case travels with its events to the events consumer."""
        return dict(self.to_record(case).serialize())

    def from_snapshot(self, data: dict[str, Any]) -> C:
        return self.to_case(self.record.from_raw_data(data))

    def get(self, tracking_id: str) -> C | None:
        case: C | None = read_together(self.read(tracking_id))[0]
        return case

    def read(self, tracking_id: str) -> ItemRead[C | None]:
        """`get` as a read that can share its call with others (a request's login check)."""
        return ItemRead(self.record, tracking_id, lambda record: self.to_case(record) if record else None)

    def citizen_page(self, citizen_id: str, *, limit: int, cursor: str | None) -> Page[C]:
        """A citizen's cases, newest first. One Query."""
        results = self.record.by_citizen.query(
            citizen_id,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=decode_cursor(
                cursor, {"tracking_id", "citizen_id", "filed_at"}, {"citizen_id": citizen_id}
            ),
        )
        return self._page(results, limit)

    def queue_page(
        self, officer_id: str, *, due_before: datetime | None, only: Condition | None, limit: int, cursor: str | None
    ) -> Page[C]:
        """An officer's open cases, most urgent first; `due_before` keeps the overdue, `only`
        filters (on status or stage). One Query on the queue index."""
        start = decode_queue_cursor(cursor, officer_id, due_before)
        results = self.record.by_queue.query(
            officer_id,
            range_key_condition=QueueIndex.queue_due < utc_text(due_before) if due_before else None,
            filter_condition=only,
            limit=limit,
            last_evaluated_key=start,
        )
        return self._page(results, limit)

    def jurisdiction_page(
        self, partitions: Sequence[Partition], *, only: Condition | None, limit: int, cursor: str | None
    ) -> Page[C]:
        """Cases of a jurisdiction, newest first, partition after partition; `only` filters.
        Exactly one Query per page, on the seat or the department index: a filter may leave a
        page short (even empty) with a cursor to go on; the cursor names its partition and is
        refused for any other list."""
        position, start = decode_jurisdiction_cursor(cursor, partitions)
        partition = partitions[position]
        index = self.record.by_seat if partition.index is IndexName.SEAT else self.record.by_department
        results = index.query(
            partition.key,
            filter_condition=only,
            scan_index_forward=False,
            page_size=limit,
            last_evaluated_key=start,
        )
        page = next(results.page_iter)
        cases = [self.to_case(self.record.from_raw_data(item)) for item in page.get("Items", [])]
        after = results.page_iter.last_evaluated_key
        if after is not None:
            return Page(cases, encode_jurisdiction_cursor(position, after))
        if position + 1 < len(partitions):
            return Page(cases, encode_jurisdiction_cursor(position + 1, None))
        return Page(cases, None)

    def backfill_seats(self) -> int:
        """Give every case with a department and no `seat` its seat-index key (cases saved
        before the index existed). An operator's one-off migration, so a Scan; the key is set
        only where still missing and the case's version is left alone, so a move saved
        meanwhile (which writes the key itself) is neither overwritten nor made to conflict."""
        table = self.record.Meta.table_name
        client = shared_connection().client
        filled = 0
        for record in self.record.scan(self.record.department.exists() & self.record.seat.does_not_exist()):  # type: ignore[attr-defined]
            try:
                # A plain UpdateItem: PynamoDB's would bump the version a concurrent move holds.
                client.update_item(
                    TableName=table,
                    Key={"tracking_id": {"S": record.tracking_id}},
                    UpdateExpression="SET #seat = :seat",
                    ConditionExpression="attribute_not_exists(#seat)",
                    ExpressionAttributeNames={"#seat": "seat"},
                    ExpressionAttributeValues={":seat": {"S": seat_key(record.department, record.district)}},  # type: ignore[attr-defined]
                )
            except client.exceptions.ConditionalCheckFailedException:
                continue  # saved meanwhile, with its key
            filled += 1
        return filled

    def _page(self, results: Any, limit: int) -> Page[C]:
        cases = [self.to_case(r) for r in results]
        return Page(cases[:limit], encode_cursor(results.last_evaluated_key) if len(cases) >= limit else None)


class OwnerRelieved(Conflict):
    """The officer a case was about to be given to was deactivated meanwhile."""


class KeyTaken(Conflict):
    """A new record's key is already used (a tracking id drawn twice: rare)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"The {what}'s tracking id is taken.")


def save_with_trail(
    record: Model,
    *,
    new_key: Attribute[Any] | None,
    audits: list[AuditEntryRecord],
    moves: dict[str, int],
    now: datetime,
    what: str,
    guards: Sequence[Guard] = (),
) -> None:
    """One transaction for one move of a case: the whole record (guarded by its version, or
    with `new_key`: only if that key is unused), its audit entries (append-only), the
    owners' open-load counters, and `guards` (the first of them refused is raised). A case
    is only ever given to an officer still on duty over it: the new owner's account is
    checked active and seated where the case is (its seat, its department's head, the state
    cell) in the same transaction (the indexes owners are found on may lag a deactivation).
    KeyTaken for a used key; Conflict when someone else
    changed it first, held one of the same items (the record, a load counter) at that
    instant, or the new owner was relieved meanwhile — nothing is written then, and reading
    again and retrying decides."""
    receiving = sorted(officer_id for officer_id, delta in moves.items() if delta > 0)
    try:
        with TransactWrite(connection=shared_connection()) as transaction:
            if new_key is not None:
                transaction.save(record, condition=new_key.does_not_exist())
            else:
                transaction.save(record)
            for audit in audits:
                transaction.save(audit, condition=AuditEntryRecord.seq.does_not_exist())
            for officer_id, delta in moves.items():
                counter, window = load_counter_key(officer_id)
                actions: list[Action] = [Counter.value.add(delta)]
                if delta > 0:
                    actions.append(Counter.touched_at.set(utc_text(now)))
                transaction.update(Counter(counter, window), actions=actions)
            for guard in guards:  # PynamoDB sends the puts among the puts, the updates among the updates
                if guard.actions:
                    transaction.update(guard.item, actions=list(guard.actions), condition=guard.condition)
                else:
                    transaction.save(guard.item, condition=guard.condition)
            # Still on duty and still over this case: an officer re-posted between being chosen
            # and this save would otherwise hold a case outside their reach.
            department, district = getattr(record, "department", None), getattr(record, "district", None)
            reach = {
                jurisdiction_of(department, district),
                jurisdiction_of(department, None),
                jurisdiction_of(None, None),
            }
            on_duty_over_it = (OfficerRecord.active == True) & OfficerRecord.jurisdiction.is_in(*sorted(reach))  # noqa: E712
            for officer_id in receiving:
                transaction.condition_check(OfficerRecord, officer_id, condition=on_duty_over_it)
    except TransactWriteError as error:
        _raise_refusal(
            error,
            guards,
            receiving=len(receiving),
            audits=len(audits),
            loads=len(moves),
            new_key=new_key is not None,
            what=what,
        )
        raise


def _raise_refusal(
    error: TransactWriteError,
    guards: Sequence[Guard],
    *,
    receiving: int,
    audits: int,
    loads: int,
    new_key: bool,
    what: str,
) -> None:
    """What refused the transaction, raised as the domain's error (nothing raised: a fault).
    PynamoDB sends condition checks first (the `receiving` officers), then puts (the record,
    its audit entries, the put guards), then updates (the load counters, the update
    guards): the reasons come back in that order."""
    reasons = list(error.cancellation_reasons or [])
    _raise_first_refused(guards, reasons, first_put=receiving + 1 + audits, loads=loads)
    codes = {r.code for r in reasons if r is not None}
    checks, rest = reasons[:receiving], reasons[receiving:]
    if new_key and rest and rest[0] is not None and rest[0].code == "ConditionalCheckFailed":
        raise KeyTaken(what) from None
    if any(r is not None and r.code == "ConditionalCheckFailed" for r in checks):
        raise OwnerRelieved(f"The {what}'s new owner is no longer on duty; choose again.") from None
    if "ConditionalCheckFailed" in codes:
        raise Conflict(f"The {what} was changed by someone else; read it again.") from None
    if "TransactionConflict" in codes:
        raise Conflict(f"The {what} was being changed at the same moment; try again.") from None


def load_counter_key(officer_id: str) -> tuple[str, str]:
    """Where an officer's count of open grievances and applications is kept: one desk."""
    return f"officer-load#{officer_id}", "open"


def _raise_first_refused(guards: Sequence[Guard], reasons: list[Any], *, first_put: int, loads: int) -> None:
    """Raise the refusal of the first of `guards` whose condition failed (put guards from
    `first_put`, update guards after the puts and the `loads` load counters)."""
    puts = [guard for guard in guards if not guard.actions]
    updates = [guard for guard in guards if guard.actions]
    positions = {id(guard): first_put + n for n, guard in enumerate(puts)}
    positions.update({id(guard): first_put + len(puts) + loads + n for n, guard in enumerate(updates)})
    for guard in guards:
        position = positions[id(guard)]
        reason = reasons[position] if position < len(reasons) else None
        if reason is not None and reason.code == "ConditionalCheckFailed":
            raise guard.refusal from None


def load_moves(before: OwnedCase | None, after: OwnedCase) -> dict[str, int]:
    """How each owner's count of open cases changes with one move."""
    moves: dict[str, int] = {}
    if before is not None and before.is_open and before.assignee_id:
        moves[before.assignee_id] = moves.get(before.assignee_id, 0) - 1
    if after.is_open and after.assignee_id:
        moves[after.assignee_id] = moves.get(after.assignee_id, 0) + 1
    return {officer: delta for officer, delta in moves.items() if delta}


def open_load(officer_id: str) -> int:
    """How many open cases the officer holds, read consistently (the queue index may lag)."""
    counter, window = load_counter_key(officer_id)
    try:
        return int(Counter.get(counter, window, consistent_read=True).value or 0)
    except Counter.DoesNotExist:
        return 0


def open_loads(officer_ids: list[str]) -> dict[str, tuple[int, str]]:
    """Each officer's open grievances and applications, and when they were last given one.
    One BatchGet."""
    keys = [load_counter_key(officer_id) for officer_id in officer_ids]
    found = {c.counter: (int(c.value or 0), c.touched_at or "") for c in Counter.batch_get(keys)}
    return {officer_id: found.get(load_counter_key(officer_id)[0], (0, "")) for officer_id in officer_ids}


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def decode_cursor(cursor: str | None, keys: set[str], fixed: dict[str, str]) -> dict[str, Any] | None:
    """The start key a cursor stands for. A cursor that is unreadable, names other
    attributes, or belongs to another partition (another citizen's list, another officer's
    queue) is refused as a 422, never handed to DynamoDB."""
    if not cursor:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError):
        decoded = None
    valid = (
        isinstance(decoded, dict)
        and set(decoded) == keys
        and all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in decoded.values())
        and all(decoded[name]["S"] == value for name, value in fixed.items())
    )
    if not valid:
        raise InvalidInput("cursor: not a cursor this list gave out.", field="cursor")
    return cast(dict[str, Any], decoded)


def all_of(conditions: Sequence[Condition | None]) -> Condition | None:
    """The conditions that are set, all of them (None when none is)."""
    result: Condition | None = None
    for condition in conditions:
        if condition is not None:
            result = condition if result is None else result & condition
    return result


def seat_of(department: str | None, district: str) -> str | None:
    """The seat-index key of a case: none before it has a department (awaiting routing)."""
    return seat_key(department, district) if department else None


def encode_jurisdiction_cursor(position: int, start: dict[str, Any] | None) -> str:
    return base64.urlsafe_b64encode(json.dumps({"p": position, "k": start}).encode()).decode()


def decode_jurisdiction_cursor(
    cursor: str | None, partitions: Sequence[Partition]
) -> tuple[int, dict[str, Any] | None]:
    """(partition position, start key) of a jurisdiction list's cursor; refused (422) unless
    it came from this very list: same partitions, its key inside the partition it names."""
    if not cursor:
        return 0, None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError):
        decoded = None
    position = decoded.get("p") if isinstance(decoded, dict) else None
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position < len(partitions):
        raise InvalidInput("cursor: not a cursor this list gave out.", field="cursor")
    start = decoded.get("k")
    if start is None:
        return position, None
    partition = partitions[position]
    key_name = "seat" if partition.index is IndexName.SEAT else "department"
    fixed = {key_name: partition.key}
    checked = decode_cursor(
        base64.urlsafe_b64encode(json.dumps(start).encode()).decode(), {"tracking_id", key_name, "filed_at"}, fixed
    )
    return position, checked


def decode_queue_cursor(cursor: str | None, owner: str, due_before: datetime | None) -> dict[str, Any] | None:
    """A cursor of an officer's queue (tracking_id, queue_owner, queue_due). With `due_before`
    (the overdue list) it must lie inside that range: DynamoDB refuses one from outside."""
    start = decode_cursor(cursor, {"tracking_id", "queue_owner", "queue_due"}, {"queue_owner": owner})
    if start is not None and due_before is not None and not start["queue_due"]["S"] < utc_text(due_before):
        raise InvalidInput("cursor: not a cursor of the overdue list.", field="cursor")
    return start
