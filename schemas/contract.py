"""Validation of events against the JSON Schemas in ``schemas/events``.

One piece of code, shared by ingest (which refuses bad events at the door) and
by connectors (which check what they build before they send it), so that both
agree on what a valid event is.

Errors name the field as a JSON Pointer into the event (``/data/location``)
and say what was expected, so that a source system's developer can fix the
mapping without reading our code.

Departure from the obvious: every event is first checked by a validator that
fastjsonschema compiled to Python code from the same schemas, about twenty
times faster than the interpreting validator. Only an event that fails it is
checked again by jsonschema, whose errors carry the paths and values that the
problem report needs. The two must agree on what is valid; a property test
holds them to it, and the formats are checked by the same functions in both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

EVENTS_DIR = Path(__file__).parent / "events"
ENVELOPE = "envelope.schema.json"
STATUS_CHANGED = "nl.servicenorm.status.changed"
SPECVERSION = "1.0"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an event: where, and what was expected there."""

    pointer: str
    expected: str
    got: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.pointer or "/", "expected": self.expected}


class ContractError(ValueError):
    """An event does not match the contract. Not retriable: the sender must fix it."""

    def __init__(self, problems: list[Problem], index: int | None = None) -> None:
        self.problems = problems
        self.index = index
        where = f"event {index}: " if index is not None else ""
        first = problems[0]
        super().__init__(f"{where}{first.pointer or '/'}: {first.expected}")


@cache
def _registry() -> Registry:
    resources = []
    for path in sorted(EVENTS_DIR.glob("*.schema.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        resources.append((path.name, Resource.from_contents(document)))
        resources.append((document["$id"], Resource.from_contents(document)))
    return Registry().with_resources(resources)


@cache
def known_types() -> frozenset[str]:
    """Every event type that has a schema (the envelope itself is not a type)."""
    names = (p.name.removesuffix(".schema.json") for p in EVENTS_DIR.glob("*.schema.json"))
    return frozenset(n for n in names if n != ENVELOPE.removesuffix(".schema.json"))


# Formats, checked the same way by both validators.
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def is_date_time(value: object) -> bool:
    """RFC 3339 date-time with an offset, and a real moment (no 30 February)."""
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return True


def is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _any(value: object) -> bool:
    return True


FORMATS: dict[str, Callable[[object], bool]] = {
    "date-time": is_date_time, "date": is_date, "uri-reference": _any, "uri": _any}


@cache
def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    for name, check in FORMATS.items():
        checker.checks(name)(check)
    return checker


@cache
def _validator(name: str) -> Draft202012Validator:
    document = json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))
    return Draft202012Validator(document, registry=_registry(), format_checker=_format_checker())


def _inlined(name: str) -> dict[str, Any]:
    """The schema of ``name`` with the envelope inlined, for the compiling validator."""
    document = json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))
    envelope = json.loads((EVENTS_DIR / ENVELOPE).read_text(encoding="utf-8"))
    for key in ("$schema", "$id"):
        document.pop(key, None)
        envelope.pop(key, None)
    document["allOf"] = [envelope]
    return document


@cache
def _fast(event_type: str) -> Callable[[Any], Any]:
    return fastjsonschema.compile(_inlined(f"{event_type}.schema.json"), formats=FORMATS,
                                  use_default=False)


def is_valid(event: Any) -> bool:
    """Quick yes or no; see the module docstring."""
    if not isinstance(event, dict):
        return False
    event_type = event.get("type")
    if not isinstance(event_type, str) or event_type not in known_types():
        return False
    try:
        _fast(event_type)(event)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def _describe(error: ValidationError) -> Problem:
    pointer = "".join(f"/{part}" for part in error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    match error.validator:
        case "required":
            missing = error.message.split("'")[1] if "'" in error.message else error.message
            return Problem(f"{pointer}/{missing}", "a value (this field is required)")
        case "additionalProperties":
            extra = sorted(set(error.instance) - set(schema.get("properties", {})))
            allowed = ", ".join(sorted(schema.get("properties", {})))
            return Problem(f"{pointer}/{extra[0]}" if extra else pointer,
                           f"no such field; allowed here: {allowed}")
        case "const":
            expected = f"exactly {error.validator_value!r}, got {error.instance!r}"
            return Problem(pointer, expected, error.instance)
        case "enum":
            options = ", ".join(repr(v) for v in error.validator_value)
            return Problem(pointer, f"one of {options}, got {error.instance!r}", error.instance)
        case "type":
            expected = f"a value of type {error.validator_value}, got {error.instance!r}"
            return Problem(pointer, expected, error.instance)
        case "pattern":
            hint = schema.get("description", f"text matching {error.validator_value}")
            return Problem(pointer, f"{hint}; got {error.instance!r}", error.instance)
        case "format":
            expected = f"a {error.validator_value} (RFC 3339), got {error.instance!r}"
            return Problem(pointer, expected, error.instance)
        case _:
            return Problem(pointer, error.message, error.instance)


def problems(event: Any) -> list[Problem]:
    """Everything wrong with ``event``, envelope first; empty when it is valid."""
    if not isinstance(event, dict):
        return [Problem("", f"a JSON object (a CloudEvent), got {type(event).__name__}")]
    found = [_describe(e) for e in _validator(ENVELOPE).iter_errors(event)]
    if found:
        return sorted(found, key=lambda p: p.pointer)
    event_type = event["type"]
    if event_type not in known_types():
        options = ", ".join(sorted(known_types()))
        return [Problem("/type", f"a known event type ({options}), got {event_type!r}", event_type)]
    found = [_describe(e) for e in _validator(f"{event_type}.schema.json").iter_errors(event)]
    return sorted(found, key=lambda p: p.pointer)


def validate(event: Any, index: int | None = None) -> dict[str, Any]:
    """Return ``event`` when it matches the contract, else raise :class:`ContractError`."""
    if is_valid(event):
        return event  # type: ignore[no-any-return]
    found = problems(event)
    if found:
        raise ContractError(found, index)
    return event
