"""Norm definitions: the norm card as data.

One YAML file holds one norm of a municipality's service charter: the promise as
citizens read it, how an item (ticket, call, message, case) starts and ends, the
per-item limit, and the indicators with their streefwaarde and grenswaarde. A
file is checked in two passes:

1. against ``norm-definition.schema.json`` (shape, kinds, units, durations,
   which keys go together);
2. by :func:`_semantic_problems` for what a schema cannot say: event types must
   be known to the event contract, the streefwaarde must lie on the good side of
   the grenswaarde, scope levels and ``where`` fields must be carried by the
   norm's events. This pass runs only when the first found nothing, since it
   relies on the shape.

Every problem names the file, line and column, the JSON pointer and what was
expected there, so that whoever maintains the charter can fix it without
reading this code.

Departures from the obvious:

1. Files are not read with ``yaml.safe_load``. Plain scalars resolve as in
   YAML 1.2's core schema: a date stays text (the schema then checks it, with a
   message, instead of PyYAML raising on 2026-02-30), ``08:30`` stays text (YAML
   1.1 reads ``8:30`` as the number 510) and ``yes``/``no``/``on``/``off`` stay
   text rather than becoming booleans.
2. A key given twice in one mapping is an error; PyYAML silently keeps the last.
3. ``to_dict`` returns the file format itself (as JSON), and ``from_dict`` runs
   the same checks as a file. Kafka and PostgreSQL thus hold the norm card as
   its owner wrote it, and a consumer can never build a model the loader would
   have refused. Durations come back in their largest whole unit ('60m' as '1h');
   the per-item limit keeps the unit it was written in, since it is shown.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from schemas.contract import EVENTS_DIR, known_types

SCHEMA_PATH = Path(__file__).parent / "norm-definition.schema.json"
VALUE_REPORTED = "nl.servicenorm.value.reported"

KINDS = ("share-within", "mean", "percentile", "maximum", "open-count", "open-oldest",
         "open-over-limit", "ratio", "count", "reported")
ITEM_KINDS = frozenset(KINDS) - {"ratio", "reported"}
"""Kinds that measure items, so need the norm's ``item`` rule."""
UNITS = ("percent", "seconds", "minutes", "hours", "days", "count", "score")
DIRECTIONS = ("higher-is-better", "lower-is-better")
CALENDARS = ("calendar-days", "working-days", "opening-hours")
SCOPE_LEVELS = ("location", "service", "desk", "team", "line", "channel", "category",
                "case_type")
PERIODS = ("day", "week", "month", "quarter", "year")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

MINUTE = 60.0
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK_DAYS = 7
DEFAULT_DEBOUNCE_SECONDS = 2 * MINUTE
DEFAULT_MARGIN = 2.0
DEFAULT_STALE_AFTER_SECONDS = 30 * MINUTE

Colour = Literal["green", "orange", "red"]
_Path = tuple[str | int, ...]

_SECONDS_PER_UNIT = {"s": 1.0, "m": MINUTE, "h": HOUR, "d": DAY}
_DURATION = re.compile(r"([1-9][0-9]*)([smhdw])")


# Problems ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a definition: where it is, and what was expected there."""

    file: str
    line: int | None
    column: int | None
    pointer: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.column}"
        if not self.pointer:
            return f"{where}: {self.message}"
        return f"{where} {self.pointer}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column,
                "pointer": self.pointer, "message": self.message}


class DefinitionError(ValueError):
    """A norm definition is invalid. Not retriable: the file must be fixed."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# Small immutable parts -----------------------------------------------------------------------


class FrozenMap(Mapping[str, Any]):
    """A read-only, hashable mapping, so that the frozen dataclasses below hash."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any] | None = None) -> None:
        self._items = dict(items or {})

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"


@dataclass(frozen=True, slots=True)
class Text:
    """A text in Dutch, optionally also in English."""

    nl: str
    en: str | None = None

    def get(self, lang: str) -> str:
        """The text in ``lang`` ('nl' or 'en'), falling back to Dutch."""
        return self.en if lang == "en" and self.en else self.nl

    def to_dict(self) -> dict[str, str]:
        return {"nl": self.nl} if self.en is None else {"nl": self.nl, "en": self.en}


