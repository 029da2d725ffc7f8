"""Simulated case lifecycles and the backlog: valid, in order, lawful, alive in the case book."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest
from fake_ingest import FakeIngest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from connectors.sdk import AMSTERDAM
from connectors.simulator import RunSettings, main, model, run, simulate_case_history, simulate_day
from connectors.simulator.runner import plan_days
from schemas.casetypes import CaseTypeCatalogue, load_file
from schemas.contract import EVENTS_DIR, problems
from services.evaluator.cases import CaseBook, CaseState, Stage
from services.evaluator.deadlines import compute_deadline
from services.evaluator.dwangsom import PenaltyState

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "deploy" / "charter" / "case-types" / "voorbeeldstad.yaml"
SEED = 7
START = date(2026, 6, 1)   # a Monday; its backlog spans Christmas, Easter, King's Day, Ascension
WEEKS = 26
# An awkward shift, as the runner's shifted clock uses: days, hours and seconds.
SHIFT = timedelta(days=2, hours=13, minutes=7, seconds=5)
PREFIX = "nl.servicenorm.case."
OPAQUE_CASE = re.compile(r"^zaak-[0-9a-f]{8}-\d{4}$")
STORY = re.compile(r"^received( suspended resumed)?( extended)?"
                   r"( decided| withdrawn| notice decided)$")
DATE_FIELDS = {"received": "received_on", "suspended": "from_date", "resumed": "on_date",
               "decided": "decided_on", "withdrawn": "withdrawn_on", "notice": "received_on"}


@cache
def catalogue() -> CaseTypeCatalogue:
    return load_file(CATALOGUE)


@cache
def backlog(seed: int = SEED, shift: timedelta = timedelta(0)) -> tuple[dict, ...]:
    return tuple(simulate_case_history(START, seed, weeks=WEEKS, shift=shift))


@cache
def played(seed: int = SEED, days: int = 15) -> tuple[dict, ...]:
    """The case events of ``days`` calendar days played from START."""
    return tuple(e for n in range(days)
                 for e in simulate_day(START + timedelta(days=n), seed, validate=False)
                 if e["type"].startswith(PREFIX))


def at(event: dict) -> datetime:
    return datetime.fromisoformat(event["time"])


def fact_day(event: dict) -> date:
    return date.fromisoformat(event["data"][DATE_FIELDS[short(event)]])


def short(event: dict) -> str:
    if event["type"].endswith("default-notice.received"):
        return "notice"
    return event["type"].rsplit(".", 1)[1]


def by_case(events: Iterable[dict]) -> dict[str, list[dict]]:
    cases: dict[str, list[dict]] = defaultdict(list)
    for event in events:
        cases[event["subject"]].append(event)
    for story in cases.values():
        story.sort(key=at)
    return cases


def book_of(events: Iterable[dict], until: date) -> CaseBook:
    """A case book fed what had happened by the end of ``until``."""
    book = CaseBook(catalogue())
    book.apply_many(e for e in events if at(e).astimezone(AMSTERDAM).date() <= until)
    return book


# --- the contract ----------------------------------------------------------------------------


def test_every_case_event_matches_the_contract_and_its_schema() -> None:
    events = [*backlog(), *played()]

    assert {short(e) for e in events} == {"received", "suspended", "resumed", "extended",
                                          "decided", "withdrawn", "notice"}
    assert [(e["id"], problems(e)) for e in events if problems(e)] == []
    for event in events:
        document = json.loads((EVENTS_DIR / f"{event['type']}.schema.json").read_text())
        assert set(event["data"]) <= set(document["properties"]["data"]["properties"])


def test_case_ids_are_opaque_and_the_data_holds_codes_and_dates_only() -> None:
    codes = set(catalogue().codes())
    for event in backlog():
        assert OPAQUE_CASE.match(event["subject"]), event["subject"]
        data = event["data"]
        if short(event) == "received":
            assert data["case_type"] in codes
            assert data["team"] == catalogue()[data["case_type"]].team
        else:
            assert set(data) <= {"from_date", "reason", "on_date", "weeks", "decided_on",
                                 "withdrawn_on", "received_on"}


def test_the_simulated_case_types_agree_with_the_catalogue() -> None:
    for case_type in model.CASE_TYPES:
        defined = catalogue()[case_type.code]
        term = defined.statutory_term

        assert (term.amount, term.unit.value) == (case_type.term_weeks, "weeks")
        assert defined.case_type.max_extension_weeks == case_type.max_extension_weeks
        assert defined.dwangsom == case_type.dwangsom
        assert defined.team == case_type.team
    assert {t.code for t in model.CASE_TYPES} == set(catalogue().codes())


# --- order per case --------------------------------------------------------------------------


def check_stories(events: Iterable[dict]) -> Counter[str]:
    """Each case's events in lawful order, with dates that agree with the event times."""
    seen: Counter[str] = Counter()
    for subject, story in by_case(events).items():
        names = [short(e) for e in story]
        assert STORY.match(" ".join(names)), f"{subject}: {names}"
        moments = [at(e) for e in story]
        # One step a day: each on a later date than the one before, under any shift.
        dates = [m.date() for m in moments]
        assert all(a < b for a, b in pairwise(dates)), (subject, moments)
        days = {name: fact_day(e) for name, e in zip(names, story, strict=True)
                if name in DATE_FIELDS}
        for name, event in zip(names, story, strict=True):
            if name != "suspended" and name in DATE_FIELDS:
                assert days[name] == at(event).date(), (subject, name)
        if "suspended" in days:
            # Awb 4:15: from the day after the request, until the day it was completed.
            request = at(story[1]).date()
            assert days["suspended"] == request + timedelta(days=1), subject
            assert days["received"] < request < days["suspended"] < days["resumed"], subject
        seen[" ".join(names)] += 1
    return seen


