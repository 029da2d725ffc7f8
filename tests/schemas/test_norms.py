"""Norm definitions: the example charter, the model, and precise errors for bad files."""

from __future__ import annotations

import json
import math
from datetime import date, time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from schemas import norms
from schemas.norms import (
    Band,
    DefinitionError,
    ItemRule,
    Limit,
    NormDefinition,
    Text,
    load_file,
    load_folder,
    load_text,
)

ROOT = Path(__file__).resolve().parents[2]
CHARTER = ROOT / "deploy" / "charter" / "voorbeeldstad"

# A small valid definition; the table of invalid files below edits one line of it, so the
# expected line and column of each problem can be counted here by hand.
BASE = """\
norm: test-balie
version: 1
organisation: teststad
title: {nl: Balie, en: Counter}
promise: {nl: U wordt binnen 10 minuten geholpen.}
method: {nl: Van trekken tot oproepen.}
data_source: {nl: Wachtrijsysteem.}
owner: team-balie
effective: {from: 2026-01-01, until: null}
publish: {public: true, display: true}
scope: [location, desk]
calendar: calendar-days
item:
  start: [nl.servicenorm.queue.ticket.drawn]
  end: [nl.servicenorm.queue.ticket.called]
  where: {appointment: false}
limit: 10m
indicators:
  - id: binnen-norm
    kind: share-within
    title: {nl: Binnen 10 minuten}
    unit: percent
    direction: higher-is-better
    target: 90
    limit: 80
    window: 60m
    periods: [day, month]
    min_items: 5
"""


@pytest.fixture(scope="module")
def charter() -> dict[str, NormDefinition]:
    return {n.norm: n for n in load_folder(CHARTER)}


def _messages(text: str, filename: str = "x.yaml") -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_text(text, filename)
    return [str(p) for p in caught.value.problems]


def _edit(old: str, new: str) -> str:
    assert BASE.count(old) == 1, f"{old!r} must occur once in BASE"
    return BASE.replace(old, new)


# The example charter --------------------------------------------------------------------------


def test_the_whole_example_charter_loads(charter: dict[str, NormDefinition]) -> None:
    assert sorted(charter) == [
        "balie-wachttijd-afspraak", "balie-wachttijd-inloop", "brieven-beantwoording",
        "email-beantwoording", "klachten-afhandeling", "klanttevredenheid",
        "meldingen-openbare-ruimte", "omgevingsvergunning-beslistermijn",
        "telefoon-bereikbaarheid", "terugbelverzoek",
    ]
    assert {n.organisation for n in charter.values()} == {"voorbeeldstad"}
    assert all(n.promise.en and n.title.en for n in charter.values())


def test_only_the_internal_call_back_norm_is_not_public(
        charter: dict[str, NormDefinition]) -> None:
    assert [n.norm for n in charter.values() if not n.public] == ["terugbelverzoek"]


def test_walk_in_counter_card(charter: dict[str, NormDefinition]) -> None:
    norm = charter["balie-wachttijd-inloop"]
    assert norm.scope == ("location", "service", "desk")
    assert norm.public and norm.display
    assert norm.calendar == "opening-hours"
    assert norm.opening_hours is not None
    assert norm.opening_hours["thu"] == (time(8, 30), time(20, 0))
    assert "sat" not in norm.opening_hours
    assert norm.closing_days == {date(2026, 2, 16), date(2026, 5, 15)}
    assert norm.limit == Limit(seconds=600.0, days=None, calendar_days=False, unit="m")
    assert norm.item is not None
    assert norm.item.start == {"nl.servicenorm.queue.ticket.drawn"}
    assert norm.item.cancel == {"nl.servicenorm.queue.ticket.cancelled"}
    assert dict(norm.item.where) == {"appointment": False}
    assert [(i.id, i.kind) for i in norm.indicators] == [
        ("binnen-norm", "share-within"), ("gemiddelde-wachttijd", "mean"),
        ("langste-wachttijd-nu", "open-oldest"), ("bezoekers", "count")]
    share = norm.indicator("binnen-norm")
    assert share.band == Band(90.0, 80.0, "higher-is-better")
    assert share.window_seconds == 3600.0
    assert share.periods == ("day", "month", "quarter", "year")
    assert share.min_items == 5
    assert norm.status == norms.StatusRules(120.0, 2.0, 1800.0)