_LIMIT_WORDS = {
    "nl": {"s": ("seconde", "seconden"), "m": ("minuut", "minuten"), "h": ("uur", "uur"),
           "w": ("week", "weken"), "calendar": ("dag", "dagen"),
           "working": ("werkdag", "werkdagen")},
    "en": {"s": ("second", "seconds"), "m": ("minute", "minutes"), "h": ("hour", "hours"),
           "w": ("week", "weeks"), "calendar": ("day", "days"),
           "working": ("working day", "working days")},
}


@dataclass(frozen=True, slots=True)
class Limit:
    """A per-item limit: a time (``seconds``) or a number of days (``days``), never both.

    ``calendar_days`` says the days are plain calendar days: always for weeks ('3w' is
    21 calendar days), and for days ('5d') when the norm counts in calendar days.
    Otherwise days are working days. ``unit`` is the unit it was written in
    (s, m, h, d or w), kept for display.
    """

    seconds: float | None
    days: int | None
    calendar_days: bool
    unit: str

    def __post_init__(self) -> None:
        if (self.seconds is None) == (self.days is None):
            raise ValueError(f"a limit has seconds or days, got {self.seconds!r} and "
                             f"{self.days!r}")
        if self.unit not in ("s", "m", "h", "d", "w"):
            raise ValueError(f"a limit's unit is s, m, h, d or w, got {self.unit!r}")
        if (self.seconds is not None) != (self.unit in "smh"):
            raise ValueError(f"unit {self.unit!r} does not fit seconds={self.seconds!r}")
        if self.unit == "w" and not self.calendar_days:
            raise ValueError("a limit in weeks counts calendar days")

    @classmethod
    def parse(cls, text: str, calendar: str) -> Limit:
        """Read '10m', '30s', '2h', '2d' (days in ``calendar``) or '3w' (7 calendar days each)."""
        match = _DURATION.fullmatch(text)
        if match is None:
            raise ValueError(f"expected a duration such as '10m', '30s', '2d', got {text!r}")
        amount, unit = int(match[1]), match[2]
        if unit == "w":
            return cls(None, WEEK_DAYS * amount, True, unit)
        if unit == "d":
            if calendar == "opening-hours":
                raise ValueError(f"expected a limit in s, m or h with calendar 'opening-hours' "
                                 f"(count days with 'working-days'), got {text!r}")
            return cls(None, amount, calendar == "calendar-days", unit)
        return cls(amount * _SECONDS_PER_UNIT[unit], None, False, unit)

    @property
    def amount(self) -> int:
        """The number as written: 10 for '10m', 3 for '3w'."""
        if self.days is not None:
            return self.days // WEEK_DAYS if self.unit == "w" else self.days
        assert self.seconds is not None
        return round(self.seconds / _SECONDS_PER_UNIT[self.unit])

    @property
    def spec(self) -> str:
        """The limit as written in a definition, such as '10m'."""
        return f"{self.amount}{self.unit}"

    @property
    def text(self) -> str:
        """The limit in Dutch words, such as '10 minuten' or '2 werkdagen'."""
        return self.describe("nl")

    def describe(self, lang: str = "nl") -> str:
        """The limit in words in ``lang`` ('nl' or 'en')."""
        words = _LIMIT_WORDS["en" if lang == "en" else "nl"]
        key = self.unit
        if key == "d":
            key = "calendar" if self.calendar_days else "working"
        one, many = words[key]
        return f"{self.amount} {one if self.amount == 1 else many}"


