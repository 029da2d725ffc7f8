"""Stage 1 of the evaluator, as pure functions: pair the events of one item.

The state of one item (a ticket, call, message or case) is the set of its events,
keyed by ``source`` and ``id``. Everything sent downstream is *derived* from that
set, never accumulated, so processing an event twice, or replaying it after a
crash, yields the same messages with the same ids. Stage 2 and the recorder
treat those messages as upserts by id; that is how "exactly once in effect"
holds on top of at-least-once delivery.

Departures from the obvious:

1. A duplicate event is not dropped: its messages are derived and sent again.
   Dropping it would lose the output when a crash fell between updating the
   state and sending the messages; sending again costs an idempotent upsert.
2. The end of an item is its *last* end event (a recalled ticket counts from
   the last call), so an item's measurement may be revised; it keeps its id.
3. An end that arrives before its start is kept, and pairs when the start
   comes: events of one item may arrive out of order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from schemas.norms import NormDefinition
from services.evaluator.calendars import WorkingDayCalendar
from services.evaluator.timeutil import local_date, parse_time

Message = dict[str, Any]
ItemState = dict[str, Any]  # {"events": {"<source>|<id>": {"type", "ts", "data"}}}


@dataclass(frozen=True, slots=True)
class StoredEvent:
    key: str
    type: str
    ts: float
    data: Mapping[str, Any]


def event_key(event: Mapping[str, Any]) -> str:
    return f"{event['source']}|{event['id']}"


def add_event(state: ItemState | None, event: Mapping[str, Any]) -> tuple[ItemState, bool]:
    """Return the item's state with ``event`` in it, and whether it was new."""
    state = {"events": dict((state or {}).get("events", {}))}
    key = event_key(event)
    if key in state["events"]:
        return state, False
    state["events"][key] = {"type": event["type"], "ts": parse_time(event["time"]),
                            "data": dict(event.get("data") or {})}
    return state, True


def stored_events(state: ItemState) -> list[StoredEvent]:
    events = [StoredEvent(k, v["type"], v["ts"], v["data"]) for k, v in state["events"].items()]
    return sorted(events, key=lambda e: (e.ts, e.key))


def _scope(norm: NormDefinition, events: Iterable[StoredEvent]) -> dict[str, str]:
    """Scope of the item: each level from the first event of the item that names it."""
    scope: dict[str, str] = {}
    for event in events:
        for level in norm.scope:
            if level not in scope and isinstance(event.data.get(level), str):
                scope[level] = event.data[level]
    return scope


def within_limit(norm: NormDefinition, start_ts: float, end_ts: float,
                 calendar: WorkingDayCalendar) -> bool:
    """Was the item finished within the norm's per-item limit?

    A limit in days is counted from the day after the start, and the item is in
    time when it ended on or before the last day of the term: "within 2 working
    days" of an e-mail on Friday means by the end of Tuesday.
    """
    limit = norm.limit
    if limit is None:
        return True
    if limit.seconds is not None:
        return end_ts - start_ts <= limit.seconds
    assert limit.days is not None
    start_day, end_day = local_date(start_ts), local_date(end_ts)
    if norm.calendar == "calendar-days" or getattr(limit, "calendar_days", False):
        return end_day <= start_day + timedelta(days=limit.days)
    return end_day <= calendar.add_working_days(start_day, limit.days)


def derive(norm: NormDefinition, subject: str, state: ItemState,
           calendar: WorkingDayCalendar) -> list[Message]:
    """The messages for stage 2 that ``state`` implies for ``norm`` (possibly none)."""
    events = stored_events(state)
    messages: list[Message] = []
    if norm.item is not None:
        messages.extend(_item_messages(norm, subject, events, calendar))
    messages.extend(_count_messages(norm, subject, events))
    return messages


