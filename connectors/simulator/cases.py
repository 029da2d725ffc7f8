"""Case lifecycles: applications, complaints and objections, from receipt to decision.

A few cases a working day arrive across the case types of ``model.CASE_TYPES``.
As with the other streams, everything that will happen to a case is drawn on the
day it is received, and the events carry the times at which the case system
registered each step:

1. Completeness (applications only). An incomplete application gets a request to
   complete it a few working days after receipt; the term is suspended from the
   day after the request (Awb 4:15) until the day the application is completed,
   one to four weeks later.
2. Extension. Some cases get one extension (Awb 4:14, 7:10, 9:11), no longer than
   the case type allows, announced one to three weeks before the term ends.
3. The end. Most cases are decided within the term, a share of them close to its
   end; some are withdrawn; some are decided late. Of the late cases of a type
   with a dwangsom, a share receives a notice of default (ingebrekestelling)
   some days after the deadline; the decision then comes before the penalty
   starts, while it runs, or after it has reached its 42 days.

Departures from the obvious:

1. The simulator keeps a simple clock of its own: a term that ends on a weekend
   runs on to Monday (when the Algemene termijnenwet applies), and public
   holidays are not modelled, as nowhere in the simulator. The legal deadline is
   the evaluator's to compute. Margins keep the story true in its reckoning too,
   when a holiday or the runner's shift (which moves dates by a day now and then)
   puts the deadline a few days later: a decision "in time" falls at least a day
   before the simulator's deadline, an extension is announced at least five days
   before it, a notice arrives at least eight days after it.
2. Each case draws from a generator of its own, seeded from the stream's, so that
   changing how cases run does not change which cases arrive.
3. The steps of one case fall on different working days, in the order above, and
   each at least 25 hours after the one before. The runner's shift moves them all
   alike by any amount, and their date fields follow the shifted times; a day
   has no more than 25 hours, so no shift can put two steps on one date (a
   receipt at 16:20, shifted by eight hours, and a decision at 10:00 the next
   day would otherwise both land on that next day).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from connectors.simulator import model
from connectors.simulator.queueing import Happening, Subjects, pick
from connectors.simulator.timing import (
    DayCurve,
    clock,
    daily,
    exact_add,
    is_working_day,
    next_working_day,
    seconds_of,
)

RECEIVED = "nl.servicenorm.case.received"
SUSPENDED = "nl.servicenorm.case.suspended"
RESUMED = "nl.servicenorm.case.resumed"
EXTENDED = "nl.servicenorm.case.extended"
DECIDED = "nl.servicenorm.case.decided"
WITHDRAWN = "nl.servicenorm.case.withdrawn"
NOTICE = "nl.servicenorm.case.default-notice.received"

STAGE_START, STAGE_STEP = range(2)
REGISTRATION_CURVE = DayCurve(((9.0, 1.0), (16.5, 1.0)))
OFFICE_HOURS = (time(9, 0), time(16, 30))
ONE_DAY = timedelta(days=1)
STEP_GAP = timedelta(hours=25)   # departure 3: longer than any calendar day, DST included
DAYS_PER_WEEK = 7
ATW_LONG_TERM_WEEKS = 12   # the Algemene termijnenwet leaves terms of 12 weeks or more alone


def simulate_cases(day: date, rng: random.Random, subjects: Subjects) -> list[Happening]:
    """Cases received on ``day`` (working days only), each with every later step."""
    if not is_working_day(day):
        return []
    types = [(t, t.per_working_day) for t in model.CASE_TYPES]
    per_day = sum(t.per_working_day for t in model.CASE_TYPES)
    found: list[Happening] = []
    for moment in daily(rng, REGISTRATION_CURVE, per_day):
        case_type = pick(rng, types)
        own = random.Random(rng.getrandbits(64))   # departure 2
        found += lifecycle(case_type, clock(day, moment), subjects.new("zaak"), own)
    return found


@dataclass(slots=True)
class _Story:
    """The steps of one case so far: each on a later working day, STEP_GAP or more later."""

    subject: str
    received: datetime
    happenings: list[Happening] = field(default_factory=list)

    @property
    def last(self) -> datetime:
        return self.happenings[-1].at if self.happenings else self.received

    def after(self, day: date) -> date:
        """The first working day on or after ``day`` that has room for the next step.

        That is a day after the last step's, with office hours that reach
        :data:`STEP_GAP` past it.
        """
        day = max(_working_day_on_or_after(day), next_working_day(self.last.date()))
        while self._office_window(day) is None:
            day = next_working_day(day)
        return day

    def moment(self, day: date, rng: random.Random) -> datetime:
        """A moment in office hours on ``day`` (from :meth:`after`) for the next step."""
        window = self._office_window(day)
        if window is None:
            raise ValueError(f"{self.subject}: no room for a step on {day.isoformat()}")
        return clock(day, rng.uniform(*window))

    def _office_window(self, day: date) -> tuple[int, int] | None:
        """Office hours on ``day`` in seconds of the day, from STEP_GAP after the last step."""
        start, end = (seconds_of(t) for t in OFFICE_HOURS)
        # In UTC: between two times of one zone, Python's ``-`` compares wall clocks.
        earliest = exact_add(self.last, STEP_GAP).astimezone(UTC) - clock(day, 0).astimezone(UTC)
        # ceil: clock() rounds to whole seconds, and must not round below the gap.
        start = max(start, math.ceil(earliest.total_seconds()))
        return (start, end) if start < end else None

    def add(self, at: datetime, kind: str, data: dict[str, Any], date_field: str | None,
            *, date_offset: int = 0) -> None:
        stage = STAGE_START if kind == RECEIVED else STAGE_STEP
        self.happenings.append(Happening(at, stage, model.CASE_SYSTEM, kind, self.subject, data,
                                         date_field=date_field, date_offset=date_offset))


def lifecycle(case_type: model.CaseType, received: datetime, subject: str,
              rng: random.Random) -> list[Happening]:
    """Every step of one case received at ``received``, in order."""
    story = _Story(subject, received)
    received_on = received.date()
    data: dict[str, Any] = {"case_type": case_type.code, "team": case_type.team}
    complete = True
    if case_type.complete_share is not None:
        complete = data["complete"] = rng.random() < case_type.complete_share
    story.add(received, RECEIVED, data, "received_on")

    # 1. An incomplete application: suspended from the day after the request to complete.
    suspended_days = 0
    if not complete:
        waited = rng.randint(*model.REQUEST_TO_COMPLETE_WORKING_DAYS)
        request = story.after(_working_days_after(received_on, waited))
        first_suspended = request + ONE_DAY
        taken = rng.randint(*model.DAYS_TO_COMPLETE)
        story.add(story.moment(request, rng), SUSPENDED, {"reason": "incomplete"},
                  "from_date", date_offset=1)
        completed = story.after(first_suspended + timedelta(days=taken))
        story.add(story.moment(completed, rng), RESUMED, {}, "on_date")
        suspended_days = (completed - first_suspended).days
    term_days = case_type.term_weeks * DAYS_PER_WEEK
    deadline = _deadline(case_type, received_on, term_days + suspended_days)

    # 2. One extension, announced well before the term ends.
    extension_days = 0
    if rng.random() < case_type.extended_share:
        weeks = _extension_weeks(case_type, rng)
        early, late = model.EXTENSION_ANNOUNCED_DAYS_BEFORE
        announced = story.after(deadline - timedelta(days=rng.randint(early, late)))
        if weeks and announced <= deadline - timedelta(days=early):
            story.add(story.moment(announced, rng), EXTENDED, {"weeks": weeks}, None)
            extension_days = weeks * DAYS_PER_WEEK
    running_days = term_days + extension_days
    final = _deadline(case_type, received_on, running_days + suspended_days)

    # 3. The end: withdrawn, decided late (perhaps after a notice of default), or in time.
    fate = rng.random()
    if fate < case_type.withdrawn_share:
        share = rng.uniform(*model.WITHDRAWN_AT)
        ran = round(share * running_days)
        day = story.after(received_on + timedelta(days=suspended_days + ran))
        story.add(story.moment(day, rng), WITHDRAWN, {}, "withdrawn_on")
    elif fate < case_type.withdrawn_share + case_type.late_share:
        _late_end(case_type, story, final, rng)
    else:
        if extension_days:
            # An extended case is decided in the extra weeks it asked for.
            share = rng.uniform(0.0, 1.0)
            target = deadline + timedelta(days=round(share * (final - deadline).days))
        else:
            share = _draw(rng, case_type.decided_at)
            target = received_on + timedelta(days=suspended_days + round(share * running_days))
        day = story.after(_working_day_on_or_before(min(target, final - ONE_DAY)))
        story.add(story.moment(day, rng), DECIDED, {}, "decided_on")
    return story.happenings


def _late_end(case_type: model.CaseType, story: _Story, deadline: date,
              rng: random.Random) -> None:
    if case_type.dwangsom and rng.random() < case_type.notice_share:
        waited = rng.randint(*model.NOTICE_DAYS_AFTER_DEADLINE)
        notice = story.after(deadline + timedelta(days=waited))
        story.add(story.moment(notice, rng), NOTICE, {}, "received_on")
        decided = notice + timedelta(days=round(_draw(rng, model.DAYS_FROM_NOTICE_TO_DECISION)))
    else:
        decided = deadline + timedelta(days=round(_draw(rng, model.DAYS_LATE)))
    day = story.after(max(decided, deadline + ONE_DAY))
    story.add(story.moment(day, rng), DECIDED, {}, "decided_on")


def _extension_weeks(case_type: model.CaseType, rng: random.Random) -> int:
    longest = case_type.max_extension_weeks
    if longest is None:
        return rng.randint(*model.OPEN_EXTENSION_WEEKS)
    if longest <= 1 or rng.random() < model.FULL_EXTENSION_SHARE:
        return longest
    return rng.randint(1, longest - 1)


def _deadline(case_type: model.CaseType, received_on: date, days: int) -> date:
    """The simulator's own deadline (departure 1): ``days`` after receipt, off weekends."""
    end = received_on + timedelta(days=days)
    if case_type.term_weeks < ATW_LONG_TERM_WEEKS and not is_working_day(end):
        end += timedelta(days=DAYS_PER_WEEK - end.weekday())   # to Monday
    return end


def _draw(rng: random.Random, mixture: model.Mixture) -> float:
    low, high = pick(rng, [((a, b), share) for share, a, b in mixture])
    return rng.uniform(low, high)


def _working_days_after(day: date, count: int) -> date:
    for _ in range(count):
        day = next_working_day(day)
    return day


def _working_day_on_or_after(day: date) -> date:
    return day if is_working_day(day) else next_working_day(day)


def _working_day_on_or_before(day: date) -> date:
    while not is_working_day(day):
        day -= ONE_DAY
    return day
