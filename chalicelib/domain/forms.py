"""A service's application form: a JSON Schema the department writes and every application
is validated against, field by field.

The schema is checked when it is saved, not when a citizen meets it: it must be a valid
Draft 2020-12 schema of an object whose properties are plain values (string, integer,
number, boolean, or a list of strings) and that refuses fields it does not name, so every
field a citizen can send is one the department reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import InvalidInput

PLAIN_TYPES = frozenset({"string", "integer", "number", "boolean", "array"})
MAX_FIELDS = 60


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


class FormInvalid(InvalidInput):
    """422 naming every field that is wrong (the first as `field`)."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        super().__init__(f"{first.field}: {first.message}", field=first.field)
        self.problems = [{"field": p.field, "message": p.message} for p in problems]


def check_form(form: dict[str, Any], field: str = "form") -> None:
    """InvalidInput unless `form` is a schema this system can show and validate."""
    from jsonschema import Draft202012Validator  # deferred: ~70 ms of import, paid by forms only
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(form)
    except SchemaError as error:
        where = ".".join(str(part) for part in error.path)
        raise InvalidInput(
            f"{field}: not a valid JSON Schema ({error.message})", field=f"{field}.{where}".rstrip(".")
        ) from None
    if _mentions_reference(form):
        raise InvalidInput(f"{field}: a form is self-contained ($ref is not allowed).", field=field)
    if form.get("type") != "object" or form.get("additionalProperties") is not False:
        raise InvalidInput(f"{field}: must be an object schema with additionalProperties false.", field=field)
    properties = form.get("properties")
    if not isinstance(properties, dict) or not properties or len(properties) > MAX_FIELDS:
        raise InvalidInput(f"{field}.properties: name between 1 and {MAX_FIELDS} fields.", field=f"{field}.properties")
    for name, spec in properties.items():
        kind = spec.get("type") if isinstance(spec, dict) else None
        if not isinstance(kind, str) or kind not in PLAIN_TYPES:
            raise InvalidInput(
                f"{field}.properties.{name}: type must be one of {', '.join(sorted(PLAIN_TYPES))}.",
                field=f"{field}.properties.{name}",
            )
        items = spec.get("items")
        if kind == "array" and not (isinstance(items, dict) and items.get("type") == "string"):
            raise InvalidInput(f"{field}.properties.{name}: a list holds strings.", field=f"{field}.properties.{name}")
    required = form.get("required", [])
    unknown = [name for name in required if name not in properties] if isinstance(required, list) else ["required"]
    if unknown:
        raise InvalidInput(f"{field}.required: {unknown[0]} is not a field of the form.", field=f"{field}.required")


def _mentions_reference(node: Any) -> bool:
    """Whether a schema reaches outside itself ($ref, $dynamicRef): resolving that when a
    citizen applies could fetch from anywhere, or fail."""
    if isinstance(node, dict):
        return any(key in {"$ref", "$dynamicRef"} or _mentions_reference(value) for key, value in node.items())
    if isinstance(node, list):
        return any(_mentions_reference(item) for item in node)
    return False


def validate_fields(form: dict[str, Any], fields: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """The fields when they satisfy the form; FormInvalid naming each wrong one otherwise.
    `partial`: only the fields given are checked (answers to an officer's request)."""
    from jsonschema import Draft202012Validator  # deferred: see check_form

    schema = {**form, "required": []} if partial else form
    problems = []
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for error in sorted(validator.iter_errors(fields), key=lambda e: [str(part) for part in e.path]):
        if error.validator == "required":
            name = str(error.message).split("'")[1]
            problems.append(Problem(f"fields.{name}", "is required"))
        elif error.validator == "additionalProperties":
            for name in sorted(set(fields) - set(form.get("properties", {}))):
                problems.append(Problem(f"fields.{name}", "is not a field of this form"))
        else:
            where = ".".join(str(part) for part in error.path)
            problems.append(Problem(f"fields.{where}" if where else "fields", _message(error)))
    if problems:
        raise FormInvalid(problems)
    return fields


def _message(error: Any) -> str:
    """A citizen-readable message; never echoes the value (it may be personal)."""
    spec = error.schema if isinstance(error.schema, dict) else {}
    match error.validator:
        case "type":
            return f"must be of type {spec.get('type')}"
        case "enum":
            return "must be one of " + ", ".join(str(v) for v in spec.get("enum", []))
        case "pattern":
            return "is not in the expected format"
        case "minLength":
            return f"must be at least {spec.get('minLength')} characters"
        case "maxLength":
            return f"must be at most {spec.get('maxLength')} characters"
        case "minimum" | "exclusiveMinimum":
            return f"must be at least {spec.get('minimum', spec.get('exclusiveMinimum'))}"
        case "maximum" | "exclusiveMaximum":
            return f"must be at most {spec.get('maximum', spec.get('exclusiveMaximum'))}"
        case "format":
            return f"must be a {spec.get('format')}"
    return "is not acceptable"