def check_terms(events: Iterable[dict]) -> None:
    """Against the evaluator's own clock: extensions within the term, notices after it."""
    events = list(events)
    last = max(at(e).date() for e in events)
    book = book_of(events, last)
    for subject, story in by_case(events).items():
        received = story[0]
        defined = catalogue()[received["data"]["case_type"]]
        for event in story:
            if short(event) == "extended":
                weeks = event["data"]["weeks"]
                allowed = defined.case_type.max_extension_weeks
                assert allowed is None or 1 <= weeks <= allowed, subject
                spans = [(fact_day(s), fact_day(r)) for s, r in pairwise(story)
                         if short(s) == "suspended" and short(r) == "resumed"]
                term = compute_deadline(defined.case_type, fact_day(received), spans)
                assert at(event).date() <= term.statutory.deadline, subject
            if short(event) == "notice":
                assert defined.dwangsom, subject
                view = book.view(subject, fact_day(event))
                assert view is not None
                assert fact_day(event) > view.statutory_deadline, subject
                assert view.penalty is not None and not view.penalty.notice_premature


def test_each_case_runs_through_its_steps_in_order() -> None:
    stories = check_stories([*backlog(), *played()])

    assert stories["received decided"] > 500
    assert stories["received suspended resumed decided"] > 50
    assert stories["received extended decided"] > 50
    assert stories["received withdrawn"] > 10
    assert stories["received notice decided"] + stories["received extended notice decided"] > 5


def test_extensions_and_notices_respect_the_statutory_term() -> None:
    check_terms(backlog())


def test_order_and_terms_hold_under_the_runners_shift() -> None:
    events = backlog(shift=SHIFT)

    check_stories(events)
    check_terms(events)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# A receipt at 16:21:30 shifted to midnight, its decision the next afternoon: one date.
@example(seed=0, offset=0, shift=27510)
@given(seed=st.integers(0, 2**31), offset=st.integers(0, 400),
       shift=st.integers(-3 * 86400, 3 * 86400))
