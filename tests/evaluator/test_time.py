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


@pytest.mark.parametrize(
    ("received", "answered", "within"),
    [
        # Thu 2 Apr 2026; Good Friday 3 Apr and Easter Monday 6 Apr are holidays, so the
        # two working days are Tue 7 and Wed 8 April.
        ("2026-04-02 16:00", "2026-04-08 17:59", True),
        ("2026-04-02 16:00", "2026-04-09 08:00", False),
        # Fri 24 Apr; Mon 27 Apr is King's Day: Tue 28 and Wed 29 April.
        ("2026-04-24 09:00", "2026-04-29 12:00", True),
        ("2026-04-24 09:00", "2026-04-30 09:00", False),
        # Wed 13 May; Thu 14 May Ascension, Fri 15 May an equated day and a closing day
        # of Voorbeeldstad: Mon 18 and Tue 19 May.
        ("2026-05-13 10:00", "2026-05-19 16:00", True),
        ("2026-05-13 10:00", "2026-05-20 09:00", False),
    ],
)
def test_email_within_two_working_days(received: str, answered: str, within: bool) -> None:
    from pathlib import Path

    from schemas.norms import load_file
    from services.evaluator.calendars import WorkingDayCalendar
    from services.evaluator.pairing import within_limit

    charter = Path(__file__).resolve().parents[2] / "deploy" / "charter" / "voorbeeldstad"
    norm = load_file(charter / "email-beantwoording.yaml")
    calendar = WorkingDayCalendar(closing_days=frozenset(norm.closing_days))
    assert within_limit(norm, at(received).timestamp(), at(answered).timestamp(),
                        calendar) is within
