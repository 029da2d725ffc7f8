"""Each indicator kind on a small, hand-computed morning at the counter.

The morning of Mon 2 Mar 2026, evaluated at 11:00 (live window 10:00 to 11:00):

    ticket  drawn  called  wait   counts?
    A       10:00  10:05    5 m   yes, within 10 m
    B       10:10  10:22   12 m   yes, too late
    C       10:20  10:28    8 m   yes, within
    D       10:40  10:41    1 m   yes, within
    E       10:45  open    15 m at 11:00 (older than the limit)
    F       10:55  open     5 m at 11:00
    G       10:30  cancelled 10:35: not measured
    H       10:00  10:30   30 m   appointment: excluded from the walk-in norm
    I       09:00  09:20   20 m   ended before the window: today only

Live: A B C D → 3 of 4 within = 75 %; mean 6.5 m; p90 (nearest rank 4 of 4) 12 m; max 12 m.
Today: A B C D I → 3 of 5 = 60 %; mean 9.2 m; max 20 m.
Open: E F → count 2, oldest 15 m, older than 10 m: 1.
Count (finished in view + open started in view): live 4 + 2 = 6, today 5 + 2 = 7.
"""

from __future__ import annotations

import pytest
from norm_factory import indicator, phone_norm, queue_norm, reported_norm
from streaming import at, event, run

NOW = at("2026-03-02 11:00")


def morning() -> list[dict[str, object]]:
    def visit(subject: str, drawn: str, called: str | None, appointment: bool = False,
              cancelled: str | None = None) -> list[dict[str, object]]:
        events = [event("queue.ticket.drawn", subject, at(f"2026-03-02 {drawn}"),
                        location="stadhuis", service="paspoort", appointment=appointment)]
        if called:
            events.append(event("queue.ticket.called", subject, at(f"2026-03-02 {called}"),
                                location="stadhuis", desk="balie-1"))
        if cancelled:
            events.append(event("queue.ticket.cancelled", subject,
                                at(f"2026-03-02 {cancelled}"), location="stadhuis",
                                reason="no-show"))
        return events

    return [*visit("A", "10:00", "10:05"), *visit("B", "10:10", "10:22"),
            *visit("C", "10:20", "10:28"), *visit("D", "10:40", "10:41"),
            *visit("E", "10:45", None), *visit("F", "10:55", None),
            *visit("G", "10:30", None, cancelled="10:35"),
            *visit("H", "10:00", "10:30", appointment=True), *visit("I", "09:00", "09:20")]


NORM = queue_norm(
    indicator("share", "share-within", "percent", "higher-is-better", 90, 80),
    indicator("mean", "mean", "minutes"),
    indicator("p90", "percentile", "minutes", extra="    percentile: 90\n"),
    indicator("max", "maximum", "minutes"),
    indicator("open", "open-count", "count", target=5, limit=10),
    indicator("oldest", "open-oldest", "minutes", target=10, limit=15),
    indicator("over", "open-over-limit", "count", target=0, limit=2),
    indicator("visitors", "count", "count", target=40, limit=60),
)


@pytest.fixture(scope="module")
def snapshots() -> dict[str, dict[str, object]]:
    return run([NORM], morning(), NOW)


@pytest.mark.parametrize(
    ("indicator_id", "live", "today", "status"),
    [
        ("share", 75.0, 60.0, "red"),        # 75 < grenswaarde 80
        ("mean", 6.5, 9.2, "green"),         # 6.5 ≤ streefwaarde 7
        ("p90", 12.0, 20.0, "red"),          # 12 > 10
        ("max", 12.0, 20.0, "red"),
        ("open", 2.0, 2.0, "green"),
        ("oldest", 15.0, 15.0, "red"),       # 15 ≥ 15: at the grenswaarde is not worse
        ("over", 1.0, 1.0, "orange"),        # between 0 and 2
        ("visitors", 6.0, 7.0, "green"),
    ],
)
def test_indicator_values(snapshots: dict[str, dict[str, object]], indicator_id: str,
                          live: float, today: float, status: str) -> None:
    snapshot = snapshots[f"indicator:balie:{indicator_id}"]
    assert snapshot["value"] == pytest.approx(live)
    assert snapshot["today"]["value"] == pytest.approx(today)  # type: ignore[index]
    if indicator_id != "oldest":
        assert snapshot["status"] == status


