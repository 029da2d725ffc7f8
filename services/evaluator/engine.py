"""The evaluator's core, without Kafka: stage-2 state for every norm, and what to emit.

:class:`Engine` receives stage-1 messages, and on each tick returns indicator
snapshots (for the compacted indicators topic) and status-change events (for the
status topic). The Faust worker in ``worker.py`` only moves bytes in and out.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from schemas.contract import SPECVERSION, STATUS_CHANGED
from schemas.norms import NormDefinition
from services.evaluator.aggregate import IndicatorResult, NormState, evaluate, scope_key
from services.evaluator.status import NO_DATA, Tracker, judge, norm_status, worst
from services.evaluator.timeutil import iso

log = logging.getLogger(__name__)

SOURCE = "/servicenorm/evaluator"
Snapshot = dict[str, Any]


@dataclass(slots=True)
class Output:
    snapshots: list[Snapshot] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Engine:
    """Stage 2 of the evaluator for every known norm."""

    allowed_lateness: float = 3600.0
    min_emit_interval: float = 1.0
    states: dict[str, NormState] = field(default_factory=dict)
    trackers: dict[str, Tracker] = field(default_factory=lambda: defaultdict(Tracker))
    dirty: set[str] = field(default_factory=set)
    last_emitted: dict[str, tuple[float, tuple[Any, ...]]] = field(default_factory=dict)
    pending: list[Mapping[str, Any]] = field(default_factory=list)
    late_reported: dict[str, int] = field(default_factory=dict)
    _wall: float = 0.0

    # -- definitions ------------------------------------------------------------------------

    def set_definition(self, norm: NormDefinition) -> None:
        state = self.states.get(norm.norm)
        if state is None:
            self.states[norm.norm] = NormState(norm, self.allowed_lateness)
        else:
            state.norm = norm  # keep the facts; the new bands apply from the next tick
        self.dirty.add(norm.norm)
        # Messages that arrived before their definition are applied now.
        waiting, self.pending = self.pending, []
        for message in waiting:
            self.apply(message, float(message.get("_received_at", 0.0)))

    def remove_definition(self, norm_id: str) -> None:
        self.states.pop(norm_id, None)

    def seed_status(self, key: str, status: str, since: float) -> None:
        """Remember what was published before a restart, so it is not announced again."""
        tracker = self.trackers[key]
        tracker.shown, tracker.since = status, since

    # -- messages ---------------------------------------------------------------------------

    def apply(self, message: Mapping[str, Any], received_at: float,
              now: float | None = None) -> bool:
        state = self.states.get(message["norm"])
        if state is None:
            self.pending.append({**message, "_received_at": received_at})
            return False
        counted = state.apply(message, received_at, now)
        if counted:
            self.dirty.add(state.norm.norm)
        return counted

    # -- evaluation -------------------------------------------------------------------------

    def tick(self, now: float, everything: bool = False,
             owned: Iterable[str] | None = None, wall: float | None = None) -> Output:
        """Evaluate the norms that changed (or all), and return what to emit.

        ``now`` is the evaluation clock (wall or event time); ``wall`` is the monotonic
        clock that paces the output, which must keep running when event time stands
        still. ``owned`` limits the work to the norms this worker is responsible for.
        """
        self._wall = time.monotonic() if wall is None else wall
        names = set(self.states) if everything else set(self.dirty)
        if owned is not None:
            names &= set(owned)
        self.dirty -= names
        output = Output()
        norm_status: dict[str, dict[tuple[tuple[str, str], ...], str]] = {}
        for name in sorted(names):
            state = self.states[name]
            if state.late > self.late_reported.get(name, 0):
                log.warning("norm %s: %d messages about moments before the live window and "
                            "today (less %.0fs allowed lateness) were left out of the live "
                            "figures (%d in all); the recorder keeps them",
                            name, state.late - self.late_reported.get(name, 0),
                            self.allowed_lateness, state.late)
                self.late_reported[name] = state.late
            state.prune(now)
            norm_status[name] = self._emit_norm(state, evaluate(state, now), now, output)
        if everything:
            self._emit_rollups(norm_status, now, output)
        return output

    def _emit_norm(self, state: NormState, results: list[IndicatorResult], now: float,
                   output: Output) -> dict[tuple[tuple[str, str], ...], str]:
        norm = state.norm
        stale = bool(state.last_message_at) and (
            now - state.last_message_at > norm.status.stale_after_seconds)
        # A norm that never received anything has no data, even where zero open items
        # would otherwise read as green.
        never = not state.last_message_at
        by_node: dict[tuple[tuple[str, str], ...], list[str]] = defaultdict(list)
        scores: dict[tuple[tuple[str, str], ...], list[float]] = defaultdict(list)
        definitions = {i.id: i for i in norm.indicators}
        for result in results:
            indicator = definitions[result.indicator]
            judgement = judge(indicator, None if never else result.live.value,
                              result.live.count, stale)
            key = scope_key("indicator", norm.norm, indicator.id, node=result.node)
            tracker = self.trackers[key]
            changed = tracker.update(judgement.status, result.live.value, indicator.band,
                                     norm.status, now)
            shown = tracker.shown or NO_DATA
            by_node[result.node].append(shown)
            if judgement.score is not None:
                scores[result.node].append(judgement.score)
            snapshot = {
                "scope_key": key, "kind": "indicator", "norm": norm.norm,
                "indicator": indicator.id, "scope": dict(result.node),
                "status": shown, "raw_status": judgement.status, "score": judgement.score,
                "value": _round(result.live.value), "count": result.live.count,
                "unit": indicator.unit, "window_seconds": indicator.window_seconds,
                "today": {"value": _round(result.today.value), "count": result.today.count},
                "since": iso(tracker.since) if tracker.since else None,
                "updated_at": iso(now), "version": norm.version,
            }
            self._maybe_emit(snapshot, now, output, force=changed)
            if changed:
                output.changes.append(self._change(snapshot, tracker, now))
        statuses: dict[tuple[tuple[str, str], ...], str] = {}
        for node, parts in by_node.items():
            statuses[node] = norm_status(parts)
            key = scope_key("norm", norm.norm, node=node)
            score = max(scores[node]) if scores[node] else None
            self._rollup(key, "norm", statuses[node], score, now, output,
                         norm=norm.norm, scope=dict(node))
        return statuses

    def _emit_rollups(self, norm_status: Mapping[str, Mapping[Any, str]], now: float,
                      output: Output) -> None:
        by_location: dict[str, list[str]] = defaultdict(list)
        organisation: list[str] = []
        for statuses in norm_status.values():
            for node, status in statuses.items():
                if not node:
                    organisation.append(status)
                elif len(node) == 1 and node[0][0] == "location":
                    by_location[node[0][1]].append(status)
        for location, parts in by_location.items():
            self._rollup(scope_key("location", location), "location", worst(parts), None, now,
                         output, scope={"location": location})
        if organisation:
            self._rollup("organisation", "organisation", worst(organisation), None, now, output)

    def _rollup(self, key: str, kind: str, status: str, score: float | None, now: float,
                output: Output, norm: str | None = None, scope: dict[str, str] | None = None
                ) -> None:
        tracker = self.trackers[key]
        changed = status != tracker.shown
        if changed:
            tracker.previous, tracker.shown, tracker.since = tracker.shown, status, now
        snapshot = {"scope_key": key, "kind": kind, "norm": norm, "indicator": None,
                    "scope": scope or {}, "status": status, "score": score,
                    "since": iso(tracker.since), "updated_at": iso(now)}
        self._maybe_emit(snapshot, now, output, force=changed)
        if changed:
            output.changes.append(self._change(snapshot, tracker, now))

    def _maybe_emit(self, snapshot: Snapshot, now: float, output: Output, force: bool) -> None:
        """Emit a snapshot when it changed, at most once per interval per key."""
        now = self._wall
        key = snapshot["scope_key"]
        today = snapshot.get("today") or {}
        fingerprint = (snapshot["status"], snapshot.get("value"), snapshot.get("count"),
                       today.get("value"), today.get("count"))
        last = self.last_emitted.get(key)
        if last is not None and not force:
            if last[1] == fingerprint or now - last[0] < self.min_emit_interval:
                return
        self.last_emitted[key] = (now, fingerprint)
        output.snapshots.append(snapshot)

    def _change(self, snapshot: Snapshot, tracker: Tracker, now: float) -> dict[str, Any]:
        at = iso(now)
        digest = hashlib.sha1(f"{snapshot['scope_key']}|{at}|{snapshot['status']}".encode())
        data = {"kind": snapshot["kind"], "scope_key": snapshot["scope_key"],
                "scope": snapshot["scope"], "previous": tracker.previous,
                "status": snapshot["status"], "score": snapshot.get("score"),
                "value": snapshot.get("value"), "unit": snapshot.get("unit")}
        if snapshot.get("norm"):
            data["norm"] = snapshot["norm"]
        if snapshot.get("indicator"):
            data["indicator"] = snapshot["indicator"]
        return {"specversion": SPECVERSION, "id": digest.hexdigest(), "source": SOURCE,
                "type": STATUS_CHANGED, "time": at, "subject": snapshot["scope_key"],
                "datacontenttype": "application/json",
                "data": {k: v for k, v in data.items() if v is not None or k == "previous"}}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
