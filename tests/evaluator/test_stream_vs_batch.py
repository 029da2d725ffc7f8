"""Property: the streaming stages agree with a plain batch recomputation from the same events.

Random days at the counter are fed to the stream in a random order, with events
repeated, and the results are compared with a straightforward loop over the set of
distinct events. The loop is written from the norm card, not from the stream's code.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from norm_factory import indicator, queue_norm
from streaming import AMS, event, run

from services.evaluator.engine import Engine

DAY = datetime(2026, 3, 2, tzinfo=AMS)  # Monday
NOW = DAY.replace(hour=17, minute=30)
LIMIT_SECONDS = 600

NORM = queue_norm(
    indicator("share", "share-within", "percent", "higher-is-better", 90, 80, window="2h"),
    indicator("mean", "mean", "seconds", target=300, limit=600, window="2h"),
    indicator("max", "maximum", "seconds", target=300, limit=600, window="2h"),
    indicator("open", "open-count", "count", target=5, limit=10, window="2h"),
    indicator("visitors", "count", "count", target=400, limit=600, window="2h"),
)

visit = st.fixed_dictionaries({
    "drawn": st.integers(min_value=8 * 3600, max_value=17 * 3600),   # seconds after midnight
    "wait": st.one_of(st.none(), st.integers(min_value=0, max_value=2400)),
    "recall": st.one_of(st.none(), st.integers(min_value=1, max_value=600)),
    "cancel": st.booleans(),
    "appointment": st.booleans(),
    "location": st.sampled_from(["stadhuis", "noord"]),
})


def build(visits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    events = []
    for n, v in enumerate(visits):
        subject, drawn = f"t-{n}", DAY + timedelta(seconds=v["drawn"])
        events.append(event("queue.ticket.drawn", subject, drawn, location=v["location"],
                            service="paspoort", appointment=v["appointment"]))
        if v["wait"] is not None:
            called = drawn + timedelta(seconds=v["wait"])
            events.append(event("queue.ticket.called", subject, called,
                                location=v["location"], desk="balie-1"))
            if v["recall"] is not None:
                events.append(event("queue.ticket.called", subject,
                                    called + timedelta(seconds=v["recall"]),
                                    location=v["location"], desk="balie-2"))
        elif v["cancel"]:
            events.append(event("queue.ticket.cancelled", subject,
                                drawn + timedelta(seconds=60), location=v["location"],
                                reason="cancelled"))
    return events


def reference(events: list[dict[str, Any]], now: datetime, since: datetime,
              location: str | None) -> dict[str, float | None]:
    """The norm card, computed the plain way over the distinct events."""
    distinct = {(e["source"], e["id"]): e for e in events}.values()
    items: dict[str, dict[str, Any]] = {}
    for e in distinct:
        item = items.setdefault(e["subject"], {"drawn": None, "calls": [], "cancelled": False})
        when = datetime.fromisoformat(e["time"])
        if e["type"].endswith("drawn"):
            item["drawn"], item["data"] = when, e["data"]
        elif e["type"].endswith("called"):
            item["calls"].append(when)
        else:
            item["cancelled"] = True
    waits, open_count, started_open = [], 0, 0
    for item in items.values():
        if item["drawn"] is None or item["data"]["appointment"]:
            continue
        if location is not None and item["data"]["location"] != location:
            continue
        calls = [c for c in item["calls"] if c >= item["drawn"]]
        if calls:
            end = max(calls)  # the last call counts
            if end >= since:
                waits.append((end - item["drawn"]).total_seconds())
        elif not item["cancelled"]:
            open_count += 1
            started_open += item["drawn"] >= since
    within = sum(1 for w in waits if w <= LIMIT_SECONDS)
    return {
        "share": 100.0 * within / len(waits) if waits else None,
        "mean": sum(waits) / len(waits) if waits else None,
        "max": max(waits) if waits else None,
        "open": float(open_count),
        "visitors": float(len(waits) + started_open),
    }


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(visits=st.lists(visit, max_size=40), data=st.data())
def test_stream_equals_batch(visits: list[dict[str, Any]], data: st.DataObject) -> None:
    events = build(visits)
    # Arrival: a random order, with some events delivered twice.
    order = data.draw(st.permutations(events))
    repeats = data.draw(st.lists(st.sampled_from(events), max_size=10)) if events else []
    snapshots = run([NORM], [*order, *repeats], NOW,
                    engine=Engine(allowed_lateness=10 * 24 * 3600))
    views = {"live": NOW - timedelta(hours=2), "today": DAY}
    for location in (None, "stadhuis", "noord"):
        node = "" if location is None else f":location.{location}"
        for view, since in views.items():
            expected = reference(events, NOW, since, location)
            for name, value in expected.items():
                snapshot = snapshots.get(f"indicator:balie:{name}{node}")
                if snapshot is None:
                    # The stream emits a node only when it has facts there.
                    assert location is not None and not value, (name, view, location)
                    continue
                got = snapshot["value"] if view == "live" else snapshot["today"]["value"]
                assert close(got, value), (name, view, location, got, value)
