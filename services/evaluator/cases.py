"""Case book: the state of every case from its events, with deadlines, penalty and aggregates.

Pure code, no I/O. The worker feeds it every case event with :meth:`CaseBook.apply`
and asks :meth:`CaseBook.evaluate` once a minute for the views of open and recently
closed cases; :meth:`CaseBook.transitions` compares two evaluations and gives the
status changes to publish, and :func:`compliance` computes the shares decided in
time over a day, month, quarter or year. The book's state is its events, kept as
JSON (``to_dict`` / ``from_dict``), so that it can live in a Faust table.

Legal reading (the clocks themselves are in ``deadlines.py``, the penalty in
``dwangsom.py``):

1. A case is decided in time when the decision day is on or before the statutory
   deadline; within its service norm when it is on or before the service-norm
   deadline. Withdrawn cases count in neither share.
2. An open case is *overdue* the day after its statutory deadline, and *at risk*
   while the deadline is at most ``at_risk_within`` working days away (the
   deadline day itself included), counted in the organisation's calendar.
3. The penalty is computed only for case types with ``dwangsom: true`` and only
   from a notice of default. A notice received on or before the deadline is
   premature and without effect; when a later notice exists, that one counts.
   A withdrawal ends the duty to decide, so it stops the penalty as a decision
   does.
4. Exposure is the sum of the penalty amounts owed so far of cases whose amount
   has not been fixed yet: penalties running, capped at 42 days, or stopped by a
   late decision, until their Awb 4:18 date has passed. The book has no event
   for "amount fixed", so that date stands in for it.

Departures from the obvious, numbered so the code can point back:

1. Order does not matter. Every case keeps all its events, and its state is
   derived from them on each evaluation, so an event that arrives late changes
   the result as if it had come in order. The same event twice (same source and
   id) is kept once.
2. Facts come with a date: received_on, from_date, on_date, decided_on,
   withdrawn_on, or else the Amsterdam day of the event's ``time``. A fact dated
   after ``today`` has not happened yet, so evaluating a past day replays it.
3. When a case has several received, extended, decided or withdrawn events, the
   one with the latest ``time`` is a correction of the others and wins; ties go to
   the highest (source, id), so that the choice never depends on arrival.
4. Suspensions are paired by date: a ``suspended`` opens one unless one is open,
   a ``resumed`` closes the open one. On one day, a suspension is opened before a
   resumption is applied, so a suspension that began and ended on the same day
   counts for nothing instead of staying open.
5. Data the law would not allow is repaired and noted in ``CaseView.notes``
   rather than refused: a suspension from the day of receipt starts the day
   after, an extension beyond the maximum is cut to it. A stream processor must
   not stop on one odd case.
6. A case whose case type the catalogue does not know, or whose received event
   has not arrived yet, has no view; ``CaseEvaluation.skipped`` names it.
7. Transition records are emitted for a case seen in both evaluations whose stage
   changed, and for a case first seen in an alarming stage (at risk or worse), so
   that a restarted worker warns about what is already wrong without flooding
   on-track cases. "4:18-due" is emitted when a penalty gets its fixing date.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from dateutil.relativedelta import relativedelta

from schemas.casetypes import CaseTypeCatalogue, CaseTypeDefinition
from schemas.contract import SPECVERSION, STATUS_CHANGED, validate
from services.evaluator.calendars import WorkingDayCalendar, atw_calendar
from services.evaluator.deadlines import Clock, compute_deadline, is_at_risk, working_days_until
from services.evaluator.dwangsom import PenaltyState, PenaltyStatus, fix_amount_by, penalty
from services.evaluator.timeutil import local_date, parse_time

RECEIVED = "nl.servicenorm.case.received"
SUSPENDED = "nl.servicenorm.case.suspended"
RESUMED = "nl.servicenorm.case.resumed"
EXTENDED = "nl.servicenorm.case.extended"
DECIDED = "nl.servicenorm.case.decided"
WITHDRAWN = "nl.servicenorm.case.withdrawn"
NOTICE = "nl.servicenorm.case.default-notice.received"
CASE_EVENT_TYPES = frozenset({RECEIVED, SUSPENDED, RESUMED, EXTENDED, DECIDED, WITHDRAWN, NOTICE})

SOURCE = "/servicenorm/evaluator/cases"
STATE_VERSION = 1
DEFAULT_RECENT_DAYS = 14
"""Closed cases stay in the views this many days, so a screen can show what just closed."""
DEFAULT_RETAIN_DAYS = 731
"""Closed cases stay in the book two years, enough for this and last year's compliance."""

