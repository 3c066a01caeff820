"""The local moto's copies of DynamoDB items (infra/moto_item_copies.py) are the copies moto's
own `__deepcopy__` methods make, built without `copy.deepcopy`'s dispatch for every value.

Items holding every attribute type (nested maps and lists, the three sets, binary, NULL, and
one value held twice) are copied both ways; the copies must be equal, shaped alike (the
same value shared where moto's copy shares it), and as independent of the original.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

from infra import moto_item_copies

EVERY_TYPE: dict[str, Any] = {
    "pk": {"S": "case-1"},
    "sk": {"N": "1"},
    "text": {"S": "Streetlight out, ward 4"},
    "empty": {"S": ""},
    "blob": {"B": b"\x00\xffhash"},
    "tags": {"SS": ["water", "roads"]},
    "levels": {"NS": ["1", "2"]},
    "blobs": {"BS": [b"a", b"\x01"]},
    "open": {"BOOL": True},
    "nothing": {"NULL": True},
    "details": {"M": {"trail": {"L": [{"S": "filed"}, {"M": {"at": {"N": "17"}, "tags": {"SS": ["x"]}}}]}}},
    "none": {"M": {}},
    "list": {"L": []},
}


@pytest.fixture
def motos_own() -> Iterator[None]:
    """moto's own copies unless a test installs ours; as it was afterwards."""
    installed = bool(moto_item_copies.MOTOS_OWN)
    moto_item_copies.uninstall()
    yield
    moto_item_copies.uninstall()
    if installed:
        moto_item_copies.install()


def items() -> list[Item]:
    plain = Item(DynamoType({"S": "case-1"}), DynamoType({"N": "1"}), EVERY_TYPE)
    aliased = Item(DynamoType({"S": "case-2"}), None, {"pk": {"S": "case-2"}})
    shared = DynamoType({"M": {"n": {"NS": ["1"]}}})
    dict.__setitem__(aliased.attrs, "first", shared)  # as `SET a = b` can leave them
    dict.__setitem__(aliased.attrs, "second", shared)
    return [plain, aliased]


def shape(value: Any, seen: dict[int, int]) -> Any:
    """The copy as data: types, values, and which objects are one (numbered by first sight)."""
    mark = seen.setdefault(id(value), len(seen))
    if isinstance(value, Item):
        return (
            "Item",
            mark,
            type(value.attrs).__name__,
            shape(value.hash_key, seen),
            shape(value.range_key, seen),
            [(name, shape(v, seen)) for name, v in value.attrs.items()],
        )
    if isinstance(value, DynamoType):
        return ("DynamoType", mark, value.type, shape(value.value, seen))
    if isinstance(value, list):
        return ("list", mark, [shape(v, seen) for v in value])
    if isinstance(value, dict):
        return ("dict", mark, [(k, shape(v, seen)) for k, v in value.items()])
    return value


def mutable_parts(value: Any) -> list[int]:
    """The ids of every object an update could change in place."""
    found: list[int] = []
    if isinstance(value, Item):
        found += [id(value), id(value.attrs)]
        for v in [value.hash_key, value.range_key, *value.attrs.values()]:
            found += mutable_parts(v)
    elif isinstance(value, DynamoType):
        found.append(id(value))
        if isinstance(value.value, list | dict):
            found.append(id(value.value))
            for v in value.value.values() if isinstance(value.value, dict) else value.value:
                found += mutable_parts(v)
    return found


def test_an_item_is_copied_as_motos_deepcopy_copies_it(motos_own: None) -> None:
    theirs = [copy.deepcopy(item) for item in items()]
    moto_item_copies.install()
    originals = items()
    ours = [copy.deepcopy(item) for item in originals]

    assert [shape(item, {}) for item in ours] == [shape(item, {}) for item in theirs]
    assert [item.to_json() for item in ours] == [item.to_json() for item in theirs]
    assert all(type(item.attrs) is LimitedSizeDict for item in ours)
    for original, copied in zip(originals, ours, strict=True):
        assert not set(mutable_parts(original)) & set(mutable_parts(copied))
    assert ours[1].attrs["first"] is ours[1].attrs["second"]  # shared in the copy as in moto's


def test_a_value_and_nothing_copy_as_with_motos_own(motos_own: None) -> None:
    value = DynamoType(EVERY_TYPE["details"])
    theirs = (copy.deepcopy(value), copy.deepcopy(None))
    moto_item_copies.install()

    ours = (copy.deepcopy(value), moto_item_copies.copied_item(None))

    assert shape(ours, {}) == shape(theirs, {})
    assert ours[0] == value and ours[0].value["trail"] is not value.value["trail"]


def test_copies_skip_copy_deepcopy_for_each_value(motos_own: None, monkeypatch: pytest.MonkeyPatch) -> None:
    moto_item_copies.install()
    dispatched: list[type] = []
    deepcopy = copy.deepcopy

    def counted(value: Any, memo: Any = None, *rest: Any) -> Any:
        dispatched.append(type(value))
        return deepcopy(value, memo, *rest)

    monkeypatch.setattr(copy, "deepcopy", counted)
    moto_item_copies.copied_item(items()[0])

    assert DynamoType not in dispatched
