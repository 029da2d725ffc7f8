"""Stage 2 of the evaluator, as pure code: keep a norm's live state, compute its indicators.

The state of a norm is a set of facts keyed by id: open items, finished items,
counted events and reported values. Every message from stage 1 is an upsert of
one fact, so applying a message twice, or replaying a stretch of the log, leaves
the same state. Indicators are computed from the facts, per point of the
drill-down hierarchy (organisation, then each prefix of the norm's scope).

Departures from the obvious:

1. Indicators are recomputed from the facts rather than updated incrementally.
   A recomputation of one norm is a few thousand tuples; doing it on a short
   timer for the norms that changed keeps the output rate bounded whatever
   the input rate, and removes a class of drift bugs.
2. A fact older than what any view needs (the longest live window, and the
   current Amsterdam day, plus the allowed lateness) is pruned, and a message
   about such a moment is reported and left out when it arrives. Lateness is
   judged against that horizon, not against the newest event seen: events of one
   norm reach stage 2 from several partitions, and during a catch-up burst those
   can be hours apart in event time without any of them being late for today.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from schemas.norms import IndicatorDefinition, NormDefinition
from services.evaluator.timeutil import in_unit, local_midnight

log = logging.getLogger(__name__)

ScopeNode = tuple[tuple[str, str], ...]  # (("location", "stadhuis"), ("service", "paspoort"))
DURATION_KINDS = frozenset({"share-within", "mean", "percentile", "maximum"})
OPEN_KINDS = frozenset({"open-count", "open-oldest", "open-over-limit"})


@dataclass(slots=True)
class Open:
    start: float
    scope: ScopeNode


@dataclass(slots=True)
class Done:
    start: float
    end: float
    duration: float
    within: bool
    scope: ScopeNode


@dataclass(slots=True)
class Fact:
    """A counted event or a reported value."""

    indicator: str
    ts: float
    scope: ScopeNode
    role: str = ""
    value: float = 0.0


def scope_node(norm: NormDefinition, scope: Mapping[str, str]) -> ScopeNode:
    """The deepest node of the hierarchy that the item's scope names without a gap."""
    node: list[tuple[str, str]] = []
    for level in norm.scope:
        if level not in scope:
            break
        node.append((level, scope[level]))
    return tuple(node)


def ancestors(node: ScopeNode) -> Iterator[ScopeNode]:
    """The organisation (empty node) and every prefix down to ``node`` itself."""
    for depth in range(len(node) + 1):
        yield node[:depth]


def scope_key(kind: str, *parts: str, node: ScopeNode = ()) -> str:
    """Key of a point in the hierarchy, e.g. ``indicator:balie:binnen-norm:location.stadhuis``.

    Codes are lowercase letters, digits and '-', so ':' and '.' never clash; the key
    is safe in a URL and as a CloudEvents subject.
    """
    return ":".join([kind, *parts, *(f"{level}.{value}" for level, value in node)])


@dataclass
class NormState:
    """Everything stage 2 knows about one norm; all updates are idempotent upserts."""

    norm: NormDefinition
    allowed_lateness: float = 3600.0
    open: dict[str, Open] = field(default_factory=dict)
    done: dict[str, Done] = field(default_factory=dict)
    closed: dict[str, float] = field(default_factory=dict)
    facts: dict[str, Fact] = field(default_factory=dict)
    watermark: float = 0.0
    last_message_at: float = 0.0
    late: int = 0

    def horizon(self, now: float) -> float:
        """The oldest moment any view still needs, less the allowed lateness (2)."""
        longest = max((i.window_seconds for i in self.norm.indicators), default=3600.0)
        return min(now - longest, local_midnight(now)) - self.allowed_lateness

    def apply(self, message: Mapping[str, Any], received_at: float,
              now: float | None = None) -> bool:
        """Apply one stage-1 message; returns False when it was too late to count.

        ``now`` is the evaluation clock; without it, the message's own time.
        """
        op = message["op"]
        ts = float(message.get("end", message["start"]))
        # 1. Guard: a message about a moment no view needs any more is reported, left out.
        if ts < self.horizon(max(now or ts, ts)):
            self.late += 1
            log.debug("norm %s: late message %s at %.0f; left out", self.norm.norm,
                      message["id"], ts)
            return False
        self.watermark = max(self.watermark, ts)
        self.last_message_at = max(self.last_message_at, received_at)
        node = scope_node(self.norm, message.get("scope") or {})
        item = message.get("item", "")
        # 2. Upsert the fact it carries.
        if op == "open":
            if item not in self.done and item not in self.closed:
                self.open[item] = Open(float(message["start"]), node)
        elif op == "done":
            self.open.pop(item, None)
            self.done[item] = Done(float(message["start"]), float(message["end"]),
                                   float(message["duration"]), bool(message["within"]), node)
        elif op == "close":
            self.open.pop(item, None)
            self.closed[item] = float(message["end"])
        elif op in ("count", "value"):
            self.facts[message["id"]] = Fact(message["indicator"], float(message["start"]), node,
                                             message.get("role", ""),
                                             float(message.get("value", 0.0)))
        return True

    def prune(self, now: float) -> None:
        """Forget facts that no view needs any more (2)."""
        horizon = self.horizon(now)
        self.done = {k: d for k, d in self.done.items() if d.end >= horizon}
        self.closed = {k: t for k, t in self.closed.items() if t >= horizon}
        self.facts = {k: f for k, f in self.facts.items() if f.ts >= horizon}


