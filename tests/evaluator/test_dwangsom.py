"""Penalty for not deciding in time (Awb 4:17-4:18): worked example 3, edges, properties."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.evaluator.dwangsom import (
    PENALTY_SCHEDULES,
    SCHEDULE_2009,
    SCHEDULE_CURRENT,
    PenaltySchedule,
    PenaltyState,
    PenaltyStatus,
    penalty,
    schedule_on,
)

TERM_EXPIRED = date(2026, 4, 28)
NOTICE = date(2026, 5, 6)  # Wednesday


def _on(today: date, decided_on: date | None = None) -> PenaltyStatus:
    return penalty(TERM_EXPIRED, NOTICE, today, decided_on)


# -- Worked example 3: term expired 28 Apr 2026, notice of default 6 May 2026 ----


def test_worked_example_3_first_penalty_day() -> None:
    status = _on(date(2026, 5, 19))
    assert status.first_penalty_day == date(2026, 5, 20)
    assert status.state is PenaltyState.NOT_STARTED
    assert status.amount_cents == 0


def test_worked_example_3_first_day_owes_23_euro() -> None:
    status = _on(date(2026, 5, 20))
    assert status.state is PenaltyState.RUNNING
    assert (status.day_number, status.amount) == (1, Decimal("23"))


@pytest.mark.parametrize(
    ("today", "day_number", "euros"),
    [
        (date(2026, 6, 2), 14, 322),  # 14 x 23
        (date(2026, 6, 3), 15, 357),  # 322 + 35
        (date(2026, 6, 16), 28, 812),  # 322 + 14 x 35
        (date(2026, 6, 17), 29, 857),  # 812 + 45
        (date(2026, 6, 29), 41, 1397),  # 1,442 - 45
    ],
)
def test_worked_example_3_amounts_per_day(today: date, day_number: int, euros: int) -> None:
    status = _on(today)
    assert status.state is PenaltyState.RUNNING
    assert status.day_number == day_number
    assert status.amount == Decimal(euros)
    assert status.last_penalty_day is None


def test_worked_example_3_capped_on_day_42_with_418_decision_due() -> None:
    status = _on(date(2026, 6, 30))
    assert status.state is PenaltyState.CAPPED
    assert (status.day_number, status.amount_cents) == (42, 144_200)
    assert status.last_penalty_day == date(2026, 6, 30)
    assert status.fix_amount_by == date(2026, 7, 14)


def test_worked_example_3_penalty_stops_after_day_42() -> None:
    assert _on(date(2026, 8, 1)).amount_cents == _on(date(2026, 6, 30)).amount_cents == 144_200
    assert _on(date(2026, 8, 1)).state is PenaltyState.CAPPED


def test_worked_example_3_decided_on_penalty_day_10() -> None:
    # Reading: the decision day counts as a penalty day; day 10 is Fri 29 May 2026.
    status = _on(date(2026, 6, 20), decided_on=date(2026, 5, 29))
    assert status.state is PenaltyState.STOPPED_BY_DECISION
    assert status.day_number == 10
    assert status.amount == Decimal("230")
    assert status.last_penalty_day == date(2026, 5, 29)
    assert status.fix_amount_by == date(2026, 6, 12)  # two weeks later, a Friday


# -- States and edges ---------------------------------------------------------------


def test_no_notice_no_penalty() -> None:
    status = penalty(TERM_EXPIRED, None, date(2026, 12, 31))
    assert status.state is PenaltyState.NOT_DUE
    assert status.first_penalty_day is None
    assert status.amount_cents == 0


def test_decision_before_the_first_penalty_day_owes_nothing() -> None:
    status = _on(date(2026, 6, 1), decided_on=date(2026, 5, 19))
    assert status.state is PenaltyState.NOT_DUE
    assert status.amount_cents == 0
    assert status.fix_amount_by is None


def test_decision_on_the_first_penalty_day_owes_one_day() -> None:
    status = _on(date(2026, 5, 20), decided_on=date(2026, 5, 20))
    assert status.state is PenaltyState.STOPPED_BY_DECISION
    assert status.amount_cents == 2300


def test_decision_on_day_42_or_later_is_capped() -> None:
    on_42 = _on(date(2026, 7, 1), decided_on=date(2026, 6, 30))
    later = _on(date(2026, 8, 1), decided_on=date(2026, 7, 20))
    assert on_42.state is later.state is PenaltyState.CAPPED
    assert later.last_penalty_day == date(2026, 6, 30)
    assert later.amount_cents == 144_200


def test_decision_in_the_future_is_refused() -> None:
    with pytest.raises(ValueError, match="on or before today 2026-05-20, got 2026-05-21"):
        _on(date(2026, 5, 20), decided_on=date(2026, 5, 21))


def test_notice_before_expiry_counts_from_expiry_and_is_flagged() -> None:
    status = penalty(date(2026, 4, 28), date(2026, 4, 20), date(2026, 5, 12))
    assert status.first_penalty_day == date(2026, 5, 12)
    assert status.notice_premature
    assert not _on(date(2026, 5, 20)).notice_premature


def test_penalty_days_ignore_weekends_and_holidays() -> None:
    # Notice received Sat 18 Apr 2026: the first penalty day is Sat 2 May, not moved.
    status = penalty(date(2026, 4, 10), date(2026, 4, 18), date(2026, 5, 5))
    assert status.first_penalty_day == date(2026, 5, 2)
    assert status.day_number == 4  # Sat 2, Sun 3, Mon 4, Tue 5 May (a holiday)


def test_418_date_moves_past_a_holiday() -> None:
    # Term expired 16 Mar 2026, notice 17 Mar: first penalty day Tue 31 Mar. Decided on
    # Mon 13 Apr (day 14): two weeks later is Mon 27 Apr, King's Day -> Tue 28 Apr 2026.
    status = penalty(date(2026, 3, 16), date(2026, 3, 17), date(2026, 4, 13), date(2026, 4, 13))
    assert status.amount == Decimal("322")
    assert status.fix_amount_by == date(2026, 4, 28)


def test_cap_day_is_known_while_running() -> None:
    assert _on(date(2026, 5, 25)).cap_day == date(2026, 6, 30)


# -- Schedules ----------------------------------------------------------------------


def test_current_schedule_amounts() -> None:
    assert SCHEDULE_CURRENT.daily_cents == (2300, 3500, 4500)
    assert SCHEDULE_CURRENT.max_days == 42
    assert SCHEDULE_CURRENT.max_total_cents == 144_200


def test_older_schedule_amounts() -> None:
    assert SCHEDULE_2009.max_days == 42
    assert SCHEDULE_2009.max_total_cents == 126_000


def test_schedule_is_picked_by_date() -> None:
    later = PenaltySchedule(date(2030, 1, 1), (2500,))
    schedules = (SCHEDULE_2009, later)
    assert schedule_on(date(2029, 12, 31), schedules) is SCHEDULE_2009
    assert schedule_on(date(2030, 1, 1), schedules) is later
    assert schedule_on(date(2026, 5, 20)) is SCHEDULE_CURRENT
    assert schedule_on(date(2012, 3, 1)) is SCHEDULE_2009


def test_penalty_uses_the_schedule_in_force_on_the_first_penalty_day() -> None:
    # First penalty day Tue 24 Mar 2015, before the configured start of the current amounts.
    old = penalty(date(2015, 3, 2), date(2015, 3, 10), date(2015, 6, 30))
    assert old.schedule is SCHEDULE_2009
    assert old.amount == Decimal("1260")
    assert old.last_penalty_day == date(2015, 5, 4)


def test_no_schedule_before_the_wet_dwangsom() -> None:
    with pytest.raises(ValueError, match="no penalty schedule in force on 2009-09-30"):
        schedule_on(date(2009, 9, 30))


def test_explicit_schedule_overrides_the_date() -> None:
    status = _on(date(2026, 6, 2), decided_on=None)
    forced = penalty(TERM_EXPIRED, NOTICE, date(2026, 6, 2), schedule=SCHEDULE_2009)
    assert (status.amount, forced.amount) == (Decimal("322"), Decimal("280"))


@pytest.mark.parametrize(
    ("daily_cents", "days_per_block", "message"),
    [
        ((), 14, "non-empty tuple of positive whole cents"),
        ((2300, 0), 14, r"got \(2300, 0\)"),
        ((23.0,), 14, "positive whole cents"),
        ((2300,), 0, "`days_per_block` must be 1 or more, got 0"),
    ],
)
def test_schedule_validation(daily_cents: tuple, days_per_block: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PenaltySchedule(date(2030, 1, 1), daily_cents, days_per_block)


def test_day_number_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="between 1 and 42, got 43"):
        SCHEDULE_CURRENT.daily_cents_on(43)


# -- Properties ---------------------------------------------------------------------

days = st.dates(min_value=date(2016, 1, 1), max_value=date(2040, 12, 31))
offsets = st.integers(min_value=-30, max_value=200)


@given(expired=days, notice_offset=offsets, today_offset=offsets, decided_offset=offsets)
def test_penalty_never_exceeds_the_maximum(
    expired: date, notice_offset: int, today_offset: int, decided_offset: int
) -> None:
    notice = expired + timedelta(days=notice_offset)
    today = expired + timedelta(days=today_offset)
    decided = min(today, expired + timedelta(days=decided_offset))
    for decided_on in (None, decided):
        status = penalty(expired, notice, today, decided_on)
        assert 0 <= status.amount_cents <= 144_200
        assert 0 <= status.day_number <= 42


@given(expired=days, notice_offset=offsets, today_offset=offsets)
def test_penalty_never_starts_before_both_conditions_hold(
    expired: date, notice_offset: int, today_offset: int
) -> None:
    notice = expired + timedelta(days=notice_offset)
    today = expired + timedelta(days=today_offset)
    status = penalty(expired, notice, today)
    if status.amount_cents > 0:
        assert today >= expired + timedelta(weeks=2)
        assert today >= notice + timedelta(weeks=2)
    else:
        assert today < max(expired, notice) + timedelta(weeks=2)


@given(expired=days, notice_offset=offsets, today_offset=offsets)
def test_amount_is_non_decreasing_over_days(
    expired: date, notice_offset: int, today_offset: int
) -> None:
    notice = expired + timedelta(days=notice_offset)
    today = expired + timedelta(days=today_offset)
    tomorrow = today + timedelta(days=1)
    assert (
        penalty(expired, notice, today).amount_cents
        <= penalty(expired, notice, tomorrow).amount_cents
    )


@given(expired=days, notice_offset=offsets, today_offset=offsets, decided_offset=offsets)
def test_a_decision_never_raises_the_amount(
    expired: date, notice_offset: int, today_offset: int, decided_offset: int
) -> None:
    notice = expired + timedelta(days=notice_offset)
    today = expired + timedelta(days=today_offset)
    decided = min(today, expired + timedelta(days=decided_offset))
    assert (
        penalty(expired, notice, today, decided).amount_cents
        <= penalty(expired, notice, today).amount_cents
    )


def test_schedules_are_in_date_order() -> None:
    dates = [s.effective_from for s in PENALTY_SCHEDULES]
    assert dates == sorted(dates)
