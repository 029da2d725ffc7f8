"""The Voorbeeldstad simulator: valid, private, deterministic, realistic, and playable."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from functools import cache
from time import monotonic

import pytest
from fake_ingest import Answer, FakeIngest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.sdk import AMSTERDAM
from connectors.simulator import RunSettings, main, run, simulate_day
from connectors.simulator.runner import Pacer, plan_days
from connectors.simulator.timing import DAY_SECONDS, clock
from schemas.contract import EVENTS_DIR, problems

SEED = 7
MONDAY = date(2026, 3, 2)
SATURDAY = date(2026, 3, 7)
TWO_WEEKS = [day for n in range(14) if (day := MONDAY + timedelta(days=n)).weekday() < 5]
WALK_IN_NORM = timedelta(minutes=10)
APPOINTMENT_NORM = timedelta(minutes=5)
OPAQUE_SUBJECT = re.compile(
    r"^(t-(stadhuis|stadswinkel-noord)|call|msg|mor|zaak|enq)-[0-9a-f]{8}-\d{4}$")
LOOKS_PERSONAL = re.compile(r"@|\d{9,}|\+31|\s")

# Per item kind: the order its events must come in, as a pattern over short type names.
LIFECYCLES = {
    "t": re.compile(r"^drawn( called){1,2} served$|^drawn( called){1,2} no-show$"
                    r"|^drawn cancelled$"),
    "call": re.compile(r"^offered (answered|abandoned)$"),
    "msg": re.compile(r"^received answered$"),
    "mor": re.compile(r"^received handled$"),
    "zaak": re.compile(r"^received( suspended resumed)?( extended)?"
                       r"( decided| withdrawn| notice decided)$"),
    "enq": re.compile(r"^reported$"),
}


@cache
def day_events(day: date, seed: int = SEED) -> tuple[dict, ...]:
    return tuple(simulate_day(day, seed))


@cache
def schema_fields(event_type: str) -> tuple[frozenset[str], frozenset[str]]:
    document = json.loads((EVENTS_DIR / f"{event_type}.schema.json").read_text())
    envelope = json.loads((EVENTS_DIR / "envelope.schema.json").read_text())
    data = document["properties"]["data"]["properties"]
    return frozenset(envelope["properties"]), frozenset(data)


def at(event: dict) -> datetime:
    return datetime.fromisoformat(event["time"])


def short_name(event: dict) -> str:
    if event["type"].endswith("ticket.cancelled"):
        return "no-show" if event["data"]["reason"] == "no-show" else "cancelled"
    if event["type"].endswith("default-notice.received"):
        return "notice"
    return event["type"].rsplit(".", 1)[1]


def kind(subject: str) -> str:
    return subject.split("-", 1)[0]


def by_item(events: tuple[dict, ...] | list[dict]) -> dict[str, list[dict]]:
    items: dict[str, list[dict]] = defaultdict(list)
    for event in events:
        items[event["subject"]].append(event)
    return items


def walk_in_waits(events: tuple[dict, ...]) -> tuple[list[timedelta], list[timedelta]]:
    """(walk-in waits, appointment waits): first call minus drawn, per ticket."""
    walk_ins, appointments = [], []
    for item in by_item(events).values():
        if kind(item[0]["subject"]) != "t" or not item[1]["type"].endswith("called"):
            continue
        wait = at(item[1]) - at(item[0])
        (appointments if item[0]["data"]["appointment"] else walk_ins).append(wait)
    return walk_ins, appointments


# --- the contract ----------------------------------------------------------------------------


@pytest.mark.parametrize("day", [MONDAY, SATURDAY])
def test_every_event_matches_the_contract(day: date) -> None:
    events = day_events(day)

    assert len(events) > 50
    assert [(e["id"], problems(e)) for e in events if problems(e)] == []


def test_events_carry_only_the_schemas_fields() -> None:
    for event in day_events(MONDAY):
        envelope, data = schema_fields(event["type"])
        assert set(event) <= envelope, event["type"]
        assert set(event["data"]) <= data, event["type"]


def test_no_personal_data_only_opaque_codes() -> None:
    for event in day_events(MONDAY):
        assert OPAQUE_SUBJECT.match(event["subject"]), event["subject"]
        for value in event["data"].values():
            assert not (isinstance(value, str) and LOOKS_PERSONAL.search(value)), value


def test_every_type_of_source_system_is_present() -> None:
    types = {e["type"] for e in day_events(MONDAY)}

    assert {"nl.servicenorm.queue.ticket.drawn", "nl.servicenorm.queue.ticket.called",
            "nl.servicenorm.queue.ticket.served", "nl.servicenorm.queue.ticket.cancelled",
            "nl.servicenorm.phone.call.offered", "nl.servicenorm.phone.call.answered",
            "nl.servicenorm.phone.call.abandoned", "nl.servicenorm.message.received",
            "nl.servicenorm.message.answered", "nl.servicenorm.report.received",
            "nl.servicenorm.report.handled", "nl.servicenorm.value.reported",
            "nl.servicenorm.case.received", "nl.servicenorm.case.decided"} <= types


def test_ids_are_unique_per_source() -> None:
    events = [e for day in TWO_WEEKS[:3] for e in day_events(day)]

    assert len({(e["source"], e["id"]) for e in events}) == len(events)


# --- determinism -----------------------------------------------------------------------------


def test_same_seed_same_events_other_seed_other_events() -> None:
    again = simulate_day(MONDAY, SEED)
    other = simulate_day(MONDAY, SEED + 1)

    assert again == list(day_events(MONDAY))
    assert [e["time"] for e in other] != [e["time"] for e in again]
    assert not {e["id"] for e in other} & {e["id"] for e in again}


def test_a_shift_moves_the_times_and_renames_the_ids() -> None:
    shift = timedelta(hours=5, minutes=17, seconds=3)
    plain, shifted = day_events(MONDAY), simulate_day(MONDAY, SEED, shift=shift)

    assert [at(b) - at(a) for a, b in zip(plain, shifted, strict=True)] == [shift] * len(plain)
    assert [e["type"] for e in shifted] == [e["type"] for e in plain]
    assert not {e["id"] for e in shifted} & {e["id"] for e in plain}
    assert not {e["subject"] for e in shifted} & {e["subject"] for e in plain}


def test_events_are_sorted_by_time() -> None:
    moments = [at(e) for e in day_events(MONDAY)]

    assert moments == sorted(moments)


# --- per item order --------------------------------------------------------------------------


def check_lifecycles(events: tuple[dict, ...] | list[dict]) -> Counter[str]:
    seen: Counter[str] = Counter()
    for subject, item in by_item(events).items():
        story = " ".join(short_name(e) for e in item)
        assert LIFECYCLES[kind(subject)].match(story), f"{subject}: {story}"
        moments = [at(e) for e in item]
        assert moments == sorted(moments), subject
        assert len(set(moments)) == len(moments), subject
        seen[story] += 1
    return seen


def test_each_item_runs_through_its_events_in_order() -> None:
    stories = check_lifecycles(day_events(MONDAY))

    assert stories["drawn called served"] > 100
    assert stories["drawn called called served"] > 0  # a recall
    assert stories["drawn called called no-show"] + stories["drawn cancelled"] > 0


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), offset=st.integers(0, 4))
def test_item_order_holds_for_any_seed(seed: int, offset: int) -> None:
    events = simulate_day(MONDAY + timedelta(days=offset), seed, validate=False)

    check_lifecycles(events)
    assert [at(e) for e in events] == sorted(at(e) for e in events)


# --- realism ---------------------------------------------------------------------------------


def test_walk_ins_follow_the_day_curve() -> None:
    per_hour = {"early": 0.0, "midday": 0.0}
    for day in TWO_WEEKS:
        for e in day_events(day):
            data = e["data"]
            if e["type"].endswith("ticket.drawn") and data["location"] == "stadhuis" \
                    and not data["appointment"]:
                moment = at(e).time()
                if time(8, 30) <= moment < time(9, 0):
                    per_hour["early"] += 2  # half an hour, counted per hour
                elif time(11, 0) <= moment < time(12, 0):
                    per_hour["midday"] += 1

    assert per_hour["early"] > 0
    assert per_hour["midday"] / per_hour["early"] >= 1.4


def test_counter_volume_per_location_and_hour() -> None:
    opening_hours = {"stadhuis": 8.5, "stadswinkel-noord": 7.5}
    drawn: Counter[str] = Counter(
        e["data"]["location"] for day in TWO_WEEKS for e in day_events(day)
        if e["type"].endswith("ticket.drawn"))

    for location, hours in opening_hours.items():
        assert 5 <= drawn[location] / len(TWO_WEEKS) / hours <= 20, location


def test_walk_ins_mostly_wait_less_than_ten_minutes_but_not_always() -> None:
    waits = [w for day in TWO_WEEKS for w in walk_in_waits(day_events(day))[0]]
    appointments = [w for day in TWO_WEEKS for w in walk_in_waits(day_events(day))[1]]
    within = sum(w <= WALK_IN_NORM for w in waits) / len(waits)

    assert 0.75 <= within <= 0.98
    assert max(waits) > 2 * WALK_IN_NORM
    assert sum(w <= APPOINTMENT_NORM for w in appointments) / len(appointments) >= 0.8


def test_phone_is_answered_within_seconds_mostly() -> None:
    answered, abandoned = [], 0
    for item in by_item(day_events(MONDAY)).values():
        if kind(item[0]["subject"]) == "call":
            if item[1]["type"].endswith("answered"):
                answered.append(at(item[1]) - at(item[0]))
            else:
                abandoned += 1

    assert sum(w <= timedelta(seconds=30) for w in answered) / len(answered) >= 0.7
    assert 0 < abandoned < 0.2 * (len(answered) + abandoned)


def test_a_good_share_of_mail_is_answered_the_same_day() -> None:
    same_day = total = 0
    for item in by_item(day_events(MONDAY)).values():
        if kind(item[0]["subject"]) == "msg" and item[0]["data"]["channel"] == "email":
            total += 1
            same_day += at(item[1]).date() == at(item[0]).date()

    assert same_day / total >= 0.3
    assert same_day < total


def test_satisfaction_scores_are_whole_numbers_from_one_to_ten() -> None:
    scores = [e["data"]["value"] for e in day_events(MONDAY)
              if e["type"] == "nl.servicenorm.value.reported"]

    assert scores
    assert all(isinstance(s, int) and 1 <= s <= 10 for s in scores)


def test_weekend_has_no_counters_or_phone() -> None:
    families = {e["type"].split(".")[2] for e in day_events(SATURDAY)}

    assert families == {"message", "report"}


def test_case_dates_follow_the_event_time() -> None:
    for e in day_events(MONDAY):
        if e["type"] == "nl.servicenorm.case.received":
            assert e["data"]["received_on"] == at(e).date().isoformat()
        elif e["type"] == "nl.servicenorm.case.decided":
            assert e["data"]["decided_on"] == at(e).date().isoformat()
            assert at(e).date() > MONDAY


# --- the runner ------------------------------------------------------------------------------


def test_shifted_plan_skips_nights_and_weekends() -> None:
    friday_evening = datetime(2026, 3, 6, 22, 0, tzinfo=AMSTERDAM)
    plans = plan_days(RunSettings(), friday_evening)
    first, second = next(plans), next(plans)

    assert first.day == date(2026, 3, 6)
    assert clock(first.day, 10.5 * 3600) + first.shift == friday_evening
    assert second.day == date(2026, 3, 9)
    assert (clock(second.day, 8 * 3600).astimezone(AMSTERDAM) + second.shift
            == first.hands_over)


def test_pacer_maps_event_time_to_wall_time() -> None:
    now = [100.0]
    start = datetime(2026, 3, 2, 10, 0, tzinfo=AMSTERDAM)
    pacer = Pacer(start, speed=60, monotonic=lambda: now[0])
    now[0] += 2

    assert pacer.position() == start + timedelta(minutes=2)
    assert pacer.delay(start + timedelta(minutes=5)) == pytest.approx(3.0)
    assert pacer.delay(start) == 0.0
    assert Pacer(start, speed=0).delay(start + timedelta(days=1)) == 0.0


async def test_real_clock_sends_the_day_to_ingest(ingest: FakeIngest) -> None:
    settings = RunSettings(ingest=ingest.url, seed=SEED, speed=0, clock="real", day=MONDAY,
                           days=1, backlog_weeks=0)
    sent = await run(settings, now=datetime(2026, 3, 20, 12, 0, tzinfo=AMSTERDAM))

    midnight = clock(MONDAY, DAY_SECONDS)
    expected = [e for e in day_events(MONDAY) if at(e) < midnight]
    assert sent == len(expected)
    assert ingest.events == expected
    assert len(expected) < len(day_events(MONDAY))  # later answers were not sent


async def test_shifted_clock_puts_mid_morning_at_now(ingest: FakeIngest) -> None:
    now = datetime(2026, 3, 4, 21, 15, tzinfo=AMSTERDAM)
    settings = RunSettings(ingest=ingest.url, seed=SEED, speed=0, days=1)
    await run(settings, now=now)

    counter = [at(e) for e in ingest.events if e["type"].startswith("nl.servicenorm.queue")]
    assert now - timedelta(hours=2, minutes=30) <= min(counter)
    assert max(counter) <= now + timedelta(hours=8, minutes=30)
    assert sum(m < now for m in counter) > 20
    assert sum(m > now for m in counter) > 20
    unshifted = {e["id"] for e in day_events(date(2026, 3, 4))}
    assert not {e["id"] for e in ingest.events} & unshifted


async def test_pacer_really_waits() -> None:
    start = datetime.now(AMSTERDAM)
    pacer = Pacer(start, speed=600)
    began = monotonic()
    await pacer.wait_for(start + timedelta(minutes=3))  # 180 s at speed 600: 0.3 s

    assert monotonic() - began >= 0.29
    assert pacer.reached == start + timedelta(minutes=3)


# --- the command line ------------------------------------------------------------------------


def test_help_explains_itself(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    text = capsys.readouterr().out

    assert exited.value.code == 0
    for option in ("--ingest", "--seed", "--speed", "--clock", "--day", "--days"):
        assert option in text
    assert "Voorbeeldstad" in text
    assert "shifted" in text


def test_bad_options_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--speed", "-2"])

    assert exited.value.code == 2
    assert "0 or more, got '-2'" in capsys.readouterr().err


def test_dry_run_counts_without_sending(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--dry-run", "--clock", "real", "--day", MONDAY.isoformat(), "--days", "1",
                 "--seed", str(SEED)])
    text = capsys.readouterr().out

    assert code == 0
    assert f"{len(day_events(MONDAY))} events" in text


def test_main_plays_a_day_to_a_real_ingest(ingest: FakeIngest) -> None:
    code = main(["--ingest", ingest.url, "--speed", "0", "--clock", "real",
                 "--day", SATURDAY.isoformat(), "--days", "1", "--seed", str(SEED),
                 "--backlog-weeks", "0"])

    assert code == 0
    assert ingest.events
    assert ingest.events == [e for e in day_events(SATURDAY)
                             if at(e) < clock(SATURDAY, DAY_SECONDS)]


def test_main_exits_non_zero_when_ingest_refuses(ingest: FakeIngest) -> None:
    ingest.script = [Answer(422, body={"title": "Invalid events", "detail": "no"})]
    code = main(["--ingest", ingest.url, "--speed", "0", "--clock", "real",
                 "--day", SATURDAY.isoformat(), "--days", "1"])

    assert code == 1
    assert not ingest.accepted
