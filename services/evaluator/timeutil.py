"""Event time: parsing, the Amsterdam day, and durations in a norm's unit."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SECONDS_PER_UNIT = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}


def parse_time(text: str) -> float:
    """RFC 3339 text to epoch seconds; the contract guarantees an offset."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return moment.timestamp()


def local_date(ts: float) -> date:
    return datetime.fromtimestamp(ts, AMSTERDAM).date()


def local_midnight(ts: float) -> float:
    """Start of the Amsterdam day that contains ``ts`` (23 or 25 hours long around DST)."""
    day = local_date(ts)
    return datetime(day.year, day.month, day.day, tzinfo=AMSTERDAM).timestamp()


def day_bounds(day: date) -> tuple[float, float]:
    start = datetime(day.year, day.month, day.day, tzinfo=AMSTERDAM)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=AMSTERDAM)
    return start.timestamp(), end.timestamp()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, AMSTERDAM).isoformat(timespec="milliseconds")


def in_unit(seconds: float, unit: str) -> float:
    """A duration in seconds expressed in the indicator's unit (seconds stay seconds)."""
    return seconds / SECONDS_PER_UNIT.get(unit, 1.0)
