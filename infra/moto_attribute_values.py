"""moto's DynamoDB answers written at the cost of their items, for the local stack.

moto 5 writes every answer through one serializer for all services, which walks the
operation's output shape member by member and looks each member up through six alias rules
(the model's names, the shape's name, `snake_case` forms...). A DynamoDB attribute value is a
structure of ten possible members (`S`, `N`, `B`, `SS`, ... `M`, `L`), so every attribute of
every item returned costs some forty lookups before the one that is there is found: in
`make burst` (N = 300) writing DynamoDB's answers took a fifth of the moto process's time.

An attribute value, as moto hands it to the serializer, is already the wire form: a dict
with the member that is set (`dynamo_to_dict`, binary as bytes). So a value made only of
those members is written directly — strings as the JSON serializer writes them, binary
base64-encoded as its blob rule does, `M` and `L` recursively, a `None` member left out —
and anything else (another key, another type) goes through moto's walk as before.
`tests/integration/test_moto_attribute_values.py` runs the same DynamoDB calls, with items
of every attribute type, through moto's serializer and this one and compares every answer.

Like `moto_transactions`, it is upstream-shaped; `install()` puts it on moto's classes in
the process that serves moto.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from moto.core.serialize import BaseJSONSerializer

MOTOS_OWN: dict[str, Any] = {}


def _serialize_type_structure(self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str) -> None:
    """moto's structure rule, with an attribute value of DynamoDB's written directly."""
    if key and shape.name == "AttributeValue" and type(value) is dict and _plain_dynamodb(self):
        written = _attribute_value(self, value)
        if written is not None:
            self._default_serialize(serialized, written, shape, key)
            return
    MOTOS_OWN["_serialize_type_structure"](self, serialized, value, shape, key)


def _plain_dynamodb(serializer: BaseJSONSerializer) -> bool:
    """DynamoDB's answer, with no response transformer that could rewrite a value."""
    service = serializer.operation_model.service_model.service_name
    return service == "dynamodb" and not getattr(serializer._value_picker, "response_transformers", None)


def _attribute_value(serializer: BaseJSONSerializer, value: dict[str, Any]) -> dict[str, Any] | None:
    """The attribute value as moto's walk would write it, or None where the walk may differ."""
    written: dict[str, Any] = {}
    for member, item in value.items():
        if item is None:
            continue  # the walk leaves out a member whose value is None
        write = _MEMBERS.get(member)
        entry = write(serializer, item) if write is not None else _DIFFERENT
        if entry is _DIFFERENT:
            return None
        written[member] = entry
    return written


_DIFFERENT = object()


def _strings(serializer: BaseJSONSerializer, item: Any) -> Any:
    return [_string(element) for element in item] if type(item) is list else _DIFFERENT


def _blobs(serializer: BaseJSONSerializer, item: Any) -> Any:
    return [serializer._base64(element) for element in item] if type(item) is list else _DIFFERENT


def _map(serializer: BaseJSONSerializer, item: Any) -> Any:
    if type(item) is not dict:
        return _DIFFERENT
    entries = {}
    for name, element in item.items():
        entry = _attribute_value(serializer, element) if type(element) is dict else None
        if entry is None:
            return _DIFFERENT
        entries[name] = entry
    return entries


def _list(serializer: BaseJSONSerializer, item: Any) -> Any:
    if type(item) is not list:
        return _DIFFERENT
    elements = []
    for element in item:
        entry = _attribute_value(serializer, element) if type(element) is dict else None
        if entry is None:
            return _DIFFERENT
        elements.append(entry)
    return elements


# How moto's walk writes each member of an AttributeValue: strings by the JSON string rule,
# binary base64-encoded by the blob rule, NULL and BOOL as they are, M and L recursively.
_MEMBERS: dict[str, Callable[[BaseJSONSerializer, Any], Any]] = {
    "S": lambda serializer, item: _string(item),
    "N": lambda serializer, item: _string(item),
    "B": lambda serializer, item: serializer._base64(item),
    "SS": _strings,
    "NS": _strings,
    "BS": _blobs,
    "M": _map,
    "L": _list,
    "NULL": lambda serializer, item: item,
    "BOOL": lambda serializer, item: item,
}


def _string(value: Any) -> Any:
    """moto's JSON string rule (`BaseJSONSerializer._serialize_type_string`)."""
    if isinstance(value, Enum):
        value = value.value
    return str(value) if value not in [None, {}, []] else value


def install() -> None:
    """Make this process's moto write DynamoDB attribute values directly."""
    if MOTOS_OWN:
        return
    MOTOS_OWN["_serialize_type_structure"] = BaseJSONSerializer._serialize_type_structure
    BaseJSONSerializer._serialize_type_structure = _serialize_type_structure  # type: ignore[method-assign]


def uninstall() -> None:
    """Put moto's own code back (the equivalence test runs both in one process)."""
    if not MOTOS_OWN:
        return
    BaseJSONSerializer._serialize_type_structure = MOTOS_OWN["_serialize_type_structure"]  # type: ignore[method-assign]
    MOTOS_OWN.clear()