def test_appointment_counter_counts_only_appointments(
        charter: dict[str, NormDefinition]) -> None:
    norm = charter["balie-wachttijd-afspraak"]
    assert norm.item is not None
    assert norm.item.matches_start({"location": "stadhuis", "service": "paspoort",
                                    "appointment": True})
    assert not norm.item.matches_start({"location": "stadhuis", "service": "paspoort",
                                        "appointment": False})
    assert norm.indicator("binnen-norm").band == Band(95.0, 85.0, "higher-is-better")


def test_phone_norm_has_a_lower_is_better_abandon_ratio(
        charter: dict[str, NormDefinition]) -> None:
    norm = charter["telefoon-bereikbaarheid"]
    assert norm.scope == ("line", "team")
    assert norm.indicator("binnen-norm").band == Band(70.0, 60.0, "higher-is-better")
    ratio = norm.indicator("opgehangen")
    assert ratio.ratio == norms.RatioRule(frozenset({"nl.servicenorm.phone.call.abandoned"}),
                                          frozenset({"nl.servicenorm.phone.call.offered"}))
    assert ratio.band == Band(5.0, 10.0, "lower-is-better")
    assert ratio.band.colour(12.0) == "red"


def test_message_norms_filter_on_channel(charter: dict[str, NormDefinition]) -> None:
    channels = {name: dict(charter[name].item.where)  # type: ignore[union-attr]
                for name in ("email-beantwoording", "brieven-beantwoording", "terugbelverzoek")}
    assert channels == {"email-beantwoording": {"channel": "email"},
                        "brieven-beantwoording": {"channel": "letter"},
                        "terugbelverzoek": {"channel": "callback"}}
    overdue = charter["email-beantwoording"].indicator("te-laat-open")
    assert (overdue.kind, overdue.unit, overdue.band.direction) == (
        "open-over-limit", "count", "lower-is-better")


def test_case_norms(charter: dict[str, NormDefinition]) -> None:
    complaints = charter["klachten-afhandeling"]
    assert complaints.item == ItemRule(
        start=frozenset({"nl.servicenorm.case.received"}),
        end=frozenset({"nl.servicenorm.case.decided"}),
        cancel=frozenset({"nl.servicenorm.case.withdrawn"}),
        where=norms.FrozenMap({"case_type": "klacht"}))
    assert complaints.limit is not None and complaints.limit.days == 42
    permits = charter["omgevingsvergunning-beslistermijn"]
    assert permits.item is not None
    assert permits.item.matches_start({"case_type": "omgevingsvergunning"})
    assert not permits.item.matches_start({"case_type": "klacht"})
    assert permits.limit is not None and permits.limit.days == 56
    assert charter["meldingen-openbare-ruimte"].scope == ("category", "team")


def test_reported_satisfaction_has_no_item(charter: dict[str, NormDefinition]) -> None:
    norm = charter["klanttevredenheid"]
    assert norm.item is None and norm.limit is None
    (indicator,) = norm.indicators
    assert (indicator.kind, indicator.unit, indicator.reported_indicator) == (
        "reported", "score", "tevredenheid")
    assert indicator.band == Band(7.5, 6.5, "higher-is-better")
    assert norm.public


@pytest.mark.parametrize(("name", "spec", "seconds", "days", "calendar_days", "nl", "en"), [
    ("balie-wachttijd-inloop", "10m", 600.0, None, False, "10 minuten", "10 minutes"),
    ("balie-wachttijd-afspraak", "5m", 300.0, None, False, "5 minuten", "5 minutes"),
    ("telefoon-bereikbaarheid", "30s", 30.0, None, False, "30 seconden", "30 seconds"),
    ("email-beantwoording", "2d", None, 2, False, "2 werkdagen", "2 working days"),
    ("terugbelverzoek", "2d", None, 2, False, "2 werkdagen", "2 working days"),
    ("meldingen-openbare-ruimte", "5d", None, 5, False, "5 werkdagen", "5 working days"),
    ("brieven-beantwoording", "3w", None, 21, True, "3 weken", "3 weeks"),
    ("klachten-afhandeling", "6w", None, 42, True, "6 weken", "6 weeks"),
    ("omgevingsvergunning-beslistermijn", "8w", None, 56, True, "8 weken", "8 weeks"),
])
def test_charter_limits(charter: dict[str, NormDefinition], name: str, spec: str,
                        seconds: float | None, days: int | None, calendar_days: bool,
                        nl: str, en: str) -> None:
    limit = charter[name].limit
    assert limit is not None
    assert (limit.spec, limit.seconds, limit.days, limit.calendar_days) == (
        spec, seconds, days, calendar_days)
    assert (limit.text, limit.describe("en")) == (nl, en)


