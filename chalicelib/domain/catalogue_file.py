"""A state's catalogue file (`infra/seed/FORMAT.md`): read, checked whole, turned into items.

The bootstrap loads a state from one such file, and a file it half-understands must not
half-load a state: every problem is found in one pass and named by where it is
(`departments[2].code: duplicate code WATER`), so the person who wrote the file fixes
them all at once, and nothing is written until there are none.

Pure: the stage's state code and languages come in as arguments; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from chalicelib.domain.catalogue import Category, Department, District, Service, from_document
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.forms import Problem, check_form

CODE_PATTERN = re.compile(r"^[A-Z0-9_]{1,64}$")  # as the catalogue routes take them
SLOT_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}$")
CLOCK_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
ENGLISH = "en"
WHOLE_FILE = "catalogue"

# The ranges the catalogue routes accept (handlers/catalogue.py), so a file cannot load
# what the state cell could not later save again.
SLA_HOURS = (1, 8760)
SLA_DAYS = (1, 365)
FEE_INR = (0, 1_000_000)
POPULATION = (1, 1_000_000_000)
ESCALATION_LEVELS = 3
UTC_OFFSET_MINUTES = (-720, 840)
MAX_TEXT = 2000

# The keys each part of the file may have: a key outside these is a typo or a field this
# version does not know, and either way it would be silently dropped.
TOP_KEYS = {"state": True, "districts": True, "departments": True, "categories": True, "services": False}
STATE_KEYS = {"code": True, "names": True, "languages": True, "calendar": True}
CALENDAR_KEYS = {
    "utc_offset_minutes": True,
    "working_days": True,
    "day_start": True,
    "day_end": True,
    "holidays": False,
}
HOLIDAY_KEYS = {"date": True, "name": False}
DISTRICT_KEYS = {"code": True, "names": True, "population": False}
DEPARTMENT_KEYS = {"code": True, "names": True, "description": False}
SERVICE_KEYS = {
    "code": True,
    "department": True,
    "names": True,
    "sla_days": True,
    "form": True,
    "description": False,
    "eligibility": False,
    "keywords": False,
    "fee_inr": False,
    "documents": False,
}
DOCUMENT_KEYS = {"slot": True, "names": True, "required": False}
CATEGORY_KEYS = {
    "code": True,
    "department": True,
    "names": True,
    "sla_hours": True,
    "round_the_clock": False,
    "keywords": False,
    "escalation_hours": False,
}
# Which item each list's keys become (a test keeps them within the items' fields).
ITEM_KEYS: dict[type, dict[str, bool]] = {
    District: DISTRICT_KEYS,
    Department: DEPARTMENT_KEYS,
    Service: SERVICE_KEYS,
    Category: CATEGORY_KEYS,
}


class CatalogueInvalid(InvalidInput):
    """The file is refused whole; `problems` names every one (the first as `field`)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        first = problems[0]
        super().__init__(f"{first.field}: {first.message}", field=first.field)
        self.problems = list(problems)


@dataclass(frozen=True)
class CatalogueFile:
    """What a valid file holds, as the catalogue stores it."""

    state_code: str
    languages: tuple[str, ...]
    calendar: dict[str, Any]  # the stored calendar document (`sla.calendar_from_document`)
    districts: tuple[District, ...]
    departments: tuple[Department, ...]
    services: tuple[Service, ...]
    categories: tuple[Category, ...]


def read_catalogue_file(document: Any, *, state_code: str, languages: Collection[str]) -> CatalogueFile:
    """The catalogue in `document` (the parsed JSON of a file) for the stage whose state is
    `state_code` and which speaks `languages`; CatalogueInvalid naming every problem."""
    reader = _Reader(state_code, tuple(languages))
    catalogue = reader.read(document)
    if reader.problems or catalogue is None:
        raise CatalogueInvalid(reader.problems or [Problem(WHOLE_FILE, "is empty")])
    return catalogue


def catalogue_file_problems(document: Any, *, state_code: str, languages: Collection[str]) -> list[Problem]:
    """Every problem of the file, in the order they appear in it; [] when it can be loaded."""
    try:
        read_catalogue_file(document, state_code=state_code, languages=languages)
    except CatalogueInvalid as invalid:
        return invalid.problems
    return []


