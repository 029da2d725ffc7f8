"""Events for the benchmarks: the simulator's counter traffic, played on today's date.

:func:`queue_events` takes the queue events (tickets drawn, called, served,
cancelled) of one fixed working day from ``connectors.simulator.simulate_day``,
for as many seeds as it takes, shifted to today's date so that the evaluator
counts them in "today", and sorted by time. The same arguments give the same
events, ids included, on the same date.
"""

from __future__ import annotations

import heapq
import logging
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors.simulator import simulate_day

log = logging.getLogger(__name__)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FIXED_DAY = date(2026, 3, 3)  # a Tuesday without holidays: both counters open all day
QUEUE = "nl.servicenorm.queue."
Event = dict[str, Any]


def today() -> date:
    return datetime.now(AMSTERDAM).date()


def _one_seed(seed: int, on: date) -> list[Event]:
    shift = timedelta(days=(on - FIXED_DAY).days)
    return [e for e in simulate_day(FIXED_DAY, seed, shift=shift, validate=False)
            if e["type"].startswith(QUEUE)]


def queue_events(count: int, seed: int = 1, on: date | None = None) -> list[Event]:
    """At least the first ``count`` queue events by time, from seeds ``seed``, ``seed + 1``, ..."""
    on = on or today()
    per_seed: list[list[Event]] = []
    total = 0
    while total < count:
        events = _one_seed(seed + len(per_seed), on)
        per_seed.append(events)
        total += len(events)
    merged = list(heapq.merge(*per_seed, key=lambda e: e["time"]))
    log.info("generated %d queue events from %d simulated days", len(merged), len(per_seed))
    return merged[:count]


def keyed(events: list[Event]) -> list[tuple[bytes, bytes]]:
    import orjson

    return [(e["subject"].encode(), orjson.dumps(e)) for e in events]