_ONE_DAY = timedelta(days=1)
_SUBJECT_PREFIX = "case:"
_MAX_SUBJECT = 128
_ID_DIGEST_BYTES = 16


class CaseEventError(ValueError):
    """A case event lacks what the book needs (subject, source, id). Not retriable."""


class CaseState(StrEnum):
    ON_TRACK = "on-track"
    AT_RISK = "at-risk"
    OVERDUE = "overdue"
    DECIDED_IN_TIME = "decided-in-time"
    DECIDED_LATE = "decided-late"
    WITHDRAWN = "withdrawn"


class Stage(StrEnum):
    """The state, refined for overdue cases by where the penalty stands (for transitions)."""

    ON_TRACK = "on-track"
    AT_RISK = "at-risk"
    OVERDUE = "overdue"
    NOTICE_RECEIVED = "notice-received"
    PENALTY_RUNNING = "penalty-running"
    CAPPED = "capped"
    DECIDED_IN_TIME = "decided-in-time"
    DECIDED_LATE = "decided-late"
    WITHDRAWN = "withdrawn"


ALARMING = frozenset({Stage.AT_RISK, Stage.OVERDUE, Stage.NOTICE_RECEIVED,
                      Stage.PENALTY_RUNNING, Stage.CAPPED})
STAGE_COLOUR = {
    Stage.ON_TRACK: "green", Stage.DECIDED_IN_TIME: "green", Stage.AT_RISK: "orange",
    Stage.OVERDUE: "red", Stage.NOTICE_RECEIVED: "red", Stage.PENALTY_RUNNING: "red",
    Stage.CAPPED: "red", Stage.DECIDED_LATE: "red", Stage.WITHDRAWN: "no-data",
}
"""Colour for ``nl.servicenorm.status.changed``; a withdrawn case is not measured."""

_OWED = frozenset({PenaltyState.RUNNING, PenaltyState.CAPPED, PenaltyState.STOPPED_BY_DECISION})


# -- Events kept per case ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Event:
    source: str
    id: str
    type: str
    time: str
    data: Mapping[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return self.source, self.id

    @property
    def order(self) -> tuple[float, str, str]:
        """Latest-wins order of corrections (departure 3)."""
        return parse_time(self.time), self.source, self.id

    @property
    def day(self) -> date:
        return local_date(parse_time(self.time))

    def date_field(self, name: str) -> date:
        """The fact's date (departure 2): ``data[name]`` or the day of ``time``."""
        value = self.data.get(name)
        return date.fromisoformat(value) if isinstance(value, str) else self.day

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "id": self.id, "type": self.type, "time": self.time,
                "data": dict(self.data)}


def _event_from(event: Mapping[str, Any]) -> tuple[str, _Event]:
    subject = event.get("subject")
    source, event_id, time = event.get("source"), event.get("id"), event.get("time")
    data = event.get("data", {})
    if not isinstance(subject, str) or not subject:
        raise CaseEventError(f"a case event needs the case id as `subject`, got {subject!r}")
    for name, value in (("source", source), ("id", event_id), ("time", time)):
        if not isinstance(value, str) or not value:
            raise CaseEventError(f"a case event needs `{name}` as text, got {value!r} "
                                 f"(case {subject!r})")
    if not isinstance(data, Mapping):
        raise CaseEventError(f"`data` must be an object, got {data!r} (case {subject!r})")
    return subject, _Event(str(source), str(event_id), str(event["type"]), str(time), dict(data))


# -- Facts of one case, as of a day ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Facts:
    case_type: str
    team: str | None
    received_on: date
    complete: bool | None
    suspensions: tuple[tuple[date, date | None], ...]
    extension_weeks: int
    extension_new_deadline: date | None
    decided_on: date | None
    withdrawn_on: date | None
    notices: tuple[date, ...]
    notes: tuple[str, ...]

    @property
    def closed_on(self) -> date | None:
        days = [d for d in (self.decided_on, self.withdrawn_on) if d is not None]
        return min(days) if days else None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_on is not None and (
            self.decided_on is None or self.withdrawn_on < self.decided_on)


def _latest(events: Iterable[_Event]) -> _Event | None:
    return max(events, key=lambda e: e.order, default=None)