def test_order_and_terms_hold_for_any_seed_day_and_shift(seed: int, offset: int,
                                                          shift: int) -> None:
    day = date(2026, 1, 5) + timedelta(days=offset)
    events = simulate_case_history(day, seed, weeks=8, shift=timedelta(seconds=shift),
                                   validate=False)

    check_stories(events)
    check_terms(events)


# --- determinism -----------------------------------------------------------------------------


def test_same_seed_same_backlog_other_seed_other_backlog() -> None:
    again = simulate_case_history(START, SEED, weeks=WEEKS)
    other = simulate_case_history(START, SEED + 1, weeks=WEEKS)

    assert again == list(backlog())
    assert [e["time"] for e in other] != [e["time"] for e in again]
    assert not {e["id"] for e in other} & {e["id"] for e in again}
    assert not {e["subject"] for e in other} & {e["subject"] for e in again}


def test_the_backlog_of_a_day_is_that_days_case_stream() -> None:
    day = START - timedelta(days=10)
    expected = [e for e in simulate_day(day, SEED, shift=SHIFT) if e["type"].startswith(PREFIX)]
    received = {e["subject"] for e in expected}

    got = [e for e in backlog(shift=SHIFT) if e["subject"] in received]
    assert sorted(got, key=lambda e: (at(e), e["id"])) == sorted(
        expected, key=lambda e: (at(e), e["id"]))


def test_the_backlog_lies_before_its_day_and_has_no_weekend_receipts() -> None:
    received = [e for e in backlog() if short(e) == "received"]

    assert min(at(e).date() for e in received) >= START - timedelta(weeks=WEEKS)
    assert max(at(e).date() for e in received) < START
    assert all(at(e).weekday() < 5 for e in received)
    assert simulate_case_history(START, SEED, weeks=0) == []
    with pytest.raises(ValueError, match="weeks must be 0 or more, got -1"):
        simulate_case_history(START, SEED, weeks=-1)


# --- realism ---------------------------------------------------------------------------------


def test_a_few_cases_a_working_day_spread_over_the_case_types() -> None:
    received = [e for e in backlog() if short(e) == "received"]
    per_type = Counter(e["data"]["case_type"] for e in received)
    working_days = WEEKS * 5

    assert 6 <= len(received) / working_days <= 12
    assert set(per_type) == set(catalogue().codes())
    assert per_type.most_common(1)[0][1] < 0.4 * len(received)


def test_most_cases_are_decided_in_time_some_late_some_withdrawn() -> None:
    views = book_of(backlog(), START).views_of_all(START)
    closed = Counter(v.state for v in views if not v.is_open)
    decided = closed[CaseState.DECIDED_IN_TIME] + closed[CaseState.DECIDED_LATE]

    assert 0.8 <= closed[CaseState.DECIDED_IN_TIME] / decided <= 0.95
    assert closed[CaseState.WITHDRAWN] > 0


def test_the_backlog_fills_the_case_book_at_every_stage() -> None:
    evaluation = book_of(backlog(), START).evaluate(START)
    counts = evaluation.summary.organisation
    stages = Counter(v.stage for v in evaluation.views)

    assert evaluation.skipped == ()
    assert 100 <= counts.open <= 300
    assert counts.on_track > counts.at_risk > 0
    assert counts.overdue > 0
    assert counts.suspended > 0
    assert counts.penalty_running >= 1
    assert counts.exposure_cents > 0
    assert stages[Stage.DECIDED_IN_TIME] and stages[Stage.DECIDED_LATE]
    assert not [v.notes for v in evaluation.views if v.notes]


