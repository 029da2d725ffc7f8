"""Small parts of the Faust worker that need no broker: pacing, item expiry, the watchdog."""

from __future__ import annotations

from collections import deque

from services.evaluator.worker import Continuity, Pacer, Watchdog, expire_items

EVENTS = ("p.events", 0)
OTHER = ("p.events", 1)


def test_watchdog_names_a_partition_with_a_backlog_that_stands_still() -> None:
    dog = Watchdog(stall_seconds=20)
    dog.processed[EVENTS] = 503
    assert dog.stalled({EVENTS: 1266}, now=0) == []      # first sight: behind, maybe moving
    assert dog.stalled({EVENTS: 1266}, now=19) == []     # not long enough yet
    assert dog.stalled({EVENTS: 1266}, now=20) == [EVENTS]
    assert dog.stalled({EVENTS: 1266}, now=21) == []     # the remedy gets its own 20 s
    assert dog.stalled({EVENTS: 1266}, now=40) == [EVENTS]


def test_watchdog_leaves_moving_and_caught_up_partitions_alone() -> None:
    dog = Watchdog(stall_seconds=20)
    dog.processed[EVENTS] = 100
    dog.processed[OTHER] = 99
    assert dog.stalled({EVENTS: 500, OTHER: 100}, now=0) == []
    dog.processed[EVENTS] = 300                           # moved
    assert dog.stalled({EVENTS: 500, OTHER: 100}, now=25) == []
    # OTHER processed offset 99 with high-water 100: nothing is waiting, however long.
    assert dog.stalled({EVENTS: 500, OTHER: 100}, now=44) == []
    assert dog.stalled({EVENTS: 500, OTHER: 100}, now=45) == [EVENTS]


def test_watchdog_counts_a_partition_never_read_and_ignores_unknown_highwater() -> None:
    dog = Watchdog(stall_seconds=5)
    assert dog.stalled({EVENTS: 3, OTHER: None}, now=0) == []
    assert dog.stalled({EVENTS: 3, OTHER: None}, now=5) == [EVENTS]
    assert dog.stalled({EVENTS: 0}, now=100) == []         # an empty partition


def test_watchdog_starts_afresh_after_a_rebalance() -> None:
    dog = Watchdog(stall_seconds=5)
    dog.processed[EVENTS] = 1
    dog.stalled({EVENTS: 10}, now=0)
    dog.forget()
    assert dog.stalled({EVENTS: 10}, now=6) == []
    assert dog.stalled({EVENTS: 10}, now=11) == [EVENTS]


def test_pacer_waits_twice_the_cost_of_the_last_evaluation() -> None:
    pacer = Pacer()
    assert pacer.due(0.0)
    pacer.spent(started=10.0, ended=10.5)
    assert not pacer.due(11.4)
    assert pacer.due(11.5)


def test_expiry_removes_only_what_is_due_and_a_few_at_a_time() -> None:
    items = {f"k{n}".encode(): b"{}" for n in range(60)}
    queue = deque((float(n), f"k{n}".encode()) for n in range(60))
    assert expire_items(items, queue, now=54.5) == 50       # at most 50 per event
    assert expire_items(items, queue, now=54.5) == 5        # the rest that is due
    assert len(items) == 5 and b"k55" in items


def test_watchdog_names_a_partition_processed_to_the_end_whose_commit_stands_still() -> None:
    """Seen after a restart: every message processed, the committed offset stuck below."""
    dog = Watchdog(stall_seconds=20)
    dog.processed[EVENTS] = 1302
    commits = {EVENTS: 631}
    assert dog.stalled({EVENTS: 1303}, now=0, committed=commits) == []
    assert dog.stalled({EVENTS: 1303}, now=19, committed=commits) == []
    assert dog.stalled({EVENTS: 1303}, now=20, committed=commits) == [EVENTS]


def test_watchdog_leaves_a_partition_alone_whose_commit_catches_up() -> None:
    dog = Watchdog(stall_seconds=20)
    dog.processed[EVENTS] = 1302
    assert dog.stalled({EVENTS: 1303}, now=0, committed={EVENTS: 1200}) == []
    assert dog.stalled({EVENTS: 1303}, now=15, committed={EVENTS: 1303}) == []  # committed
    assert dog.stalled({EVENTS: 1303}, now=40, committed={EVENTS: 1303}) == []
    # A commit that moves, even if not yet to the end, is not a stall.
    dog.processed[EVENTS] = 2000
    assert dog.stalled({EVENTS: 2001}, now=50, committed={EVENTS: 1500}) == []
    assert dog.stalled({EVENTS: 2001}, now=65, committed={EVENTS: 1800}) == []
    assert dog.stalled({EVENTS: 2001}, now=80, committed={EVENTS: 2001}) == []


def test_continuity_accepts_consecutive_offsets_from_the_committed_one() -> None:
    guard = Continuity()
    assert guard.seen(2, 478, committed=478) is None
    assert [guard.seen(2, n, committed=478) for n in range(479, 600)] == [None] * 121


def test_continuity_names_the_first_skipped_offset() -> None:
    """Seen after a restart: committed 478, the first message the library delivered was 640."""
    guard = Continuity()
    assert guard.seen(2, 640, committed=478) == 478
    # The skipped range is then processed; from here offsets must follow each other.
    assert guard.seen(2, 641, committed=478) is None
    assert guard.seen(2, 645, committed=478) == 642


def test_continuity_takes_a_step_back_as_a_harmless_repeat() -> None:
    guard = Continuity()
    for n in range(10, 20):
        assert guard.seen(0, n, committed=None) is None
    assert guard.seen(0, 12, committed=None) is None     # read twice: idempotent
    assert guard.seen(0, 13, committed=None) is None
    assert guard.seen(0, 15, committed=None) == 14


def test_continuity_starts_afresh_after_a_rebalance_and_keeps_partitions_apart() -> None:
    guard = Continuity()
    guard.seen(0, 5, committed=None)
    guard.seen(1, 100, committed=None)
    assert guard.seen(1, 101, committed=None) is None
    guard.forget()
    assert guard.seen(0, 50, committed=50) is None        # another worker moved it on
    assert guard.seen(1, 300, committed=None) is None     # nothing known: no judgement


def test_pacer_keeps_a_minimum_interval_between_cheap_evaluations() -> None:
    pacer = Pacer(min_interval=0.05)
    pacer.spent(started=10.0, ended=10.001)
    assert not pacer.due(10.049)
    assert pacer.due(10.05)
    pacer.spent(started=20.0, ended=20.1)        # an expensive one: twice its cost wins
    assert not pacer.due(20.29) and pacer.due(20.31)