def _facts(events: Sequence[_Event], today: date) -> _Facts | None:
    """What is known about a case on ``today``; None before its received event (departure 6)."""
    by_type: dict[str, list[_Event]] = defaultdict(list)
    for event in events:
        by_type[event.type].append(event)
    received = _latest(e for e in by_type[RECEIVED] if e.date_field("received_on") <= today)
    if received is None:
        return None
    received_on = received.date_field("received_on")
    notes: list[str] = []

    decided = _latest(e for e in by_type[DECIDED] if e.date_field("decided_on") <= today)
    withdrawn = _latest(e for e in by_type[WITHDRAWN] if e.date_field("withdrawn_on") <= today)
    decided_on = decided.date_field("decided_on") if decided else None
    withdrawn_on = withdrawn.date_field("withdrawn_on") if withdrawn else None
    closed = min((d for d in (decided_on, withdrawn_on) if d is not None), default=None)

    extended = _latest(e for e in by_type[EXTENDED] if e.day <= today)
    new_deadline = extended.data.get("new_deadline") if extended else None
    complete = received.data.get("complete")
    return _Facts(
        case_type=str(received.data.get("case_type", "")),
        team=received.data.get("team"),
        received_on=received_on,
        complete=complete if isinstance(complete, bool) else None,
        suspensions=_suspensions(by_type, received_on, min(today, closed or today), notes),
        extension_weeks=int(extended.data.get("weeks", 0)) if extended else 0,
        extension_new_deadline=date.fromisoformat(new_deadline) if new_deadline else None,
        decided_on=decided_on,
        withdrawn_on=withdrawn_on,
        notices=tuple(sorted(e.date_field("received_on") for e in by_type[NOTICE]
                             if e.date_field("received_on") <= today)),
        notes=tuple(notes),
    )


def _suspensions(by_type: Mapping[str, list[_Event]], received_on: date, until: date,
                 notes: list[str]) -> tuple[tuple[date, date | None], ...]:
    """Pair suspended and resumed events by date (departure 4), as of ``until``."""
    marks = sorted(
        [(e.date_field("from_date"), 0) for e in by_type[SUSPENDED]]
        + [(e.date_field("on_date"), 1) for e in by_type[RESUMED]]
    )
    spans: list[tuple[date, date | None]] = []
    start: date | None = None
    for day, kind in marks:
        if day > until:
            break
        if kind == 0 and start is None:
            start = _first_suspended_day(day, received_on, notes)
        elif kind == 1 and start is not None:
            spans.append((start, max(start, day)))
            start = None
    if start is not None:
        spans.append((start, None))
    return tuple(spans)


def _first_suspended_day(day: date, received_on: date, notes: list[str]) -> date:
    # Guard (departure 5): the term runs from the day after receipt, so it cannot stand
    # still earlier; compute_deadline would refuse the case.
    if day > received_on:
        return day
    fixed = received_on + _ONE_DAY
    notes.append(f"suspension from {day.isoformat()} starts on or before receipt "
                 f"{received_on.isoformat()}; counted from {fixed.isoformat()}")
    return fixed


