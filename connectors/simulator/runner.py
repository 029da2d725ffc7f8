"""Plays simulated days to ingest: in real time, faster, or as fast as possible.

Two clocks:

- ``shifted`` (the default, for a live demo at any hour): the first simulated
  working day is moved in time so that its mid-morning is *now*; the events of
  its early morning go out at once, the rest as the clock reaches them, with time
  stamps around the real wall-clock time. When the counters of that day have
  closed, the next working day starts right away at its opening, so that nights
  and weekends are skipped and the dashboard stays busy.
- ``real``: events carry the real calendar times of ``day``. When that day is
  today, the run starts at the current time (earlier events go out at once);
  otherwise it starts at the day's opening. Nights and weekends are played too.

``speed`` scales the clock: 1 is real time, 60 plays an hour per minute, and 0
sends everything without waiting. Answers and decisions that fall after the last
played day are not sent; the log says how many.

Before the first day, the case system's backlog is added: every case received in
the ``backlog_weeks`` weeks before that day, with its history (suspensions,
extensions, notices of default, decisions) at its past times, under the first
day's shift. What has already happened goes out at once, before the first day's
own events; the rest (decisions and notices still to come) goes out as the clock
reaches it, so that open cases move on while the days are played.

Departure from the obvious: events whose time has already passed when their day
is generated (the morning before "now" on the shifted clock, the night's e-mails
when a new day takes over) go out at once, in time order among themselves, rather
than being skipped. The dashboard then has a morning's history from the first
minute, and a consumer sees what it must handle from any real source: events
that arrive some time after they happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time as monotonic_time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from connectors.sdk import AMSTERDAM, DEFAULT_BATCH_SIZE, IngestClient, IngestUnavailable
from connectors.simulator.day import simulate_case_history, simulate_day
from connectors.simulator.timing import (
    clock,
    exact_add,
    last_working_day,
    next_working_day,
    seconds_of,
)

log = logging.getLogger(__name__)

DEFAULT_INGEST = "http://127.0.0.1:8081/events"
DEFAULT_SEED = 1
DEFAULT_BACKLOG_WEEKS = 26   # long enough for the oldest open cases, with their penalties
CLOCKS = ("shifted", "real")
MID_MORNING = time(10, 30)   # shifted clock: this moment of the first day is "now"
DAY_OPENS = time(8, 0)       # shifted clock: the next day takes over from here
DAY_CLOSES = time(18, 30)    # shifted clock: by now every counter queue is empty
ONE_DAY = timedelta(days=1)
LOG_INTERVAL_SECONDS = 60.0
CLOSE_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class RunSettings:
    """What to play and where to; ``days=0`` keeps going until stopped."""

    ingest: str = DEFAULT_INGEST
    seed: int = DEFAULT_SEED
    speed: float = 1.0
    clock: str = "shifted"
    day: date | None = None
    days: int = 0
    batch_size: int = DEFAULT_BATCH_SIZE
    backlog_weeks: int = DEFAULT_BACKLOG_WEEKS

    def __post_init__(self) -> None:
        if self.speed < 0:
            raise ValueError(f"speed must be 0 (as fast as possible) or more, got {self.speed}")
        if self.clock not in CLOCKS:
            raise ValueError(f"clock must be one of {', '.join(CLOCKS)}, got {self.clock!r}")
        if self.days < 0:
            raise ValueError(f"days must be 0 (keep going) or more, got {self.days}")
        if self.backlog_weeks < 0:
            raise ValueError(f"backlog_weeks must be 0 (no backlog) or more, "
                             f"got {self.backlog_weeks}")

    def describe(self) -> str:
        days = "until stopped" if self.days == 0 else f"{self.days} day(s)"
        speed = "as fast as possible" if self.speed == 0 else f"speed {self.speed:g}"
        first = self.day.isoformat() if self.day else "today"
        return (f"ingest={self.ingest} seed={self.seed} clock={self.clock} from {first}, "
                f"{days}, {speed}, case backlog of {self.backlog_weeks} weeks")


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One day to play: which day, how far its times move, and when the next one takes over."""

    day: date
    shift: timedelta
    hands_over: datetime

    @property
    def midnight(self) -> datetime:
        """The end of this day's calendar, in (shifted) event time."""
        return exact_add(clock(self.day + ONE_DAY, 0), self.shift)


def plan_days(settings: RunSettings, now: datetime) -> Iterator[DayPlan]:
    """The days to play, in order, without end."""
    today = now.astimezone(AMSTERDAM).date()
    if settings.clock == "real":
        day = settings.day or today
        while True:
            yield DayPlan(day, timedelta(0), clock(day + ONE_DAY, 0))
            day += ONE_DAY
    day = settings.day or last_working_day(today)
    shift = _whole_seconds(_between(clock(day, seconds_of(MID_MORNING)), now))
    while True:
        plan = DayPlan(day, shift, exact_add(clock(day, seconds_of(DAY_CLOSES)), shift))
        yield plan
        day = next_working_day(day)
        shift = _between(clock(day, seconds_of(DAY_OPENS)), plan.hands_over)


def start_moment(settings: RunSettings, first: DayPlan, now: datetime) -> datetime:
    """Event time at which playing starts; earlier events go out at once."""
    if settings.clock == "shifted" or first.day == now.astimezone(AMSTERDAM).date():
        return now
    return clock(first.day, seconds_of(DAY_OPENS))


