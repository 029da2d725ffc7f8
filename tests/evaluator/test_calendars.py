"""Working-day calendar: Atw holidays, equated days, closing days, counting."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.evaluator.calendars import (
    ATW_EQUATED_DAYS,
    WorkingDayCalendar,
    atw_calendar,
    format_date_en,
    format_date_nl,
    kings_day,
    statutory_holidays,
)

ATW = atw_calendar()
CARNIVAL_2026 = frozenset({date(2026, 2, 16), date(2026, 2, 17)})

dates = st.dates(min_value=date(2014, 1, 1), max_value=date(2040, 12, 31))


def test_holidays_2026_are_the_atw_list() -> None:
    # Easter Sunday 2026 is 5 April.
    assert set(statutory_holidays(2026)) == {
        date(2026, 1, 1),  # New Year's Day
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 4, 27),  # King's Day
        date(2026, 5, 5),  # 5 May
        date(2026, 5, 14),  # Ascension Day
        date(2026, 5, 25),  # Whit Monday
        date(2026, 12, 25),  # Christmas Day
        date(2026, 12, 26),  # Boxing Day
    }


def test_easter_based_holidays_2027_and_2028() -> None:
    # Easter Sunday 2027 is 28 March; 2028 is 16 April.
    assert ATW.holiday_on(date(2027, 3, 26)).name_en == "Good Friday"
    assert ATW.holiday_on(date(2027, 5, 6)).name_nl == "Hemelvaartsdag"
    assert ATW.holiday_on(date(2028, 6, 5)).name_nl == "Tweede Pinksterdag"


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2014, date(2014, 4, 26)),  # 27 April 2014 was a Sunday
        (2025, date(2025, 4, 26)),  # 27 April 2025 was a Sunday
        (2026, date(2026, 4, 27)),
        (2031, date(2031, 4, 26)),  # 27 April 2031 is a Sunday
    ],
)
def test_kings_day_moves_to_saturday_when_27_april_is_a_sunday(year: int, expected: date) -> None:
    assert kings_day(year) == expected


def test_liberation_day_is_a_holiday_every_year() -> None:
    assert all(ATW.is_holiday(date(year, 5, 5)) for year in range(2014, 2041))


def test_years_before_kings_day_are_refused() -> None:
    with pytest.raises(ValueError, match=r"from 2014.*got 2013"):
        ATW.is_working_day(date(2013, 4, 30))


@pytest.mark.parametrize("day", sorted(ATW_EQUATED_DAYS))
def test_equated_days_are_holidays_but_not_statutory_ones(day: date) -> None:
    assert ATW.is_holiday(day)
    assert not ATW.is_working_day(day)
    assert day not in statutory_holidays(day.year)


def test_equated_days_come_from_the_calendar_field() -> None:
    without = WorkingDayCalendar(equated_days=frozenset())
    assert without.is_working_day(date(2026, 5, 15))
    assert not ATW.is_working_day(date(2026, 5, 15))


def test_closing_days_are_not_holidays_but_not_working_days_either() -> None:
    own = WorkingDayCalendar(closing_days=CARNIVAL_2026)
    assert not own.is_holiday(date(2026, 2, 16))
    assert not own.is_working_day(date(2026, 2, 16))
    assert ATW.is_working_day(date(2026, 2, 16))


def test_closing_days_must_be_a_frozenset() -> None:
    with pytest.raises(TypeError, match=r"closing_days.*frozenset"):
        WorkingDayCalendar(closing_days={date(2026, 2, 16)})  # type: ignore[arg-type]


def test_weekends_are_not_working_days() -> None:
    assert not ATW.is_working_day(date(2026, 3, 7))  # Saturday
    assert not ATW.is_working_day(date(2026, 3, 8))  # Sunday
    assert ATW.is_working_day(date(2026, 3, 9))  # Monday


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        # Thu 31 Dec 2026 + 1: Fri 1 Jan 2027 is New Year's Day, then the weekend.
        (date(2026, 12, 31), 1, date(2027, 1, 4)),
        # Wed 13 May 2026 + 1: Ascension Thursday and the equated Friday are skipped.
        (date(2026, 5, 13), 1, date(2026, 5, 18)),
        # Fri 24 Apr 2026 + 2: Mon 27 April is King's Day.
        (date(2026, 4, 24), 2, date(2026, 4, 29)),
        # Zero working days: the day itself, even a Sunday.
        (date(2026, 3, 8), 0, date(2026, 3, 8)),
        # Sat 7 Mar 2026 + 5: Mon 9 .. Fri 13 March.
        (date(2026, 3, 7), 5, date(2026, 3, 13)),
    ],
)
def test_add_working_days(start: date, count: int, expected: date) -> None:
    assert ATW.add_working_days(start, count) == expected


def test_add_working_days_skips_closing_days() -> None:
    own = WorkingDayCalendar(closing_days=CARNIVAL_2026)
    # Fri 13 Feb 2026 + 1: Mon 16 and Tue 17 are carnival closing days.
    assert own.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 18)
    assert ATW.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 16)


def test_add_working_days_refuses_negative_counts() -> None:
    with pytest.raises(ValueError, match="got -1"):
        ATW.add_working_days(date(2026, 3, 2), -1)


def test_working_days_between_excludes_start_and_includes_end() -> None:
    # (Fri 24 Apr, Fri 1 May 2026]: Mon 27 is King's Day; Tue 28 .. Fri 1 count.
    assert ATW.working_days_between(date(2026, 4, 24), date(2026, 5, 1)) == 4
    assert ATW.working_days_between(date(2026, 5, 1), date(2026, 4, 24)) == -4
    assert ATW.working_days_between(date(2026, 5, 1), date(2026, 5, 1)) == 0


def test_next_working_day_on_or_after() -> None:
    assert ATW.next_working_day_on_or_after(date(2026, 5, 14)) == date(2026, 5, 18)
    assert ATW.next_working_day_on_or_after(date(2026, 5, 18)) == date(2026, 5, 18)


def test_atw_calendar_and_holiday_sets_are_cached() -> None:
    assert atw_calendar() is atw_calendar()
    assert statutory_holidays(2026) is statutory_holidays(2026)
    assert not atw_calendar().closing_days


def test_holiday_sets_are_read_only() -> None:
    with pytest.raises(TypeError):
        statutory_holidays(2026)[date(2026, 3, 2)] = None  # type: ignore[index]


def test_dates_in_dutch_and_english() -> None:
    assert format_date_nl(date(2026, 4, 27)) == "ma 27 april 2026"
    assert format_date_en(date(2026, 4, 27)) == "Mon 27 April 2026"


# -- Properties ---------------------------------------------------------------


def _count_by_walking(calendar: WorkingDayCalendar, start: date, end: date) -> int:
    days = (end - start).days
    return sum(calendar.is_working_day(start + timedelta(days=i)) for i in range(1, days + 1))


@given(start=dates, length=st.integers(min_value=0, max_value=800), closing=st.sets(dates))
def test_working_days_between_matches_walking_day_by_day(
    start: date, length: int, closing: set[date]
) -> None:
    calendar = WorkingDayCalendar(closing_days=frozenset(closing))
    end = start + timedelta(days=length)
    assert calendar.working_days_between(start, end) == _count_by_walking(calendar, start, end)


@given(start=dates, count=st.integers(min_value=1, max_value=120))
def test_add_working_days_lands_on_the_nth_working_day(start: date, count: int) -> None:
    result = ATW.add_working_days(start, count)
    assert ATW.is_working_day(result)
    assert ATW.working_days_between(start, result) == count