def _same(a: object, b: object) -> bool:
    """Equality that keeps true apart from 1 and false from 0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


@dataclass(frozen=True, slots=True)
class ItemRule:
    """Which events start, end and cancel an item, and which items count."""

    start: frozenset[str]
    end: frozenset[str]
    cancel: frozenset[str] = frozenset()
    where: Mapping[str, object] = field(default_factory=FrozenMap)

    def matches_start(self, event_data: Mapping[str, Any]) -> bool:
        """Does an item whose start event carries ``event_data`` count for this norm?"""
        return all(key in event_data and _same(event_data[key], value)
                   for key, value in self.where.items())


@dataclass(frozen=True, slots=True)
class RatioRule:
    """100 x count of ``numerator`` events / count of ``denominator`` events."""

    numerator: frozenset[str]
    denominator: frozenset[str]


@dataclass(frozen=True, slots=True)
class Band:
    """Streefwaarde (``target``) and grenswaarde (``limit``) of one indicator.

    At or better than the target is green, worse than the limit is red, orange in
    between; the limit itself is still orange.
    """

    target: float
    limit: float
    direction: str

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {self.direction!r}")
        if self._better(self.limit, self.target):
            raise ValueError(_band_message(self.target, self.limit, self.direction))

    def _better(self, a: float, b: float) -> bool:
        """Is ``a`` strictly better than ``b``?"""
        return a > b if self.direction == "higher-is-better" else a < b

    def colour(self, value: float) -> Colour:
        """The colour of ``value``: green, orange or red."""
        _check_number(value)
        if not self._better(self.target, value):
            return "green"
        if self._better(self.limit, value):
            return "red"
        return "orange"

    def score(self, value: float) -> float:
        """0.0 at or better than the target, 1.0 at or worse than the limit, linear between."""
        _check_number(value)
        if not self._better(self.target, value):
            return 0.0
        if not self._better(value, self.limit):
            return 1.0
        return abs(value - self.target) / abs(self.limit - self.target)


def _check_number(value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ValueError(f"expected a number to colour, got {value!r}")


def _band_message(target: float, limit: float, direction: str) -> str:
    side = "below" if direction == "higher-is-better" else "above"
    return (f"grenswaarde {_num(limit)} must be at or {side} streefwaarde {_num(target)} "
            f"for a {direction} indicator")


def _num(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True, slots=True)
class IndicatorDefinition:
    """One indicator of a norm: what it computes, and its band."""

    id: str
    kind: str
    title: Text
    unit: str
    band: Band
    window_seconds: float
    periods: tuple[str, ...]
    min_items: int
    percentile: float | None = None
    ratio: RatioRule | None = None
    reported_indicator: str | None = None


@dataclass(frozen=True, slots=True)
class StatusRules:
    """How a change of colour is shown: held ``debounce_seconds`` unless it crossed the
    band edge by ``margin``; ``stale_after_seconds`` without events means 'stale'."""

    debounce_seconds: float = DEFAULT_DEBOUNCE_SECONDS
    margin: float = DEFAULT_MARGIN
    stale_after_seconds: float = DEFAULT_STALE_AFTER_SECONDS


@dataclass(frozen=True, slots=True)
class NormDefinition:
    """One norm of the charter, as loaded from its definition file."""

    norm: str
    version: int
    organisation: str
    title: Text
    promise: Text
    method: Text
    data_source: Text
    owner: str
    effective_from: date
    effective_until: date | None
    public: bool
    display: bool
    scope: tuple[str, ...]
    calendar: str
    opening_hours: Mapping[str, tuple[time, time]] | None
    closing_days: frozenset[date]
    item: ItemRule | None
    limit: Limit | None
    indicators: tuple[IndicatorDefinition, ...]
    status: StatusRules = StatusRules()

    def is_effective(self, on: date) -> bool:
        """Does the norm apply on day ``on``? Both effective dates are inclusive."""
        return self.effective_from <= on and (self.effective_until is None
                                              or on <= self.effective_until)

    def indicator(self, indicator_id: str) -> IndicatorDefinition:
        """The indicator with id ``indicator_id``; KeyError when the norm has none."""
        for indicator in self.indicators:
            if indicator.id == indicator_id:
                return indicator
        raise KeyError(f"norm {self.norm!r} has no indicator {indicator_id!r}")

    def to_dict(self) -> dict[str, Any]:
        """The definition in the file format, JSON-able (departure 3 in the module docstring)."""
        return _unbuild(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<dict>") -> NormDefinition:
        """Check ``data`` (the file format) as a file is checked, then build the model."""
        found = _problems(data, source, None)
        if found:
            raise DefinitionError(found)
        return _build(data)


# Durations -----------------------------------------------------------------------------------


def parse_duration(text: str) -> float:
    """Seconds in a window-like duration: '30s', '60m', '8h' or '7d' (days of 24 hours)."""
    match = _DURATION.fullmatch(text)
    if match is None or match[2] == "w":
        raise ValueError(f"expected a duration such as '60m', '30s', '8h', '7d', got {text!r}")
    return int(match[1]) * _SECONDS_PER_UNIT[match[2]]


def format_duration(seconds: float) -> str:
    """The largest whole unit for ``seconds``: 3600 gives '1h', 90 gives '90s'."""
    for unit in ("d", "h", "m"):
        amount = seconds / _SECONDS_PER_UNIT[unit]
        if amount == int(amount):
            return f"{int(amount)}{unit}"
    if seconds != int(seconds):
        raise ValueError(f"expected whole seconds, got {seconds!r}")
    return f"{int(seconds)}s"


# Reading YAML --------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema plain scalars (departure 1 in the module docstring)."""


