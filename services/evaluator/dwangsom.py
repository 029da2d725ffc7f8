"""Penalty for not deciding in time (Wet dwangsom, Awb 4:17-4:18).

Legal reading
-------------
1. No notice of default, no penalty. The first penalty day is the day on
   which two weeks have passed after *both* the day the decision term expired
   and the day the body received the written notice:
   ``max(term_expired_on, notice_received_on) + 14 days``. The Atw does not
   apply to the penalty days: they run through weekends and holidays.
2. The penalty accrues per day: 14 days at the first rate, 14 at the second,
   14 at the third, at most 42 days. Amounts are data with an effective date
   (``PenaltySchedule``); the schedule in force on the first penalty day is
   used for the whole penalty, unless the caller passes one.
3. The day of decision counts. The body is in default on every day that
   starts without a decision, so a decision given on penalty day 10 owes ten
   days (10 x EUR 23 = EUR 230). A decision before the first penalty day owes
   nothing.
4. Art. 4:18: the body fixes the amount within two weeks after the last day
   the penalty ran (the decision day, or day 42). That is a statutory term
   of two weeks, so the Atw does apply to it: an end on a weekend or holiday
   moves to the next working day.
5. Case law treats a notice received before the term expired as premature
   and without effect. The computation follows the statutory formula and
   does not reject it, but flags it as ``notice_premature`` so that a person
   can check the case.
6. Money is kept in whole euro cents; ``amount`` gives a Decimal in euros.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from services.evaluator.calendars import atw_calendar

NOTICE_PERIOD = timedelta(weeks=2)
"""Awb 4:17(3): the penalty starts two weeks after term expiry and notice."""

FIX_AMOUNT_PERIOD = timedelta(weeks=2)
"""Awb 4:18: the amount is fixed within two weeks after the last penalty day."""

_CENTS_PER_EURO = 100


@dataclass(frozen=True)
class PenaltySchedule:
    """Per-day amounts in euro cents, one per block of ``days_per_block`` days.

    The penalty runs for at most ``len(daily_cents) * days_per_block`` days.
    """

    effective_from: date
    daily_cents: tuple[int, ...]
    days_per_block: int = 14

    def __post_init__(self) -> None:
        if not self.daily_cents or any(
            isinstance(c, bool) or not isinstance(c, int) or c <= 0 for c in self.daily_cents
        ):
            raise ValueError(
                f"`daily_cents` must be a non-empty tuple of positive whole cents, "
                f"got {self.daily_cents!r}"
            )
        if self.days_per_block < 1:
            raise ValueError(f"`days_per_block` must be 1 or more, got {self.days_per_block}")

    @property
    def max_days(self) -> int:
        return len(self.daily_cents) * self.days_per_block

    @property
    def max_total_cents(self) -> int:
        return self.total_cents(self.max_days)

    def daily_cents_on(self, day_number: int) -> int:
        """The amount owed for penalty day ``day_number`` (1-based)."""
        if not 1 <= day_number <= self.max_days:
            raise ValueError(
                f"`day_number` must be between 1 and {self.max_days}, got {day_number}"
            )
        return self.daily_cents[(day_number - 1) // self.days_per_block]

    def total_cents(self, days: int) -> int:
        """Total owed for penalty days 1 to ``days``, capped at ``max_days``."""
        if days < 0:
            raise ValueError(f"`days` must be 0 or more, got {days}")
        return sum(self.daily_cents_on(n) for n in range(1, min(days, self.max_days) + 1))


SCHEDULE_2009 = PenaltySchedule(effective_from=date(2009, 10, 1), daily_cents=(2000, 3000, 4000))
"""EUR 20 / 30 / 40 a day, at most EUR 1,260: the amounts of the Wet dwangsom of 2009."""

# Known gap: our sources show these amounts in force by 2019 but do not give the
# date they took effect; 1 January 2016 is an assumption. It only matters for
# replaying penalties from before 2019; check it against the Staatsblad then.
SCHEDULE_CURRENT = PenaltySchedule(effective_from=date(2016, 1, 1), daily_cents=(2300, 3500, 4500))
"""EUR 23 / 35 / 45 a day, at most EUR 1,442."""

PENALTY_SCHEDULES: tuple[PenaltySchedule, ...] = (SCHEDULE_2009, SCHEDULE_CURRENT)


def schedule_on(
    day: date, schedules: Sequence[PenaltySchedule] = PENALTY_SCHEDULES
) -> PenaltySchedule:
    """The schedule in force on ``day``: the latest one that took effect on or before it."""
    in_force = [s for s in schedules if s.effective_from <= day]
    if not in_force:
        earliest = min((s.effective_from for s in schedules), default=None)
        raise ValueError(
            f"no penalty schedule in force on {day.isoformat()}; "
            f"the earliest takes effect on {earliest.isoformat() if earliest else 'none'}"
        )
    return max(in_force, key=lambda s: s.effective_from)


class PenaltyState(StrEnum):
    NOT_DUE = "not-due"
    NOT_STARTED = "not-started"
    RUNNING = "running"
    CAPPED = "capped"
    STOPPED_BY_DECISION = "stopped-by-decision"


@dataclass(frozen=True)
class PenaltyStatus:
    """Where the penalty of one case stands on a given day.

    ``day_number`` is the number of penalty days owed so far (0 to 42);
    ``cap_day`` is the date of the last possible penalty day; ``last_penalty_day``
    and ``fix_amount_by`` (Awb 4:18) are known once the penalty has ended.
    """

    state: PenaltyState
    first_penalty_day: date | None
    cap_day: date | None
    day_number: int
    amount_cents: int
    last_penalty_day: date | None
    fix_amount_by: date | None
    notice_premature: bool
    schedule: PenaltySchedule | None

    @property
    def amount(self) -> Decimal:
        """The amount in euros."""
        return Decimal(self.amount_cents) / _CENTS_PER_EURO


def first_penalty_day(term_expired_on: date, notice_received_on: date) -> date:
    """Two weeks after both the term expired and the notice was received (Awb 4:17(3))."""
    return max(term_expired_on, notice_received_on) + NOTICE_PERIOD


def fix_amount_by(last_penalty_day: date) -> date:
    """Awb 4:18: two weeks after the last penalty day, moved past weekends and holidays."""
    return atw_calendar().next_working_day_on_or_after(last_penalty_day + FIX_AMOUNT_PERIOD)


def penalty(
    term_expired_on: date,
    notice_received_on: date | None,
    today: date,
    decided_on: date | None = None,
    schedule: PenaltySchedule | None = None,
) -> PenaltyStatus:
    """The penalty owed on ``today``; see the module docstring for the reading.

    ``term_expired_on`` is the last day of the decision term (the deadline).
    """
    # Guard: a decision in the future is not a decision yet.
    if decided_on is not None and decided_on > today:
        raise ValueError(
            f"`decided_on` must be on or before today {today.isoformat()}, "
            f"got {decided_on.isoformat()}"
        )
    if notice_received_on is None:
        return _nothing(PenaltyState.NOT_DUE, None, None, False, None)

    # 1. When the penalty could start and end, and at which rates
    first = first_penalty_day(term_expired_on, notice_received_on)
    applied = schedule or schedule_on(first)
    cap_day = first + timedelta(days=applied.max_days - 1)
    premature = notice_received_on <= term_expired_on

    # 2. Before the first penalty day nothing is owed
    if decided_on is not None and decided_on < first:
        return _nothing(PenaltyState.NOT_DUE, first, cap_day, premature, applied)
    if today < first:
        return _nothing(PenaltyState.NOT_STARTED, first, cap_day, premature, applied)

    # 3. Count the days up to today or the decision day, whichever comes first
    counted_until = decided_on or today
    day_number = min((counted_until - first).days + 1, applied.max_days)
    if day_number == applied.max_days:
        state, last = PenaltyState.CAPPED, cap_day
    elif decided_on is not None:
        state, last = PenaltyState.STOPPED_BY_DECISION, decided_on
    else:
        state, last = PenaltyState.RUNNING, None
    return PenaltyStatus(
        state=state,
        first_penalty_day=first,
        cap_day=cap_day,
        day_number=day_number,
        amount_cents=applied.total_cents(day_number),
        last_penalty_day=last,
        fix_amount_by=fix_amount_by(last) if last else None,
        notice_premature=premature,
        schedule=applied,
    )


def _nothing(
    state: PenaltyState,
    first: date | None,
    cap_day: date | None,
    premature: bool,
    schedule: PenaltySchedule | None,
) -> PenaltyStatus:
    return PenaltyStatus(
        state=state,
        first_penalty_day=first,
        cap_day=cap_day,
        day_number=0,
        amount_cents=0,
        last_penalty_day=None,
        fix_amount_by=None,
        notice_premature=premature,
        schedule=schedule,
    )