def _between(earlier: datetime, later: datetime) -> timedelta:
    # Subtracting two datetimes of one zone compares wall clocks; UTC gives elapsed time.
    return later.astimezone(UTC) - earlier.astimezone(UTC)


def _whole_seconds(delta: timedelta) -> timedelta:
    return timedelta(seconds=int(delta.total_seconds()))


class Pacer:
    """Maps event time to wall-clock time at ``speed`` (0: no waiting)."""

    def __init__(self, start: datetime, speed: float,
                 monotonic: Callable[[], float] = monotonic_time.monotonic) -> None:
        self.start = start.astimezone(UTC)
        self.speed = speed
        self._monotonic = monotonic
        self._began = monotonic()
        self.reached = self.start

    def position(self) -> datetime:
        """The event time the simulation has reached."""
        if self.speed == 0:
            return self.reached
        elapsed = (self._monotonic() - self._began) * self.speed
        return self.start + timedelta(seconds=elapsed)

    def delay(self, moment: datetime) -> float:
        """Wall-clock seconds until ``moment`` is due."""
        if self.speed == 0:
            return 0.0
        return max(0.0, _between(self.position(), moment).total_seconds() / self.speed)

    async def wait_for(self, moment: datetime) -> None:
        pause = self.delay(moment)
        if pause > 0:
            await asyncio.sleep(pause)
        self.reached = max(self.reached, moment.astimezone(UTC))


@dataclass(slots=True)
class Progress:
    """Counts for the log line; never event contents."""

    total: int = 0
    recent: Counter[str] = field(default_factory=Counter)

    def count(self, event: dict[str, Any]) -> None:
        self.total += 1
        self.recent[event["type"].split(".")[2]] += 1


class Player:
    """Keeps the events of the days generated so far in time order and sends them when due."""

    def __init__(self, settings: RunSettings, client: IngestClient, pacer: Pacer) -> None:
        self.settings = settings
        self.client = client
        self.pacer = pacer
        self.progress = Progress()
        self._queue: list[tuple[datetime, int, dict[str, Any]]] = []
        self._sequence = 0

    @property
    def scheduled(self) -> int:
        return len(self._queue)

    def add(self, plan: DayPlan) -> int:
        return self._schedule(simulate_day(plan.day, self.settings.seed, shift=plan.shift))

    def add_backlog(self, first: DayPlan) -> int:
        """The cases received in the weeks before the first day, under its shift."""
        return self._schedule(simulate_case_history(
            first.day, self.settings.seed, weeks=self.settings.backlog_weeks, shift=first.shift))

    def _schedule(self, events: list[dict[str, Any]]) -> int:
        for event in events:
            self._sequence += 1
            moment = datetime.fromisoformat(event["time"]).astimezone(UTC)
            heapq.heappush(self._queue, (moment, self._sequence, event))
        return len(events)

    async def play_until(self, limit: datetime, *, wait_at_end: bool = True) -> None:
        """Send every event up to ``limit`` when it is due; then wait for ``limit`` itself."""
        limit = limit.astimezone(UTC)
        while self._queue and self._queue[0][0] <= limit:
            moment, _, event = heapq.heappop(self._queue)
            await self.pacer.wait_for(moment)
            await self.client.send(event)
            self.progress.count(event)
        if wait_at_end:
            await self.pacer.wait_for(limit)

    def report(self) -> None:
        families = ", ".join(f"{name} {n}" for name, n in sorted(self.progress.recent.items()))
        position = self.pacer.position().astimezone(AMSTERDAM)
        log.info("at %s: sent %d events since the last report (%s); %d in total, "
                 "%d waiting for ingest, %d scheduled, %d retries",
                 position.strftime("%Y-%m-%d %H:%M"), sum(self.progress.recent.values()),
                 families or "none", self.progress.total, self.client.pending, self.scheduled,
                 self.client.stats.retries)
        self.progress.recent.clear()

    async def report_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            self.report()


async def run(settings: RunSettings, *, now: datetime | None = None,
              client: IngestClient | None = None) -> int:
    """Play days as ``settings`` say; return the number of events handed to ingest."""
    now = now or datetime.now(AMSTERDAM)
    plans = plan_days(settings, now)
    plan = next(plans)
    own_client = client is None
    client = client or IngestClient(settings.ingest, batch_size=settings.batch_size)
    player = Player(settings, client, Pacer(start_moment(settings, plan, now), settings.speed))
    log.info("simulator starting: %s", settings.describe())
    reporter = asyncio.create_task(player.report_every(LOG_INTERVAL_SECONDS))
    try:
        if settings.backlog_weeks:
            added = player.add_backlog(plan)
            log.info("case backlog: %d events of the cases received in the %d weeks before %s",
                     added, settings.backlog_weeks, plan.day.isoformat())
        for number in itertools.count(1):
            added = player.add(plan)
            log.info("day %d: %s, times shifted by %s, %d events", number, plan.day.isoformat(),
                     plan.shift, added)
            if number == settings.days:
                await player.play_until(plan.midnight, wait_at_end=False)
                break
            await player.play_until(plan.hands_over)
            plan = next(plans)
        log.info("simulator done: %d events sent; %d later events (answers, decisions and "
                 "notices after the last day) not sent", player.progress.total, player.scheduled)
    finally:
        reporter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reporter
        if own_client:
            # A failure to deliver is logged by close(); it must not hide why we stopped.
            with contextlib.suppress(IngestUnavailable):
                await client.close(timeout=CLOSE_TIMEOUT_SECONDS)
        else:
            await client.flush()
    return player.progress.total
