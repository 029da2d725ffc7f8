"""A plain recomputation of the queue norms from the events sent, to check the stream against.

Deliberately simple and apart from the evaluator's code: a loop over the events
per ticket, following the norm cards of ``deploy/charter/voorbeeldstad`` (start,
last end, cancel, the ``where`` filter, the per-item limit) and the definition of
"today" (items that ended since local midnight; open items however old).
It covers the indicator kinds the queue norms use.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bench.stack import CHARTER
from schemas.norms import NormDefinition, load_folder

log = logging.getLogger(__name__)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
UNIT_SECONDS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}
Node = tuple[tuple[str, str], ...]


def queue_norms() -> list[NormDefinition]:
    return [n for n in load_folder(CHARTER)
            if n.item is not None and any(t.startswith("nl.servicenorm.queue.")
                                          for t in n.item.start)]


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@dataclass
class Item:
    norm: str
    subject: str
    op: str
    start: float
    end: float | None
    within: bool | None
    node: Node

    @property
    def id(self) -> str:
        return f"{self.norm}|{self.subject}"


def items_of(norm: NormDefinition, events: Iterable[Mapping[str, Any]]) -> list[Item]:
    """One item per ticket that the norm counts, with how it stands after all events."""
    rule = norm.item
    assert rule is not None
    relevant = rule.start | rule.end | rule.cancel
    by_subject: dict[str, dict[str, Mapping[str, Any]]] = defaultdict(dict)
    for event in events:
        if event["type"] in relevant:
            by_subject[event["subject"]][f"{event['source']}|{event['id']}"] = event
    found = []
    for subject, unique in by_subject.items():
        ordered = sorted(unique.items(), key=lambda kv: (_ts(kv[1]["time"]), kv[0]))
        item = _item(norm, subject, [e for _, e in ordered])
        if item is not None:
            found.append(item)
    return found


def _item(norm: NormDefinition, subject: str, events: list[Mapping[str, Any]]) -> Item | None:
    rule = norm.item
    assert rule is not None
    starts = [e for e in events if e["type"] in rule.start]
    if not starts or not rule.matches_start(starts[0].get("data") or {}):
        return None
    start = _ts(starts[0]["time"])
    scope: dict[str, str] = {}
    for event in events:
        for level in norm.scope:
            value = (event.get("data") or {}).get(level)
            if level not in scope and isinstance(value, str):
                scope[level] = value
    node: list[tuple[str, str]] = []
    for level in norm.scope:
        if level not in scope:
            break
        node.append((level, scope[level]))
    ends = [_ts(e["time"]) for e in events if e["type"] in rule.end and _ts(e["time"]) >= start]
    if ends:
        end = ends[-1]
        within = True if norm.limit is None else end - start <= float(norm.limit.seconds or 0)
        return Item(norm.norm, subject, "done", start, end, within, tuple(node))
    cancels = [_ts(e["time"]) for e in events if e["type"] in rule.cancel]
    if cancels:
        return Item(norm.norm, subject, "close", start, cancels[-1], None, tuple(node))
    return Item(norm.norm, subject, "open", start, None, None, tuple(node))


def scope_key(norm: str, indicator: str, node: Node) -> str:
    return ":".join(["indicator", norm, indicator, *(f"{k}.{v}" for k, v in node)])


def _today_value(kind: str, unit: str, percentile: float | None, done: list[Item],
                 open_items: list[Item], midnight: float) -> tuple[float | None, int]:
    durations = [i.end - i.start for i in done if i.end is not None]
    scale = UNIT_SECONDS.get(unit, 1.0)
    if kind == "share-within":
        return (100.0 * sum(bool(i.within) for i in done) / len(done) if done else None,
                len(done))
    if kind == "mean":
        return (sum(durations) / len(durations) / scale if durations else None, len(done))
    if kind == "maximum":
        return (max(durations) / scale if durations else None, len(done))
    if kind == "percentile":
        if not durations:
            return None, 0
        ordered = sorted(durations)
        rank = max(1, math.ceil((percentile or 90.0) / 100.0 * len(ordered)))
        return ordered[rank - 1] / scale, len(done)
    if kind == "count":
        started = len(done) + sum(1 for i in open_items if i.start >= midnight)
        return float(started), started
    if kind in ("open-count", "open-oldest", "open-over-limit"):
        return None, len(open_items)  # the value depends on the moment it was computed
    raise ValueError(f"kind {kind!r} is not covered by the recomputation")


@dataclass
class Expected:
    """What the indicators and the recorder should hold after the given events."""

    items: dict[str, Item] = field(default_factory=dict)
    today: dict[str, tuple[float | None, int]] = field(default_factory=dict)


def expected(events: list[Mapping[str, Any]], now: float | None = None) -> Expected:
    now = now or datetime.now(AMSTERDAM).timestamp()
    day = datetime.fromtimestamp(now, AMSTERDAM).date()
    midnight = datetime(day.year, day.month, day.day, tzinfo=AMSTERDAM).timestamp()
    out = Expected()
    for norm in queue_norms():
        items = items_of(norm, events)
        out.items.update((i.id, i) for i in items)
        by_node: dict[Node, list[Item]] = defaultdict(list)
        for item in items:
            if item.op == "close":
                continue
            for depth in range(len(item.node) + 1):
                by_node[item.node[:depth]].append(item)
        for node, members in by_node.items():
            done = [i for i in members if i.op == "done" and (i.end or 0) >= midnight]
            open_items = [i for i in members if i.op == "open"]
            for ind in norm.indicators:
                out.today[scope_key(norm.norm, ind.id, node)] = _today_value(
                    ind.kind, ind.unit, ind.percentile, done, open_items, midnight)
    return out


def compare_indicators(want: Expected, snapshots: Mapping[str, Mapping[str, Any]]
                       ) -> dict[str, Any]:
    """Today's value and count per scope key, the stream's against the recomputation."""
    wrong: list[dict[str, Any]] = []
    for key, (value, count) in sorted(want.today.items()):
        got = snapshots.get(key)
        today = (got or {}).get("today") or {}
        got_value, got_count = today.get("value"), today.get("count")
        same_value = value is None or (got_value is not None and abs(got_value - value) < 0.01)
        if got is None or got_count != count or not same_value:
            wrong.append({"key": key, "want": [value, count], "got": [got_value, got_count]})
    return {"keys": len(want.today), "mismatched": len(wrong), "examples": wrong[:8]}


def lost_and_double(want: Expected, snapshots: Mapping[str, Mapping[str, Any]],
                    key: str) -> dict[str, int]:
    """Items counted too few (lost) or too many (double) at one scope key, by today's count."""
    _, count = want.today.get(key, (None, 0))
    got = ((snapshots.get(key) or {}).get("today") or {}).get("count") or 0
    return {"expected": count, "counted": int(got), "lost": max(0, count - int(got)),
            "double": max(0, int(got) - count)}


def compare_rows(want: Expected, rows: Mapping[str, str]) -> dict[str, Any]:
    """Recorded observations (id -> op) against the expected items."""
    missing = [i for i in want.items if i not in rows]
    wrong_op = [i for i, item in want.items.items() if i in rows and rows[i] != item.op]
    extra = [i for i in rows if i not in want.items]
    return {"expected": len(want.items), "recorded": len(rows), "missing": len(missing),
            "wrong_op": len(wrong_op), "extra": len(extra),
            "examples": (missing + wrong_op + extra)[:5]}
