"""Working-day calendars: Dutch holidays under the Algemene termijnenwet (Atw).

Legal reading
-------------
1. Atw art. 3 lists the generally recognised holidays: New Year's Day, Easter
   Monday, Whit Monday, both Christmas days, Ascension Day, the day on which the
   King's birthday is celebrated, and 5 May (every year, not only in lustrum
   years). Good Friday is equated with them by the same article. Easter Sunday
   and Whit Sunday are Sundays and need no entry of their own.
2. King's Day is 27 April, or 26 April when 27 April is a Sunday. That rule
   exists from 2014; this module does not model Queen's Day, so it refuses
   years before ``FIRST_SUPPORTED_YEAR`` instead of answering wrongly.
3. Further days are equated with holidays by royal decree, published a few
   years ahead (usually the Friday after Ascension Day and a "bridge" Friday or
   Monday). They are data, in ``ATW_EQUATED_DAYS``; extend the constant when a
   new decree appears. For years after the last listed decree the calendar
   knows no equated days, which may make a legal term end one working day too
   early.
4. An organisation's own closing days (carnival, bridge days) are *not*
   holidays for legal terms. They only count as non-working days for the
   organisation's own service norms, so they live in a separate field and
   ``is_holiday`` ignores them. ``atw_calendar()`` has none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

from dateutil.easter import easter

FIRST_SUPPORTED_YEAR = 2014
"""King's Day exists from 2014; earlier years had Queen's Day on other dates."""

ATW_EQUATED_DAYS: frozenset[date] = frozenset(
    {
        date(2026, 1, 2),  # Friday after New Year's Day
        date(2026, 5, 15),  # Friday after Ascension Day
        date(2027, 5, 7),  # Friday after Ascension Day
        date(2028, 4, 28),  # Friday after King's Day
        date(2028, 5, 26),  # Friday after Ascension Day
    }
)
"""Days equated with holidays by royal decree under Atw art. 3(3)."""

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


@dataclass(frozen=True)
class Holiday:
    """A named day off, with its name in Dutch and English."""

    day: date
    name_nl: str
    name_en: str


EQUATED_DAY_NAME_NL = "dag die gelijkgesteld is aan een feestdag"
EQUATED_DAY_NAME_EN = "day equated with a public holiday"


def kings_day(year: int) -> date:
    """King's Day: 27 April, or 26 April when 27 April falls on a Sunday."""
    _check_year(year)
    day = date(year, 4, 27)
    return day - _ONE_DAY if day.weekday() == 6 else day


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> Mapping[date, Holiday]:
    """The holidays named in Atw art. 3(1) and (2) for one year, by date.

    Cached per year and returned read-only. When two holidays share a date
    (5 May on Ascension Day) the first listed name is kept.
    """
    _check_year(year)
    easter_sunday = easter(year)
    named = [
        (date(year, 1, 1), "Nieuwjaarsdag", "New Year's Day"),
        (easter_sunday - timedelta(days=2), "Goede Vrijdag", "Good Friday"),
        (easter_sunday + timedelta(days=1), "Tweede Paasdag", "Easter Monday"),
        (kings_day(year), "Koningsdag", "King's Day"),
        (date(year, 5, 5), "Bevrijdingsdag", "Liberation Day"),
        (easter_sunday + timedelta(days=39), "Hemelvaartsdag", "Ascension Day"),
        (easter_sunday + timedelta(days=50), "Tweede Pinksterdag", "Whit Monday"),
        (date(year, 12, 25), "Eerste Kerstdag", "Christmas Day"),
        (date(year, 12, 26), "Tweede Kerstdag", "Boxing Day"),
    ]
    holidays: dict[date, Holiday] = {}
    for day, name_nl, name_en in named:
        holidays.setdefault(day, Holiday(day, name_nl, name_en))
    return MappingProxyType(holidays)