def test_days_played_after_the_backlog_keep_the_case_book_moving() -> None:
    events = [*backlog(), *played()]
    end = START + timedelta(days=14)
    evaluation = book_of(events, end).evaluate(end)
    counts = evaluation.summary.organisation

    assert counts.on_track > 0 and counts.at_risk > 0 and counts.overdue > 0
    assert counts.penalty_running >= 1
    assert counts.exposure_cents > 0
    new = {e["subject"] for e in played() if short(e) == "received"}
    assert 40 <= len(new) <= 120
    assert any(v.case_id in new for v in evaluation.views if v.is_open)
    assert any(v.case_id in new for v in evaluation.views if not v.is_open)


def test_exposure_grows_over_a_week_while_a_penalty_runs() -> None:
    events = [*backlog(), *played()]
    first, later = START + timedelta(days=7), START + timedelta(days=14)
    before = book_of(events, first).evaluate(first)
    after = book_of(events, later).evaluate(later)

    running = {v.case_id: v for v in before.views
               if v.penalty is not None and v.penalty.state is PenaltyState.RUNNING}
    still = [v for v in after.views if v.case_id in running
             and v.penalty is not None and v.penalty.state is PenaltyState.RUNNING]
    assert still
    for view in still:
        assert view.amount_unfixed_cents > running[view.case_id].amount_unfixed_cents
    assert after.summary.organisation.exposure_cents > before.summary.organisation.exposure_cents


# --- the runner ------------------------------------------------------------------------------


async def test_a_shifted_run_starts_with_the_backlog_in_the_past(ingest: FakeIngest) -> None:
    now = datetime(2026, 3, 4, 21, 15, tzinfo=AMSTERDAM)
    plan = next(plan_days(RunSettings(), now))
    await run(RunSettings(ingest=ingest.url, seed=SEED, speed=0, days=1, backlog_weeks=WEEKS),
              now=now)
    sent = ingest.events

    # 1. Everything in time order; the backlog's receipts before the first day's events.
    assert [at(e) for e in sent] == sorted(at(e) for e in sent)
    day_subjects = {e["subject"] for e in simulate_day(plan.day, SEED, shift=plan.shift)}
    first_day = [e for e in sent if e["subject"] in day_subjects]
    history = [e for e in sent if e["subject"] not in day_subjects]
    receipts = [at(e) for e in history if short(e) == "received"]
    assert len(receipts) > 1000
    assert max(receipts) < min(at(e) for e in first_day)
    assert sum(at(e) < now for e in history) > 2000
    assert any(at(e) > now for e in history)   # decisions still to come, sent when due

    # 2. Per case, what was sent is the start of its whole story, in order.
    whole = by_case(simulate_case_history(plan.day, SEED, weeks=WEEKS, shift=plan.shift))
    assert set(by_case(history)) == set(whole)
    for subject, story in by_case(history).items():
        assert story == whole[subject][:len(story)], subject

    # 3. What had happened by now fills the case book at every stage.
    past = [e for e in history if at(e) <= now]
    counts = book_of(past, now.date()).evaluate(now.date()).summary.organisation
    assert counts.on_track and counts.at_risk and counts.overdue
    assert counts.penalty_running and counts.exposure_cents


async def test_no_backlog_when_asked(ingest: FakeIngest) -> None:
    now = datetime(2026, 3, 4, 21, 15, tzinfo=AMSTERDAM)
    await run(RunSettings(ingest=ingest.url, seed=SEED, speed=0, days=1, backlog_weeks=0),
              now=now)

    first = min(at(e) for e in ingest.events)
    assert first > now - timedelta(days=1)


def test_backlog_option_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--dry-run", "--clock", "real", "--day", START.isoformat(), "--days", "1",
                 "--seed", str(SEED), "--backlog-weeks", str(WEEKS)])
    text = capsys.readouterr().out

    assert code == 0
    assert f"{len(backlog())} events" in text
    with pytest.raises(SystemExit) as exited:
        main(["--backlog-weeks", "-1"])
    assert exited.value.code == 2
    assert "0 or more, got '-1'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="backlog_weeks must be 0"):
        RunSettings(backlog_weeks=-1)