def _item_messages(norm: NormDefinition, subject: str, events: list[StoredEvent],
                   calendar: WorkingDayCalendar) -> list[Message]:
    rule = norm.item
    assert rule is not None
    starts = [e for e in events if e.type in rule.start]
    if not starts:
        return []
    start = starts[0]
    if not rule.matches_start(start.data):
        return []  # excluded by the norm (e.g. appointments in a walk-in norm)
    scope = _scope(norm, events)
    base = {"norm": norm.norm, "item": subject, "id": f"{norm.norm}|{subject}",
            "start": start.ts, "scope": scope}
    ends = [e for e in events if e.type in rule.end and e.ts >= start.ts]
    if ends:
        end = ends[-1]  # 2: the last end counts
        return [{**base, "op": "done", "end": end.ts, "duration": end.ts - start.ts,
                 "within": within_limit(norm, start.ts, end.ts, calendar)}]
    cancels = [e for e in events if e.type in rule.cancel]
    if cancels:
        return [{**base, "op": "close", "end": cancels[-1].ts}]
    return [{**base, "op": "open"}]


def _count_messages(norm: NormDefinition, subject: str,
                    events: list[StoredEvent]) -> list[Message]:
    messages: list[Message] = []
    for indicator in norm.indicators:
        if indicator.kind == "ratio" and indicator.ratio is not None:
            roles = (("numerator", indicator.ratio.numerator),
                     ("denominator", indicator.ratio.denominator))
            for event in events:
                for role, types in roles:
                    if event.type in types:
                        messages.append({
                            "op": "count", "norm": norm.norm, "indicator": indicator.id,
                            "id": f"{norm.norm}|{indicator.id}|{role}|{event.key}",
                            "role": role, "item": subject, "start": event.ts,
                            "scope": _scope(norm, events)})
        elif indicator.kind == "reported":
            for event in events:
                if (event.type == "nl.servicenorm.value.reported"
                        and event.data.get("indicator") == indicator.reported_indicator):
                    messages.append({
                        "op": "value", "norm": norm.norm, "indicator": indicator.id,
                        "id": f"{norm.norm}|{indicator.id}|{event.key}", "item": subject,
                        "start": event.ts, "value": float(event.data["value"]),
                        "scope": _scope(norm, [event])})
    return messages


def relevant_types(norm: NormDefinition) -> frozenset[str]:
    """Event types that matter to ``norm``."""
    types: set[str] = set()
    if norm.item is not None:
        types |= norm.item.start | norm.item.end | norm.item.cancel
    for indicator in norm.indicators:
        if indicator.ratio is not None:
            types |= indicator.ratio.numerator | indicator.ratio.denominator
        if indicator.kind == "reported":
            types.add("nl.servicenorm.value.reported")
    return frozenset(types)


def process(norms: Iterable[NormDefinition], subject: str, state: ItemState | None,
            event: Mapping[str, Any], calendars: Mapping[str, WorkingDayCalendar],
            types: Mapping[str, frozenset[str]] | None = None
            ) -> tuple[ItemState, list[Message]]:
    """Add ``event`` to its item and derive the messages of every norm it concerns.

    ``calendars`` maps a norm id to its working-day calendar; ``types`` maps it to its
    :func:`relevant_types`, worked out once per definition by a caller that processes
    many events (without it they are worked out for each event).
    """
    # 1. Add the event to the item's set (1: a duplicate changes nothing but is re-derived).
    new_state, _ = add_event(state, event)
    # 2. Derive, for each norm this event type matters to, what stage 2 must know.
    messages: list[Message] = []
    for norm in norms:
        wanted = types[norm.norm] if types is not None else relevant_types(norm)
        if event["type"] in wanted:
            calendar = calendars.get(norm.norm) or WorkingDayCalendar()
            messages.extend(derive(norm, subject, new_state, calendar))
    return new_state, messages


FINAL_OPS = frozenset({"done", "close", "count", "value"})
CASE_CLOSERS = frozenset({"nl.servicenorm.case.decided", "nl.servicenorm.case.withdrawn"})


def is_finished(state: ItemState, messages: Iterable[Message]) -> bool:
    """Has this item nothing left to wait for? Then its state may expire later.

    An item is finished when every message it implies is final (a measurement, a
    cancellation, a counted event or a value), and, for a case, when it was decided
    or withdrawn: the case book needs the events of open cases after a restart.
    """
    ops = [m["op"] for m in messages]
    if not ops or any(op not in FINAL_OPS for op in ops):
        return False
    types = {e["type"] for e in state["events"].values()}
    is_case = any(t.startswith("nl.servicenorm.case.") for t in types)
    return not is_case or bool(types & CASE_CLOSERS)