def test_every_charter_file_matches_the_json_schema() -> None:
    validator = Draft202012Validator(norms.schema())
    for path in sorted(CHARTER.glob("*.yaml")):
        document = norms._parse_yaml(path.read_text(encoding="utf-8"), path.name)[0]
        assert list(validator.iter_errors(document)) == [], path.name


# Round trip -------------------------------------------------------------------------------------


def test_round_trip_through_json(charter: dict[str, NormDefinition]) -> None:
    for norm in charter.values():
        wire = json.dumps(norm.to_dict())
        assert NormDefinition.from_dict(json.loads(wire)) == norm, norm.norm


def test_to_dict_is_the_file_format() -> None:
    data = load_text(BASE, "x.yaml").to_dict()
    assert data["limit"] == "10m"
    assert data["effective"] == {"from": "2026-01-01", "until": None}
    assert data["indicators"][0]["window"] == "1h"  # largest whole unit
    assert data["status"] == {"debounce": "2m", "margin": 2.0, "stale_after": "30m"}
    assert list(Draft202012Validator(norms.schema()).iter_errors(data)) == []


def test_from_dict_refuses_what_a_file_would_and_says_where() -> None:
    data = load_text(BASE, "x.yaml").to_dict()
    data["indicators"][0]["limit"] = 95
    with pytest.raises(DefinitionError) as caught:
        NormDefinition.from_dict(data, source="kafka")
    assert [str(p) for p in caught.value.problems] == [
        ("kafka /indicators/0/limit: grenswaarde 95 must be at or below streefwaarde 90 "
         "for a higher-is-better indicator")]
    assert caught.value.problems[0].line is None


def test_model_is_hashable_and_equal_by_value() -> None:
    first, second = load_text(BASE, "a.yaml"), load_text(BASE, "b.yaml")
    assert first == second
    assert hash(first) == hash(second)


# Band: colour and score -------------------------------------------------------------------------

HIGHER = Band(target=90, limit=80, direction="higher-is-better")
LOWER = Band(target=5, limit=10, direction="lower-is-better")


@pytest.mark.parametrize(("band", "value", "colour", "score"), [
    (HIGHER, 100, "green", 0.0),
    (HIGHER, 90, "green", 0.0),        # at the target: green
    (HIGHER, 89, "orange", 0.1),       # (90 - 89) / (90 - 80)
    (HIGHER, 85, "orange", 0.5),
    (HIGHER, 80, "orange", 1.0),       # at the limit: still orange, score 1
    (HIGHER, 79.5, "red", 1.0),
    (HIGHER, 0, "red", 1.0),
    (LOWER, 0, "green", 0.0),
    (LOWER, 5, "green", 0.0),
    (LOWER, 6, "orange", 0.2),         # (6 - 5) / (10 - 5)
    (LOWER, 7.5, "orange", 0.5),
    (LOWER, 10, "orange", 1.0),
    (LOWER, 10.5, "red", 1.0),
])
def test_band_colour_and_score(band: Band, value: float, colour: str, score: float) -> None:
    assert band.colour(value) == colour
    assert band.score(value) == pytest.approx(score)


def test_band_with_equal_target_and_limit_has_no_orange() -> None:
    band = Band(7, 7, "higher-is-better")
    assert (band.colour(7), band.score(7)) == ("green", 0.0)
    assert (band.colour(6.99), band.score(6.99)) == ("red", 1.0)


@pytest.mark.parametrize(("target", "limit", "direction", "message"), [
    (90, 95, "higher-is-better",
     "grenswaarde 95 must be at or below streefwaarde 90 for a higher-is-better indicator"),
    (10, 5, "lower-is-better",
     "grenswaarde 5 must be at or above streefwaarde 10 for a lower-is-better indicator"),
    (90, 80, "up", "direction must be one of ('higher-is-better', 'lower-is-better'), got 'up'"),
])
def test_band_refuses_inconsistent_edges(target: float, limit: float, direction: str,
                                         message: str) -> None:
    with pytest.raises(ValueError) as caught:
        Band(target, limit, direction)
    assert str(caught.value) == message