# -- Views -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseView:
    """One case as of ``today``: deadlines with their explanation, state and penalty.

    ``working_days_left`` counts working days in (today, statutory deadline] in the
    organisation's calendar: 0 when due today, negative once passed; for a closed
    case it is counted from the day it closed. ``penalty`` is None when the case type
    has no dwangsom or no notice of default was received.
    """

    case_id: str
    case_type: str
    team: str
    received_on: date
    today: date
    state: CaseState
    stage: Stage
    service_norm_state: CaseState
    statutory: Clock
    service_norm: Clock
    working_days_left: int
    extension_weeks: int
    suspended: bool
    complete: bool | None
    decided_on: date | None
    withdrawn_on: date | None
    notice_received_on: date | None
    penalty: PenaltyStatus | None
    notes: tuple[str, ...] = ()

    @property
    def statutory_deadline(self) -> date:
        return self.statutory.deadline

    @property
    def service_norm_deadline(self) -> date:
        return self.service_norm.deadline

    @property
    def is_open(self) -> bool:
        return self.state in (CaseState.ON_TRACK, CaseState.AT_RISK, CaseState.OVERDUE)

    @property
    def closed_on(self) -> date | None:
        days = [d for d in (self.decided_on, self.withdrawn_on) if d is not None]
        return min(days) if days else None

    @property
    def amount_unfixed_cents(self) -> int:
        """Penalty owed so far and not yet fixed by an Awb 4:18 decision (legal reading 4)."""
        owed = self.penalty
        if owed is None or owed.state not in _OWED:
            return 0
        if owed.fix_amount_by is not None and self.today > owed.fix_amount_by:
            return 0
        return owed.amount_cents

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for the web and for logs; dates as ISO text, money in cents."""
        return {
            "case_id": self.case_id, "case_type": self.case_type, "team": self.team,
            "received_on": self.received_on.isoformat(), "today": self.today.isoformat(),
            "state": self.state.value, "stage": self.stage.value,
            "service_norm_state": self.service_norm_state.value,
            "statutory": _clock_dict(self.statutory),
            "service_norm": _clock_dict(self.service_norm),
            "working_days_left": self.working_days_left,
            "extension_weeks": self.extension_weeks, "suspended": self.suspended,
            "complete": self.complete, "decided_on": _iso(self.decided_on),
            "withdrawn_on": _iso(self.withdrawn_on),
            "notice_received_on": _iso(self.notice_received_on),
            "penalty": _penalty_dict(self.penalty), "notes": list(self.notes),
        }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _clock_dict(clock: Clock) -> dict[str, Any]:
    return {"deadline": clock.deadline.isoformat(),
            "steps": [{"code": s.code.value, "end": s.end.isoformat(), "text_nl": s.text_nl,
                       "text_en": s.text_en} for s in clock.steps]}


def _penalty_dict(status: PenaltyStatus | None) -> dict[str, Any] | None:
    if status is None:
        return None
    return {"state": status.state.value, "day_number": status.day_number,
            "amount_cents": status.amount_cents, "amount_eur": str(status.amount),
            "first_penalty_day": _iso(status.first_penalty_day), "cap_day": _iso(status.cap_day),
            "last_penalty_day": _iso(status.last_penalty_day),
            "fix_amount_by": _iso(status.fix_amount_by),
            # While the penalty runs: the 4:18 date that applies if it runs to its cap.
            "fix_amount_by_at_cap": _iso(fix_amount_by(status.cap_day)
                                         if status.cap_day is not None else None),
            "notice_premature": status.notice_premature}


@dataclass(frozen=True, slots=True)
class Skipped:
    """A case the book holds but cannot show (departure 6)."""

    case_id: str
    reason: str


# -- Aggregates --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseCounts:
    """Counts over a set of views; ``overdue`` includes cases with a notice or penalty."""

    open: int = 0
    on_track: int = 0
    at_risk: int = 0
    overdue: int = 0
    suspended: int = 0
    notice_received: int = 0
    penalty_running: int = 0
    capped: int = 0
    exposure_cents: int = 0

    @property
    def exposure(self) -> Decimal:
        """Exposure in euros."""
        return Decimal(self.exposure_cents) / 100

    def to_dict(self) -> dict[str, Any]:
        return {"open": self.open, "on_track": self.on_track, "at_risk": self.at_risk,
                "overdue": self.overdue, "suspended": self.suspended,
                "notice_received": self.notice_received,
                "penalty_running": self.penalty_running, "capped": self.capped,
                "exposure_cents": self.exposure_cents, "exposure_eur": str(self.exposure)}


def _count(views: Iterable[CaseView]) -> CaseCounts:
    tally: dict[str, int] = defaultdict(int)
    for view in views:
        tally["exposure_cents"] += view.amount_unfixed_cents
        owed = view.penalty
        if owed is not None and owed.state is PenaltyState.CAPPED and view.amount_unfixed_cents:
            tally["capped"] += 1
        if not view.is_open:
            continue
        tally["open"] += 1
        tally[view.state.value.replace("-", "_")] += 1
        tally["suspended"] += view.suspended
        tally["notice_received"] += view.notice_received_on is not None
        tally["penalty_running"] += owed is not None and owed.state is PenaltyState.RUNNING
    return CaseCounts(**tally)


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """Counts and exposure for the organisation, per team and per case type."""

    today: date
    organisation: CaseCounts
    by_team: Mapping[str, CaseCounts]
    by_case_type: Mapping[str, CaseCounts]

    def to_dict(self) -> dict[str, Any]:
        return {"today": self.today.isoformat(), "organisation": self.organisation.to_dict(),
                "by_team": {k: v.to_dict() for k, v in self.by_team.items()},
                "by_case_type": {k: v.to_dict() for k, v in self.by_case_type.items()}}


def summarise(views: Sequence[CaseView], today: date) -> CaseSummary:
    """Counts of open, at-risk, overdue, penalty-running and capped cases, and exposure."""
    by_team: dict[str, list[CaseView]] = defaultdict(list)
    by_type: dict[str, list[CaseView]] = defaultdict(list)
    for view in views:
        by_team[view.team].append(view)
        by_type[view.case_type].append(view)
    return CaseSummary(today, _count(views),
                       {team: _count(part) for team, part in sorted(by_team.items())},
                       {code: _count(part) for code, part in sorted(by_type.items())})


class PeriodKind(StrEnum):
    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar period, both ends inclusive."""

    kind: PeriodKind
    start: date
    end: date

    @classmethod
    def containing(cls, kind: PeriodKind | str, day: date) -> Period:
        kind = PeriodKind(kind)
        if kind is PeriodKind.DAY:
            return cls(kind, day, day)
        if kind is PeriodKind.MONTH:
            start = day.replace(day=1)
            months = 1
        elif kind is PeriodKind.QUARTER:
            start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
            months = 3
        else:
            start = date(day.year, 1, 1)
            months = 12
        return cls(kind, start, start + relativedelta(months=months) - _ONE_DAY)

    @property
    def label(self) -> str:
        """'2026-05-06', '2026-05', '2026-Q2' or '2026'."""
        if self.kind is PeriodKind.DAY:
            return self.start.isoformat()
        if self.kind is PeriodKind.MONTH:
            return self.start.strftime("%Y-%m")
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)