_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("int", r"[-+]?(?:0|[1-9][0-9]*)", "-+0123456789"),
    ("float", r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?", "-+0123456789."),
    ("null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
):
    _Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(f"^(?:{_pattern})$"),
                                  list(_first))


def _parse_yaml(text: str, filename: str) -> tuple[Any, yaml.Node | None, list[Problem]]:
    """The document, its node tree (for line numbers), and syntax problems."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = error.problem or "unreadable"
        if error.context:
            reason = f"{reason} ({error.context})"
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        return None, None, [Problem(filename, line, column, "", f"YAML syntax error: {reason}")]
    except yaml.YAMLError as error:
        return None, None, [Problem(filename, None, None, "", f"YAML syntax error: {error}")]
    finally:
        loader.dispose()
    return data, root, _duplicate_keys(root, filename)


def _duplicate_keys(root: yaml.Node | None, filename: str) -> list[Problem]:
    """A key twice in one mapping (departure 2 in the module docstring)."""
    found: list[Problem] = []
    walked: set[int] = set()
    stack: list[tuple[yaml.Node, _Path]] = [(root, ())] if root is not None else []
    while stack:
        node, path = stack.pop()
        if id(node) in walked:
            continue  # an alias of a node already walked
        walked.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first_line: dict[str, int] = {}
            for key, value in node.value:
                mark = key.start_mark
                if key.value in first_line:
                    found.append(Problem(
                        filename, mark.line + 1, mark.column + 1, _pointer((*path, key.value)),
                        f"expected each key once in a mapping, got {key.value!r} again "
                        f"(first on line {first_line[key.value]})"))
                else:
                    first_line[key.value] = mark.line + 1
                    stack.append((value, (*path, key.value)))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((child, (*path, i)) for i, child in enumerate(node.value))
    return found


def _locate(root: yaml.Node | None, path: _Path, *, key: bool = False) -> yaml.Node | None:
    """The node at ``path``, or the nearest existing parent; the key node with ``key``."""
    node = root
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                return node
            node = pair[0] if key and last else pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and (
                part < len(node.value)):
            node = node.value[part]
        else:
            return node
    return node


def _pointer(path: _Path) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


# Schema pass ---------------------------------------------------------------------------------


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=FormatChecker())


@cache
def schema() -> Mapping[str, Any]:
    """The JSON Schema of a norm definition, as a read-only view."""
    return _validator().schema


_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number",
               "boolean": "true or false", "object": "a mapping (key: value)",
               "array": "a list", "null": "null"}


def _show(value: object, width: int = 60) -> str:
    """``value`` as in a definition file, cut short when long."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _expected(schema_part: Mapping[str, Any], fallback: str) -> str:
    return str(schema_part.get("description", fallback))


