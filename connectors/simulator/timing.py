"""Clock arithmetic for the simulation: seconds of a day, day curves, arrivals, office hours.

Inside one simulated day, moments are floats: seconds since local midnight of that
day. :func:`clock` turns them into aware datetimes, counting elapsed time from
midnight, so that the answer is exact even on the two days a year that have 23
or 25 hours (no counter is open on those Sundays). Longer spans, such as an e-mail
answered two working days later, go through :meth:`OfficeHours.after`.

Working days are Monday to Friday; public holidays are not modelled, so a
simulated holiday looks like any other weekday.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from connectors.sdk import AMSTERDAM

MINUTE = 60
HOUR = 60 * MINUTE
DAY_SECONDS = 24 * HOUR
SATURDAY = 5


def seconds_of(moment: time) -> int:
    """Seconds since midnight of a wall-clock time, e.g. 08:30 -> 30600."""
    return moment.hour * HOUR + moment.minute * MINUTE + moment.second


def clock(day: date, seconds: float) -> datetime:
    """The aware moment ``seconds`` after local midnight of ``day``, whole seconds."""
    midnight = datetime.combine(day, time(0), AMSTERDAM).astimezone(UTC)
    return (midnight + timedelta(seconds=round(seconds))).astimezone(AMSTERDAM)


def exact_add(moment: datetime, delta: timedelta) -> datetime:
    """``moment + delta`` in elapsed time (Python's own ``+`` adds wall-clock time)."""
    return (moment.astimezone(UTC) + delta).astimezone(AMSTERDAM)


def is_working_day(day: date) -> bool:
    return day.weekday() < SATURDAY


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def last_working_day(day: date) -> date:
    """``day`` itself when it is a working day, else the Friday before."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


@dataclass(frozen=True, slots=True)
class DayCurve:
    """Relative intensity through a day, linear between knots of (hour, level); 0 outside."""

    knots: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        hours = [h for h, _ in self.knots]
        if len(hours) < 2 or hours != sorted(hours):
            raise ValueError(f"a day curve needs two or more knots in time order, got {hours}")

    @property
    def first(self) -> float:
        return self.knots[0][0] * HOUR

    @property
    def last(self) -> float:
        return self.knots[-1][0] * HOUR

    @property
    def peak(self) -> float:
        return max(level for _, level in self.knots)

    def level(self, seconds: float) -> float:
        hour = seconds / HOUR
        if hour < self.knots[0][0] or hour >= self.knots[-1][0]:
            return 0.0
        index = bisect_right([h for h, _ in self.knots], hour) - 1
        (h0, v0), (h1, v1) = self.knots[index], self.knots[index + 1]
        return v0 + (v1 - v0) * (hour - h0) / (h1 - h0)

    def area_hours(self) -> float:
        """Integral of the curve in level-hours, to turn a daily volume into a rate."""
        pairs = zip(self.knots, self.knots[1:], strict=False)
        return sum((h1 - h0) * (v0 + v1) / 2 for (h0, v0), (h1, v1) in pairs)


def arrivals(rng: random.Random, curve: DayCurve, peak_per_hour: float) -> list[float]:
    """Arrival moments (seconds of day) of a Poisson process whose rate follows ``curve``.

    The rate is ``peak_per_hour`` where the curve is at its peak. Candidates come
    at the peak rate and each is kept with probability level / peak (thinning).
    """
    if peak_per_hour <= 0:
        return []
    top_rate = peak_per_hour / HOUR
    moment, found = curve.first, []
    while True:
        moment += rng.expovariate(top_rate)
        if moment >= curve.last:
            return found
        if rng.random() * curve.peak < curve.level(moment):
            found.append(moment)


def daily(rng: random.Random, curve: DayCurve, per_day: float) -> list[float]:
    """Arrival moments for an expected ``per_day`` arrivals spread along ``curve``."""
    area = curve.area_hours()
    return arrivals(rng, curve, per_day * curve.peak / area) if area > 0 else []


def lognormal(rng: random.Random, mean: float, spread: float) -> float:
    """A positive duration with the given mean; ``spread`` is the coefficient of variation."""
    sigma = math.sqrt(math.log(1 + spread * spread))
    return rng.lognormvariate(math.log(mean) - sigma * sigma / 2, sigma)


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """When back offices work: these hours on working days."""

    opens: time
    closes: time

    def after(self, start: datetime, work_seconds: float) -> datetime:
        """The moment ``work_seconds`` of office time after ``start`` (skips evenings, weekends)."""
        local = start.astimezone(AMSTERDAM)
        day, now = local.date(), seconds_of(local.time())
        opens, closes = seconds_of(self.opens), seconds_of(self.closes)
        remaining = work_seconds
        while True:
            if not is_working_day(day) or now >= closes:
                day, now = day + timedelta(days=1), opens
                continue
            now = max(now, opens)
            if remaining <= closes - now:
                return clock(day, now + remaining)
            remaining -= closes - now
            day, now = day + timedelta(days=1), opens