def test_band_refuses_nan() -> None:
    with pytest.raises(ValueError, match="expected a number to colour, got nan"):
        HIGHER.colour(math.nan)


_finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@settings(database=None, max_examples=300)
@given(a=_finite, b=_finite, value=_finite, higher=st.booleans())
def test_score_agrees_with_colour(a: float, b: float, value: float, higher: bool) -> None:
    target, limit = (max(a, b), min(a, b)) if higher else (min(a, b), max(a, b))
    band = Band(target, limit, "higher-is-better" if higher else "lower-is-better")
    score = band.score(value)
    assert 0.0 <= score <= 1.0
    assert (score == 0.0) == (band.colour(value) == "green")
    if band.colour(value) == "red":
        assert score == 1.0


# Small parts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "calendar", "limit", "text"), [
    ("1m", "working-days", Limit(60.0, None, False, "m"), "1 minuut"),
    ("2h", "calendar-days", Limit(7200.0, None, False, "h"), "2 uur"),
    ("1d", "working-days", Limit(None, 1, False, "d"), "1 werkdag"),
    ("5d", "calendar-days", Limit(None, 5, True, "d"), "5 dagen"),
    ("1w", "working-days", Limit(None, 7, True, "w"), "1 week"),
])
def test_limit_parse(spec: str, calendar: str, limit: Limit, text: str) -> None:
    assert Limit.parse(spec, calendar) == limit
    assert (limit.text, limit.spec) == (text, spec)


