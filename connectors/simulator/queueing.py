"""Building blocks shared by the streams: what happened, opaque ids, servers with duty hours.

A queue here is first come, first served with several servers (desks, phone
agents). Customers are taken in order of arrival and each goes to the server
that can start soonest; a customer whose wait would outlast their patience
leaves instead and costs no server time. For a first-come-first-served queue
that is the same outcome as an event-by-event simulation, in a few lines.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from connectors.simulator.model import Delay, Window
from connectors.simulator.timing import HOUR, seconds_of

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Happening:
    """One thing that happened, before it becomes an event.

    ``stage`` orders the happenings of one item that share a second; ``date_field``
    names a data field that gets the local date of the final (possibly shifted) time,
    plus ``date_offset`` days (a suspension runs from the day after its request).
    """

    at: datetime
    stage: int
    system: str
    type: str
    subject: str
    data: dict[str, Any]
    date_field: str | None = None
    date_offset: int = 0


@dataclass(slots=True)
class Subjects:
    """Opaque item ids ``<prefix>-<tag>-<number>``; the tag keeps runs apart."""

    tag: str
    counts: Counter[str] = field(default_factory=Counter)

    def new(self, prefix: str) -> str:
        self.counts[prefix] += 1
        return f"{prefix}-{self.tag}-{self.counts[prefix]:04d}"


@dataclass(slots=True)
class Server:
    """A desk or agent: on duty in some windows (seconds of day), busy until ``free_at``."""

    code: str
    duty: tuple[tuple[float, float], ...]
    free_at: float = 0.0

    def ready(self, moment: float) -> float | None:
        """When this server could start on someone who is ready at ``moment``."""
        moment = max(moment, self.free_at)
        for start, end in self.duty:
            if moment < end:
                return max(moment, start)
        return None


def duty_seconds(windows: Sequence[Window]) -> tuple[tuple[float, float], ...]:
    return tuple((float(seconds_of(a)), float(seconds_of(b))) for a, b in windows)


def first_ready(servers: Sequence[Server], moment: float) -> tuple[Server, float] | None:
    """The server that can start soonest (the first listed on a tie), and when."""
    best: tuple[Server, float] | None = None
    for server in servers:
        start = server.ready(moment)
        if start is not None and (best is None or start < best[1]):
            best = (server, start)
    return best


def pick(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    """One of ``options`` (value, weight), chosen by weight."""
    values = [value for value, _ in options]
    weights = [weight for _, weight in options]
    return rng.choices(values, weights)[0]


def work_seconds(rng: random.Random, delay: Delay) -> float:
    """Office time until an answer, drawn from a mixture of (share, from, to) in hours."""
    low, high = pick(rng, [((a, b), share) for share, a, b in delay])
    return rng.uniform(low, high) * HOUR