@dataclass(frozen=True, slots=True)
class Shares:
    """Decided cases and how many of them in time; shares in percent, None without cases."""

    decided: int = 0
    within_statutory: int = 0
    within_service_norm: int = 0

    @property
    def statutory_share(self) -> float | None:
        return 100.0 * self.within_statutory / self.decided if self.decided else None

    @property
    def service_norm_share(self) -> float | None:
        return 100.0 * self.within_service_norm / self.decided if self.decided else None

    def to_dict(self) -> dict[str, Any]:
        return {"decided": self.decided, "within_statutory": self.within_statutory,
                "within_service_norm": self.within_service_norm,
                "statutory_share": self.statutory_share,
                "service_norm_share": self.service_norm_share}


def _shares(views: Iterable[CaseView]) -> Shares:
    decided = [v for v in views if v.decided_on is not None and v.state is not CaseState.WITHDRAWN]
    return Shares(len(decided),
                  sum(v.state is CaseState.DECIDED_IN_TIME for v in decided),
                  sum(v.service_norm_state is CaseState.DECIDED_IN_TIME for v in decided))


@dataclass(frozen=True, slots=True)
class Compliance:
    """Shares decided within the statutory term and the service norm over one period."""

    period: Period
    organisation: Shares
    by_team: Mapping[str, Shares]
    by_case_type: Mapping[str, Shares]

    def to_dict(self) -> dict[str, Any]:
        return {"period": {"kind": self.period.kind.value, "label": self.period.label,
                           "start": self.period.start.isoformat(),
                           "end": self.period.end.isoformat()},
                "organisation": self.organisation.to_dict(),
                "by_team": {k: v.to_dict() for k, v in self.by_team.items()},
                "by_case_type": {k: v.to_dict() for k, v in self.by_case_type.items()}}


def compliance(book: CaseBook, period: Period, today: date) -> Compliance:
    """Shares of the cases decided in ``period`` (up to ``today``) decided in time (reading 1)."""
    last = min(period.end, today)
    decided = [view for view in book.views_of_all(last)
               if view.decided_on is not None and period.start <= view.decided_on <= last]
    by_team: dict[str, list[CaseView]] = defaultdict(list)
    by_type: dict[str, list[CaseView]] = defaultdict(list)
    for view in decided:
        by_team[view.team].append(view)
        by_type[view.case_type].append(view)
    return Compliance(period, _shares(decided),
                      {team: _shares(part) for team, part in sorted(by_team.items())},
                      {code: _shares(part) for code, part in sorted(by_type.items())})


# -- Transitions -------------------------------------------------------------------------------


class TransitionKind(StrEnum):
    STAGE = "stage"
    FIX_AMOUNT_DUE = "4:18-due"


