"""The public counters: tickets drawn, called (sometimes twice), served or cancelled.

Per location, walk-ins arrive as a Poisson process that follows the day curve;
visitors with an appointment come a few minutes before their slot. Walk-ins
queue for the walk-in desks, appointments for the appointment desks, each first
come, first served. Waiting is called minus drawn, as the queue system reports it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from connectors.simulator import model
from connectors.simulator.model import APPOINTMENT_MINUTES, CounterService, Location
from connectors.simulator.queueing import (
    Happening,
    Server,
    Subjects,
    duty_seconds,
    first_ready,
    pick,
)
from connectors.simulator.timing import MINUTE, arrivals, clock, lognormal, seconds_of

DRAWN = "nl.servicenorm.queue.ticket.drawn"
CALLED = "nl.servicenorm.queue.ticket.called"
SERVED = "nl.servicenorm.queue.ticket.served"
CANCELLED = "nl.servicenorm.queue.ticket.cancelled"

# Stages order the events of one ticket that fall in the same second.
STAGE_DRAWN, STAGE_CALLED, STAGE_RECALLED, STAGE_DONE = range(4)

CALL_PAUSE = (5.0, 25.0)            # desk free -> presses "next"
WALK_TO_DESK = (15.0, 60.0)         # called -> sits down
TIDY_UP = (10.0, 45.0)              # served -> desk free again
RECALL_SHARE = 0.07                 # visitor does not come at the first call
RECALL_AFTER = (45.0, 120.0)
NO_SHOW_AFTER_RECALL_SHARE = 0.4
NO_SHOW_AFTER = (60.0, 180.0)
EARLY_FOR_APPOINTMENT = (-3 * MINUTE, 9 * MINUTE)  # negative: a few minutes late
CALLED_BEFORE_SLOT = 5 * MINUTE     # an early visitor may be called this long before the slot
SHOW_UP_SHARE = model.APPOINTMENT_BOOKED_SHARE * (1 - model.APPOINTMENT_NO_SHOW_SHARE)
EARLIEST_CHECK_IN = 10 * MINUTE      # before the first slot of a block
IMPATIENT_SHARE = 0.15
PATIENCE_IMPATIENT = (5 * MINUTE, 25 * MINUTE)
PATIENCE_USUAL = (25 * MINUTE, 75 * MINUTE)
PATIENCE_APPOINTMENT = (40 * MINUTE, 90 * MINUTE)


@dataclass(frozen=True, slots=True)
class Visitor:
    subject: str
    service: CounterService
    appointment: bool
    drawn: float
    ready: float       # earliest moment a desk may call them
    patience: float


@dataclass(frozen=True, slots=True)
class Visit:
    """Where a visitor ended up: served, or gone before or after being called."""

    visitor: Visitor
    desk: str | None
    calls: tuple[float, ...]
    end: float
    served: bool


def simulate_location(location: Location, rng: random.Random, subjects: Subjects) -> list[Visit]:
    """Every ticket of one location for one day."""
    # 1. Who comes: walk-ins along the day curve, appointments by slot.
    walk_ins = _walk_ins(location, rng)
    booked = _appointments(location, rng)
    # 2. Ticket numbers in the order the tickets are drawn.
    visitors = [
        Visitor(subjects.new(f"t-{location.code}"), service, appointment, drawn, ready, patience)
        for drawn, ready, service, appointment, patience in sorted(walk_ins + booked,
                                                                  key=lambda v: v[0])
    ]
    # 3. Each queue is served by its own desks.
    visits = []
    for for_appointments in (False, True):
        desks = [Server(d.code, duty_seconds(d.duty)) for d in location.desks
                 if d.for_appointments == for_appointments]
        queue = [v for v in visitors if v.appointment == for_appointments]
        visits += _serve(queue, desks, rng)
    return visits


Arrival = tuple[float, float, CounterService, bool, float]


def _walk_ins(location: Location, rng: random.Random) -> list[Arrival]:
    services = [(s, s.walk_in_weight) for s in model.SERVICES if s.walk_in_weight > 0]
    opens, closes = seconds_of(location.opens), seconds_of(location.closes)
    found: list[Arrival] = []
    for moment in arrivals(rng, model.WALK_IN_CURVE, location.walk_ins_at_peak_per_hour):
        if opens <= moment < closes:
            window = PATIENCE_IMPATIENT if rng.random() < IMPATIENT_SHARE else PATIENCE_USUAL
            found.append((moment, moment, pick(rng, services), False, rng.uniform(*window)))
    return found


def _appointments(location: Location, rng: random.Random) -> list[Arrival]:
    services = [(s, s.appointment_weight) for s in model.SERVICES if s.appointment_weight > 0]
    desks = sum(1 for d in location.desks if d.for_appointments)
    doors_open = seconds_of(location.opens)
    found: list[Arrival] = []
    for start, end in duty_seconds(location.appointment_hours):
        slot = start
        while slot + APPOINTMENT_MINUTES * MINUTE <= end:
            for _ in range(desks):
                if rng.random() < SHOW_UP_SHARE:
                    early = rng.uniform(*EARLY_FOR_APPOINTMENT)
                    drawn = max(slot - early, start - EARLIEST_CHECK_IN, doors_open)
                    ready = max(drawn, slot - CALLED_BEFORE_SLOT)
                    found.append((drawn, ready, pick(rng, services), True,
                                  rng.uniform(*PATIENCE_APPOINTMENT)))
            slot += APPOINTMENT_MINUTES * MINUTE
    return found


def _serve(queue: list[Visitor], desks: list[Server], rng: random.Random) -> list[Visit]:
    visits = []
    for visitor in sorted(queue, key=lambda v: (v.ready, v.drawn)):
        found = first_ready(desks, visitor.ready)
        if found is not None:
            desk, free = found
            called = free + rng.uniform(*CALL_PAUSE)
            if called - visitor.drawn <= visitor.patience:
                visit = _at_desk(visitor, desk.code, called, rng)
                desk.free_at = visit.end + rng.uniform(*TIDY_UP)
                visits.append(visit)
                continue
        # Nobody called them in time: they leave, and no desk spends time on them.
        visits.append(Visit(visitor, None, (), visitor.drawn + visitor.patience, False))
    return visits


def _at_desk(visitor: Visitor, desk: str, called: float, rng: random.Random) -> Visit:
    calls = [called]
    if rng.random() < RECALL_SHARE:
        calls.append(called + rng.uniform(*RECALL_AFTER))
        if rng.random() < NO_SHOW_AFTER_RECALL_SHARE:
            return Visit(visitor, desk, tuple(calls), calls[-1] + rng.uniform(*NO_SHOW_AFTER),
                         False)
    start = calls[-1] + rng.uniform(*WALK_TO_DESK)
    duration = max(lognormal(rng, visitor.service.minutes * MINUTE, model.SERVICE_TIME_SPREAD),
                   MINUTE)
    return Visit(visitor, desk, tuple(calls), start + duration, True)


def happenings(day: date, location: Location, visits: list[Visit]) -> list[Happening]:
    """The queue system's events for the visits of one location."""
    found = []
    for visit in visits:
        v, where = visit.visitor, {"location": location.code, "service": visit.visitor.service.code}
        found.append(Happening(clock(day, v.drawn), STAGE_DRAWN, model.QUEUE_SYSTEM, DRAWN,
                               v.subject, {**where, "appointment": v.appointment}))
        for stage, moment in zip((STAGE_CALLED, STAGE_RECALLED), visit.calls, strict=False):
            found.append(Happening(clock(day, moment), stage, model.QUEUE_SYSTEM, CALLED,
                                   v.subject, {**where, "desk": visit.desk}))
        if visit.served:
            done = Happening(clock(day, visit.end), STAGE_DONE, model.QUEUE_SYSTEM, SERVED,
                             v.subject, {**where, "desk": visit.desk})
        else:
            reason = "no-show" if visit.calls else "cancelled"
            done = Happening(clock(day, visit.end), STAGE_DONE, model.QUEUE_SYSTEM, CANCELLED,
                             v.subject, {**where, "reason": reason})
        found.append(done)
    return found