@pytest.mark.parametrize(("spec", "calendar", "message"), [
    ("10 minuten", "calendar-days", ("expected a duration such as '10m', '30s', '2d', "
                                     "got '10 minuten'")),
    ("2d", "opening-hours", ("expected a limit in s, m or h with calendar 'opening-hours' "
                             "(count days with 'working-days'), got '2d'")),
])
def test_limit_parse_refuses(spec: str, calendar: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        Limit.parse(spec, calendar)
    assert str(caught.value) == message


def test_limit_has_seconds_or_days_not_both() -> None:
    with pytest.raises(ValueError, match="seconds or days"):
        Limit(60.0, 1, False, "m")


def test_text_falls_back_to_dutch() -> None:
    assert Text("Balie", "Counter").get("en") == "Counter"
    assert Text("Balie").get("en") == "Balie"
    assert Text("Balie", "Counter").get("nl") == "Balie"


@pytest.mark.parametrize(("data", "expected"), [
    ({"appointment": False, "location": "stadhuis"}, True),
    ({"appointment": True, "location": "stadhuis"}, False),
    ({"location": "stadhuis"}, False),   # a missing field does not match
    ({"appointment": 0}, False),          # 0 is not false
])
def test_item_rule_matches_start(data: dict[str, object], expected: bool) -> None:
    rule = ItemRule(frozenset({"a"}), frozenset({"b"}), frozenset(),
                    norms.FrozenMap({"appointment": False}))
    assert rule.matches_start(data) is expected


def test_is_effective_includes_both_dates() -> None:
    text = _edit("until: null", "until: 2026-06-30")
    norm = load_text(text, "x.yaml")
    assert [norm.is_effective(d) for d in (date(2025, 12, 31), date(2026, 1, 1),
                                           date(2026, 6, 30), date(2026, 7, 1))] == [
        False, True, True, False]
    assert load_text(BASE, "x.yaml").is_effective(date(2099, 1, 1))


def test_python_constants_match_the_schema() -> None:
    schema = norms.schema()
    indicator = schema["$defs"]["indicator"]["properties"]
    assert tuple(indicator["kind"]["enum"]) == norms.KINDS
    item_rule = schema["allOf"][2]
    assert item_rule["then"]["required"] == ["item"]
    assert frozenset(item_rule["if"]["properties"]["indicators"]["contains"]["properties"]
                     ["kind"]["enum"]) == norms.ITEM_KINDS
    assert tuple(indicator["unit"]["enum"]) == norms.UNITS
    assert tuple(indicator["direction"]["enum"]) == norms.DIRECTIONS
    assert tuple(indicator["periods"]["items"]["enum"]) == norms.PERIODS
    assert tuple(schema["properties"]["calendar"]["enum"]) == norms.CALENDARS
    assert tuple(schema["properties"]["scope"]["items"]["enum"]) == norms.SCOPE_LEVELS
    assert tuple(schema["properties"]["opening_hours"]["properties"]) == norms.WEEKDAYS
    Draft202012Validator.check_schema(schema)


def test_yaml_scalars_follow_yaml_1_2() -> None:
    text = _edit("calendar: calendar-days",
                 "calendar: opening-hours\nopening_hours: {mon: [08:30, 17:00]}")
    norm = load_text(text, "x.yaml")
    assert norm.opening_hours == {"mon": (time(8, 30), time(17, 0))}
    assert _messages(_edit("public: true", "public: yes")) == [
        "x.yaml:10:19 /publish/public: expected true or false, got 'yes'"]


# Invalid files: file:line:column, pointer and message -------------------------------------------

INVALID = [
    pytest.param(
        "owner: team-balie\n", "owner: team-balie\nkleur: groen\n",
        "x.yaml:9:1 /kleur: expected one of the keys norm, version, organisation, title, "
        "promise, method, data_source, owner, effective, publish, scope, calendar, "
        "opening_hours, closing_days, item, limit, indicators, status, got unknown key 'kleur'",
        id="unknown key"),
    pytest.param(
        "    min_items: 5", "    min_items: 5\n    treshold: 3",
        "x.yaml:29:5 /indicators/0/treshold: expected one of the keys id, kind, title, unit, "
        "direction, target, limit, percentile, window, periods, min_items, ratio, reported, "
        "got unknown key 'treshold'",
        id="unknown nested key"),
    pytest.param(
        "limit: 10m", "limit: 10 minuten",
        "x.yaml:17:8 /limit: expected a duration such as '10m', '30s', '2d', got '10 minuten'",
        id="bad duration"),
    pytest.param(
        "limit: 10m", "limit: 10",
        "x.yaml:17:8 /limit: expected a duration such as '10m', '30s', '2d', got 10",
        id="duration without unit"),
    pytest.param(
        "    window: 60m", "    window: 2w",
        "x.yaml:26:13 /indicators/0/window: expected a duration such as '60m', '30s', '8h', "
        "'7d' (s, m, h or d of 24 hours), got '2w'",
        id="weeks as window"),
    pytest.param(
        "    limit: 80", "    limit: 95",
        "x.yaml:25:12 /indicators/0/limit: grenswaarde 95 must be at or below streefwaarde 90 "
        "for a higher-is-better indicator",
        id="limit above target, higher is better"),
    pytest.param(
        "direction: higher-is-better", "direction: lower-is-better",
        "x.yaml:25:12 /indicators/0/limit: grenswaarde 80 must be at or above streefwaarde 90 "
        "for a lower-is-better indicator",
        id="limit below target, lower is better"),
    pytest.param(
        "    target: 90", "    target: 120",
        "x.yaml:24:13 /indicators/0/target: expected a percentage from 0 to 100, got 120",
        id="percentage above 100"),
    pytest.param(
        "ticket.drawn]", "ticket.drwan]",
        "x.yaml:14:11 /item/start/0: expected a known event type, got "
        "'nl.servicenorm.queue.ticket.drwan'; did you mean 'nl.servicenorm.queue.ticket.drawn'?",
        id="unknown event type"),
    pytest.param(
        "  end: [nl.servicenorm.queue.ticket.called]",
        "  end: [nl.servicenorm.queue.ticket.called, nl.servicenorm.queue.ticket.drawn]",
        "x.yaml:15:45 /item/end/1: expected an event type that does not start the item, got "
        "'nl.servicenorm.queue.ticket.drawn'",
        id="end type also starts"),
    pytest.param(
        "kind: share-within\n    title: {nl: Binnen 10 minuten}\n    unit: percent\n"
        "    direction: higher-is-better\n    target: 90\n    limit: 80",
        "kind: percentile\n    title: {nl: Binnen 10 minuten}\n    unit: minutes\n"
        "    direction: lower-is-better\n    target: 10\n    limit: 15",
        "x.yaml:19:5 /indicators/0/percentile: expected key 'percentile': an indicator of kind "
        "'percentile' names its percentile (1 to 99)",
        id="missing percentile"),
    pytest.param(
        "    min_items: 5", "    min_items: 5\n    percentile: 90",
        "x.yaml:29:17 /indicators/0/percentile: expected no percentile: only an indicator of "
        "kind 'percentile' has one",
        id="percentile on another kind"),
    pytest.param(
        "    unit: percent", "    unit: minutes",
        "x.yaml:22:11 /indicators/0/unit: expected 'percent' (the unit of a share or a ratio), "
        "got 'minutes'",
        id="unit does not fit kind"),
    pytest.param(
        "kind: share-within", "kind: share",
        "x.yaml:20:11 /indicators/0/kind: expected an indicator kind: one of 'share-within', "
        "'mean', 'percentile', 'maximum', 'open-count', 'open-oldest', 'open-over-limit', "
        "'ratio', 'count', 'reported', got 'share'",
        id="unknown kind"),
    pytest.param(
        "from: 2026-01-01", "from: 2026-02-30",
        "x.yaml:9:19 /effective/from: expected a date as YYYY-MM-DD, got '2026-02-30'",
        id="bad date"),
    pytest.param(
        "until: null", "until: 2025-12-31",
        "x.yaml:9:38 /effective/until: expected a date on or after 2026-01-01 (from), "
        "got '2025-12-31'",
        id="until before from"),
    pytest.param(
        "owner: team-balie", "owner: team: balie",
        "x.yaml:8:12: YAML syntax error: mapping values are not allowed here",
        id="YAML syntax error"),
    pytest.param(
        "owner: team-balie\n", "owner: team-balie\nversion: 2\n",
        "x.yaml:9:1 /version: expected each key once in a mapping, got 'version' again "
        "(first on line 2)",
        id="duplicate key"),
    pytest.param(
        "version: 1", "version: 0",
        "x.yaml:2:10 /version: expected a version number, at least 1, got 0",
        id="version 0"),
    pytest.param(
        "appointment: false", "apointment: false",
        "x.yaml:16:23 /item/where/apointment: expected a field that every start event carries "
        "(appointment, location, service), got 'apointment'",
        id="where field not in start event"),
    pytest.param(
        "appointment: false", "appointment: 'nee'",
        "x.yaml:16:24 /item/where/appointment: expected true or false (true for a visitor with "
        "an appointment, false for a walk-in), as the field 'appointment' of "
        "nl.servicenorm.queue.ticket.drawn, got 'nee'",
        id="where value of wrong type"),
    pytest.param(
        "scope: [location, desk]", "scope: [location, line]",
        "x.yaml:11:19 /scope/1: expected a scope level that the norm's events carry "
        "(location, service, desk), got 'line'",
        id="scope level not carried"),
    pytest.param(
        "calendar: calendar-days", "calendar: opening-hours",
        "x.yaml:1:1 /opening_hours: expected key 'opening_hours': the calendar 'opening-hours' "
        "needs the opening hours per weekday",
        id="opening hours missing"),
    pytest.param(
        "calendar: calendar-days", "calendar: working-days\nopening_hours: {mon: [08:30, 17:00]}",
        "x.yaml:13:16 /opening_hours: expected no opening hours: they are used only with "
        "calendar 'opening-hours'",
        id="opening hours without that calendar"),
    pytest.param(
        "calendar: calendar-days", "calendar: opening-hours\nopening_hours: {mon: [17:00, 08:30]}",
        "x.yaml:13:30 /opening_hours/mon/1: expected a closing time after the opening time "
        "'17:00', got '08:30'",
        id="closing before opening"),
    pytest.param(
        "    min_items: 5",
        "    min_items: 5\n  - id: opgehangen\n    kind: ratio\n    title: {nl: Opgehangen}\n"
        "    unit: percent\n    direction: lower-is-better\n    target: 5\n    limit: 10\n"
        "    window: 60m\n    periods: [day]\n    min_items: 10\n"
        "    ratio: {numerator: [nl.servicenorm.phone.call.abandonned], "
        "denominator: [nl.servicenorm.phone.call.offered]}",
        "x.yaml:39:25 /indicators/1/ratio/numerator/0: expected a known event type, got "
        "'nl.servicenorm.phone.call.abandonned'; did you mean "
        "'nl.servicenorm.phone.call.abandoned'?",
        id="unknown event type in a ratio"),
    pytest.param(
        "title: {nl: Balie, en: Counter}", "title: Balie",
        "x.yaml:4:8 /title: expected a text per language, such as {nl: '...', en: '...'}, "
        "got 'Balie'",
        id="text not per language"),
    pytest.param(
        "  - id: binnen-norm\n", "  - id: binnen-norm\n    kind: mean\n",
        "x.yaml:21:5 /indicators/0/kind: expected each key once in a mapping, got 'kind' again "
        "(first on line 20)",
        id="duplicate key in an indicator"),
]


@pytest.mark.parametrize(("old", "new", "expected"), INVALID)
def test_invalid_file(old: str, new: str, expected: str) -> None:
    assert _messages(_edit(old, new)) == [expected]


def test_base_definition_is_valid() -> None:
    assert load_text(BASE, "x.yaml").norm == "test-balie"


def test_duplicate_indicator_ids() -> None:
    second = BASE[BASE.index("  - id: binnen-norm"):].replace("indicators:\n", "")
    assert _messages(BASE + second) == [
        ("x.yaml:29:9 /indicators/1/id: expected an id not used before in this norm, "
         "got 'binnen-norm' (also /indicators/0/id)")]


def test_item_required_when_an_indicator_measures_items() -> None:
    text = _edit("item:\n  start: [nl.servicenorm.queue.ticket.drawn]\n"
                 "  end: [nl.servicenorm.queue.ticket.called]\n  where: {appointment: false}\n",
                 "")
    assert _messages(text) == [
        ("x.yaml:1:1 /item: expected key 'item': indicators that measure items (all kinds but "
         "'ratio' and 'reported') need the item's start and end events")]


@pytest.mark.parametrize(("text", "expected"), [
    ("", "y.yaml: expected a norm definition (a mapping), got nothing"),
    ("- a\n- b\n", "y.yaml:1:1: expected a mapping (key: value), got ['a', 'b']"),
    ("norm: a\n---\nnorm: b\n", ("y.yaml:2:1: YAML syntax error: but found another document "
                                 "(expected a single document in the stream)")),
])
def test_files_that_are_no_definition(text: str, expected: str) -> None:
    assert _messages(text, "y.yaml") == [expected]


def test_all_problems_are_reported_in_file_order() -> None:
    text = _edit("version: 1", "version: 0").replace("limit: 10m", "limit: tien")
    assert [m.split(" ")[0] for m in _messages(text)] == ["x.yaml:2:10", "x.yaml:17:8"]


# Loading files and folders ---------------------------------------------------------------------


def test_load_file_names_the_file_in_problems(tmp_path: Path) -> None:
    path = tmp_path / "balie.yaml"
    path.write_text(_edit("    limit: 80", "    limit: 95"), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_file(path)
    assert str(caught.value).startswith(f"{path}:25:12 /indicators/0/limit: grenswaarde 95")


def test_folder_with_one_bad_file_loads_nothing(tmp_path: Path) -> None:
    (tmp_path / "a-goed.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "b-fout.yml").write_text(_edit("limit: 10m", "limit: 10 minuten"),
                                         encoding="utf-8")
    (tmp_path / "LEESMIJ.md").write_text("geen definitie", encoding="utf-8")
    loaded: list[NormDefinition] | None = None
    with pytest.raises(DefinitionError) as caught:
        loaded = load_folder(tmp_path)
    assert loaded is None
    assert [str(p) for p in caught.value.problems] == [
        (f"{tmp_path / 'b-fout.yml'}:17:8 /limit: expected a duration such as '10m', '30s', "
         "'2d', got '10 minuten'")]


def test_folder_refuses_a_norm_id_used_twice(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(BASE, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_folder(tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        (f"{tmp_path / 'b.yaml'}:1:7 /norm: expected a norm id not used by another file, "
         f"got 'test-balie' (also in {tmp_path / 'a.yaml'})")]


def test_folder_ignores_other_files_and_sorts_by_name(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "a.yaml").write_text(BASE.replace("test-balie", "test-aaa"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("norm: kapot", encoding="utf-8")
    assert [n.norm for n in load_folder(tmp_path)] == ["test-aaa", "test-balie"]


def test_missing_folder_is_a_definition_error(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="expected a folder of norm definitions"):
        load_folder(tmp_path / "bestaat-niet")


def test_a_hall_display_norm_must_be_public() -> None:
    text = BASE.replace("publish: {public: true, display: true}",
                        "publish: {public: false, display: true}")
    messages = _messages(text)
    assert any("/publish/display" in m and "needs public: true" in m for m in messages), messages
