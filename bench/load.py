"""Load generation: an open-loop scheduler, CloudEvents to post, and probes with a marker.

Open loop means the n-th action starts at ``t0 + n / rate`` whether or not the
earlier ones finished, so a slow server shows up as latency rather than as a
lower offered rate (no coordinated omission). The scheduler reports how far it
fell behind its own plan, which would make the figures suspect.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BATCH = "application/cloudevents-batch+json"
STRUCTURED = "application/cloudevents+json"


@dataclass
class LoopStats:
    fired: int = 0
    worst_lag_s: float = 0.0
    unfinished: int = 0


async def open_loop(rate: float, duration: float, fire: Callable[[int], Awaitable[None]],
                    drain_timeout: float = 30.0) -> LoopStats:
    """Call ``fire(n)`` at ``rate`` per second for ``duration`` seconds, then wait for them."""
    stats = LoopStats()
    tasks: set[asyncio.Task[None]] = set()
    t0 = time.monotonic()
    n = 0
    while True:
        due = t0 + n / rate
        if due >= t0 + duration:
            break
        now = time.monotonic()
        if due > now:
            await asyncio.sleep(due - now)
        else:
            stats.worst_lag_s = max(stats.worst_lag_s, now - due)
        task = asyncio.create_task(fire(n))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        n += 1
    stats.fired = n
    if tasks:
        _, pending = await asyncio.wait(set(tasks), timeout=drain_timeout)
        stats.unfinished = len(pending)
        for task in pending:
            task.cancel()
    return stats


def now_iso() -> str:
    return datetime.now(AMSTERDAM).isoformat(timespec="milliseconds")


def probe_event(marker: str) -> dict[str, Any]:
    """A walk-in ticket at a location of its own: its first snapshot names the marker."""
    return {"specversion": "1.0", "id": uuid.uuid4().hex, "source": "/bench/probe",
            "type": "nl.servicenorm.queue.ticket.drawn", "time": now_iso(),
            "subject": f"probe-{marker}", "datacontenttype": "application/json",
            "data": {"location": marker, "service": "paspoort", "appointment": False}}


def fake_snapshot(marker: str, padding: int = 0) -> dict[str, Any]:
    """An indicator snapshot written straight to the indicators topic, named by ``marker``."""
    snapshot: dict[str, Any] = {
        "scope_key": f"bench:{marker}", "kind": "bench", "norm": None, "indicator": None,
        "scope": {}, "status": "green", "score": None, "value": 1.0, "count": 1,
        "today": {"value": 1.0, "count": 1}, "since": now_iso(), "updated_at": now_iso()}
    if padding:
        snapshot["padding"] = "x" * padding
    return snapshot
