"""Back-office streams: public-space reports, cases, and satisfaction scores.

Reports arrive around the clock and are handled in office hours, quickly for
rubbish and slowly for trees and roads. Cases (permit applications, complaints,
objections) are registered on working days and decided weeks later. A share of
counter visitors and callers fills in a one-question survey; a long wait costs a
point or two.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time

from connectors.simulator import model
from connectors.simulator.contact import Call
from connectors.simulator.counter import Visit
from connectors.simulator.queueing import Happening, Subjects, pick, work_seconds
from connectors.simulator.timing import (
    MINUTE,
    DayCurve,
    clock,
    daily,
    is_working_day,
    next_working_day,
    seconds_of,
)

REPORT_RECEIVED = "nl.servicenorm.report.received"
REPORT_HANDLED = "nl.servicenorm.report.handled"
CASE_RECEIVED = "nl.servicenorm.case.received"
CASE_DECIDED = "nl.servicenorm.case.decided"
VALUE_REPORTED = "nl.servicenorm.value.reported"

STAGE_START, STAGE_END = range(2)
SURVEY_DELAY = (1 * MINUTE, 20 * MINUTE)
LONG_WAIT = 10 * MINUTE
REGISTRATION_CURVE = DayCurve(((9.0, 1.0), (16.5, 1.0)))
DECISION_HOURS = (time(9, 0), time(16, 30))
LOWEST_SCORE = 1


def simulate_reports(day: date, rng: random.Random, subjects: Subjects) -> list[Happening]:
    """Reports made on ``day`` and their handling, possibly days later."""
    per_day = (model.REPORTS_PER_WORKING_DAY if is_working_day(day)
               else model.REPORTS_PER_WEEKEND_DAY)
    categories = [(c, c.weight) for c in model.REPORT_CATEGORIES]
    found = []
    for moment in daily(rng, model.ONLINE_CURVE, per_day):
        category = pick(rng, categories)
        subject = subjects.new("mor")
        received = clock(day, moment)
        handled = model.OFFICE.after(received, work_seconds(rng, category.delay))
        found += [
            Happening(received, STAGE_START, model.REPORTS_SYSTEM, REPORT_RECEIVED, subject,
                      {"category": category.code, "area": rng.choice(model.AREAS),
                       "team": category.team}),
            Happening(handled, STAGE_END, model.REPORTS_SYSTEM, REPORT_HANDLED, subject,
                      {"category": category.code, "team": category.team}),
        ]
    return found


def simulate_cases(day: date, rng: random.Random, subjects: Subjects) -> list[Happening]:
    """Cases registered on ``day`` (working days only) and their decisions."""
    if not is_working_day(day):
        return []
    types = [(t, t.weight) for t in model.CASE_TYPES]
    found = []
    for moment in daily(rng, REGISTRATION_CURVE, model.CASES_PER_WORKING_DAY):
        case_type = pick(rng, types)
        subject = subjects.new("zaak")
        data: dict[str, object] = {"case_type": case_type.code, "team": case_type.team}
        if case_type.complete_share is not None:
            data["complete"] = rng.random() < case_type.complete_share
        decided = _decision_moment(day, rng.randint(*case_type.days), rng)
        found += [
            Happening(clock(day, moment), STAGE_START, model.CASE_SYSTEM, CASE_RECEIVED,
                      subject, data, date_field="received_on"),
            Happening(decided, STAGE_END, model.CASE_SYSTEM, CASE_DECIDED, subject, {},
                      date_field="decided_on"),
        ]
    return found


def _decision_moment(day: date, working_days: int, rng: random.Random) -> datetime:
    for _ in range(working_days):
        day = next_working_day(day)
    start, end = (seconds_of(t) for t in DECISION_HOURS)
    return clock(day, rng.uniform(start, end))


def simulate_surveys(day: date, visits: dict[str, list[Visit]], calls: list[Call],
                     rng: random.Random, subjects: Subjects) -> list[Happening]:
    """Satisfaction scores given after a counter visit or a phone call."""
    found = []
    for location, served in visits.items():
        for visit in served:
            if not visit.served or rng.random() >= model.COUNTER_SURVEY_SHARE:
                continue
            waited = visit.calls[0] - visit.visitor.drawn
            scope = {"location": location, "service": visit.visitor.service.code}
            found.append(_score(day, visit.end, waited, scope, rng, subjects))
    for call in calls:
        if call.answered is not None and rng.random() < model.PHONE_SURVEY_SHARE:
            found.append(_score(day, call.end, call.answered - call.offered,
                                {"team": call.team}, rng, subjects))
    return found


def _score(day: date, after: float, waited: float, scope: dict[str, str],
           rng: random.Random, subjects: Subjects) -> Happening:
    value = rng.choices(range(1, len(model.SCORE_WEIGHTS) + 1), model.SCORE_WEIGHTS)[0]
    if waited > LONG_WAIT:
        value = max(LOWEST_SCORE, value - rng.randint(1, 2))
    moment = clock(day, after + rng.uniform(*SURVEY_DELAY))
    return Happening(moment, STAGE_START, model.SURVEY_TOOL, VALUE_REPORTED,
                     subjects.new("enq"),
                     {"indicator": model.SATISFACTION, "value": value, **scope})