def _describe(error: ValidationError) -> Iterator[tuple[_Path, bool, str]]:
    """(path, whether it names a key, message) for one schema error."""
    path: _Path = tuple(error.absolute_path)
    part = error.schema if isinstance(error.schema, Mapping) else {}
    got = error.instance
    match error.validator:
        case "required":
            reason = ""
            if len(error.schema_path) >= 2 and error.schema_path[-2] == "then":
                reason = f": {part['description']}" if "description" in part else ""
            for name in error.validator_value:
                if name not in got:
                    yield (*path, name), False, f"expected key {name!r}{reason}"
        case "additionalProperties":
            allowed = list(part.get("properties", {}))
            for name in got:
                if name not in allowed:
                    yield (*path, name), True, _unknown_key(name, allowed)
        case "not":
            yield path, False, f"expected {_expected(part, 'no value here')}"
        case "enum":
            options = ", ".join(repr(v) for v in error.validator_value)
            yield path, False, (f"expected {_expected(part, 'a value')}: one of {options}, "
                                f"got {_show(got)}")
        case "const":
            yield path, False, (f"expected {error.validator_value!r} "
                                f"({_expected(part, 'the only value allowed')}), got {_show(got)}")
        case "type":
            types = error.validator_value
            words = " or ".join(_TYPE_WORDS[t] for t in ([types] if isinstance(types, str)
                                                          else types))
            yield path, False, f"expected {_expected(part, words)}, got {_show(got)}"
        case "pattern" | "format":
            yield path, False, f"expected {_expected(part, 'a valid value')}, got {_show(got)}"
        case "minimum" | "maximum":
            bound = "at least" if error.validator == "minimum" else "at most"
            yield path, False, (f"expected {_expected(part, 'a number')}, {bound} "
                                f"{_num(error.validator_value)}, got {_show(got)}")
        case "minLength":
            yield path, False, f"expected {_expected(part, 'text')}, got empty text"
        case "maxLength":
            yield path, False, (f"expected {_expected(part, 'shorter text')}, got "
                                f"{len(got)} characters")
        case "minItems" | "maxItems":
            yield path, False, _size_message(error, part)
        case "minProperties":
            yield path, False, f"expected at least {error.validator_value} key(s), got none"
        case "uniqueItems":
            yield path, False, f"expected each value once in this list, got {_show(got)}"
        case _:
            yield path, False, error.message


def _size_message(error: ValidationError, part: Mapping[str, Any]) -> str:
    if "description" in part:
        return f"expected {part['description']}, got {error.instance!r}"
    bound = "at least" if error.validator == "minItems" else "at most"
    return (f"expected {bound} {error.validator_value} value(s) in this list, "
            f"got {len(error.instance)}")