@dataclass(frozen=True, slots=True)
class Measurement:
    """One indicator at one scope node over one view (live window or today)."""

    value: float | None
    count: int


def _percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least p% at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[rank - 1]


def measure(indicator: IndicatorDefinition, norm: NormDefinition, done: list[Done],
            open_items: list[Open], facts: list[Fact], now: float) -> Measurement:
    """Compute one indicator from the facts already selected for its view and node."""
    kind, unit = indicator.kind, indicator.unit
    if kind in DURATION_KINDS:
        if not done:
            return Measurement(None, 0)
        durations = [d.duration for d in done]
        if kind == "share-within":
            value = 100.0 * sum(d.within for d in done) / len(done)
        elif kind == "mean":
            value = in_unit(sum(durations) / len(durations), unit)
        elif kind == "percentile":
            value = in_unit(_percentile(durations, indicator.percentile or 90.0), unit)
        else:
            value = in_unit(max(durations), unit)
        return Measurement(value, len(done))
    if kind in OPEN_KINDS:
        ages = [now - o.start for o in open_items]
        if kind == "open-count":
            return Measurement(float(len(ages)), len(ages))
        if kind == "open-oldest":
            return Measurement(in_unit(max(ages), unit) if ages else 0.0, len(ages))
        limit = norm.limit.seconds if norm.limit and norm.limit.seconds is not None else None
        if limit is None and norm.limit is not None and norm.limit.days is not None:
            limit = norm.limit.days * 86400.0
        over = sum(1 for a in ages if limit is not None and a > limit)
        return Measurement(float(over), len(ages))
    if kind == "count":
        starts = len(done) + len(open_items)
        return Measurement(float(starts), starts)
    mine = [f for f in facts if f.indicator == indicator.id]
    if kind == "ratio":
        numerator = sum(1 for f in mine if f.role == "numerator")
        denominator = sum(1 for f in mine if f.role == "denominator")
        if denominator == 0:
            return Measurement(None, 0)
        return Measurement(100.0 * numerator / denominator, denominator)
    if kind == "reported":
        if not mine:
            return Measurement(None, 0)
        return Measurement(sum(f.value for f in mine) / len(mine), len(mine))
    raise ValueError(f"unknown indicator kind {kind!r}")


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    norm: str
    indicator: str
    node: ScopeNode
    live: Measurement
    today: Measurement


def evaluate(state: NormState, now: float) -> list[IndicatorResult]:
    """Every indicator of the norm at every scope node that has facts, live and today."""
    norm = state.norm
    midnight = local_midnight(now)
    # 1. Index the facts by every node they roll up to.
    done_by: dict[ScopeNode, list[Done]] = defaultdict(list)
    open_by: dict[ScopeNode, list[Open]] = defaultdict(list)
    facts_by: dict[ScopeNode, list[Fact]] = defaultdict(list)
    nodes: set[ScopeNode] = {()}
    for collection, index in ((state.done.values(), done_by), (state.open.values(), open_by),
                              (state.facts.values(), facts_by)):
        for fact in collection:
            for node in ancestors(fact.scope):
                index[node].append(fact)  # type: ignore[index]
                nodes.add(node)
    # 2. Measure each indicator per node over its live window and over today; the
    #    selections are shared by the indicators that have the same window.
    results: list[IndicatorResult] = []
    for node in sorted(nodes):
        selections: dict[tuple[float, bool], tuple[list[Done], list[Open], list[Fact]]] = {}

        def select(since: float, open_kinds: bool, node: ScopeNode = node,
                   selections: dict[tuple[float, bool], Any] = selections
                   ) -> tuple[list[Done], list[Open], list[Fact]]:
            key = (since, open_kinds)
            if key not in selections:
                # Open items count whenever they started: the longest wait is as old as it is.
                open_items = (list(open_by[node]) if open_kinds
                              else [o for o in open_by[node] if o.start >= since])
                selections[key] = (_ended_after(done_by[node], since), open_items,
                                   _facts_after(facts_by[node], since))
            return selections[key]  # type: ignore[no-any-return]

        for indicator in norm.indicators:
            open_kinds = indicator.kind in OPEN_KINDS
            live = measure(indicator, norm, *select(now - indicator.window_seconds, open_kinds),
                           now)
            today = measure(indicator, norm, *select(midnight, open_kinds), now)
            results.append(IndicatorResult(norm.norm, indicator.id, node, live, today))
    return results


def _ended_after(done: Iterable[Done], since: float) -> list[Done]:
    return [d for d in done if d.end >= since]


def _facts_after(facts: Iterable[Fact], since: float) -> list[Fact]:
    return [f for f in facts if f.ts >= since]