@dataclass(frozen=True, slots=True)
class Transition:
    """A status change of one case, for a downstream system to act on."""

    case_id: str
    case_type: str
    team: str
    kind: TransitionKind
    previous: Stage | None
    current: Stage
    today: date
    statutory_deadline: date
    working_days_left: int
    penalty: PenaltyStatus | None

    @property
    def subject(self) -> str:
        return case_subject(self.case_id)

    def describe(self) -> str:
        """One line in English naming the case and the change."""
        if self.kind is TransitionKind.FIX_AMOUNT_DUE and self.penalty is not None:
            fix_by = self.penalty.fix_amount_by
            return (f"case {self.case_id}: fix the penalty of EUR {self.penalty.amount} "
                    f"by {_iso(fix_by)} (Awb 4:18)")
        before = self.previous.value if self.previous else "new"
        return (f"case {self.case_id}: {before} -> {self.current.value}, statutory deadline "
                f"{self.statutory_deadline.isoformat()}")

    def to_event(self, time: datetime, source: str = SOURCE) -> dict[str, Any]:
        """A valid ``nl.servicenorm.status.changed`` CloudEvent with ``data.kind == 'case'``.

        The id is derived from the case, the change and the day, so that a worker that
        evaluates again after a restart sends the same id and ingest keeps it once.
        """
        if time.tzinfo is None:
            raise ValueError(f"`time` must be timezone-aware, got {time.isoformat()!r}")
        previous = self.previous.value if self.previous else None
        material = "|".join((self.case_id, self.kind.value, previous or "",
                             self.current.value, self._id_day().isoformat()))
        event = {
            "specversion": SPECVERSION,
            "id": hashlib.blake2b(material.encode(), digest_size=_ID_DIGEST_BYTES).hexdigest(),
            "source": source,
            "type": STATUS_CHANGED,
            "time": time.isoformat(timespec="seconds"),
            "subject": self.subject,
            "datacontenttype": "application/json",
            "data": self._data(previous),
        }
        return validate(event)

    def _id_day(self) -> date:
        if self.kind is TransitionKind.FIX_AMOUNT_DUE and self.penalty is not None:
            return self.penalty.fix_amount_by or self.today
        return self.today

    def _data(self, previous: str | None) -> dict[str, Any]:
        return {
            "kind": "case",
            "scope_key": self.subject,
            "scope": {"team": self.team, "case_type": self.case_type},
            "previous": STAGE_COLOUR[self.previous] if self.previous else None,
            "status": STAGE_COLOUR[self.current],
            "reason": self.describe(),
            "change": self.kind.value,
            "case_id": self.case_id,
            "from": previous,
            "to": self.current.value,
            "statutory_deadline": self.statutory_deadline.isoformat(),
            "working_days_left": self.working_days_left,
            "penalty": _penalty_dict(self.penalty),
        }


def case_subject(case_id: str) -> str:
    """'case:<id>', or 'case:h<digest>' when that would pass the subject's 128 characters."""
    subject = _SUBJECT_PREFIX + case_id
    if len(subject) <= _MAX_SUBJECT:
        return subject
    digest = hashlib.blake2b(case_id.encode(), digest_size=_ID_DIGEST_BYTES).hexdigest()
    return f"{_SUBJECT_PREFIX}h{digest}"


def _transitions(previous: Iterable[CaseView], current: Iterable[CaseView]) -> list[Transition]:
    before = {view.case_id: view for view in previous}
    found: list[Transition] = []
    for view in sorted(current, key=lambda v: v.case_id):
        old = before.get(view.case_id)
        # Departure 7: a new case only when it is already alarming.
        moved = old.stage != view.stage if old is not None else view.stage in ALARMING
        if moved:
            found.append(_transition(view, TransitionKind.STAGE, old))
        fix_by = view.penalty.fix_amount_by if view.penalty else None
        old_fix_by = old.penalty.fix_amount_by if old is not None and old.penalty else None
        if fix_by is not None and fix_by != old_fix_by and view.amount_unfixed_cents:
            found.append(_transition(view, TransitionKind.FIX_AMOUNT_DUE, old))
    return found


def _transition(view: CaseView, kind: TransitionKind, old: CaseView | None) -> Transition:
    return Transition(view.case_id, view.case_type, view.team, kind,
                      old.stage if old is not None else None, view.stage, view.today,
                      view.statutory_deadline, view.working_days_left, view.penalty)


# -- The book ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseEvaluation:
    """The result of :meth:`CaseBook.evaluate` for one day."""

    today: date
    views: tuple[CaseView, ...]
    summary: CaseSummary
    skipped: tuple[Skipped, ...] = ()

    def view(self, case_id: str) -> CaseView | None:
        return next((v for v in self.views if v.case_id == case_id), None)


@dataclass
class _CaseFile:
    events: dict[tuple[str, str], _Event] = field(default_factory=dict)