def test_grenswaarde_itself_is_orange_not_red(snapshots: dict[str, dict[str, object]]) -> None:
    # The longest wait is exactly the grenswaarde of 15 minutes: not worse than it.
    assert snapshots["indicator:balie:oldest"]["status"] == "orange"


def test_drill_down_nodes_carry_the_same_figures(snapshots: dict[str, dict[str, object]]) -> None:
    location = snapshots["indicator:balie:share:location.stadhuis"]
    service = snapshots["indicator:balie:share:location.stadhuis:service.paspoort"]
    desk = snapshots["indicator:balie:share:location.stadhuis:service.paspoort:desk.balie-1"]
    assert location["value"] == service["value"] == desk["value"] == 75.0
    # The waiting tickets have no desk yet: they count for the service, not for a desk.
    assert snapshots["indicator:balie:open:location.stadhuis:service.paspoort"]["value"] == 2.0
    assert snapshots["indicator:balie:open:location.stadhuis:service.paspoort:desk.balie-1"][
        "value"] == 0.0


def test_norm_and_location_roll_up_to_the_worst(snapshots: dict[str, dict[str, object]]) -> None:
    assert snapshots["norm:balie"]["status"] == "red"
    assert snapshots["location:stadhuis"]["status"] == "red"
    assert snapshots["organisation"]["status"] == "red"


def test_ratio_of_abandoned_calls() -> None:
    # Five calls offered, one abandoned, four answered: 1 / 5 = 20 %, worse than 10 → red.
    events = []
    for n in range(5):
        subject = f"call-{n}"
        events.append(event("phone.call.offered", subject, at(f"2026-03-02 10:1{n}"),
                            line="14-0123"))
        kind = "phone.call.abandoned" if n == 0 else "phone.call.answered"
        events.append(event(kind, subject, at(f"2026-03-02 10:2{n}"), line="14-0123"))
    snapshots = run([phone_norm()], events, NOW)
    ratio = snapshots["indicator:telefoon:opgehangen"]
    assert ratio["value"] == pytest.approx(20.0)
    assert ratio["count"] == 5
    assert ratio["status"] == "red"
    assert snapshots["indicator:telefoon:opgehangen:line.14-0123"]["value"] == pytest.approx(20.0)


def test_reported_values_average_and_need_enough_answers() -> None:
    one = [event("value.reported", "s-1", at("2026-03-02 10:10"), indicator="tevredenheid",
                 value=8, location="stadhuis")]
    assert run([reported_norm()], one, NOW)["indicator:tevreden:score"]["status"] == "no-data"
    three = [
        *one,
        event("value.reported", "s-2", at("2026-03-02 10:20"), indicator="tevredenheid",
              value=6, location="stadhuis"),
        event("value.reported", "s-3", at("2026-03-02 10:30"), indicator="tevredenheid",
              value=7, location="stadhuis"),
        event("value.reported", "s-4", at("2026-03-02 10:40"), indicator="andere-vraag",
              value=1, location="stadhuis"),
    ]
    score = run([reported_norm()], three, NOW)["indicator:tevreden:score"]
    assert score["value"] == pytest.approx(7.0)   # (8 + 6 + 7) / 3; the other question ignored
    assert score["status"] == "orange"           # between 6.5 and 7.5


def test_recall_counts_from_the_last_call() -> None:
    events = [event("queue.ticket.drawn", "R", at("2026-03-02 10:00"), location="stadhuis",
                    service="paspoort", appointment=False),
              event("queue.ticket.called", "R", at("2026-03-02 10:04"), location="stadhuis",
                    desk="balie-1"),
              event("queue.ticket.called", "R", at("2026-03-02 10:13"), location="stadhuis",
                    desk="balie-2")]
    norm = queue_norm(indicator("max", "maximum", "minutes"))
    assert run([norm], events, NOW)["indicator:balie:max"]["value"] == pytest.approx(13.0)


def test_duplicates_and_reordering_change_nothing() -> None:
    events = morning()
    shuffled = list(reversed(events)) + events[:7]  # every event late and some twice
    assert _values(run([NORM], events, NOW)) == _values(run([NORM], shuffled, NOW))


def test_no_events_means_no_data_never_green() -> None:
    snapshots = run([NORM], [], NOW)
    assert snapshots["indicator:balie:open"]["status"] == "no-data"
    assert snapshots["norm:balie"]["status"] == "no-data"


def _values(snapshots: dict[str, dict[str, object]]) -> dict[str, object]:
    return {k: (s.get("value"), s.get("today"), s["status"]) for k, s in snapshots.items()}