def _check_year(year: int) -> None:
    # Guard: before 2014 the King's birthday rule gives wrong dates (Queen's Day).
    if year < FIRST_SUPPORTED_YEAR:
        raise ValueError(
            f"calendar covers years from {FIRST_SUPPORTED_YEAR} (King's Day rules), got {year}"
        )


def is_weekend(day: date) -> bool:
    return day.weekday() >= _SATURDAY


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Monday to Friday minus Atw holidays, equated days and own closing days.

    ``closing_days`` are the organisation's own non-working days; they make a
    day non-working but never a holiday (see the module docstring, point 4).
    """

    closing_days: frozenset[date] = field(default_factory=frozenset)
    equated_days: frozenset[date] = ATW_EQUATED_DAYS

    def __post_init__(self) -> None:
        for name in ("closing_days", "equated_days"):
            value = getattr(self, name)
            if not isinstance(value, frozenset):
                raise TypeError(f"`{name}` must be a frozenset of dates, got {value!r}")

    def holiday_on(self, day: date) -> Holiday | None:
        """The Atw holiday or equated day on ``day``, if any."""
        holiday = statutory_holidays(day.year).get(day)
        if holiday is not None:
            return holiday
        if day in self.equated_days:
            return Holiday(day, EQUATED_DAY_NAME_NL, EQUATED_DAY_NAME_EN)
        return None

    def is_holiday(self, day: date) -> bool:
        """True on Atw holidays and equated days; closing days are not holidays."""
        return day in statutory_holidays(day.year) or day in self.equated_days

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday, not a holiday and not one of the closing days."""
        return not (is_weekend(day) or self.is_holiday(day) or day in self.closing_days)

    def next_working_day_on_or_after(self, day: date) -> date:
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day``; ``day`` itself is not counted.

        ``count == 0`` returns ``day`` unchanged, even when it is not a working day.
        """
        if count < 0:
            raise ValueError(f"`count` must be zero or more working days, got {count}")
        for _ in range(count):
            day = self.next_working_day_on_or_after(day + _ONE_DAY)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Number of working days in the interval (start, end].

        Antisymmetric: when ``end`` is before ``start`` the result is minus the
        number of working days in (end, start], so "days left" turns negative
        once a deadline has passed.
        """
        if end < start:
            return -self.working_days_between(end, start)
        return _weekdays_between(start, end) - len(self._days_off_on_weekdays(start, end))

    def _days_off_on_weekdays(self, start: date, end: date) -> set[date]:
        """Holidays, equated and closing days in (start, end] that fall on Mon-Fri."""
        candidates: set[date] = set(self.equated_days) | set(self.closing_days)
        for year in range(start.year, end.year + 1):
            candidates.update(statutory_holidays(year))
        return {d for d in candidates if start < d <= end and not is_weekend(d)}


def _weekdays_between(start: date, end: date) -> int:
    """Number of Mondays to Fridays in (start, end], for start <= end."""
    full_weeks, rest = divmod((end - start).days, 7)
    rest_weekdays = sum(
        1 for offset in range(1, rest + 1) if not is_weekend(start + timedelta(days=offset))
    )
    return full_weeks * 5 + rest_weekdays


@lru_cache(maxsize=1)
def atw_calendar() -> WorkingDayCalendar:
    """The legal calendar: Atw holidays and equated days, no closing days."""
    return WorkingDayCalendar()


# -- Dates in plain language -------------------------------------------------

_WEEKDAYS_NL = ("ma", "di", "wo", "do", "vr", "za", "zo")
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_NAMES_NL = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
WEEKDAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS_NL = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)  # fmt: skip
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def format_date_nl(day: date) -> str:
    """Dutch short form without locale settings, e.g. 'ma 27 april 2026'."""
    return f"{_WEEKDAYS_NL[day.weekday()]} {day.day} {_MONTHS_NL[day.month - 1]} {day.year}"


def format_date_en(day: date) -> str:
    """English short form, e.g. 'Mon 27 April 2026'."""
    return f"{_WEEKDAYS_EN[day.weekday()]} {day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