class _Reader:
    """One pass over the file, collecting problems instead of stopping at the first."""

    def __init__(self, state_code: str, stage_languages: tuple[str, ...]) -> None:
        self.state_code = state_code
        self.stage_languages = stage_languages
        self.languages: tuple[str, ...] = stage_languages  # until the file's own are read
        self.problems: list[Problem] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def read(self, document: Any) -> CatalogueFile | None:
        if not self.object_with_keys(document, WHOLE_FILE, TOP_KEYS):
            return None
        state = document.get("state")
        calendar = self.state(state) if isinstance(state, dict) else None
        if state is not None and not isinstance(state, dict):
            self.problem("state", "must be an object")
        districts = self.items(document, "districts", DISTRICT_KEYS, self.district, required=True)
        departments = self.items(document, "departments", DEPARTMENT_KEYS, self.department, required=True)
        known_departments = {d["code"] for d in departments}
        services = self.items(document, "services", SERVICE_KEYS, self.service(known_departments), required=False)
        categories = self.items(document, "categories", CATEGORY_KEYS, self.category(known_departments), required=True)
        return CatalogueFile(
            state_code=self.state_code,
            languages=self.languages,
            calendar=calendar or {},
            districts=tuple(from_document(District, d) for d in districts),
            departments=tuple(from_document(Department, d) for d in departments),
            services=tuple(from_document(Service, s) for s in services),
            categories=tuple(from_document(Category, c) for c in categories),
        )

    # -- shapes ----------------------------------------------------------------------------
    def object_with_keys(self, value: Any, where: str, keys: dict[str, bool]) -> bool:
        """Whether `value` is an object; names its unknown and missing keys."""
        if not isinstance(value, dict):
            self.problem(where, "must be an object")
            return False
        # the file's own keys are named alone: `districts`, not `catalogue.districts`
        prefix = "" if where == WHOLE_FILE else f"{where}."
        for key in value:
            if key not in keys:
                self.problem(f"{prefix}{key}", "unknown key")
        for key, required in keys.items():
            if required and key not in value:
                self.problem(f"{prefix}{key}", "is required")
        return True

    def integer(self, value: Any, where: str, bounds: tuple[int, int]) -> bool:
        low, high = bounds
        # bool is an int to Python, never to the person who wrote `true`
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(where, "must be a whole number")
            return False
        if not low <= value <= high:
            self.problem(where, f"must be between {low} and {high}")
            return False
        return True

    def boolean(self, value: Any, where: str) -> None:
        if not isinstance(value, bool):
            self.problem(where, "must be true or false")

    def text(self, value: Any, where: str) -> bool:
        if not isinstance(value, str) or not value.strip():
            self.problem(where, "must be a non-empty text")
            return False
        if len(value) > MAX_TEXT:
            self.problem(where, f"must be at most {MAX_TEXT} characters")
            return False
        return True

    def localized(self, value: Any, where: str, *, english: bool) -> None:
        """{language: text}; with `english`, the English text is required (every catalogue
        name has one: it is the fallback of every other language)."""
        if not isinstance(value, dict):
            self.problem(where, "must be an object of texts by language")
            return
        for language, text in value.items():
            if language not in self.languages:
                self.problem(f"{where}.{language}", f"language not in state.languages ({', '.join(self.languages)})")
            else:
                self.text(text, f"{where}.{language}")
        if english and not (isinstance(value.get(ENGLISH), str) and value[ENGLISH].strip()):
            self.problem(f"{where}.{ENGLISH}", "every name has an English version")

    def keywords(self, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            self.problem(where, "must be an object of word lists by language")
            return
        for language, words in value.items():
            if language not in self.languages:
                self.problem(f"{where}.{language}", f"language not in state.languages ({', '.join(self.languages)})")
            elif not isinstance(words, list):
                self.problem(f"{where}.{language}", "must be a list of words")
            else:
                for index, word in enumerate(words):
                    self.text(word, f"{where}.{language}[{index}]")

    def code(self, value: Any, where: str, seen: set[str]) -> None:
        if not isinstance(value, str) or not CODE_PATTERN.match(value):
            self.problem(where, "must be capital letters, digits and _ (at most 64)")
        elif value in seen:
            self.problem(where, f"duplicate code {value}")
        else:
            seen.add(value)

    def department_of(self, value: Any, where: str, departments: set[str]) -> None:
        if isinstance(value, str) and value in departments:
            return
        self.problem(where, f"no department {value!r}" if isinstance(value, str) else "must be a department's code")

    # -- the state -------------------------------------------------------------------------
    def state(self, state: dict[str, Any]) -> dict[str, Any] | None:
        self.object_with_keys(state, "state", STATE_KEYS)
        if "code" in state and state["code"] != self.state_code:
            self.problem("state.code", f"is {state['code']!r}, but this stage's state is {self.state_code!r}")
        self.state_languages(state.get("languages"))
        if "names" in state:
            self.localized(state["names"], "state.names", english=True)
        calendar = state.get("calendar")
        return self.calendar(calendar) if "calendar" in state else None

    def state_languages(self, languages: Any) -> None:
        if languages is None:
            return
        if not isinstance(languages, list) or not languages:
            self.problem("state.languages", "must be a list of language codes")
            return
        valid = []
        for index, language in enumerate(languages):
            where = f"state.languages[{index}]"
            if not isinstance(language, str) or not LANGUAGE_PATTERN.match(language):
                self.problem(where, "must be a language code such as 'pa'")
            elif language in valid:
                self.problem(where, f"duplicate language {language}")
            elif language not in self.stage_languages:
                self.problem(where, f"{language!r} is not a language of this stage ({', '.join(self.stage_languages)})")
            else:
                valid.append(language)
        if ENGLISH not in languages:
            self.problem("state.languages", "must include 'en' (the fallback of every text)")
        self.languages = tuple(valid) or self.stage_languages

    def calendar(self, calendar: Any) -> dict[str, Any] | None:
        where = "state.calendar"
        if not self.object_with_keys(calendar, where, CALENDAR_KEYS):
            return None
        before = len(self.problems)
        if "utc_offset_minutes" in calendar:
            self.integer(calendar["utc_offset_minutes"], f"{where}.utc_offset_minutes", UTC_OFFSET_MINUTES)
        working_days = self.working_days(calendar.get("working_days"), f"{where}.working_days")
        for edge in ("day_start", "day_end"):
            value = calendar.get(edge)
            if edge in calendar and not (isinstance(value, str) and CLOCK_PATTERN.match(value)):
                self.problem(f"{where}.{edge}", "must be a time of day as HH:MM")
        start, end = calendar.get("day_start"), calendar.get("day_end")
        if isinstance(start, str) and isinstance(end, str) and CLOCK_PATTERN.match(start) and start >= end:
            self.problem(f"{where}.day_end", "the working day must end after it starts")
        holidays = self.holidays(calendar.get("holidays", []), f"{where}.holidays")
        if len(self.problems) > before:
            return None
        return {
            "utc_offset_minutes": calendar["utc_offset_minutes"],
            "working_days": working_days,
            "day_start": start,
            "day_end": end,
            "holidays": sorted(holidays),
            "holiday_names": {day: holidays[day] for day in sorted(holidays) if holidays[day]},
        }

    def working_days(self, days: Any, where: str) -> list[int]:
        if days is None:
            return []
        if not isinstance(days, list) or not days:
            self.problem(where, "must be a list of weekdays, 0 (Monday) to 6 (Sunday)")
            return []
        found: list[int] = []
        for index, day in enumerate(days):
            if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
                self.problem(f"{where}[{index}]", "must be a weekday, 0 (Monday) to 6 (Sunday)")
            elif day in found:
                self.problem(f"{where}[{index}]", f"duplicate weekday {day}")
            else:
                found.append(day)
        return sorted(found)

    def holidays(self, holidays: Any, where: str) -> dict[str, str]:
        """{ISO date: name ("" when unnamed)}; a holiday is "2026-01-26" or {date, name}."""
        if not isinstance(holidays, list):
            self.problem(where, "must be a list of dates")
            return {}
        found: dict[str, str] = {}
        for index, holiday in enumerate(holidays):
            at = f"{where}[{index}]"
            name = ""
            if isinstance(holiday, dict):
                self.object_with_keys(holiday, at, HOLIDAY_KEYS)
                if "name" in holiday and self.text(holiday["name"], f"{at}.name"):
                    name = holiday["name"].strip()
                holiday = holiday.get("date")
            day = _iso_date(holiday)
            if day is None:
                self.problem(at, "not a date (YYYY-MM-DD)")
            elif day in found:
                self.problem(at, f"duplicate holiday {day}")
            else:
                found[day] = name
        return found

    # -- the lists -------------------------------------------------------------------------
    def items(
        self,
        document: dict[str, Any],
        name: str,
        keys: dict[str, bool],
        check: Callable[[dict[str, Any], str], None],
        *,
        required: bool,
    ) -> list[dict[str, Any]]:
        """The valid entries of one list, each with only its known keys."""
        entries = document.get(name, [] if not required else None)
        if entries is None:
            return []
        if not isinstance(entries, list) or (required and not entries):
            self.problem(name, "must be a non-empty list" if required else "must be a list")
            return []
        seen: set[str] = set()
        valid = []
        for index, entry in enumerate(entries):
            where = f"{name}[{index}]"
            before = len(self.problems)
            if self.object_with_keys(entry, where, keys):
                self.code(entry.get("code"), f"{where}.code", seen)
                check(entry, where)
            if len(self.problems) == before:
                valid.append({key: value for key, value in entry.items() if key in keys})
        return valid

    def district(self, district: dict[str, Any], where: str) -> None:
        self.localized(district.get("names"), f"{where}.names", english=True)
        if district.get("population") is not None:
            self.integer(district["population"], f"{where}.population", POPULATION)

    def department(self, department: dict[str, Any], where: str) -> None:
        self.localized(department.get("names"), f"{where}.names", english=True)
        if "description" in department:
            self.localized(department["description"], f"{where}.description", english=False)

    def service(self, departments: set[str]) -> Callable[[dict[str, Any], str], None]:
        def check(service: dict[str, Any], where: str) -> None:
            self.department_of(service.get("department"), f"{where}.department", departments)
            self.localized(service.get("names"), f"{where}.names", english=True)
            for text in ("description", "eligibility"):
                if text in service:
                    self.localized(service[text], f"{where}.{text}", english=False)
            self.optional(
                service,
                where,
                sla_days=lambda value, at: self.integer(value, at, SLA_DAYS),
                fee_inr=lambda value, at: self.integer(value, at, FEE_INR),
                keywords=self.keywords,
                form=self.form,
                documents=self.documents,
            )

        return check

    def optional(self, item: dict[str, Any], where: str, **checks: Callable[[Any, str], object]) -> None:
        """Check each of these keys the item has (the others take their defaults)."""
        for key, check in checks.items():
            if key in item:
                check(item[key], f"{where}.{key}")

    def form(self, form: Any, where: str) -> None:
        if not isinstance(form, dict):
            self.problem(where, "must be a JSON Schema object")
            return
        try:
            check_form(form, field=where)
        except InvalidInput as error:
            # check_form says "<where...>: message"; keep its own, deeper, place
            place, _, message = error.message.partition(": ")
            self.problem(place if place.startswith(where) else where, message or error.message)

    def documents(self, slots: Any, where: str) -> None:
        if not isinstance(slots, list):
            self.problem(where, "must be a list of document slots")
            return
        seen: set[str] = set()
        for index, slot in enumerate(slots):
            at = f"{where}[{index}]"
            if not self.object_with_keys(slot, at, DOCUMENT_KEYS):
                continue
            name = slot.get("slot")
            if not isinstance(name, str) or not SLOT_PATTERN.match(name):
                self.problem(f"{at}.slot", "must be lower-case letters, digits and _, starting with a letter")
            elif name in seen:
                self.problem(f"{at}.slot", f"duplicate slot {name}")
            else:
                seen.add(name)
            self.localized(slot.get("names"), f"{at}.names", english=True)
            if "required" in slot:
                self.boolean(slot["required"], f"{at}.required")

    def category(self, departments: set[str]) -> Callable[[dict[str, Any], str], None]:
        def check(category: dict[str, Any], where: str) -> None:
            self.department_of(category.get("department"), f"{where}.department", departments)
            self.localized(category.get("names"), f"{where}.names", english=True)
            self.optional(
                category,
                where,
                sla_hours=lambda value, at: self.integer(value, at, SLA_HOURS),
                round_the_clock=self.boolean,
                keywords=self.keywords,
                escalation_hours=self.escalation_hours,
            )

        return check

    def escalation_hours(self, hours: Any, where: str) -> None:
        if not isinstance(hours, list) or len(hours) > ESCALATION_LEVELS:
            self.problem(where, f"must be a list of at most {ESCALATION_LEVELS} hours (levels 1, 2, 3)")
            return
        for index, value in enumerate(hours):
            self.integer(value, f"{where}[{index}]", SLA_HOURS)


def _iso_date(value: Any) -> str | None:
    """The ISO date `value` spells exactly (YYYY-MM-DD), else None."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return None
