"""Back-office streams: public-space reports and satisfaction scores.

Reports arrive around the clock and are handled in office hours, quickly for
rubbish and slowly for trees and roads. A share of counter visitors and callers
fills in a one-question survey; a long wait costs a point or two. Cases have a
module of their own, ``cases``.
"""

from __future__ import annotations

import random
from datetime import date

from connectors.simulator import model
from connectors.simulator.contact import Call
from connectors.simulator.counter import Visit
from connectors.simulator.queueing import Happening, Subjects, pick, work_seconds
from connectors.simulator.timing import MINUTE, clock, daily, is_working_day

REPORT_RECEIVED = "nl.servicenorm.report.received"
REPORT_HANDLED = "nl.servicenorm.report.handled"
VALUE_REPORTED = "nl.servicenorm.value.reported"

STAGE_START, STAGE_END = range(2)
SURVEY_DELAY = (1 * MINUTE, 20 * MINUTE)
LONG_WAIT = 10 * MINUTE
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