class CaseBook:
    """Every case's events; views, aggregates and transitions derived from them.

    ``catalogue`` gives each case type its terms; ``calendar`` is the organisation's
    working-day calendar (closing days included) for service norms in working days,
    for "working days left" and for at-risk; statutory deadlines always use the
    Algemene termijnenwet. ``recent_days``: closed cases stay in the views that long.
    ``retain_days``: :meth:`prune` forgets cases closed longer ago than that.
    """

    def __init__(self, catalogue: CaseTypeCatalogue, calendar: WorkingDayCalendar | None = None,
                 *, recent_days: int = DEFAULT_RECENT_DAYS,
                 retain_days: int = DEFAULT_RETAIN_DAYS) -> None:
        if recent_days < 0 or retain_days < recent_days:
            raise ValueError(f"expected 0 <= recent_days <= retain_days, got recent_days="
                             f"{recent_days} and retain_days={retain_days}")
        self.catalogue = catalogue
        self.calendar = calendar or atw_calendar()
        self.recent_days = recent_days
        self.retain_days = retain_days
        self._cases: dict[str, _CaseFile] = {}

    # -- feeding --

    def apply(self, event: Mapping[str, Any]) -> bool:
        """Take one event; True when it was new to the book (departure 1).

        Events of other types are ignored (False). Raises :class:`CaseEventError` for a
        case event without subject, source, id or time.
        """
        if event.get("type") not in CASE_EVENT_TYPES:
            return False
        case_id, kept = _event_from(event)
        case = self._cases.setdefault(case_id, _CaseFile())
        if kept.key in case.events:
            return False
        case.events[kept.key] = kept
        return True

    def apply_many(self, events: Iterable[Mapping[str, Any]]) -> int:
        """Take many events; the number that were new."""
        return sum(self.apply(event) for event in events)

    def __len__(self) -> int:
        return len(self._cases)

    def __contains__(self, case_id: object) -> bool:
        return case_id in self._cases

    def case_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._cases))

    # -- reading --

    def evaluate(self, today: date) -> CaseEvaluation:
        """Views of the open and recently closed cases on ``today``, with their summary."""
        views: list[CaseView] = []
        skipped: list[Skipped] = []
        for case_id in sorted(self._cases):
            view, reason = self._view(case_id, today)
            if view is None:
                skipped.append(Skipped(case_id, reason))
            elif self._shown(view, today):
                views.append(view)
        return CaseEvaluation(today, tuple(views), summarise(views, today), tuple(skipped))

    def view(self, case_id: str, today: date) -> CaseView | None:
        """The view of one case on ``today``, shown or not; None when it cannot be built."""
        return self._view(case_id, today)[0] if case_id in self._cases else None

    def views_of_all(self, today: date) -> list[CaseView]:
        """Views of every case that can be built, however long ago it closed."""
        found = (self._view(case_id, today)[0] for case_id in sorted(self._cases))
        return [view for view in found if view is not None]

    @staticmethod
    def transitions(previous_views: Iterable[CaseView],
                    current_views: Iterable[CaseView]) -> list[Transition]:
        """Status changes between two evaluations (departure 7), ordered by case id."""
        return _transitions(previous_views, current_views)

    def prune(self, today: date) -> int:
        """Forget cases closed, or silent, more than ``retain_days`` before ``today``."""
        horizon = today - timedelta(days=self.retain_days)
        gone = [case_id for case_id, case in self._cases.items()
                if self._last_day(case, today) < horizon]
        for case_id in gone:
            del self._cases[case_id]
        return len(gone)

    # -- state --

    def to_dict(self) -> dict[str, Any]:
        """The events of every case, JSON-able; ``from_dict`` rebuilds the book."""
        return {"version": STATE_VERSION,
                "cases": {case_id: [e.to_dict() for e in case.events.values()]
                          for case_id, case in sorted(self._cases.items())}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], catalogue: CaseTypeCatalogue,
                  calendar: WorkingDayCalendar | None = None, **options: int) -> CaseBook:
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"expected case book state version {STATE_VERSION}, "
                             f"got {data.get('version')!r}")
        book = cls(catalogue, calendar, **options)
        for case_id, events in data["cases"].items():
            for event in events:
                book.apply({**event, "subject": case_id})
        return book

    # -- internals --

    def _shown(self, view: CaseView, today: date) -> bool:
        if view.is_open or view.amount_unfixed_cents:
            return True
        closed_on = view.closed_on
        return closed_on is not None and closed_on >= today - timedelta(days=self.recent_days)

    def _last_day(self, case: _CaseFile, today: date) -> date:
        facts = _facts(list(case.events.values()), today)
        if facts is not None and facts.closed_on is not None:
            return facts.closed_on
        if facts is not None:
            return today  # open cases are never forgotten
        return max(event.day for event in case.events.values())

    def _view(self, case_id: str, today: date) -> tuple[CaseView | None, str]:
        facts = _facts(list(self._cases[case_id].events.values()), today)
        if facts is None:
            return None, "no received event (yet) on or before this day"
        definition = self.catalogue.get(facts.case_type)
        if definition is None:
            return None, (f"case type {facts.case_type!r} is not in the catalogue "
                          f"({', '.join(self.catalogue.codes())})")
        try:
            return _build_view(case_id, facts, definition, today, self.calendar), ""
        except ValueError as error:
            return None, f"cannot compute its deadlines: {error}"


