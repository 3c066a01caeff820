"""The local moto's item sizes (infra/moto_item_size.py) are moto's own, counted once per
value and without copying: the same values measure the same, and the same writes are
accepted, refused and stored alike, to the byte.

Values of every attribute type (nested maps, lists, the three sets, binary as bytes and as
text, non-ASCII strings, NULL and BOOL, and values moto would not build itself) are measured
both ways, errors included. Then the same script of writes runs on two private moto backends,
once through moto's code and once through ours, and every answer, error and stored item is
compared after each step: items built one byte under, at and over the limit (the large
attribute first or last, nested or flat); updates that grow a stored value in place (ADD to
a set, SET inside a map, a value held under two names) so that only the next top-level set
is refused, and shrink it again; `list_append`, whose old value moto counts twice; a
number grown by ADD across the limit; legacy attribute updates; transactions; and a Query
and a Scan cut by their 1 MB limit, which `Item.size` measures.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

from bench.moto_transactions import N, S, backend
from infra import moto_item_size

LIMIT = moto_item_size.ITEM_SIZE_LIMIT


@pytest.fixture
def motos_own() -> Iterator[None]:
    """moto's own sizes unless a test installs ours; as it was afterwards."""
    installed = bool(moto_item_size.MOTOS_OWN)
    moto_item_size.uninstall()
    yield
    moto_item_size.uninstall()
    if installed:
        moto_item_size.install()


def odd(build: Callable[[], DynamoType]) -> Callable[[], DynamoType]:
    return build


def raw_in_map() -> DynamoType:
    value = DynamoType({"M": {"kept": S("é")}})
    value.value["raw"] = {"SS": ["a", "ü"]}  # a plain dict where moto builds a DynamoType
    return value


def raw_in_list() -> DynamoType:
    value = DynamoType({"L": [S("a")]})
    value.value.append({"S": "b"})  # moto calls its `size()`: an AttributeError
    return value


def nested_raw_list() -> DynamoType:
    inner = DynamoType({"L": [S("a")]})
    inner.value.append({"S": "b"})  # inside a map, moto's copy turns it into a DynamoType
    return DynamoType({"M": {"inner": inner}})


def valued(kind: str, inner: Any) -> Callable[[], DynamoType]:
    def build() -> DynamoType:
        value = DynamoType({"S": ""})
        value.type, value.value = kind, inner
        return value

    return build


VALUES: dict[str, Callable[[], DynamoType]] = {
    "string": lambda: DynamoType(S("Streetlight out, ward 4")),
    "empty string": lambda: DynamoType(S("")),
    "non-ASCII string": lambda: DynamoType(S("ପାଣି ନାହିଁ — नल सूखा 💧")),
    "number": lambda: DynamoType(N("-12.500")),
    "binary bytes": lambda: DynamoType({"B": b"\x00\xff\x10hash"}),
    "binary as base64 text": lambda: DynamoType({"B": base64.b64encode(b"\x00\xffhash").decode()}),
    "string set": lambda: DynamoType({"SS": ["water", "ପାଣି"]}),
    "number set": lambda: DynamoType({"NS": ["1", "22.5", "-3"]}),
    "binary set": lambda: DynamoType({"BS": [b"a", b"\x01\x02", "dGV4dA=="]}),
    "true": lambda: DynamoType({"BOOL": True}),
    "false": lambda: DynamoType({"BOOL": False}),
    "null": lambda: DynamoType({"NULL": True}),
    "empty map": lambda: DynamoType({"M": {}}),
    "empty list": lambda: DynamoType({"L": []}),
    "nested": lambda: DynamoType(
        {
            "M": {
                "trail": {"L": [S("filed"), {"M": {"at": N(17), "tags": {"SS": ["x", "ÿ"]}, "ok": {"BOOL": True}}}]},
                "blob": {"B": b"\x00"},
                "ଠିକଣା": {"M": {"ward": N(4), "none": {"NULL": True}, "deep": {"L": [{"L": [{"NS": ["7"]}]}]}}},
            }
        }
    ),
    # values moto never builds from a request, measured by moto's own method either way
    "raw dict in a map": raw_in_map,
    "raw dict in a list": raw_in_list,
    "raw dict in a list in a map": nested_raw_list,
    "set held as a Python set": valued("SS", {"a", "bc"}),
    "set held as a dict": valued("NS", {}),
    "bool in a string set": valued("SS", [True, "ab"]),
    "number as int": valued("N", 42),
    "string as bytes": valued("S", b"abc"),
    "string that is None": valued("S", None),
    "unknown type": valued("X", "abc"),
    "list held as a tuple": valued("L", (DynamoType(S("a")),)),
    "map with a bytes name": valued("M", {b"k": DynamoType(S("v"))}),
    "map with an int name": valued("M", {1: DynamoType(S("v"))}),
    "list that is None": valued("L", None),
}


