"""Bands, debounce, no-data and stale, roll-ups."""

from __future__ import annotations

import pytest

from schemas.norms import Band, StatusRules
from services.evaluator.status import Tracker, margin_crossed, worst

RULES = StatusRules(debounce_seconds=120, margin=2.0, stale_after_seconds=1800)
SHARE = Band(target=90, limit=80, direction="higher-is-better")


def test_first_status_is_shown_at_once() -> None:
    tracker = Tracker()
    assert tracker.update("green", 95, SHARE, RULES, now=0)
    assert tracker.shown == "green"
    assert tracker.previous is None


def test_small_change_waits_for_the_debounce() -> None:
    tracker = Tracker()
    tracker.update("green", 91, SHARE, RULES, now=0)
    # 89 is orange, but only 1 point past the edge: not shown before 120 s have passed.
    assert not tracker.update("orange", 89, SHARE, RULES, now=10)
    assert not tracker.update("orange", 89, SHARE, RULES, now=100)
    assert tracker.shown == "green"
    assert tracker.update("orange", 89, SHARE, RULES, now=131)
    assert (tracker.previous, tracker.shown) == ("green", "orange")


def test_flapping_back_resets_the_candidate() -> None:
    tracker = Tracker()
    tracker.update("green", 91, SHARE, RULES, now=0)
    tracker.update("orange", 89, SHARE, RULES, now=10)
    tracker.update("green", 90.5, SHARE, RULES, now=60)   # back: candidate forgotten
    assert not tracker.update("orange", 89, SHARE, RULES, now=150)  # held only since 150
    assert tracker.shown == "green"


def test_crossing_by_the_margin_shows_at_once() -> None:
    tracker = Tracker()
    tracker.update("green", 95, SHARE, RULES, now=0)
    assert tracker.update("red", 70, SHARE, RULES, now=1)   # 10 points below the grenswaarde
    assert tracker.shown == "red"


def test_no_data_and_stale_show_at_once() -> None:
    tracker = Tracker()
    tracker.update("green", 95, SHARE, RULES, now=0)
    assert tracker.update("stale", None, SHARE, RULES, now=1)
    assert tracker.update("green", 95, SHARE, RULES, now=2)
    assert tracker.update("no-data", None, SHARE, RULES, now=3)


@pytest.mark.parametrize(
    ("value", "colour", "crossed"),
    [(92, "green", True), (91, "green", False), (78, "red", True), (79, "red", False),
     (85, "orange", True), (89, "orange", False), (81.5, "orange", False)],
)
def test_margin_for_higher_is_better(value: float, colour: str, crossed: bool) -> None:
    assert margin_crossed(SHARE, value, colour, 2.0) is crossed


def test_margin_for_lower_is_better() -> None:
    wait = Band(target=7, limit=10, direction="lower-is-better")
    assert margin_crossed(wait, 12, "red", 2.0)
    assert not margin_crossed(wait, 11, "red", 2.0)
    assert margin_crossed(wait, 5, "green", 2.0)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [(["green", "red", "orange"], "red"), (["green", "no-data"], "green"),
     (["no-data", "no-data"], "no-data"), (["green", "stale"], "stale"),
     (["stale", "orange"], "orange"), ([], "no-data")],
)
def test_roll_up_takes_the_worst_ignoring_no_data(parts: list[str], expected: str) -> None:
    assert worst(parts) == expected


@pytest.mark.parametrize(
    ("parts", "expected"),
    [(["no-data", "green"], "no-data"),    # the promise itself is not measured yet
     (["no-data", "red"], "red"),          # but a warning still shows
     (["green", "no-data"], "green"),
     (["orange", "green"], "orange")],
)
def test_norm_roll_up_follows_its_headline_indicator(parts: list[str], expected: str) -> None:
    from services.evaluator.status import norm_status

    assert norm_status(parts) == expected