def test_late_message_beyond_allowed_lateness_is_left_out_and_reported() -> None:
    """The views need today and the last 60 minutes; one hour of lateness is allowed."""
    from services.evaluator.aggregate import NormState

    state = NormState(NORM, allowed_lateness=3600)
    base = {"norm": "balie", "scope": {"location": "stadhuis"}, "op": "done",
            "duration": 60.0, "within": True}
    now = at("2026-03-02 10:00").timestamp()
    midnight = at("2026-03-02 00:00").timestamp()
    # Early this morning, hours before the newest event: part of today, counted.
    assert state.apply({**base, "id": "balie|a", "item": "a", "start": midnight + 60,
                        "end": midnight + 120}, 0, now)
    # 23:30 yesterday: before today, but within the allowed hour: counted.
    assert state.apply({**base, "id": "balie|b", "item": "b", "start": midnight - 1860,
                        "end": midnight - 1800}, 0, now)
    # 22:30 yesterday: reported and left out.
    assert not state.apply({**base, "id": "balie|c", "item": "c", "start": midnight - 5460,
                            "end": midnight - 5400}, 0, now)
    assert sorted(state.done) == ["a", "b"]
    assert state.late == 1


def test_a_change_held_back_by_the_output_pace_is_emitted_later_when_event_time_stands_still(
) -> None:
    """With the event clock, event time stops when the events stop; the pace must not."""
    from services.evaluator.engine import Engine

    engine = Engine(allowed_lateness=10 * 24 * 3600, min_emit_interval=1.0)
    engine.set_definition(NORM)
    now = NOW.timestamp()
    message = {"norm": "balie", "scope": {"location": "stadhuis"}, "op": "done",
               "duration": 60.0, "within": True, "start": now - 120, "end": now - 60}
    engine.apply({**message, "id": "balie|a", "item": "a"}, now)
    first = engine.tick(now, everything=True, wall=100.0)
    assert any(s["scope_key"] == "indicator:balie:mean" for s in first.snapshots)
    # A second wait of 3 minutes: the mean moves from 1 to 2 minutes, still green.
    engine.apply({**message, "id": "balie|b", "item": "b", "duration": 180.0}, now)
    held = engine.tick(now, everything=True, wall=100.5)   # within the pace: held back
    assert not any(s["scope_key"] == "indicator:balie:mean" for s in held.snapshots)
    later = engine.tick(now, everything=True, wall=101.6)  # same event time, later wall time
    mean = [s for s in later.snapshots if s["scope_key"] == "indicator:balie:mean"]
    assert mean and mean[0]["value"] == 2.0


def test_a_new_item_that_leaves_the_share_unchanged_still_updates_the_count() -> None:
    """100 % within the norm today before and after, and nothing in the live hour: only
    today's number of items changed, and a screen that shows it must hear of it."""
    from services.evaluator.engine import Engine

    engine = Engine(allowed_lateness=10 * 24 * 3600, min_emit_interval=1.0)
    engine.set_definition(NORM)
    now = NOW.timestamp()
    message = {"norm": "balie", "scope": {"location": "stadhuis"}, "op": "done",
               "duration": 60.0, "within": True, "start": now - 7260, "end": now - 7200}
    engine.apply({**message, "id": "balie|a", "item": "a"}, now)
    engine.tick(now, everything=True, wall=100.0)
    engine.apply({**message, "id": "balie|b", "item": "b"}, now)
    later = engine.tick(now, everything=True, wall=102.0)
    share = [s for s in later.snapshots if s["scope_key"] == "indicator:balie:share"]
    assert share, "the share's snapshot was not sent again"
    assert share[0]["value"] is None  # nothing in the live hour
    assert share[0]["today"] == {"value": 100.0, "count": 2}


def test_finished_items_are_recognised_for_expiry() -> None:
    from services.evaluator.calendars import WorkingDayCalendar
    from services.evaluator.pairing import is_finished, process

    calendars = {"balie": WorkingDayCalendar()}
    drawn, called = [e for e in morning() if e["subject"] == "A"]
    state, messages = process([NORM], "A", None, drawn, calendars)
    assert not is_finished(state, messages)          # still waiting
    state, messages = process([NORM], "A", state, called, calendars)
    assert is_finished(state, messages)              # measured
    case = event("case.received", "Z", at("2026-03-02 10:00"), case_type="klacht")
    state, _ = process([NORM], "Z", None, case, calendars)
    assert not is_finished(state, [{"op": "done"}])  # an open case stays for the case book