def outcome(call: Callable[[], Any]) -> Any:
    try:
        return ("answer", call())
    except Exception as error:  # the error is the answer compared
        return ("error", type(error).__name__, str(error))


def test_values_measure_as_with_motos_own(motos_own: None) -> None:
    theirs = {name: outcome(lambda build=build: build().size()) for name, build in VALUES.items()}
    moto_item_size.install()

    ours = {name: outcome(lambda build=build: build().size()) for name, build in VALUES.items()}

    assert ours == theirs
    assert theirs["raw dict in a list"][0] == "error"  # the odd values did reach moto's errors


def test_a_limited_dict_counts_and_refuses_as_motos_own(motos_own: None) -> None:
    def script() -> list[Any]:
        held = LimitedSizeDict()
        steps: list[Callable[[], Any]] = [
            lambda: held.__setitem__("big", DynamoType(S("x" * (LIMIT - 1000)))),
            lambda: held.__setitem__("a", DynamoType(S("y" * 600))),
            lambda: held.__setitem__("a", DynamoType(S("y" * (999 - 600 - 1)))),  # old and new both counted
            lambda: held.__setitem__("a", DynamoType(S("y" * 1000))),
            lambda: dict.__setitem__(held, "plain", "text"),  # not a DynamoType: moto counts str()
            lambda: dict.__setitem__(held, 7, DynamoType(N(1))),  # nor is the name a str
            lambda: held.__setitem__("b", DynamoType(S("z"))),
            lambda: held.__setitem__("b", "held as text"),
            lambda: held.__setitem__(b"c", DynamoType(S("z"))),
            lambda: held.__setitem__(9, DynamoType(S("z"))),
            lambda: held.pop("big"),
            lambda: held.__setitem__("ü", DynamoType(S("é" * 100))),
        ]
        return [(outcome(step), repr(sorted(held.items(), key=repr))) for step in steps]

    theirs = script()
    moto_item_size.install()

    assert script() == theirs


def filled(rest: dict[str, Any], total: int, filler_first: bool) -> dict[str, Any]:
    """`rest` and a `filler` string making the item exactly `total` bytes as moto counts."""
    held = sum(len(name.encode()) + DynamoType(value).size() for name, value in rest.items())
    filler = {"filler": S("f" * (total - held - len("filler")))}
    return {**filler, **rest} if filler_first else {**rest, **filler}


def test_items_either_side_of_the_limit_build_as_with_motos_own(motos_own: None) -> None:
    shapes = {"flat": {"pk": S("case-1")}, "nested": {"pk": S("case-1"), "details": VALUES["nested"]().to_json()}}
    cases = [
        (shape, filled(attrs, LIMIT + delta, first))
        for shape, attrs in shapes.items()
        for delta in (-1, 0, 1, 2)
        for first in (True, False)
    ]

    def build_all() -> list[Any]:
        return [
            outcome(lambda attrs=attrs: Item(DynamoType(S("case-1")), None, copy.deepcopy(attrs)).attrs)
            for _, attrs in cases
        ]

    theirs = build_all()
    moto_item_size.install()
    ours = build_all()

    assert [o[0] for o in theirs] == ["answer", "answer", "answer", "answer", "error", "error", "error", "error"] * 2
    assert [o[:1] + (o[1:] if o[0] == "error" else (dump_attrs(o[1]),)) for o in ours] == [
        o[:1] + (o[1:] if o[0] == "error" else (dump_attrs(o[1]),)) for o in theirs
    ]
    assert all(type(o[1]) is LimitedSizeDict for o in ours if o[0] == "answer")


def plain(value: Any) -> Any:
    """A stored value as data, types and order kept."""
    if isinstance(value, DynamoType):
        return [value.type, plain(value.value)]
    if isinstance(value, Item):
        return [type(value.attrs).__name__, plain(value.hash_key), plain(value.range_key), dump_attrs(value.attrs)]
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return [[plain(k), plain(v)] for k, v in value.items()]
    if isinstance(value, bytes):
        return "bytes:" + base64.b64encode(value).decode()
    return value


def dump_attrs(attrs: dict[str, Any]) -> str:
    return json.dumps(plain(attrs))


