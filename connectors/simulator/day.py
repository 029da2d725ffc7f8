"""One simulated day of Voorbeeldstad as a list of CloudEvents, without any I/O.

:func:`simulate_day` is pure: the same day, seed and shift give the same events,
ids included. Each stream (a location's counters, the phone line, ...) draws from
its own random generator, seeded from (seed, day, stream), so that tuning one
stream leaves the others as they were.

The ``shift`` moves every time stamp by a fixed amount; the runner uses it to
play a working day around the current wall-clock time. The shift goes into the
event ids and item ids as well, so that two runs that play the same day at
different moments do not look like duplicates of each other to the evaluator,
which counts an event once per (source, id). What happens, and when within the
day, depends on seed and day only.

:func:`simulate_case_history` gives the case stream alone for the weeks before a
day: the backlog a case system already holds when a run starts. Its events for
one day are exactly the case events :func:`simulate_day` gives for that day.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from connectors.sdk import EventFactory
from connectors.simulator import model
from connectors.simulator.backoffice import simulate_reports, simulate_surveys
from connectors.simulator.cases import simulate_cases
from connectors.simulator.contact import call_happenings, simulate_messages, simulate_phone
from connectors.simulator.counter import Visit, happenings, simulate_location
from connectors.simulator.queueing import Happening, Subjects
from connectors.simulator.timing import exact_add, is_working_day

TAG_BITS = 32
DAYS_PER_WEEK = 7


def simulate_day(day: date, seed: int, *, shift: timedelta = timedelta(0),
                 validate: bool = True) -> list[dict[str, Any]]:
    """Every event that starts on ``day`` (answers may fall days later), sorted by time."""
    shift = _whole_seconds(shift)
    run, subjects = _run(day, seed, shift)
    return _events(day_happenings(day, seed, subjects), run, shift, validate)


def simulate_case_history(before: date, seed: int, *, weeks: int,
                          shift: timedelta = timedelta(0),
                          validate: bool = True) -> list[dict[str, Any]]:
    """Every event of the cases received in the ``weeks`` weeks before ``before``, by time.

    Later steps of those cases (decisions, notices) may fall on or after ``before``.
    """
    if weeks < 0:
        raise ValueError(f"weeks must be 0 or more, got {weeks}")
    shift = _whole_seconds(shift)
    events: list[dict[str, Any]] = []
    for back in range(weeks * DAYS_PER_WEEK, 0, -1):
        day = before - timedelta(days=back)
        run, subjects = _run(day, seed, shift)
        found = simulate_cases(day, _stream(seed, day, "cases"), subjects)
        events += _events(found, run, shift, validate)
    return sorted(events, key=lambda e: datetime.fromisoformat(e["time"]))


def day_happenings(day: date, seed: int, subjects: Subjects) -> list[Happening]:
    """What happens on ``day``, stream by stream, before it becomes events."""
    def rng(stream: str) -> random.Random:
        return _stream(seed, day, stream)

    found: list[Happening] = []
    visits: dict[str, list[Visit]] = {}
    calls = []
    # 1. Counters and phone: working days only.
    if is_working_day(day):
        for location in model.LOCATIONS:
            visits[location.code] = simulate_location(location, rng(location.code), subjects)
            found += happenings(day, location, visits[location.code])
        calls = simulate_phone(rng("phone"), subjects)
        found += call_happenings(day, calls)
    # 2. Written channels, reports and cases.
    found += simulate_messages(day, rng("messages"), subjects)
    found += simulate_reports(day, rng("reports"), subjects)
    found += simulate_cases(day, rng("cases"), subjects)
    # 3. Satisfaction scores after visits and calls.
    found += simulate_surveys(day, visits, calls, rng("survey"), subjects)
    return found


def _stream(seed: int, day: date, stream: str) -> random.Random:
    return random.Random(f"{model.ORGANISATION}:{seed}:{day.isoformat()}:{stream}")


def _whole_seconds(shift: timedelta) -> timedelta:
    return timedelta(seconds=round(shift.total_seconds()))


def _run(day: date, seed: int, shift: timedelta) -> tuple[str, Subjects]:
    """The run's name (it seeds the event ids) and its item ids."""
    run = f"{seed}:{day.isoformat()}:{int(shift.total_seconds())}"
    tag = random.Random(f"{model.ORGANISATION}:{run}:tag").getrandbits(TAG_BITS)
    return run, Subjects(f"{tag:08x}")


def _events(found: Iterable[Happening], run: str, shift: timedelta,
            validate: bool) -> list[dict[str, Any]]:
    factories: dict[str, EventFactory] = {}
    events = []
    for happening in sorted(found, key=lambda h: (h.at, h.stage)):
        factory = factories.get(happening.system)
        if factory is None:
            factory = factories[happening.system] = EventFactory(
                f"{model.SOURCE_ROOT}/{happening.system}", seed=run, validate_events=validate)
        events.append(_event(factory, happening, shift))
    return events


def _event(factory: EventFactory, happening: Happening, shift: timedelta) -> dict[str, Any]:
    moment = exact_add(happening.at, shift)
    data = dict(happening.data)
    if happening.date_field is not None:
        day = moment.date() + timedelta(days=happening.date_offset)
        data[happening.date_field] = day.isoformat()
    return factory.make(happening.type, happening.subject, moment, data)
