"""moto's DynamoDB item sizes counted once per value, for the local stack.

moto 5 refuses an item over its 400 KB limit in `LimitedSizeDict.__setitem__`, the dict that
holds an item's attributes: every attribute set sums the size of every attribute already
held, walking each value through `DynamoType.size`. So building an item (`Item.__init__`,
for every PutItem, every new item an update creates and every projection) measures it once
per attribute it sets: a grievance of ~30 attributes has its first attribute measured 30
times, ~465 value walks in all. And `DynamoType.size` itself is slow for what it counts: it
asks `is_number`, `is_set`, `is_list` and `is_map` in turn, builds a `DynamoType` for every
member of a set, and copies every value of a map into a new `DynamoType` (recursively, a
copy of the whole map) before measuring it. `Item.size`, which Query, Scan and BatchGetItem
call for every item they answer (their 1 MB / 16 MB limits), pays the same walk. In the
DynamoDB process of `make burst` (N = 1,000) these took ~4% of its busy time (py-spy), over
half of it building PutItem's items, a quarter `Item.size` in Query and BatchGetItem.

A running total kept alongside the attributes would make each set cheap, but it would be
wrong: moto changes stored values in place without going through the dict — ADD appends to
a set's list, DELETE removes from it, `SET a.b = ...` and `REMOVE a[0]` change a map or list
inside an attribute, and `SET b = a` can leave one value held under two names — and a later
set must see the item as it is then (a set's growth by ADD is refused only by the next
top-level set, in the same update or a later one). So sizes are still recomputed, from the
values as they are, exactly where and as moto recomputes them; they are just computed
cheaply:

- `value_size` counts what `DynamoType.size` counts, branch for branch (a number is the
  length of its text, a string or binary its UTF-8 bytes, a BOOL or NULL one byte, a set the
  sum of its members, a map its names' bytes plus its values), dispatching on the type once
  and without building a `DynamoType` per member or copying a map. Anything that is not
  plainly a value moto stores (a member of another Python type, a raw dict in a map) is
  measured by moto's own method, so even its errors are moto's.
- `Item.__init__` builds the attributes as moto does, in order, but keeps the total of
  those already set instead of summing them again: nothing can change them between two sets
  of the same loop, so the first attribute that takes the total over the limit raises
  `ItemSizeTooLarge`, as in moto.
- `LimitedSizeDict.__setitem__` (an update's top-level SET, ADD or attribute update) and
  `Item.size` sum the same terms as moto's, in moto's order, with `value_size`: everything
  held, the attribute being replaced included (moto counts its old and new value), plus the
  new name and value, refused above moto's 405,000.

`tests/integration/test_moto_item_size.py` measures values of every type both ways, builds
items either side of the limit, and runs the same writes (puts, updates that grow a set by
ADD, a list by `list_append`, a nested map by SET, a number by ADD, a value held twice, until
refused) through moto's code and this one on private backends, comparing every answer, error
and stored item.

Like `moto_transactions`, it is upstream-shaped (a size counted without copying, and a total
kept while an item is built); `install()` puts it on moto's classes in the process that
serves moto.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.utilities import bytesize

MOTOS_OWN: dict[str, Any] = {}

# moto's limit, in `LimitedSizeDict.__setitem__`: "between 409 and 410KB" measured on AWS.
ITEM_SIZE_LIMIT = 405000

_SETS = frozenset({"SS", "NS", "BS"})


class _NotPlain(Exception):
    """A value moto stores in no other way: measured by moto's own `DynamoType.size`."""


def _text_size(text: Any) -> int:
    """`bytesize` of a string or binary value; `str.isascii` is a flag, not a scan."""
    kind = type(text)
    if kind is str:
        return len(text) if text.isascii() else len(text.encode("utf-8"))
    if kind is bytes:
        return len(text)
    raise _NotPlain


def _size(value: DynamoType) -> int:
    """`value.size()`, or `_NotPlain` where moto's own method must measure it."""
    kind = value.type
    inner = value.value
    if kind == "S" and type(inner) is str:  # most values: checked first, measured inline
        return len(inner) if inner.isascii() else len(inner.encode("utf-8"))
    if kind == "N":
        return len(inner) if type(inner) is str else len(str(inner))
    if kind == "M":
        return _map_size(inner)
    if kind == "L":
        return _list_size(inner)
    if kind in _SETS:
        return _set_size(kind, inner)
    if inner is True or inner is False:  # BOOL and NULL; moto asks the value, not the type
        return 1
    return _text_size(inner)