def stored(db: DynamoDBBackend) -> dict[str, list[Any]]:
    return {name: [plain(item) for item in table.all_items()] for name, table in db.tables.items()}


def answer(result: Any) -> Any:
    if isinstance(result, tuple):  # Query and Scan: items, count, last evaluated key
        return [plain(part) if not isinstance(part, list) else [plain(i) for i in part] for part in result]
    return plain(result)


def update(pk: str, expression: str, **placeholders: Any) -> tuple[str, dict[str, Any]]:
    return (
        "update_item",
        {
            "table_name": "cases",
            "key": {"pk": S(pk)},
            "update_expression": expression,
            "expression_attribute_names": {f"#{k}": v for k, v in placeholders.items() if not isinstance(v, dict)},
            "expression_attribute_values": {f":{k}": v for k, v in placeholders.items() if isinstance(v, dict)},
        },
    )


def put(item: dict[str, Any], table: str = "cases") -> tuple[str, dict[str, Any]]:
    return ("put_item", {"table_name": table, "item_attrs": item})


def query(pk: str) -> tuple[str, dict[str, Any]]:
    return (
        "query",
        {
            "table_name": "trail",
            "hash_key_dict": S(pk),
            "range_comparison": None,
            "range_value_dicts": [],
            "limit": None,
            "exclusive_start_key": None,
            "scan_index_forward": True,
            "projection_expressions": None,
        },
    )


def scan() -> tuple[str, dict[str, Any]]:
    return (
        "scan",
        {
            "table_name": "trail",
            "filters": {},
            "limit": None,
            "exclusive_start_key": None,
            "filter_expression": None,
            "expr_names": {},
            "expr_values": {},
            "index_name": None,
            "consistent_read": False,
            "projection_expression": None,
            "segments": (None, None),
        },
    )


