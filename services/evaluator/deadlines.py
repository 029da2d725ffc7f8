"""Deadline clock per case: statutory term and service norm, with an explanation.

Legal reading
-------------
1. First day. A term starts on the day after receipt, so "8 weeks from Monday
   2 March" ends on Monday 27 April: the same weekday eight weeks later. A term
   in months ends on the same day of the month, clamped to the month's end
   (31 January + 1 month = 28 or 29 February). For objections (Awb 7:10) pass
   the last day of the objection period as ``received_on``.
2. Suspension (Awb 4:15). A suspension is given as ``(start, until)``: the term
   stands still from ``start`` (the day after the request to complete the
   application) up to, not including, ``until`` (the day the application was
   completed, on which the term runs again). It shifts the end by
   ``until - start`` days. Overlapping suspensions count once. An open
   suspension (``until`` is None) is counted as if it ended ``today``, so the
   deadline shown is the earliest it can still be, and it moves one day for
   every further day. A suspension that starts after the running end date
   cannot suspend a term that has already ended and is ignored, with a step
   saying so.
3. Extension (Awb 4:14, 7:10, 9:11). One extension, in weeks, added to the end
   after the base term; it may not exceed the case type's maximum. Whether the
   Atw applies is judged on the statutory term itself (6 weeks + 6 weeks
   extension is still treated as a term under 12 weeks). The extension moves
   only the statutory deadline: the service norm is the organisation's own
   promise and is not extended.
4. Algemene termijnenwet. Only for statutory terms shorter than 90 days, 12
   weeks or three months (Atw art. 4); never for service norms. Art. 1 moves an
   end on a Saturday, Sunday or holiday to the next day that is none of these;
   it is applied once, to the final end (after suspension and extension).
   Art. 2 then makes sure a term of three days or more contains at least two
   such days. Known simplification: art. 2 counts the days from receipt to
   the end, suspended days included; it only matters for terms of a few days.
5. Order of the steps: base end, extension, suspensions, Atw. Extension and
   suspension are both plain shifts, so the order only matters for deciding
   whether a suspension began after the term had already ended.
6. Service norm. Counted in calendar days, weeks, months or working days; the
   working days come from the organisation's calendar (with its closing days).
   For a working-day norm a suspension shifts the end by the number of working
   days it covered. A service norm never ends after the statutory deadline; if
   holidays or closing days would push it beyond, it is capped, with a step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from services.evaluator.calendars import (
    WEEKDAY_NAMES_EN,
    WEEKDAY_NAMES_NL,
    WorkingDayCalendar,
    atw_calendar,
    format_date_en,
    format_date_nl,
)

_ONE_DAY = timedelta(days=1)
_DAYS_PER_WEEK = 7
_WORKING_DAYS_PER_WEEK = 5

# Atw art. 4: the Atw does not apply to terms of at least this length, per unit.
_ATW_LONG_TERM_DAYS = 90
_ATW_LONG_TERM_WEEKS = 12
_ATW_LONG_TERM_MONTHS = 3

# Atw art. 2: a term of at least this many days contains at least two working days.
_ATW_ART2_MIN_TERM_DAYS = 3
_ATW_ART2_MIN_WORKING_DAYS = 2


class TermUnit(StrEnum):
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    WORKING_DAYS = "working_days"


_UNIT_WORDS: dict[TermUnit, tuple[str, str, str, str]] = {
    # unit: (Dutch singular, Dutch plural, English singular, English plural)
    TermUnit.DAYS: ("dag", "dagen", "day", "days"),
    TermUnit.WEEKS: ("week", "weken", "week", "weeks"),
    TermUnit.MONTHS: ("maand", "maanden", "month", "months"),
    TermUnit.WORKING_DAYS: ("werkdag", "werkdagen", "working day", "working days"),
}


def _count_nl(amount: int, unit: TermUnit) -> str:
    singular, plural, _, _ = _UNIT_WORDS[unit]
    return f"{amount} {singular if amount == 1 else plural}"


def _count_en(amount: int, unit: TermUnit) -> str:
    _, _, singular, plural = _UNIT_WORDS[unit]
    return f"{amount} {singular if amount == 1 else plural}"


@dataclass(frozen=True)
class Term:
    """A length of time: amount and unit, and whether a statute sets it.

    ``statutory`` is True for terms set in a formal law or order in council
    (the Awb decision terms); only those can fall under the Atw. Service norms
    an organisation sets itself have ``statutory=False``.
    """

    amount: int
    unit: TermUnit
    statutory: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 1:
            raise ValueError(f"`amount` must be a whole number of 1 or more, got {self.amount!r}")
        if not isinstance(self.unit, TermUnit):
            expected = ", ".join(repr(u.value) for u in TermUnit)
            raise ValueError(f"`unit` must be one of {expected}, got {self.unit!r}")
        # Guard: the Atw and the Awb count statutory terms in calendar time only.
        if self.statutory and self.unit is TermUnit.WORKING_DAYS:
            raise ValueError(
                f"a statutory term cannot be counted in working days, got {self.describe_en()}; "
                "use days, weeks or months, or set statutory=False for an own service norm"
            )

    @property
    def is_long(self) -> bool:
        """At least 90 days, 12 weeks or three months (Atw art. 4)."""
        if self.unit is TermUnit.DAYS:
            return self.amount >= _ATW_LONG_TERM_DAYS
        if self.unit is TermUnit.WEEKS:
            return self.amount >= _ATW_LONG_TERM_WEEKS
        if self.unit is TermUnit.MONTHS:
            return self.amount >= _ATW_LONG_TERM_MONTHS
        return False

    @property
    def atw_applies(self) -> bool:
        return self.statutory and not self.is_long

    def end(self, received_on: date, calendar: WorkingDayCalendar) -> date:
        """Last day of the term, counted from the day after ``received_on``."""
        if self.unit is TermUnit.DAYS:
            return received_on + timedelta(days=self.amount)
        if self.unit is TermUnit.WEEKS:
            return received_on + timedelta(weeks=self.amount)
        if self.unit is TermUnit.MONTHS:
            return received_on + relativedelta(months=self.amount)
        return calendar.add_working_days(received_on, self.amount)

    def span_days(self) -> tuple[int, int]:
        """Shortest and longest length in calendar days, holidays not counted."""
        if self.unit is TermUnit.DAYS:
            return self.amount, self.amount
        if self.unit is TermUnit.WEEKS:
            return self.amount * _DAYS_PER_WEEK, self.amount * _DAYS_PER_WEEK
        if self.unit is TermUnit.MONTHS:
            return _month_span_days(self.amount)
        return _working_day_span_days(self.amount)

    def describe_nl(self) -> str:
        return _count_nl(self.amount, self.unit)

    def describe_en(self) -> str:
        return _count_en(self.amount, self.unit)


@lru_cache(maxsize=64)
def _month_span_days(months: int) -> tuple[int, int]:
    # Try every day of receipt in a four-year cycle, so that leap years are covered.
    starts = [date(2024, 1, 1) + timedelta(days=offset) for offset in range(4 * 365 + 1)]
    spans = [(start + relativedelta(months=months) - start).days for start in starts]
    return min(spans), max(spans)


def _working_day_span_days(count: int) -> tuple[int, int]:
    # Shortest when received on a Sunday, longest when received on a Friday.
    weekends_shortest = (count - 1) // _WORKING_DAYS_PER_WEEK
    weekends_longest = -(-count // _WORKING_DAYS_PER_WEEK)
    return count + 2 * weekends_shortest, count + 2 * weekends_longest


def _may_be_longer(term: Term, other: Term) -> bool:
    """True if ``term`` can end later than ``other`` for some day of receipt."""
    if term.unit is other.unit:
        return term.amount > other.amount
    return term.span_days()[1] > other.span_days()[0]


@dataclass(frozen=True)
class CaseType:
    """A kind of case with its statutory term, service norm and extension limit.

    ``max_extension_weeks``: the longest single extension the law allows; 0
    means no extension is possible and None means the law sets no fixed
    maximum (Awb 4:14 only asks for a new term "as short as possible").
    """

    code: str
    statutory_term: Term
    service_norm: Term
    max_extension_weeks: int | None
    legal_basis: str

    def __post_init__(self) -> None:
        if not self.code:
            raise ValueError("`code` must be a non-empty string, got ''")
        if not self.statutory_term.statutory:
            raise ValueError(
                f"`statutory_term` must be set by statute (statutory=True), "
                f"got {self.statutory_term!r} for case type {self.code!r}"
            )
        if self.service_norm.statutory:
            raise ValueError(
                f"`service_norm` must be the organisation's own norm (statutory=False), "
                f"got {self.service_norm!r} for case type {self.code!r}"
            )
        if _may_be_longer(self.service_norm, self.statutory_term):
            raise ValueError(
                f"`service_norm` of {self.service_norm.describe_en()} may be longer than the "
                f"statutory term of {self.statutory_term.describe_en()} for case type "
                f"{self.code!r}; a service norm must never exceed the statutory term"
            )
        if self.max_extension_weeks is not None and self.max_extension_weeks < 0:
            raise ValueError(
                f"`max_extension_weeks` must be 0 or more, or None for no fixed maximum, "
                f"got {self.max_extension_weeks!r} for case type {self.code!r}"
            )


def _own_norm(weeks: int) -> Term:
    return Term(weeks, TermUnit.WEEKS, statutory=False)


# Standard case types. Their service norms equal the statutory term; an
# organisation sets its own, shorter norm with dataclasses.replace().
COMPLAINT = CaseType(
    code="klacht",
    statutory_term=Term(6, TermUnit.WEEKS),
    service_norm=_own_norm(6),
    max_extension_weeks=4,
    legal_basis="Awb 9:11",
)
COMPLAINT_EXTERNAL_COMMITTEE = CaseType(
    code="klacht-externe-commissie",
    statutory_term=Term(10, TermUnit.WEEKS),
    service_norm=_own_norm(10),
    max_extension_weeks=4,
    legal_basis="Awb 9:11",
)
OBJECTION = CaseType(
    code="bezwaar",
    statutory_term=Term(6, TermUnit.WEEKS),
    service_norm=_own_norm(6),
    max_extension_weeks=6,
    legal_basis="Awb 7:10",
)
OBJECTION_ADVISORY_COMMITTEE = CaseType(
    code="bezwaar-adviescommissie",
    statutory_term=Term(12, TermUnit.WEEKS),
    service_norm=_own_norm(12),
    max_extension_weeks=6,
    legal_basis="Awb 7:10",
)
GENERAL_APPLICATION = CaseType(
    code="aanvraag",
    statutory_term=Term(8, TermUnit.WEEKS),
    service_norm=_own_norm(8),
    max_extension_weeks=None,
    legal_basis="Awb 4:13",
)
STANDARD_CASE_TYPES: tuple[CaseType, ...] = (
    COMPLAINT,
    COMPLAINT_EXTERNAL_COMMITTEE,
    OBJECTION,
    OBJECTION_ADVISORY_COMMITTEE,
    GENERAL_APPLICATION,
)


# -- Result -------------------------------------------------------------------


class StepCode(StrEnum):
    BASE_END = "base_end"
    EXTENDED = "extended"
    SUSPENDED = "suspended"
    SUSPENSION_AFTER_END = "suspension_after_end"
    ATW_ROLL_OVER = "atw_roll_over"
    ATW_NOT_APPLICABLE = "atw_not_applicable"
    ATW_TWO_WORKING_DAYS = "atw_two_working_days"
    CAPPED_AT_STATUTORY = "capped_at_statutory"


@dataclass(frozen=True)
class Step:
    """One step of the explanation; ``end`` is the end date after this step."""

    code: StepCode
    end: date
    text_nl: str
    text_en: str


@dataclass(frozen=True)
class Clock:
    deadline: date
    steps: tuple[Step, ...]

    def codes(self) -> tuple[StepCode, ...]:
        return tuple(step.code for step in self.steps)


@dataclass(frozen=True)
class CaseDeadlines:
    case_type: CaseType
    received_on: date
    statutory: Clock
    service_norm: Clock
    extension_weeks: int

    @property
    def statutory_deadline(self) -> date:
        return self.statutory.deadline

    @property
    def service_norm_deadline(self) -> date:
        return self.service_norm.deadline


# -- Suspensions --------------------------------------------------------------


@dataclass(frozen=True)
class _Suspension:
    """Days in [start, until) on which the term stood still."""

    start: date
    until: date
    is_open: bool

    @property
    def days(self) -> int:
        return (self.until - self.start).days


def _normalise_suspensions(
    suspensions: Sequence[tuple[date, date | None]], received_on: date, today: date | None
) -> list[_Suspension]:
    """Validate, count open ones up to today, and merge overlaps."""
    spans = sorted(
        (_to_suspension(start, until, received_on, today) for start, until in suspensions),
        key=lambda span: span.start,
    )
    merged: list[_Suspension] = []
    for span in spans:
        if merged and span.start <= merged[-1].until:
            last = merged.pop()
            span = _Suspension(
                last.start, max(last.until, span.until), last.is_open or span.is_open
            )
        merged.append(span)
    return [span for span in merged if span.days > 0]


def _to_suspension(
    start: date, until: date | None, received_on: date, today: date | None
) -> _Suspension:
    # Guard: the term only starts the day after receipt, so it cannot stand still earlier.
    if start <= received_on:
        raise ValueError(
            f"a suspension must start after receipt on {received_on.isoformat()}, "
            f"got start {start.isoformat()}"
        )
    if until is None:
        if today is None:
            raise ValueError(
                f"the suspension from {start.isoformat()} is still open; pass `today` to count it"
            )
        return _Suspension(start, max(start, today), is_open=True)
    if until < start:
        raise ValueError(
            f"a suspension must end on or after its start {start.isoformat()}, "
            f"got until {until.isoformat()}"
        )
    return _Suspension(start, until, is_open=False)


# -- The clocks ---------------------------------------------------------------


def compute_deadline(
    case_type: CaseType,
    received_on: date,
    suspensions: Sequence[tuple[date, date | None]] = (),
    extension_weeks: int | None = None,
    today: date | None = None,
    calendar: WorkingDayCalendar | None = None,
) -> CaseDeadlines:
    """Statutory and service-norm deadline of one case, with the steps taken.

    ``calendar`` is the organisation's calendar for service norms in working
    days (closing days included); the statutory clock always uses the Atw
    calendar. See the module docstring for the legal reading.
    """
    extension = _checked_extension(case_type, extension_weeks)
    spans = _normalise_suspensions(suspensions, received_on, today)
    statutory = _statutory_clock(case_type, received_on, spans, extension)
    service_norm = _service_norm_clock(
        case_type.service_norm, received_on, spans, calendar or atw_calendar(), statutory.deadline
    )
    return CaseDeadlines(case_type, received_on, statutory, service_norm, extension)


def _checked_extension(case_type: CaseType, extension_weeks: int | None) -> int:
    if extension_weeks is None:
        return 0
    if isinstance(extension_weeks, bool) or not isinstance(extension_weeks, int):
        raise ValueError(f"`extension_weeks` must be a whole number, got {extension_weeks!r}")
    if extension_weeks < 0:
        raise ValueError(f"`extension_weeks` must be 0 or more, got {extension_weeks}")
    allowed = case_type.max_extension_weeks
    if allowed is not None and extension_weeks > allowed:
        raise ValueError(
            f"`extension_weeks` of {extension_weeks} exceeds the at most {allowed} weeks "
            f"allowed for case type {case_type.code!r} ({case_type.legal_basis})"
        )
    return extension_weeks


def _statutory_clock(
    case_type: CaseType, received_on: date, spans: list[_Suspension], extension: int
) -> Clock:
    # 1. The base term, counted from the day after receipt
    term = case_type.statutory_term
    calendar = atw_calendar()
    end = term.end(received_on, calendar)
    steps = [_base_step(term, received_on, end, "De wettelijke termijn", "The statutory term")]
    base_span = (end - received_on).days

    # 2. One extension, in weeks
    if extension:
        end += timedelta(weeks=extension)
        steps.append(_extension_step(extension, case_type.legal_basis, end))

    # 3. Suspended days shift the end
    end, suspension_steps = _apply_suspensions(term, end, spans, calendar)
    steps += suspension_steps

    # 4. The Atw, applied once to the final end
    end, atw_steps = _apply_atw(term, received_on, end, base_span)
    steps += atw_steps
    return Clock(end, tuple(steps))


def _service_norm_clock(
    term: Term,
    received_on: date,
    spans: list[_Suspension],
    calendar: WorkingDayCalendar,
    statutory_deadline: date,
) -> Clock:
    # 1. The base term, in the organisation's own calendar when in working days
    end = term.end(received_on, calendar)
    steps = [_base_step(term, received_on, end, "De servicenorm", "The service norm")]

    # 2. Suspended days shift the end
    end, suspension_steps = _apply_suspensions(term, end, spans, calendar)
    steps += suspension_steps

    # 3. Own norms do not roll over; say so when the end is not a working day
    end, atw_steps = _apply_atw(term, received_on, end, (end - received_on).days)
    steps += atw_steps

    # 4. Never later than the law allows
    if end > statutory_deadline:
        end = statutory_deadline
        steps.append(_capped_step(end))
    return Clock(end, tuple(steps))


def _apply_suspensions(
    term: Term, end: date, spans: list[_Suspension], calendar: WorkingDayCalendar
) -> tuple[date, list[Step]]:
    steps: list[Step] = []
    for span in spans:
        # Guard: a term that has already ended cannot be suspended any more.
        if span.start > end:
            steps.append(_suspension_after_end_step(span, end))
            continue
        if term.unit is TermUnit.WORKING_DAYS:
            shift = calendar.working_days_between(span.start - _ONE_DAY, span.until - _ONE_DAY)
            end = calendar.add_working_days(end, shift)
        else:
            shift = span.days
            end += timedelta(days=shift)
        steps.append(_suspension_step(span, shift, term, end))
    return end, steps


def _apply_atw(
    term: Term, received_on: date, end: date, base_span_days: int
) -> tuple[date, list[Step]]:
    calendar = atw_calendar()
    steps: list[Step] = []
    # Atw art. 1: an end on a Saturday, Sunday or holiday runs on to the next working day.
    if not calendar.is_working_day(end):
        if term.atw_applies:
            rolled = calendar.next_working_day_on_or_after(end)
            steps.append(_roll_over_step(end, rolled, calendar))
            end = rolled
        else:
            steps.append(_not_applicable_step(term, end, calendar))
    # Atw art. 2: a term of three days or more holds at least two working days.
    if term.atw_applies and base_span_days >= _ATW_ART2_MIN_TERM_DAYS:
        present = calendar.working_days_between(received_on, end)
        if present < _ATW_ART2_MIN_WORKING_DAYS:
            end = calendar.add_working_days(end, _ATW_ART2_MIN_WORKING_DAYS - present)
            steps.append(_two_working_days_step(end))
    return end, steps


# -- Sentences (plain language, B1) -------------------------------------------


def _base_step(term: Term, received_on: date, end: date, subject_nl: str, subject_en: str) -> Step:
    first = received_on + _ONE_DAY
    return Step(
        StepCode.BASE_END,
        end,
        f"{subject_nl} is {term.describe_nl()}. De termijn begint op de dag na ontvangst "
        f"({format_date_nl(first)}) en eindigt op {format_date_nl(end)}.",
        f"{subject_en} is {term.describe_en()}. It starts on the day after receipt "
        f"({format_date_en(first)}) and ends on {format_date_en(end)}.",
    )


def _extension_step(weeks: int, legal_basis: str, end: date) -> Step:
    return Step(
        StepCode.EXTENDED,
        end,
        f"De termijn is verlengd met {_count_nl(weeks, TermUnit.WEEKS)} ({legal_basis}). "
        f"De nieuwe einddatum is {format_date_nl(end)}.",
        f"The term was extended by {_count_en(weeks, TermUnit.WEEKS)} ({legal_basis}). "
        f"The new end date is {format_date_en(end)}.",
    )


def _suspension_step(span: _Suspension, shift: int, term: Term, end: date) -> Step:
    unit = TermUnit.WORKING_DAYS if term.unit is TermUnit.WORKING_DAYS else TermUnit.DAYS
    if span.is_open:
        return Step(
            StepCode.SUSPENDED,
            end,
            f"De termijn staat stil sinds {format_date_nl(span.start)}. Tot vandaag is dat "
            f"{_count_nl(shift, unit)}. De einddatum schuift op naar {format_date_nl(end)} "
            "en schuift verder zolang de termijn stilstaat.",
            f"The term has been suspended since {format_date_en(span.start)}. Up to today that "
            f"is {_count_en(shift, unit)}. The end date moves to {format_date_en(end)} "
            "and keeps moving while the suspension lasts.",
        )
    return Step(
        StepCode.SUSPENDED,
        end,
        f"De termijn stond stil van {format_date_nl(span.start)} tot "
        f"{format_date_nl(span.until)}. De einddatum schuift {_count_nl(shift, unit)} op "
        f"naar {format_date_nl(end)}.",
        f"The term was suspended from {format_date_en(span.start)} until "
        f"{format_date_en(span.until)}. The end date moves {_count_en(shift, unit)}, "
        f"to {format_date_en(end)}.",
    )


def _suspension_after_end_step(span: _Suspension, end: date) -> Step:
    return Step(
        StepCode.SUSPENSION_AFTER_END,
        end,
        f"De opschorting vanaf {format_date_nl(span.start)} telt niet mee, "
        f"want de termijn was al afgelopen op {format_date_nl(end)}.",
        f"The suspension from {format_date_en(span.start)} does not count, "
        f"because the term had already ended on {format_date_en(end)}.",
    )


def _day_off_names(day: date, calendar: WorkingDayCalendar) -> tuple[str, str]:
    """What kind of day ``day`` is, as (Dutch, English) words for a sentence."""
    holiday = calendar.holiday_on(day)
    if holiday is not None:
        return holiday.name_nl, holiday.name_en
    return f"een {WEEKDAY_NAMES_NL[day.weekday()]}", f"a {WEEKDAY_NAMES_EN[day.weekday()]}"


def _roll_over_step(end: date, rolled: date, calendar: WorkingDayCalendar) -> Step:
    what_nl, what_en = _day_off_names(end, calendar)
    return Step(
        StepCode.ATW_ROLL_OVER,
        rolled,
        f"Termijn eindigt op {what_nl} ({format_date_nl(end)}); doorgeschoven naar de "
        f"eerstvolgende werkdag: {format_date_nl(rolled)} (Algemene termijnenwet).",
        f"The term ends on {what_en} ({format_date_en(end)}); moved to the next working "
        f"day: {format_date_en(rolled)} (Algemene termijnenwet).",
    )


def _not_applicable_step(term: Term, end: date, calendar: WorkingDayCalendar) -> Step:
    what_nl, what_en = _day_off_names(end, calendar)
    if term.statutory:
        why_nl = (
            f"De Algemene termijnenwet geldt niet voor een termijn van {term.describe_nl()}, "
            "dus de termijn schuift niet door."
        )
        why_en = (
            f"The Algemene termijnenwet does not apply to a term of {term.describe_en()}, "
            "so the term does not move."
        )
    else:
        why_nl = "Dit is een eigen servicenorm; die schuift niet door naar een werkdag."
        why_en = "This is an own service norm; it does not move to a working day."
    return Step(
        StepCode.ATW_NOT_APPLICABLE,
        end,
        f"Termijn eindigt op {what_nl} ({format_date_nl(end)}). {why_nl}",
        f"The term ends on {what_en} ({format_date_en(end)}). {why_en}",
    )


def _two_working_days_step(end: date) -> Step:
    return Step(
        StepCode.ATW_TWO_WORKING_DAYS,
        end,
        "Een termijn van drie dagen of langer moet minstens twee werkdagen hebben "
        f"(Algemene termijnenwet, artikel 2). De termijn loopt daarom tot {format_date_nl(end)}.",
        "A term of three days or more must contain at least two working days "
        f"(Algemene termijnenwet, article 2). The term therefore runs until "
        f"{format_date_en(end)}.",
    )


def _capped_step(end: date) -> Step:
    return Step(
        StepCode.CAPPED_AT_STATUTORY,
        end,
        "De servicenorm mag niet later eindigen dan de wettelijke termijn. "
        f"De einddatum is daarom {format_date_nl(end)}.",
        "The service norm may not end later than the statutory term. "
        f"The end date is therefore {format_date_en(end)}.",
    )


# -- Warnings -----------------------------------------------------------------


def working_days_until(
    today: date, deadline: date, calendar: WorkingDayCalendar | None = None
) -> int:
    """Working days in (today, deadline]: 0 when due today, negative once passed."""
    return (calendar or atw_calendar()).working_days_between(today, deadline)


def is_at_risk(
    today: date, deadline: date, within: int, calendar: WorkingDayCalendar | None = None
) -> bool:
    """True when the deadline has not passed and is at most ``within`` working days away."""
    if within < 0:
        raise ValueError(f"`within` must be 0 or more working days, got {within}")
    return today <= deadline and working_days_until(today, deadline, calendar) <= within
