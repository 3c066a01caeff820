"""Use cases of the public catalogue: what a citizen browses before applying or complaining."""

from __future__ import annotations

from chalicelib.domain.catalogue import Category, Department, District, Service
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.models import catalogue


def list_districts() -> list[District]:
    return catalogue.list_districts()


def list_departments() -> list[Department]:
    return catalogue.list_departments()


def search_services(
    *, department: str | None, query: str | None, after: str | None, limit: int
) -> tuple[list[Service], str | None]:
    """Services matching every word of `query` in any language, ordered by code.

    Returns one page and the cursor of the next page (None on the last). An unknown
    department is an input error, not an empty result, so a typo does not look like
    "this department offers nothing".
    """
    services = catalogue.list_services(department)
    if department and not services:
        _require_department(department)
    matching = [s for s in services if (after is None or s.code > after) and (not query or s.matches(query))]
    page = matching[:limit]
    next_cursor = page[-1].code if len(matching) > limit else None
    return page, next_cursor


def find_service(code: str) -> Service:
    service = catalogue.get_service(code)
    if service is None:
        raise NotFound(f"No service with code {code!r}.", field="code")
    return service


def list_categories(*, department: str | None) -> list[Category]:
    categories = catalogue.list_categories(department)
    if department and not categories:
        _require_department(department)
    return categories


def _require_department(code: str) -> None:
    if catalogue.get_department(code) is None:
        raise InvalidInput(f"No department with code {code!r}.", field="department")