def writes() -> list[tuple[str, dict[str, Any]]]:
    """The script, sized with whichever code measures: build it under moto's own."""
    near = LIMIT - 40
    tagged = filled({"pk": S("grow"), "tags": {"SS": ["a"]}, "status": S("open")}, near, True)
    mapped = filled({"pk": S("nest"), "details": {"M": {"ward": N(4)}}, "hits": N(9)}, LIMIT - 30, False)
    trail = {"L": [S("t" * 150_000)]}
    appended = {"pk": S("append"), "trail": trail, "pad": S("p" * 150_000)}
    # `hits` 8 to 9 makes the item exactly 405,000 bytes as the set counts it; 9 to 10 one more
    counted = filled({"pk": S("count"), "hits": N(8)}, LIMIT - len("hits") - 2 + 1, True)
    big = "b" * 200_000  # two fit in an item
    bigger = "b" * 202_500  # two do not
    return [
        put(filled({"pk": S("at-limit"), "details": VALUES["nested"]().to_json()}, LIMIT, False)),
        put(filled({"pk": S("over"), "details": VALUES["nested"]().to_json()}, LIMIT + 1, True)),
        # ADD to a stored set grows it in place, unchecked; the next top-level set sees it
        put(tagged),
        update("grow", "ADD tags :v", v={"SS": ["b" * 30]}),
        update("grow", "ADD tags :v", v={"SS": ["c" * 30]}),
        update("grow", "SET #s = :v", s="status", v=S("moved")),
        update("grow", "DELETE tags :v", v={"SS": ["b" * 30, "c" * 30]}),
        update("grow", "SET #s = :v", s="status", v=S("moved")),
        update("grow", "ADD fresh :v", v={"SS": ["x" * 40]}),  # a new set: set empty, then grown
        update("grow", "REMOVE fresh"),
        # SET inside a map is unchecked; ADD of a number sets the attribute and is refused
        put(mapped),
        update("nest", "SET details.#n = :v", n="note", v=S("n" * 50)),
        update("nest", "ADD hits :v", v=N(1)),
        update("nest", "REMOVE details.#n", n="note"),
        update("nest", "ADD hits :v", v=N(1)),
        update("nest", "SET details.#n = :v, hits = :w", n="note", v=S("n" * 10), w=N(1)),
        # list_append: the old list is counted with the new one
        put(appended),
        update("append", "SET trail = list_append(trail, :v)", v={"L": [S("u")]}),
        update("append", "SET trail = :v", v={"L": [S("short")]}),
        update("append", "SET trail = list_append(trail, :v)", v={"L": [S("u" * 100)]}),
        # a value held under two names, then grown through one of them
        put({"pk": S("alias"), "tags": {"SS": ["a"]}, "pad": S("p" * (LIMIT - 200))}),
        update("alias", "SET #c = tags", c="copy"),
        update("alias", "ADD tags :v", v={"SS": ["g" * 60]}),
        update("alias", "SET #s = :v", s="status", v=S("x")),
        update("alias", "ADD tags :v", v={"SS": ["h" * 60]}),
        update("alias", "SET #s = :v", s="status", v=S("x")),
        # a number grown by ADD across the limit, one digit at a time
        put(counted),
        update("count", "ADD hits :v", v=N(1)),
        update("count", "ADD hits :v", v=N(1)),
        update("count", "ADD hits :v", v=N(1)),
        update("count", "ADD hits :v", v=N(-3)),
        # an update that creates its item
        update("new", "SET a = :v, b = :w", v=S(bigger), w=S(bigger)),
        update("new2", "SET a = :v, b = :w", v=S(bigger), w=S("w" * (LIMIT - 10 - 6 - 202_501 - 1))),
        # legacy attribute updates: refused as ItemSizeTooLarge
        (
            "update_item",
            {
                "table_name": "cases",
                "key": {"pk": S("legacy")},
                "update_expression": None,
                "expression_attribute_names": {},
                "expression_attribute_values": {},
                "attribute_updates": {"a": {"Action": "PUT", "Value": S(big)}, "b": {"Action": "PUT", "Value": S(big)}},
            },
        ),
        (
            "update_item",
            {
                "table_name": "cases",
                "key": {"pk": S("legacy")},
                "update_expression": None,
                "expression_attribute_names": {},
                "expression_attribute_values": {},
                "attribute_updates": {"tags": {"Action": "ADD", "Value": {"SS": ["q" * 10_000]}}},
            },
        ),
        # transactions: a put too large, an update that overflows, one that fits
        (
            "transact_write_items",
            {
                "transact_items": [
                    {"Put": {"TableName": "cases", "Item": {"pk": S("tx"), "a": S(bigger), "b": S(bigger)}}}
                ]
            },
        ),
        (
            "transact_write_items",
            {
                "transact_items": [
                    {
                        "Update": {
                            "TableName": "cases",
                            "Key": {"pk": S("new2")},
                            "UpdateExpression": "SET c = :v",
                            "ExpressionAttributeValues": {":v": S("c" * 30)},
                        }
                    }
                ]
            },
        ),
        (
            "transact_write_items",
            {
                "transact_items": [
                    {
                        "Update": {
                            "TableName": "cases",
                            "Key": {"pk": S("new2")},
                            "UpdateExpression": "SET c = :v",
                            "ExpressionAttributeValues": {":v": S("c")},
                        }
                    }
                ]
            },
        ),
        # Query and Scan stop at 1 MB of items, each measured by `Item.size`
        *(put({"pk": S("case-q"), "seq": N(seq), "body": S("q" * 300_000)}, "trail") for seq in range(1, 6)),
        put({"pk": S("case-q"), "seq": N(6), "body": {"M": {"ପାଣି": S("é" * 100_000)}}}, "trail"),
        query("case-q"),
        scan(),
    ]


def run(script: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    db = backend(0)
    record = []
    for operation, arguments in script:
        call = getattr(db, operation)
        result = outcome(lambda call=call, arguments=arguments: call(**copy.deepcopy(arguments)))
        if result[0] == "answer":
            result = ("answer", answer(result[1]))
        record.append((operation, result, stored(db)))
    return record


def test_writes_answer_refuse_and_store_as_with_motos_own(motos_own: None) -> None:
    script = writes()
    theirs = run(script)
    moto_item_size.install()

    ours = run(script)

    for step, (mine, motos) in enumerate(zip(ours, theirs, strict=True)):
        assert mine == motos, f"step {step}: {script[step][0]} {json.dumps(script[step][1], default=str)[:200]}"
    refusals = [result[2] for _, result, _ in theirs if result[0] == "error"]
    assert sum("Item size to update has exceeded" in refusal for refusal in refusals) >= 6
    assert sum("Item size has exceeded" in refusal for refusal in refusals) >= 2


def test_install_and_uninstall_put_back_motos_own(motos_own: None) -> None:
    own = (DynamoType.size, LimitedSizeDict.__setitem__, Item.__init__, Item.size)
    moto_item_size.install()
    moto_item_size.install()
    assert DynamoType.size is moto_item_size.value_size
    moto_item_size.uninstall()
    assert (DynamoType.size, LimitedSizeDict.__setitem__, Item.__init__, Item.size) == own
