"""Event time in Europe/Amsterdam, across the daylight-saving changes of 2026."""

from __future__ import annotations

from datetime import date

import pytest
from streaming import at

from services.evaluator.timeutil import day_bounds, local_date, local_midnight, parse_time


@pytest.mark.parametrize(
    ("day", "hours"),
    [(date(2026, 3, 29), 23),   # clocks forward at 02:00: a 23-hour day
     (date(2026, 10, 25), 25),  # clocks back at 03:00: a 25-hour day
     (date(2026, 6, 1), 24)],
)
def test_day_length_follows_the_clock_change(day: date, hours: int) -> None:
    start, end = day_bounds(day)
    assert (end - start) / 3600 == hours


def test_midnight_of_an_event_just_after_the_change() -> None:
    # 03:30 summer time on 29 March is 01:30 UTC; the day began at 00:00 CET (23:00 UTC).
    ts = parse_time("2026-03-29T01:30:00Z")
    assert local_date(ts) == date(2026, 3, 29)
    assert local_midnight(ts) == parse_time("2026-03-28T23:00:00Z")


def test_a_late_evening_event_in_utc_belongs_to_the_next_amsterdam_day() -> None:
    # 23:30 UTC on 31 Dec is 00:30 on New Year's Day in Amsterdam.
    assert local_date(parse_time("2026-12-31T23:30:00Z")) == date(2027, 1, 1)


def test_offsets_are_respected() -> None:
    assert parse_time("2026-03-02T10:00:00+01:00") == at("2026-03-02 10:00").timestamp()
    assert parse_time("2026-03-02T09:00:00Z") == at("2026-03-02 10:00").timestamp()
