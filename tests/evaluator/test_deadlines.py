"""Deadline clock per case: worked examples, a table of hand computations, properties."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.evaluator.calendars import WorkingDayCalendar, atw_calendar
from services.evaluator.deadlines import (
    COMPLAINT,
    COMPLAINT_EXTERNAL_COMMITTEE,
    GENERAL_APPLICATION,
    OBJECTION,
    OBJECTION_ADVISORY_COMMITTEE,
    STANDARD_CASE_TYPES,
    CaseType,
    StepCode,
    Term,
    TermUnit,
    compute_deadline,
    is_at_risk,
    working_days_until,
)

ATW = atw_calendar()
CARNIVAL_2026 = frozenset({date(2026, 2, 16), date(2026, 2, 17)})


def _short_term_type(days: int) -> CaseType:
    return CaseType(
        code=f"kort-{days}",
        statutory_term=Term(days, TermUnit.DAYS),
        service_norm=Term(days, TermUnit.DAYS, statutory=False),
        max_extension_weeks=0,
        legal_basis="test",
    )


def _months_type(months: int) -> CaseType:
    return CaseType(
        code=f"maanden-{months}",
        statutory_term=Term(months, TermUnit.MONTHS),
        service_norm=Term(months, TermUnit.MONTHS, statutory=False),
        max_extension_weeks=0,
        legal_basis="test",
    )


# -- Worked examples: the Awb, the Atw and the published holiday list, by hand ---


def test_worked_example_1_application_ending_on_kings_day() -> None:
    result = compute_deadline(GENERAL_APPLICATION, date(2026, 3, 2))

    assert result.statutory.steps[0].end == date(2026, 4, 27)
    assert result.statutory_deadline == date(2026, 4, 28)
    roll_over = result.statutory.steps[-1]
    assert roll_over.code is StepCode.ATW_ROLL_OVER
    assert roll_over.text_nl.startswith(
        "Termijn eindigt op Koningsdag (ma 27 april 2026); "
        "doorgeschoven naar de eerstvolgende werkdag: di 28 april 2026"
    )
    assert "King's Day (Mon 27 April 2026)" in roll_over.text_en


def test_worked_example_2_ascension_equated_friday_and_weekend() -> None:
    result = compute_deadline(GENERAL_APPLICATION, date(2026, 3, 19))

    assert result.statutory.steps[0].end == date(2026, 5, 14)
    assert result.statutory_deadline == date(2026, 5, 18)
    assert result.statutory.codes() == (StepCode.BASE_END, StepCode.ATW_ROLL_OVER)
    assert "Hemelvaartsdag (do 14 mei 2026)" in result.statutory.steps[-1].text_nl


def test_worked_example_4_complaint_with_four_week_extension() -> None:
    plain = compute_deadline(COMPLAINT, date(2026, 11, 9))
    extended = compute_deadline(COMPLAINT, date(2026, 11, 9), extension_weeks=4)

    assert plain.statutory_deadline == date(2026, 12, 21)
    assert extended.statutory_deadline == date(2027, 1, 18)
    assert extended.statutory.codes() == (StepCode.BASE_END, StepCode.EXTENDED)
    assert "verlengd met 4 weken (Awb 9:11)" in extended.statutory.steps[1].text_nl


# Worked example 3 (the penalty) lives in test_dwangsom.py.


# -- A table of hand computations -------------------------------------------

DEADLINE_TABLE = [
    # received Thu 24 Dec 2026; +6 weeks = Thu 4 Feb 2027, a working day
    pytest.param(COMPLAINT, date(2026, 12, 24), (), None, None, date(2027, 2, 4), id="xmas-eve"),
    # received Fri 13 Nov 2026; +6 weeks = Fri 25 Dec (Christmas), Sat 26 (Boxing Day), Sun 27
    # -> Mon 28 Dec 2026
    pytest.param(COMPLAINT, date(2026, 11, 13), (), None, None, date(2026, 12, 28), id="christmas"),
    # received Thu 19 Nov 2026; +6 weeks = Thu 31 Dec 2026, a working day
    pytest.param(COMPLAINT, date(2026, 11, 19), (), None, None, date(2026, 12, 31), id="31-dec"),
    # received Fri 20 Nov 2026; +6 weeks = Fri 1 Jan 2027 (New Year), weekend -> Mon 4 Jan 2027
    pytest.param(COMPLAINT, date(2026, 11, 20), (), None, None, date(2027, 1, 4), id="new-year"),
    # received Fri 21 Nov 2025; +6 weeks = Fri 2 Jan 2026 (equated day), weekend -> Mon 5 Jan
    pytest.param(COMPLAINT, date(2025, 11, 21), (), None, None, date(2026, 1, 5), id="2-jan-2026"),
    # received Fri 6 Feb 2026; +8 weeks = Fri 3 Apr (Good Friday), weekend, Mon 6 Apr (Easter
    # Monday) -> Tue 7 Apr 2026
    pytest.param(
        GENERAL_APPLICATION, date(2026, 2, 6), (), None, None, date(2026, 4, 7), id="easter"
    ),
    # received Sat 7 Mar 2026; +8 weeks = Sat 2 May, Sun 3 May -> Mon 4 May 2026 (5 May is Tue)
    pytest.param(
        GENERAL_APPLICATION, date(2026, 3, 7), (), None, None, date(2026, 5, 4), id="weekend"
    ),
    # received Tue 10 Mar 2026; +8 weeks = Tue 5 May 2026 (Liberation Day) -> Wed 6 May
    pytest.param(
        GENERAL_APPLICATION, date(2026, 3, 10), (), None, None, date(2026, 5, 6), id="5-may"
    ),
    # received Mon 30 Mar 2026; +8 weeks = Mon 25 May 2026 (Whit Monday) -> Tue 26 May
    pytest.param(
        GENERAL_APPLICATION, date(2026, 3, 30), (), None, None, date(2026, 5, 26), id="whit"
    ),
    # objection period ended Thu 25 Mar 2027; +6 weeks = Thu 6 May 2027 (Ascension), Fri 7 May
    # (equated), weekend -> Mon 10 May 2027
    pytest.param(OBJECTION, date(2027, 3, 25), (), None, None, date(2027, 5, 10), id="7-may-2027"),
    # received Fri 17 Mar 2028; +6 weeks = Fri 28 Apr 2028 (equated, after King's Day on Thu),
    # weekend -> Mon 1 May 2028
    pytest.param(COMPLAINT, date(2028, 3, 17), (), None, None, date(2028, 5, 1), id="28-apr-2028"),
    # received Fri 31 Mar 2028; +8 weeks = Fri 26 May 2028 (equated, after Ascension on Thu),
    # weekend -> Mon 29 May 2028
    pytest.param(
        GENERAL_APPLICATION, date(2028, 3, 31), (), None, None, date(2028, 5, 29), id="26-may-2028"
    ),
    # received Sat 15 Mar 2025; +6 weeks = Sat 26 Apr 2025 (King's Day on a Saturday), Sun 27
    # -> Mon 28 Apr 2025
    pytest.param(COMPLAINT, date(2025, 3, 15), (), None, None, date(2025, 4, 28), id="kd-2025"),
    # objection period ended Sat 13 Nov 2027; +6 weeks = Sat 25 Dec 2027, Sun 26 -> Mon 27 Dec
    pytest.param(OBJECTION, date(2027, 11, 13), (), None, None, date(2027, 12, 27), id="xmas-2027"),
    # objection with committee, period ended Sun 4 Jan 2026; +12 weeks = Sun 29 Mar 2026;
    # the Atw does not apply to 12 weeks, so it stays on the Sunday
    pytest.param(
        OBJECTION_ADVISORY_COMMITTEE,
        date(2026, 1, 4),
        (),
        None,
        None,
        date(2026, 3, 29),
        id="12-weeks-sunday",
    ),
    # objection with committee, period ended Mon 2 Feb 2026; +12 weeks = Mon 27 Apr 2026
    # (King's Day); no Atw, so no roll-over
    pytest.param(
        OBJECTION_ADVISORY_COMMITTEE,
        date(2026, 2, 2),
        (),
        None,
        None,
        date(2026, 4, 27),
        id="12-weeks-kings-day",
    ),
    # objection with committee, period ended Thu 8 Jan 2026; +12 weeks = Thu 2 Apr; suspended
    # [Tue 13 Jan, Fri 16 Jan) = 3 days -> Sun 5 Apr 2026 (Easter Sunday); no Atw, stays
    pytest.param(
        OBJECTION_ADVISORY_COMMITTEE,
        date(2026, 1, 8),
        ((date(2026, 1, 13), date(2026, 1, 16)),),
        None,
        None,
        date(2026, 4, 5),
        id="12-weeks-suspended-to-sunday",
    ),
    # received Mon 2 Mar 2026; +8 weeks = Mon 27 Apr; suspended [Tue 10 Mar, Fri 20 Mar) = 10
    # days -> Thu 7 May 2026, a working day
    pytest.param(
        GENERAL_APPLICATION,
        date(2026, 3, 2),
        ((date(2026, 3, 10), date(2026, 3, 20)),),
        None,
        None,
        date(2026, 5, 7),
        id="suspended-10",
    ),
    # received Mon 2 Mar 2026; +8 weeks = Mon 27 Apr; suspended [Wed 4 Mar, Sat 21 Mar) = 17
    # days -> Thu 14 May (Ascension), Fri 15 (equated), weekend -> Mon 18 May 2026
    pytest.param(
        GENERAL_APPLICATION,
        date(2026, 3, 2),
        ((date(2026, 3, 4), date(2026, 3, 21)),),
        None,
        None,
        date(2026, 5, 18),
        id="suspended-into-ascension",
    ),
    # received Mon 2 Mar 2026; +8 weeks = Mon 27 Apr; open suspension since Mon 16 Mar, today
    # Thu 26 Mar = 10 days so far -> Thu 7 May 2026
    pytest.param(
        GENERAL_APPLICATION,
        date(2026, 3, 2),
        ((date(2026, 3, 16), None),),
        None,
        date(2026, 3, 26),
        date(2026, 5, 7),
        id="open-suspension",
    ),
    # received Mon 2 Mar 2026; +8 weeks = Mon 27 Apr; suspensions [10 Mar, 20 Mar) and
    # [15 Mar, 25 Mar) overlap: union [10 Mar, 25 Mar) = 15 days -> Tue 12 May 2026
    pytest.param(
        GENERAL_APPLICATION,
        date(2026, 3, 2),
        ((date(2026, 3, 10), date(2026, 3, 20)), (date(2026, 3, 15), date(2026, 3, 25))),
        None,
        None,
        date(2026, 5, 12),
        id="overlapping-suspensions",
    ),
    # received Mon 9 Nov 2026; +6 weeks = Mon 21 Dec; a suspension from Tue 22 Dec starts after
    # the term ended and does not count -> Mon 21 Dec 2026
    pytest.param(
        COMPLAINT,
        date(2026, 11, 9),
        ((date(2026, 12, 22), date(2026, 12, 30)),),
        None,
        None,
        date(2026, 12, 21),
        id="suspension-after-end",
    ),
    # objection period ended Fri 6 Mar 2026; +6 weeks = Fri 17 Apr; +6 weeks extension
    # = Fri 29 May 2026, a working day
    pytest.param(OBJECTION, date(2026, 3, 6), (), 6, None, date(2026, 5, 29), id="objection-ext"),
    # received Mon 16 Mar 2026; +6 weeks = Mon 27 Apr (King's Day, but not the final end);
    # +4 weeks = Mon 25 May (Whit Monday) -> Tue 26 May 2026
    pytest.param(COMPLAINT, date(2026, 3, 16), (), 4, None, date(2026, 5, 26), id="complaint-ext"),
    # objection period ended Fri 6 Mar 2026; +6 weeks = Fri 17 Apr; +6 weeks = Fri 29 May;
    # suspended [Tue 10 Mar, Fri 13 Mar) = 3 days -> Mon 1 Jun 2026
    pytest.param(
        OBJECTION,
        date(2026, 3, 6),
        ((date(2026, 3, 10), date(2026, 3, 13)),),
        6,
        None,
        date(2026, 6, 1),
        id="objection-ext-suspended",
    ),
    # complaint to an external committee received Mon 19 Oct 2026; +10 weeks = Mon 28 Dec 2026
    pytest.param(
        COMPLAINT_EXTERNAL_COMMITTEE,
        date(2026, 10, 19),
        (),
        None,
        None,
        date(2026, 12, 28),
        id="complaint-committee",
    ),
    # a 1-month term received Sat 31 Jan 2026 ends on Sat 28 Feb (month end), weekend
    # -> Mon 2 Mar 2026
    pytest.param(
        _months_type(1), date(2026, 1, 31), (), None, None, date(2026, 3, 2), id="month-end"
    ),
    # a 3-month term received Mon 26 Jan 2026 ends Sun 26 Apr 2026; three months or longer:
    # no Atw, stays on the Sunday
    pytest.param(
        _months_type(3), date(2026, 1, 26), (), None, None, date(2026, 4, 26), id="3-months"
    ),
    # a 3-day term received Wed 24 Dec 2025: Thu 25 and Fri 26 are Christmas, Sat 27 -> art. 1
    # gives Mon 29 Dec, which is only one working day; art. 2 adds one -> Tue 30 Dec 2025
    pytest.param(
        _short_term_type(3), date(2025, 12, 24), (), None, None, date(2025, 12, 30), id="art-2"
    ),
    # a 3-day term received Thu 31 Dec 2026: Fri 1 Jan (New Year), Sat 2, Sun 3 -> art. 1 gives
    # Mon 4 Jan, one working day; art. 2 -> Tue 5 Jan 2027
    pytest.param(
        _short_term_type(3), date(2026, 12, 31), (), None, None, date(2027, 1, 5), id="art-2-ny"
    ),
    # a 2-day term received Thu 24 Dec 2026: Fri 25, Sat 26 -> art. 1 gives Mon 28 Dec; art. 2
    # does not apply to terms shorter than three days
    pytest.param(
        _short_term_type(2), date(2026, 12, 24), (), None, None, date(2026, 12, 28), id="2-days"
    ),
]


@pytest.mark.parametrize(
    ("case_type", "received_on", "suspensions", "extension_weeks", "today", "expected"),
    DEADLINE_TABLE,
)
def test_deadline_table(
    case_type: CaseType,
    received_on: date,
    suspensions: tuple[tuple[date, date | None], ...],
    extension_weeks: int | None,
    today: date | None,
    expected: date,
) -> None:
    result = compute_deadline(case_type, received_on, suspensions, extension_weeks, today)
    assert result.statutory_deadline == expected
    assert result.statutory.steps[-1].end == expected


# -- Steps and sentences --------------------------------------------------------


def test_twelve_week_term_on_a_sunday_explains_why_it_does_not_move() -> None:
    result = compute_deadline(OBJECTION_ADVISORY_COMMITTEE, date(2026, 1, 4))

    assert result.statutory.codes() == (StepCode.BASE_END, StepCode.ATW_NOT_APPLICABLE)
    assert "geldt niet voor een termijn van 12 weken" in result.statutory.steps[-1].text_nl
    assert "een zondag (zo 29 maart 2026)" in result.statutory.steps[-1].text_nl


def test_art_2_step_is_explained() -> None:
    result = compute_deadline(_short_term_type(3), date(2025, 12, 24))

    assert result.statutory.codes() == (
        StepCode.BASE_END,
        StepCode.ATW_ROLL_OVER,
        StepCode.ATW_TWO_WORKING_DAYS,
    )
    assert "minstens twee werkdagen" in result.statutory.steps[-1].text_nl


def test_suspension_step_names_the_shift_in_both_languages() -> None:
    result = compute_deadline(
        GENERAL_APPLICATION, date(2026, 3, 2), [(date(2026, 3, 10), date(2026, 3, 20))]
    )

    step = result.statutory.steps[1]
    assert step.code is StepCode.SUSPENDED
    assert step.end == date(2026, 5, 7)
    assert "schuift 10 dagen op naar do 7 mei 2026" in step.text_nl
    assert "moves 10 days, to Thu 7 May 2026" in step.text_en


def test_suspension_after_the_end_is_reported_and_ignored() -> None:
    result = compute_deadline(
        COMPLAINT, date(2026, 11, 9), [(date(2026, 12, 22), date(2026, 12, 30))]
    )

    assert result.statutory.codes() == (StepCode.BASE_END, StepCode.SUSPENSION_AFTER_END)


def test_every_step_has_both_languages() -> None:
    result = compute_deadline(
        OBJECTION, date(2026, 3, 6), [(date(2026, 3, 10), None)], 6, today=date(2026, 3, 20)
    )
    for step in result.statutory.steps + result.service_norm.steps:
        assert step.text_nl and step.text_en
        assert step.text_nl != step.text_en


# -- Suspensions ----------------------------------------------------------------


def test_open_suspension_counts_up_to_today_and_keeps_moving() -> None:
    received = date(2026, 3, 2)
    # Reading: an open suspension counts as if it ended today, so today is not yet counted.
    monday = compute_deadline(
        GENERAL_APPLICATION, received, [(date(2026, 3, 16), None)], today=date(2026, 3, 16)
    )
    thursday = compute_deadline(
        GENERAL_APPLICATION, received, [(date(2026, 3, 16), None)], today=date(2026, 3, 19)
    )

    assert monday.statutory_deadline == date(2026, 4, 28)  # 0 days: still King's Day roll-over
    assert thursday.statutory.steps[1].end == date(2026, 4, 30)  # 27 Apr + 3 days
    assert "staat stil sinds ma 16 maart 2026" in thursday.statutory.steps[1].text_nl


def test_closed_suspension_equals_open_one_ending_today() -> None:
    received = date(2026, 3, 2)
    closed = compute_deadline(
        GENERAL_APPLICATION, received, [(date(2026, 3, 16), date(2026, 3, 26))]
    )
    still_open = compute_deadline(
        GENERAL_APPLICATION, received, [(date(2026, 3, 16), None)], today=date(2026, 3, 26)
    )
    assert closed.statutory_deadline == still_open.statutory_deadline == date(2026, 5, 7)


def test_open_suspension_without_today_is_refused() -> None:
    with pytest.raises(ValueError, match=r"still open.*today"):
        compute_deadline(GENERAL_APPLICATION, date(2026, 3, 2), [(date(2026, 3, 16), None)])


def test_suspension_before_the_term_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="after receipt on 2026-03-02, got start 2026-03-02"):
        compute_deadline(
            GENERAL_APPLICATION, date(2026, 3, 2), [(date(2026, 3, 2), date(2026, 3, 5))]
        )


def test_suspension_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="got until 2026-03-05"):
        compute_deadline(
            GENERAL_APPLICATION, date(2026, 3, 2), [(date(2026, 3, 10), date(2026, 3, 5))]
        )


# -- Extensions -----------------------------------------------------------------


def test_extension_longer_than_allowed_is_refused_naming_the_case_type() -> None:
    with pytest.raises(ValueError, match=r"5 exceeds the at most 4 weeks.*'klacht'.*Awb 9:11"):
        compute_deadline(COMPLAINT, date(2026, 11, 9), extension_weeks=5)


def test_objection_extension_of_seven_weeks_is_refused() -> None:
    with pytest.raises(ValueError, match="extension_weeks"):
        compute_deadline(OBJECTION, date(2026, 3, 6), extension_weeks=7)


def test_negative_extension_is_refused() -> None:
    with pytest.raises(ValueError, match="got -1"):
        compute_deadline(COMPLAINT, date(2026, 11, 9), extension_weeks=-1)


def test_extension_on_a_type_without_extension_is_refused() -> None:
    with pytest.raises(ValueError, match="at most 0 weeks"):
        compute_deadline(_short_term_type(3), date(2026, 3, 2), extension_weeks=1)


def test_general_application_has_no_fixed_maximum_extension() -> None:
    result = compute_deadline(GENERAL_APPLICATION, date(2026, 3, 2), extension_weeks=10)
    # Mon 27 Apr + 10 weeks = Mon 6 Jul 2026
    assert result.statutory_deadline == date(2026, 7, 6)


def test_extension_does_not_move_the_service_norm() -> None:
    result = compute_deadline(COMPLAINT, date(2026, 11, 9), extension_weeks=4)
    assert result.service_norm_deadline == date(2026, 12, 21)


# -- Service norms ----------------------------------------------------------------

TEN_WORKING_DAYS = Term(10, TermUnit.WORKING_DAYS, statutory=False)


def test_service_norm_in_working_days_skips_closing_days() -> None:
    case_type = replace(GENERAL_APPLICATION, service_norm=TEN_WORKING_DAYS)
    own = WorkingDayCalendar(closing_days=CARNIVAL_2026)

    with_closing = compute_deadline(case_type, date(2026, 2, 9), calendar=own)
    without = compute_deadline(case_type, date(2026, 2, 9))

    # Tue 10 .. Fri 13 (4), carnival Mon 16 and Tue 17 closed, Wed 18 .. Wed 25 (6)
    assert with_closing.service_norm_deadline == date(2026, 2, 25)
    assert without.service_norm_deadline == date(2026, 2, 23)
    # The statutory term ignores closing days: Mon 6 Apr (Easter Monday) -> Tue 7 Apr
    assert with_closing.statutory_deadline == date(2026, 4, 7)


def test_working_day_service_norm_shifts_by_suspended_working_days() -> None:
    case_type = replace(GENERAL_APPLICATION, service_norm=TEN_WORKING_DAYS)
    own = WorkingDayCalendar(closing_days=CARNIVAL_2026)
    # suspended [Wed 11 Feb, Sat 14 Feb): Wed, Thu, Fri = 3 working days
    result = compute_deadline(
        case_type, date(2026, 2, 9), [(date(2026, 2, 11), date(2026, 2, 14))], calendar=own
    )

    # Wed 25 Feb + 3 working days = Mon 2 Mar 2026
    assert result.service_norm_deadline == date(2026, 3, 2)
    assert "3 werkdagen" in result.service_norm.steps[1].text_nl
    # the statutory clock shifts 3 calendar days: Mon 6 Apr + 3 = Thu 9 Apr 2026
    assert result.statutory_deadline == date(2026, 4, 9)


def test_service_norm_in_calendar_days_does_not_roll_over() -> None:
    result = compute_deadline(GENERAL_APPLICATION, date(2026, 3, 2))
    assert result.service_norm_deadline == date(2026, 4, 27)
    assert result.service_norm.codes() == (StepCode.BASE_END, StepCode.ATW_NOT_APPLICABLE)
    assert "eigen servicenorm" in result.service_norm.steps[-1].text_nl


def test_service_norm_is_capped_at_the_statutory_deadline() -> None:
    case_type = CaseType(
        code="snel",
        statutory_term=Term(2, TermUnit.WEEKS),
        service_norm=TEN_WORKING_DAYS,
        max_extension_weeks=0,
        legal_basis="test",
    )
    own = WorkingDayCalendar(closing_days=frozenset({date(2026, 3, 11)}))
    # received Fri 6 Mar 2026: 10 working days with Wed 11 closed = Mon 23 Mar; statutory
    # 2 weeks = Fri 20 Mar
    result = compute_deadline(case_type, date(2026, 3, 6), calendar=own)

    assert result.statutory_deadline == date(2026, 3, 20)
    assert result.service_norm_deadline == date(2026, 3, 20)
    assert result.service_norm.codes()[-1] is StepCode.CAPPED_AT_STATUTORY


# -- Validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    "service_norm",
    [
        Term(9, TermUnit.WEEKS, statutory=False),
        Term(57, TermUnit.DAYS, statutory=False),
        Term(2, TermUnit.MONTHS, statutory=False),
        Term(41, TermUnit.WORKING_DAYS, statutory=False),
    ],
)
def test_service_norm_longer_than_statutory_term_is_refused(service_norm: Term) -> None:
    with pytest.raises(ValueError, match=r"`service_norm`.*may be longer than.*8 weeks"):
        replace(GENERAL_APPLICATION, service_norm=service_norm)


@pytest.mark.parametrize(
    "service_norm",
    [
        Term(8, TermUnit.WEEKS, statutory=False),
        Term(56, TermUnit.DAYS, statutory=False),
        Term(1, TermUnit.MONTHS, statutory=False),
        Term(40, TermUnit.WORKING_DAYS, statutory=False),
    ],
)
def test_service_norm_within_statutory_term_is_accepted(service_norm: Term) -> None:
    assert replace(GENERAL_APPLICATION, service_norm=service_norm).service_norm == service_norm


def test_service_norm_must_be_an_own_norm() -> None:
    with pytest.raises(ValueError, match="`service_norm` must be the organisation's own norm"):
        replace(GENERAL_APPLICATION, service_norm=Term(6, TermUnit.WEEKS))


def test_statutory_term_must_be_statutory() -> None:
    with pytest.raises(ValueError, match="`statutory_term` must be set by statute"):
        replace(GENERAL_APPLICATION, statutory_term=Term(8, TermUnit.WEEKS, statutory=False))


@pytest.mark.parametrize("amount", [0, -3, 1.5, True])
def test_term_amount_must_be_a_positive_whole_number(amount: object) -> None:
    with pytest.raises(ValueError, match=f"`amount`.*got {amount!r}"):
        Term(amount, TermUnit.WEEKS)  # type: ignore[arg-type]


def test_term_unit_must_be_a_term_unit() -> None:
    with pytest.raises(ValueError, match=r"`unit` must be one of.*got 'weken'"):
        Term(8, "weken")  # type: ignore[arg-type]


def test_statutory_term_in_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match="statutory term cannot be counted in working days"):
        Term(5, TermUnit.WORKING_DAYS)


@pytest.mark.parametrize(
    ("term", "long"),
    [
        (Term(89, TermUnit.DAYS), False),
        (Term(90, TermUnit.DAYS), True),
        (Term(11, TermUnit.WEEKS), False),
        (Term(12, TermUnit.WEEKS), True),
        (Term(2, TermUnit.MONTHS), False),
        (Term(3, TermUnit.MONTHS), True),
    ],
)
def test_atw_article_4_thresholds(term: Term, long: bool) -> None:
    assert term.is_long is long
    assert term.atw_applies is not long


def test_own_norms_never_fall_under_the_atw() -> None:
    assert not Term(6, TermUnit.WEEKS, statutory=False).atw_applies


def test_standard_case_types() -> None:
    codes = {case_type.code: case_type for case_type in STANDARD_CASE_TYPES}
    assert codes["klacht"].statutory_term == Term(6, TermUnit.WEEKS)
    assert codes["klacht"].max_extension_weeks == 4
    assert codes["bezwaar"].max_extension_weeks == 6
    assert codes["bezwaar-adviescommissie"].statutory_term == Term(12, TermUnit.WEEKS)
    assert codes["aanvraag"].statutory_term == Term(8, TermUnit.WEEKS)
    assert len(codes) == len(STANDARD_CASE_TYPES)


# -- Working days until a deadline ------------------------------------------------


def test_working_days_until() -> None:
    # (Fri 24 Apr, Tue 28 Apr 2026]: Mon 27 is King's Day, so one working day is left
    assert working_days_until(date(2026, 4, 24), date(2026, 4, 28)) == 1
    assert working_days_until(date(2026, 4, 28), date(2026, 4, 28)) == 0
    assert working_days_until(date(2026, 4, 30), date(2026, 4, 28)) == -2


def test_working_days_until_uses_the_given_calendar() -> None:
    own = WorkingDayCalendar(closing_days=CARNIVAL_2026)
    assert working_days_until(date(2026, 2, 13), date(2026, 2, 18), own) == 1
    assert working_days_until(date(2026, 2, 13), date(2026, 2, 18)) == 3


def test_is_at_risk() -> None:
    deadline = date(2026, 4, 28)
    assert is_at_risk(date(2026, 4, 24), deadline, within=1)
    assert not is_at_risk(date(2026, 4, 22), deadline, within=1)  # Thu, Fri, Tue: 3 left
    assert not is_at_risk(date(2026, 4, 29), deadline, within=5)  # already passed
    with pytest.raises(ValueError, match="got -1"):
        is_at_risk(date(2026, 4, 24), deadline, within=-1)


# -- Properties -------------------------------------------------------------------

ATW_CASE_TYPES = [ct for ct in STANDARD_CASE_TYPES if ct.statutory_term.atw_applies]
received_dates = st.dates(min_value=date(2014, 1, 1), max_value=date(2040, 12, 31))


@st.composite
def cases(draw: st.DrawFn, case_types: list[CaseType]) -> tuple[CaseType, date, int | None]:
    case_type = draw(st.sampled_from(case_types))
    received = draw(received_dates)
    most = case_type.max_extension_weeks
    extension = draw(st.none() | st.integers(min_value=0, max_value=12 if most is None else most))
    return case_type, received, extension


@given(case=cases(ATW_CASE_TYPES), suspended=st.integers(min_value=0, max_value=60))
def test_with_atw_a_deadline_is_never_a_weekend_or_holiday(
    case: tuple[CaseType, date, int | None], suspended: int
) -> None:
    case_type, received, extension = case
    start = received + timedelta(days=1)
    suspensions = [(start, start + timedelta(days=suspended))]
    deadline = compute_deadline(case_type, received, suspensions, extension).statutory_deadline
    assert ATW.is_working_day(deadline)


@given(case=cases(list(STANDARD_CASE_TYPES)), data=st.data())
def test_suspending_n_days_moves_the_deadline_at_least_n_days(
    case: tuple[CaseType, date, int | None], data: st.DataObject
) -> None:
    case_type, received, extension = case
    without = compute_deadline(case_type, received, (), extension)
    unrolled_end = without.statutory.steps[0].end + timedelta(weeks=extension or 0)
    start = data.draw(st.dates(min_value=received + timedelta(days=1), max_value=unrolled_end))
    days = data.draw(st.integers(min_value=0, max_value=90))
    with_suspension = compute_deadline(
        case_type, received, [(start, start + timedelta(days=days))], extension
    )

    # The unrolled end moves exactly n days; the Atw can then only move it further.
    assert with_suspension.statutory_deadline >= unrolled_end + timedelta(days=days)
    assert with_suspension.statutory_deadline >= without.statutory_deadline
    if not case_type.statutory_term.atw_applies:
        assert with_suspension.statutory_deadline == without.statutory_deadline + timedelta(
            days=days
        )


def test_suspension_can_be_absorbed_by_an_atw_roll_over() -> None:
    # Why the property above compares with the unrolled end: received Sat 7 Mar 2026, the
    # 8 weeks end Sat 2 May and roll over to Mon 4 May. Two suspended days also end on Mon 4 May.
    received = date(2026, 3, 7)
    without = compute_deadline(GENERAL_APPLICATION, received)
    with_two = compute_deadline(
        GENERAL_APPLICATION, received, [(date(2026, 3, 10), date(2026, 3, 12))]
    )
    assert without.statutory_deadline == with_two.statutory_deadline == date(2026, 5, 4)


@given(case=cases(list(STANDARD_CASE_TYPES)))
def test_service_norm_never_ends_after_the_statutory_deadline(
    case: tuple[CaseType, date, int | None],
) -> None:
    case_type, received, extension = case
    result = compute_deadline(case_type, received, (), extension)
    assert result.service_norm_deadline <= result.statutory_deadline