def _map_size(inner: Any) -> int:
    if type(inner) is not dict:
        raise _NotPlain
    total = 0
    for name, element in inner.items():
        # moto measures `DynamoType(element)`, a copy that measures as the element does
        if type(element) is not DynamoType:
            raise _NotPlain
        total += _text_size(name) + _size(element)
    return total


def _list_size(inner: Any) -> int:
    if type(inner) is not list:
        raise _NotPlain
    total = 0
    for element in inner:
        if type(element) is not DynamoType:
            raise _NotPlain  # moto calls its `size()`, whatever it is
        total += _size(element)
    return total


def _set_size(kind: str, inner: Any) -> int:
    """moto measures each member as `DynamoType({"S" | "N" | "B": member})`."""
    if type(inner) is not list:
        raise _NotPlain
    if kind == "NS":
        return sum(len(str(member)) for member in inner)
    return sum(1 if member is True or member is False else _text_size(member) for member in inner)


def value_size(value: DynamoType) -> int:
    """`value.size()` as moto's `DynamoType.size` computes it."""
    try:
        return _size(value)
    except _NotPlain:
        return MOTOS_OWN["value_size"](value)  # type: ignore[no-any-return]


def _held_size(held: Any) -> int:
    """What moto's `LimitedSizeDict.__setitem__` counts for a name or value it holds."""
    if type(held) is DynamoType:
        return value_size(held)
    if type(held) is str:
        return _text_size(held)
    return bytesize(str(held))


def _plain_total(attributes: dict[Any, Any]) -> int:
    """The size of attributes that are all plain names and values (`_NotPlain` otherwise):
    what moto's `LimitedSizeDict.__setitem__` and `Item.size` sum."""
    total = 0
    for name, value in attributes.items():
        if type(name) is not str or type(value) is not DynamoType:
            raise _NotPlain
        total += (len(name) if name.isascii() else len(name.encode("utf-8"))) + _size(value)
    return total


def _held_total(held: LimitedSizeDict) -> int:
    """moto's sum over the names, then the values, an item's attributes hold."""
    try:
        return _plain_total(held)
    except _NotPlain:  # measuring has no effects: start again, in moto's order, term by term
        return sum(_held_size(name) for name in held) + sum(_held_size(value) for value in held.values())


def _limited_setitem(self: LimitedSizeDict, key: str, value: Any) -> None:
    held = _held_total(self)
    new_size = (_text_size(key) if type(key) is str else bytesize(key)) + (
        value_size(value) if type(value) is DynamoType else bytesize(str(value))
    )
    if held + new_size > ITEM_SIZE_LIMIT:
        raise ItemSizeTooLarge
    dict.__setitem__(self, key, value)


def _item_init(self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]) -> None:
    if not all(type(name) is str for name in attrs):
        MOTOS_OWN["item_init"](self, hash_key, range_key, attrs)  # moto counts an odd name two ways
        return
    self.hash_key = hash_key
    self.range_key = range_key
    self.attrs = LimitedSizeDict()
    held = 0
    for name, value in attrs.items():
        stored = DynamoType(value)
        held += _text_size(name) + value_size(stored)
        if held > ITEM_SIZE_LIMIT:
            raise ItemSizeTooLarge
        dict.__setitem__(self.attrs, name, stored)


def _item_size(self: Item) -> int:
    try:
        return _plain_total(self.attrs)
    except _NotPlain:
        return MOTOS_OWN["item_size"](self)  # type: ignore[no-any-return]


def install() -> None:
    """Make this process's moto measure items without copying them, once per value."""
    if MOTOS_OWN:
        return
    MOTOS_OWN.update(
        value_size=DynamoType.size,
        setitem=LimitedSizeDict.__setitem__,
        item_init=Item.__init__,
        item_size=Item.size,
    )
    DynamoType.size = value_size  # type: ignore[method-assign,assignment]
    LimitedSizeDict.__setitem__ = _limited_setitem  # type: ignore[method-assign]
    Item.__init__ = _item_init  # type: ignore[method-assign]
    Item.size = _item_size  # type: ignore[method-assign]


def uninstall() -> None:
    """Put moto's own code back (the equivalence test runs both in one process)."""
    if not MOTOS_OWN:
        return
    DynamoType.size = MOTOS_OWN["value_size"]  # type: ignore[method-assign]
    LimitedSizeDict.__setitem__ = MOTOS_OWN["setitem"]  # type: ignore[method-assign]
    Item.__init__ = MOTOS_OWN["item_init"]  # type: ignore[method-assign]
    Item.size = MOTOS_OWN["item_size"]  # type: ignore[method-assign]
    MOTOS_OWN.clear()