# -- Building one view -------------------------------------------------------------------------


def _build_view(case_id: str, facts: _Facts, definition: CaseTypeDefinition, today: date,
                calendar: WorkingDayCalendar) -> CaseView:
    notes = list(facts.notes)
    closed_on = facts.closed_on
    as_of = closed_on if closed_on is not None else today

    # 1. The clocks, with open suspensions counted up to the closing day or today
    extension = _allowed_extension(facts.extension_weeks, definition, notes)
    deadlines = compute_deadline(definition.case_type, facts.received_on, facts.suspensions,
                                 extension, as_of, calendar)
    statutory, norm = deadlines.statutory, deadlines.service_norm
    if facts.extension_new_deadline and extension and (
            facts.extension_new_deadline != statutory.deadline):
        notes.append(f"the source gives {facts.extension_new_deadline.isoformat()} as the new "
                     f"deadline; computed {statutory.deadline.isoformat()}")

    # 2. State against the statutory deadline and against the service norm
    state = _state(facts, statutory.deadline, today, definition.at_risk_within, calendar)
    norm_state = _state(facts, norm.deadline, today, definition.at_risk_within, calendar)

    # 3. The penalty, where the law gives one and a notice came in
    notice = _effective_notice(facts.notices, statutory.deadline)
    owed = _penalty(definition, notice, statutory.deadline, today, closed_on, notes)
    return CaseView(
        case_id=case_id, case_type=definition.code, team=facts.team or definition.team,
        received_on=facts.received_on, today=today, state=state,
        stage=_stage(state, owed, notice), service_norm_state=norm_state,
        statutory=statutory, service_norm=norm,
        working_days_left=working_days_until(as_of, statutory.deadline, calendar),
        extension_weeks=extension,
        suspended=closed_on is None and any(until is None for _, until in facts.suspensions),
        complete=facts.complete, decided_on=facts.decided_on, withdrawn_on=facts.withdrawn_on,
        notice_received_on=notice, penalty=owed, notes=tuple(notes),
    )


def _allowed_extension(weeks: int, definition: CaseTypeDefinition, notes: list[str]) -> int:
    allowed = definition.case_type.max_extension_weeks
    if weeks < 0:
        notes.append(f"an extension of {weeks} weeks is not possible; ignored")
        return 0
    # Guard (departure 5): compute_deadline refuses more than the law allows.
    if allowed is not None and weeks > allowed:
        notes.append(f"an extension of {weeks} weeks exceeds the at most {allowed} weeks of "
                     f"{definition.case_type.legal_basis}; counted as {allowed}")
        return allowed
    return weeks


def _state(facts: _Facts, deadline: date, today: date, within: int,
           calendar: WorkingDayCalendar) -> CaseState:
    if facts.withdrawn:
        return CaseState.WITHDRAWN
    if facts.decided_on is not None:
        in_time = facts.decided_on <= deadline
        return CaseState.DECIDED_IN_TIME if in_time else CaseState.DECIDED_LATE
    if today > deadline:
        return CaseState.OVERDUE
    if is_at_risk(today, deadline, within, calendar):
        return CaseState.AT_RISK
    return CaseState.ON_TRACK


def _effective_notice(notices: Sequence[date], deadline: date) -> date | None:
    """The first notice after the deadline, else the first (premature) one (reading 3)."""
    after = [day for day in notices if day > deadline]
    if after:
        return after[0]
    return notices[0] if notices else None


def _penalty(definition: CaseTypeDefinition, notice: date | None, deadline: date, today: date,
             closed_on: date | None, notes: list[str]) -> PenaltyStatus | None:
    if notice is None:
        return None
    if not definition.dwangsom:
        notes.append(f"a notice of default was received on {notice.isoformat()}, but case type "
                     f"{definition.code!r} has no dwangsom")
        return None
    return penalty(deadline, notice, today, closed_on)


def _stage(state: CaseState, owed: PenaltyStatus | None, notice: date | None) -> Stage:
    if state is not CaseState.OVERDUE:
        return Stage(state.value)
    if owed is not None and owed.state is PenaltyState.RUNNING:
        return Stage.PENALTY_RUNNING
    if owed is not None and owed.state is PenaltyState.CAPPED:
        return Stage.CAPPED
    if owed is not None and notice is not None:
        return Stage.NOTICE_RECEIVED
    return Stage.OVERDUE