def _unknown_key(name: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(name), allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"expected one of the keys {', '.join(allowed)}, got unknown key {name!r}{hint}"


# Semantic pass -------------------------------------------------------------------------------


@cache
def _data_fields(event_type: str) -> Mapping[str, Mapping[str, Any]]:
    """The fields of ``data`` in an event type's schema, each with its own schema."""
    document = json.loads((EVENTS_DIR / f"{event_type}.schema.json").read_text("utf-8"))
    return document.get("properties", {}).get("data", {}).get("properties", {})


def _semantic_problems(doc: Mapping[str, Any]) -> Iterator[tuple[_Path, str]]:
    yield from _event_type_problems(doc)
    yield from _overlap_problems(doc)
    yield from _where_problems(doc)
    yield from _scope_problems(doc)
    yield from _indicator_problems(doc)
    yield from _date_problems(doc)
    yield from _hours_problems(doc)
    yield from _publish_problems(doc)
    if "limit" in doc:
        try:
            Limit.parse(doc["limit"], doc["calendar"])
        except ValueError as error:
            yield ("limit",), str(error)


def _publish_problems(doc: Mapping[str, Any]) -> Iterator[tuple[_Path, str]]:
    # A screen in a waiting hall needs no login: whatever it shows is public.
    publish = doc.get("publish", {})
    if publish.get("display") and not publish.get("public"):
        yield (("publish", "display"),
               "display: true needs public: true, since a hall display is seen by the public")


def _event_type_lists(doc: Mapping[str, Any]) -> Iterator[tuple[_Path, list[str]]]:
    item = doc.get("item", {})
    for role in ("start", "end", "cancel"):
        if role in item:
            yield ("item", role), item[role]
    for index, indicator in enumerate(doc["indicators"]):
        for role in ("numerator", "denominator"):
            if role in indicator.get("ratio", {}):
                yield ("indicators", index, "ratio", role), indicator["ratio"][role]


def _event_type_problems(doc: Mapping[str, Any]) -> Iterator[tuple[_Path, str]]:
    known = sorted(known_types())
    for path, types in _event_type_lists(doc):
        for index, event_type in enumerate(types):
            if event_type not in known:
                close = difflib.get_close_matches(event_type, known, n=1)
                hint = (f"; did you mean {close[0]!r}?" if close
                        else " (see schemas/events for the known types)")
                yield (*path, index), f"expected a known event type, got {event_type!r}{hint}"


def _overlap_problems(doc: Mapping[str, Any]) -> Iterator[tuple[_Path, str]]:
    item = doc.get("item")
    if item is None:
        return
    for index, event_type in enumerate(item["end"]):
        if event_type in item["start"]:
            message = f"expected an event type that does not start the item, got {event_type!r}"
            yield ("item", "end", index), message
    for index, event_type in enumerate(item.get("cancel", [])):
        if event_type in item["start"] or event_type in item["end"]:
            message = (f"expected an event type that neither starts nor ends the item, "
                       f"got {event_type!r}")
            yield ("item", "cancel", index), message


def _where_problems(doc: Mapping[str, Any]) -> Iterator[tuple[_Path, str]]:
    item = doc.get("item")
    if item is None:
        return
    starts = [t for t in item["start"] if t in known_types()]
    for name, value in item.get("where", {}).items():
        path: _Path = ("item", "where", name)
        carried = [t for t in starts if name in _data_fields(t)]
        if len(carried) < len(starts):
            common = set.intersection(*(set(_data_fields(t)) for t in starts))
            yield path, (f"expected a field that every start event carries "
                         f"({', '.join(sorted(common))}), got {name!r}")
            continue
        for event_type in carried:
            field_schema = _data_fields(event_type)[name]
            if not Draft202012Validator(field_schema).is_valid(value):
                yield path, (f"expected {_field_words(field_schema)}, as the field {name!r} of "
                             f"{event_type}, got {_show(value)}")
                break


def _field_words(field_schema: Mapping[str, Any]) -> str:
    if "enum" in field_schema:
        return "one of " + ", ".join(repr(v) for v in field_schema["enum"])
    words = _TYPE_WORDS.get(str(field_schema.get("type")), "a value")
    return f"{words} ({field_schema['description']})" if "description" in field_schema else words


def _used_event_types(doc: Mapping[str, Any]) -> set[str]:
    used = {t for _, types in _event_type_lists(doc) for t in types if t in known_types()}
    if any(i["kind"] == "reported" for i in doc["indicators"]):
        used.add(VALUE_REPORTED)
    return used


def _scope_problems(doc: Mapping[str, Any]) -> Iterator[tuple[_Path, str]]:
    used = _used_event_types(doc)
    carried = {name for t in used for name in _data_fields(t)}
    levels = [level for level in SCOPE_LEVELS if level in carried]
    for index, level in enumerate(doc["scope"]):
        if level not in carried:
            message = (f"expected a scope level that the norm's events carry "
                       f"({', '.join(levels) or 'none'}), got {level!r}")
            yield ("scope", index), message


def _indicator_problems(doc: Mapping[str, Any]) -> Iterator[tuple[_Path, str]]:
    first_at: dict[str, int] = {}
    for index, indicator in enumerate(doc["indicators"]):
        path: _Path = ("indicators", index)
        if indicator["id"] in first_at:
            message = (f"expected an id not used before in this norm, got {indicator['id']!r} "
                       f"(also /indicators/{first_at[indicator['id']]}/id)")
            yield (*path, "id"), message
        first_at.setdefault(indicator["id"], index)
        yield from _value_range_problems(path, indicator)
        target, limit, direction = indicator["target"], indicator["limit"], indicator["direction"]
        if (limit > target) if direction == "higher-is-better" else (limit < target):
            yield (*path, "limit"), _band_message(target, limit, direction)


def _value_range_problems(path: _Path, indicator: Mapping[str, Any]
                          ) -> Iterator[tuple[_Path, str]]:
    unit = indicator["unit"]
    for name in ("target", "limit"):
        value = indicator[name]
        if unit == "percent" and not 0 <= value <= 100:
            yield (*path, name), f"expected a percentage from 0 to 100, got {_num(value)}"
        elif unit not in ("percent", "score") and value < 0:
            yield (*path, name), f"expected 0 or more {unit}, got {_num(value)}"


def _date_problems(doc: Mapping[str, Any]) -> Iterator[tuple[_Path, str]]:
    effective = doc["effective"]
    until = effective.get("until")
    if until is not None and until < effective["from"]:
        message = f"expected a date on or after {effective['from']} (from), got {until!r}"
        yield ("effective", "until"), message


def _hours_problems(doc: Mapping[str, Any]) -> Iterator[tuple[_Path, str]]:
    for day, (opens, closes) in doc.get("opening_hours", {}).items():
        if closes <= opens:
            message = f"expected a closing time after the opening time {opens!r}, got {closes!r}"
            yield ("opening_hours", day, 1), message


def _problems(data: Any, filename: str, root: yaml.Node | None) -> list[Problem]:
    """Everything wrong with ``data``: schema pass, then, when that is clean, the rest."""
    def problem(path: _Path, message: str, *, key: bool = False) -> Problem:
        node = _locate(root, path, key=key)
        if node is None:
            return Problem(filename, None, None, _pointer(path), message)
        mark = node.start_mark
        return Problem(filename, mark.line + 1, mark.column + 1, _pointer(path), message)

    if data is None:
        return [problem((), "expected a norm definition (a mapping), got nothing")]
    found = {problem(path, message, key=key)
             for error in _validator().iter_errors(data)
             for path, key, message in _describe(error)}
    if not found:
        found = {problem(path, message) for path, message in _semantic_problems(data)}
    return _in_file_order(found)


def _in_file_order(found: Iterable[Problem]) -> list[Problem]:
    return sorted(set(found), key=lambda p: (p.line or 0, p.column or 0, p.pointer, p.message))


# Building the model --------------------------------------------------------------------------


def _text(data: Mapping[str, str]) -> Text:
    return Text(data["nl"], data.get("en"))


def _clock(text: str) -> time:
    return time.fromisoformat(text)


def _build_indicator(data: Mapping[str, Any]) -> IndicatorDefinition:
    ratio = data.get("ratio")
    percentile = data.get("percentile")
    return IndicatorDefinition(
        id=data["id"],
        kind=data["kind"],
        title=_text(data["title"]),
        unit=data["unit"],
        band=Band(float(data["target"]), float(data["limit"]), data["direction"]),
        window_seconds=parse_duration(data["window"]),
        periods=tuple(data["periods"]),
        min_items=int(data["min_items"]),
        percentile=float(percentile) if percentile is not None else None,
        ratio=None if ratio is None else RatioRule(frozenset(ratio["numerator"]),
                                                   frozenset(ratio["denominator"])),
        reported_indicator=data["reported"]["indicator"] if "reported" in data else None,
    )


def _build_item(data: Mapping[str, Any] | None) -> ItemRule | None:
    if data is None:
        return None
    return ItemRule(frozenset(data["start"]), frozenset(data["end"]),
                    frozenset(data.get("cancel", ())), FrozenMap(data.get("where")))


def _build_status(data: Mapping[str, Any]) -> StatusRules:
    defaults = StatusRules()
    return StatusRules(
        debounce_seconds=parse_duration(data["debounce"]) if "debounce" in data
        else defaults.debounce_seconds,
        margin=float(data.get("margin", defaults.margin)),
        stale_after_seconds=parse_duration(data["stale_after"]) if "stale_after" in data
        else defaults.stale_after_seconds,
    )


def _build(doc: Mapping[str, Any]) -> NormDefinition:
    """The model of a definition that passed both checks."""
    hours = doc.get("opening_hours")
    until = doc["effective"].get("until")
    return NormDefinition(
        norm=doc["norm"],
        version=int(doc["version"]),
        organisation=doc["organisation"],
        title=_text(doc["title"]),
        promise=_text(doc["promise"]),
        method=_text(doc["method"]),
        data_source=_text(doc["data_source"]),
        owner=doc["owner"],
        effective_from=date.fromisoformat(doc["effective"]["from"]),
        effective_until=date.fromisoformat(until) if until is not None else None,
        public=doc["publish"]["public"],
        display=doc["publish"]["display"],
        scope=tuple(doc["scope"]),
        calendar=doc["calendar"],
        opening_hours=FrozenMap({day: (_clock(hours[day][0]), _clock(hours[day][1]))
                                 for day in WEEKDAYS if day in hours}) if hours else None,
        closing_days=frozenset(date.fromisoformat(d) for d in doc.get("closing_days", ())),
        item=_build_item(doc.get("item")),
        limit=Limit.parse(doc["limit"], doc["calendar"]) if "limit" in doc else None,
        indicators=tuple(_build_indicator(i) for i in doc["indicators"]),
        status=_build_status(doc.get("status", {})),
    )


def _unbuild_indicator(indicator: IndicatorDefinition) -> dict[str, Any]:
    band = indicator.band
    out: dict[str, Any] = {
        "id": indicator.id, "kind": indicator.kind, "title": indicator.title.to_dict(),
        "unit": indicator.unit, "direction": band.direction,
        "target": band.target, "limit": band.limit,
    }
    if indicator.percentile is not None:
        out["percentile"] = indicator.percentile
    out |= {"window": format_duration(indicator.window_seconds),
            "periods": list(indicator.periods), "min_items": indicator.min_items}
    if indicator.ratio is not None:
        out["ratio"] = {"numerator": sorted(indicator.ratio.numerator),
                        "denominator": sorted(indicator.ratio.denominator)}
    if indicator.reported_indicator is not None:
        out["reported"] = {"indicator": indicator.reported_indicator}
    return out


def _unbuild_item(item: ItemRule) -> dict[str, Any]:
    out: dict[str, Any] = {"start": sorted(item.start), "end": sorted(item.end)}
    if item.cancel:
        out["cancel"] = sorted(item.cancel)
    if item.where:
        out["where"] = dict(item.where)
    return out


def _unbuild(norm: NormDefinition) -> dict[str, Any]:
    until = norm.effective_until
    out: dict[str, Any] = {
        "norm": norm.norm, "version": norm.version, "organisation": norm.organisation,
        "title": norm.title.to_dict(), "promise": norm.promise.to_dict(),
        "method": norm.method.to_dict(), "data_source": norm.data_source.to_dict(),
        "owner": norm.owner,
        "effective": {"from": norm.effective_from.isoformat(),
                      "until": until.isoformat() if until else None},
        "publish": {"public": norm.public, "display": norm.display},
        "scope": list(norm.scope), "calendar": norm.calendar,
    }
    if norm.opening_hours is not None:
        out["opening_hours"] = {day: [t.strftime("%H:%M") for t in hours]
                                for day, hours in norm.opening_hours.items()}
    if norm.closing_days:
        out["closing_days"] = [d.isoformat() for d in sorted(norm.closing_days)]
    if norm.item is not None:
        out["item"] = _unbuild_item(norm.item)
    if norm.limit is not None:
        out["limit"] = norm.limit.spec
    out["indicators"] = [_unbuild_indicator(i) for i in norm.indicators]
    out["status"] = {"debounce": format_duration(norm.status.debounce_seconds),
                     "margin": norm.status.margin,
                     "stale_after": format_duration(norm.status.stale_after_seconds)}
    return out


# Loading -------------------------------------------------------------------------------------


def _check_text(text: str, filename: str) -> tuple[NormDefinition | None, list[Problem]]:
    data, root, found = _parse_yaml(text, filename)
    if root is not None or not found:  # no syntax error: check the content too
        found = _in_file_order([*found, *_problems(data, filename, root)])
    return (None, found) if found else (_build(data), [])


def load_text(text: str, filename: str) -> NormDefinition:
    """The norm defined by YAML ``text``; ``filename`` is used in error messages only."""
    norm, found = _check_text(text, filename)
    if norm is None:
        raise DefinitionError(found)
    return norm


def load_file(path: str | Path) -> NormDefinition:
    """The norm defined in the YAML file at ``path``."""
    return load_text(Path(path).read_text(encoding="utf-8"), str(path))


def _norm_node_line(text: str) -> tuple[int | None, int | None]:
    root = _parse_yaml(text, "")[1]
    node = _locate(root, ("norm",))
    return (node.start_mark.line + 1, node.start_mark.column + 1) if node else (None, None)


def load_folder(path: str | Path) -> list[NormDefinition]:
    """Every norm in the *.yaml and *.yml files of folder ``path``, ordered by file name.

    All or nothing: when any file is invalid, or two files define the same norm, raise
    :class:`DefinitionError` with the problems of all files and return no norm.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DefinitionError([Problem(str(folder), None, None, "",
                                       "expected a folder of norm definitions (*.yaml)")])
    files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    norms: list[NormDefinition] = []
    found: list[Problem] = []
    first_file: dict[str, str] = {}
    for file in files:
        text = file.read_text(encoding="utf-8")
        norm, problems_here = _check_text(text, str(file))
        found.extend(problems_here)
        if norm is None:
            continue
        if norm.norm in first_file:
            line, column = _norm_node_line(text)
            found.append(Problem(str(file), line, column, "/norm",
                                 f"expected a norm id not used by another file, got "
                                 f"{norm.norm!r} (also in {first_file[norm.norm]})"))
            continue
        first_file[norm.norm] = str(file)
        norms.append(norm)
    if found:
        raise DefinitionError(found)
    return norms
