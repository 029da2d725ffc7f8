"""The evaluator as a Faust worker: Kafka in, Kafka out, the logic in engine.py and pairing.py.

Agents and tasks:

* ``pair`` (stage 1) reads ``events``, keyed by item. The item's events live in
  the ``items`` table (changelogged in Kafka), and what they imply goes to
  ``observations``, keyed by norm.
* ``aggregate`` (stage 2) reads ``observations`` into the :class:`Engine`.
* ``evaluate_loop`` evaluates the norms that changed, ``tick_seconds`` after a
  change, and every norm every second (the longest wait grows without events),
  and writes indicator snapshots and status changes.
* ``follow_definitions`` reads the compacted ``definitions`` topic from the start
  and keeps following it, so a changed definition applies without restart.
* ``tick_cases`` (when a case-type catalogue is configured) evaluates every case
  once a minute: deadlines, at-risk and overdue lists, the dwangsom exposure, and a
  status change for each case whose stage changed.

Departures from the obvious:

1. Stage 2 keeps its state in memory and rebuilds it at start by reading the
   observations of the current day again (``warm_up``). Its facts are keyed
   upserts, so reading some messages twice is harmless, and the state never
   drifts from the log. A state table would write every fact twice.
2. Nothing is processed until the definitions have been read to their end:
   otherwise the first events after a restart would meet no norm.
3. A malformed record on ``events`` (written around ingest) goes to the
   dead-letter topic with the reason in a header, and the stream goes on. A huge
   record is cut to ``DEAD_LETTER_MAX_BYTES`` there (its size in a header), so that
   writing the dead letter cannot fail in turn.
4. A finished item is deleted from the ``items`` table a day after it finished
   (``item_retention_seconds``), while an event of the same partition is being
   processed, since a table change belongs to the partition of the current event.
   The expiry list is kept in memory: items that finished before a restart stay
   in the table. That costs memory, never a wrong figure; a compaction job over the
   changelog is the remedy when a deployment runs for months without restarts.
5. The evaluation is woken by a change rather than run on a fixed timer, so a
   change is seen within ``tick_seconds`` plus the evaluation, and it is paced by
   its own cost (:class:`Pacer`): never sooner than twice its last duration after
   it ended, nor ``min_interval_seconds`` after it started. It covers the norms
   that changed, and every norm when the last full evaluation is a second old.
   Under a flood of events the evaluation then takes at most about a third of the
   time, and the events the rest; the full evaluation is one of the paced ones, so
   it cannot take more.
6. A partition watchdog (:class:`Watchdog`). After a restart the stream library
   has been seen to leave one assigned partition unread while the others flow,
   and to stop committing one partition although its messages are processed
   (a gap at the head of its list of acknowledged offsets, which it never fills:
   the committed offset stands still and the group's lag never reaches zero).
   When a partition has a backlog or uncommitted messages, and neither its
   processed nor its committed offset moved for ``stall_seconds``, the watchdog
   logs what the consumer holds for it, resumes it and reads it again from its
   committed offset. Messages read twice are harmless, since every update is
   idempotent.
7. The group session is short (``session_timeout_seconds``, 15 s): after a crash
   the restarted worker waits that long for the dead member to be given up, and
   heartbeats run on the consumer's own thread, so a busy event loop does not
   cost the session.
8. Offsets are checked for continuity (:class:`Continuity`). The events and
   observations topics have no gaps (no transactions, no compaction), so a
   message whose offset is beyond the next one expected (the last processed plus
   one, or the committed offset for the first message after an assignment) means
   messages were skipped. Seen after a restart: the stream library drops fetched
   records of a partition it does not yet count as active, while the client's
   position has moved past them. Seeking back does not help: records fetched
   before the seek arrive after it and move the library's read offset on again,
   and it then drops the records read again. So the messages from the offset
   expected up to the current one are read directly with a plain consumer and
   processed before the current one, and the library is told to count the range
   as done (its own notion of a gap), so that its commits move on. Processing a
   message twice is harmless: every update is idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

import faust
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.partitioner import murmur2

from schemas.contract import ContractError, validate
from schemas.norms import NormDefinition
from schemas.settings import CommonSettings, env_int
from schemas.topics import topic_names
from services.evaluator.calendars import WorkingDayCalendar
from services.evaluator.cases import CaseBook, CaseView
from services.evaluator.casework import now_in_amsterdam
from services.evaluator.casework import snapshots as case_snapshots
from services.evaluator.engine import Engine, Output
from services.evaluator.pairing import is_finished, process, relevant_types
from services.evaluator.timeutil import local_midnight

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EvaluatorSettings:
    common: CommonSettings
    clock: str = "wall"            # "wall": now is the wall clock; "event": the newest event time
    tick_seconds: float = 0.01     # a change is evaluated this long after it arrived, at least
    min_interval_seconds: float = 0.05  # and evaluations start at most this often
    allowed_lateness_seconds: int = 3600
    partitions: int = 4
    app_id: str = "servicenorm-evaluator"
    case_types: str = ""           # path of a case-type catalogue (YAML); empty: no case book
    case_tick_seconds: float = 60.0
    item_retention_seconds: int = 24 * 3600
    stall_seconds: float = 20.0
    session_timeout_seconds: float = 15.0

    @classmethod
    def from_env(cls) -> EvaluatorSettings:
        clock = os.environ.get("SERVICENORM_EVALUATOR_CLOCK", "wall")
        if clock not in ("wall", "event"):
            raise ValueError(
                f"SERVICENORM_EVALUATOR_CLOCK must be 'wall' or 'event', got {clock!r}")
        return cls(
            common=CommonSettings.from_env(),
            clock=clock,
            tick_seconds=env_int("EVALUATOR_TICK_MS", 10) / 1000.0,
            min_interval_seconds=env_int("EVALUATOR_MIN_INTERVAL_MS", 50) / 1000.0,
            allowed_lateness_seconds=env_int("EVALUATOR_ALLOWED_LATENESS_SECONDS", 3600),
            partitions=env_int("PARTITIONS", 4),
            app_id=os.environ.get("SERVICENORM_EVALUATOR_APP_ID", "servicenorm-evaluator"),
            case_types=os.environ.get("SERVICENORM_CASE_TYPES", ""),
            case_tick_seconds=float(env_int("EVALUATOR_CASE_TICK_SECONDS", 60)),
            item_retention_seconds=env_int("EVALUATOR_ITEM_RETENTION_SECONDS", 24 * 3600),
            stall_seconds=float(env_int("EVALUATOR_STALL_SECONDS", 20)),
            session_timeout_seconds=float(env_int("EVALUATOR_SESSION_TIMEOUT_SECONDS", 15)),
        )


@dataclass(slots=True)
class Pacer:
    """When may the next evaluation of changed norms run? (5)"""

    factor: float = 2.0
    min_interval: float = 0.0
    next_at: float = 0.0

    def due(self, now: float) -> bool:
        return now >= self.next_at

    def spent(self, started: float, ended: float) -> None:
        self.next_at = max(ended + self.factor * (ended - started), started + self.min_interval)


@dataclass(slots=True)
class Watchdog:
    """Which partitions have a backlog or uncommitted work, and have not moved? (6)

    ``processed`` is the offset of the last message processed per (topic,
    partition), written by the agents; :meth:`stalled` is given each partition's
    high-water mark (the offset the next message will get) and, where known, its
    committed offset (the next offset to read after a restart).
    """

    stall_seconds: float
    processed: dict[tuple[str, int], int] = field(default_factory=dict)
    _seen: dict[tuple[str, int], tuple[int, int | None, float]] = field(default_factory=dict)

    def stalled(self, highwater: dict[tuple[str, int], int | None], now: float,
                committed: dict[tuple[str, int], int | None] | None = None
                ) -> list[tuple[str, int]]:
        found = []
        for tp, high in highwater.items():
            done = self.processed.get(tp, -1)
            commit = (committed or {}).get(tp)
            behind = high is not None and done < high - 1
            # Processed but not committed: normal for a moment, a fault when it lasts.
            uncommitted = committed is not None and done >= 0 and (
                commit is None or commit <= done)
            if not (behind or uncommitted):
                self._seen.pop(tp, None)  # nothing waiting
                continue
            seen = self._seen.get(tp)
            if seen is None or seen[:2] != (done, commit):
                self._seen[tp] = (done, commit, now)  # moving, or newly behind
            elif now - seen[2] >= self.stall_seconds:
                found.append(tp)
                self._seen[tp] = (done, commit, now)  # give the remedy time to work
        return found

    def forget(self) -> None:
        """After a rebalance: start watching afresh."""
        self._seen.clear()


@dataclass(slots=True)
class Continuity:
    """Were messages of a partition skipped? (8)"""

    expected: dict[int, int] = field(default_factory=dict)

    def seen(self, partition: int, offset: int, committed: int | None) -> int | None:
        """Note a message; return the first skipped offset when some were skipped."""
        want = self.expected.get(partition, committed)
        self.expected[partition] = offset + 1
        if want is not None and offset > want:
            return want
        return None

    def forget(self) -> None:
        """After a rebalance another worker may have moved the partition on."""
        self.expected.clear()


class Runtime:
    """What the agents share within one worker process."""

    def __init__(self, settings: EvaluatorSettings) -> None:
        self.settings = settings
        self.engine = Engine(allowed_lateness=settings.allowed_lateness_seconds)
        self.norms: dict[str, NormDefinition] = {}
        self.calendars: dict[str, WorkingDayCalendar] = {}
        self.event_types: dict[str, frozenset[str]] = {}
        self.ready = asyncio.Event()
        self.newest_event = 0.0
        self.processed = 0
        self.pacer = Pacer(min_interval=settings.min_interval_seconds)
        self.evaluated_all_at = 0.0
        self.changed = asyncio.Event()  # stage 2 took in something new
        self.watchdog = Watchdog(settings.stall_seconds)
        self.continuity = {"events": Continuity(), "observations": Continuity()}
        self.cases: CaseBook | None = None
        self.case_views: list[CaseView] = []
        self.cases_rebuilt = False
        # Per partition of the events topic: (expires at, subject) of finished items (4).
        self.expiry: dict[int, deque[tuple[float, bytes]]] = defaultdict(deque)
        if settings.case_types:
            from schemas.casetypes import load_file

            self.cases = CaseBook(load_file(settings.case_types))

    def now(self) -> float:
        if self.settings.clock == "event" and self.newest_event:
            return self.newest_event
        return time.time()

    def set_definition(self, norm: NormDefinition) -> None:
        self.norms[norm.norm] = norm
        self.calendars[norm.norm] = WorkingDayCalendar(closing_days=frozenset(norm.closing_days))
        self.event_types[norm.norm] = relevant_types(norm)
        self.engine.set_definition(norm)
        log.info("definition applied: norm %s version %d", norm.norm, norm.version)

    def active_norms(self) -> list[NormDefinition]:
        return list(self.norms.values())


def build_app(settings: EvaluatorSettings | None = None) -> tuple[faust.App, Runtime]:
    settings = settings or EvaluatorSettings.from_env()
    names = topic_names(settings.common.topic_prefix)
    runtime = Runtime(settings)
    app = faust.App(
        settings.app_id,
        broker=f"kafka://{settings.common.kafka_bootstrap}",
        store="memory://",
        web_enabled=False,
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        processing_guarantee="at_least_once",
        producer_acks=-1,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        # Batch what the agents send: without a linger every message is its own
        # produce request, and socket writes take most of the time under load.
        producer_linger=0.005,
        producer_max_batch_size=256 * 1024,
        broker_session_timeout=settings.session_timeout_seconds,  # 7
        key_serializer="raw",
        value_serializer="raw",
    )
    raw = {"key_serializer": "raw", "value_serializer": "raw"}
    events = app.topic(names.events, key_type=bytes, value_type=bytes, **raw)
    observations = app.topic(names.observations, key_type=bytes, value_type=bytes,
                             partitions=settings.partitions, **raw)
    indicators = app.topic(names.indicators, key_type=bytes, value_type=bytes, **raw)
    status = app.topic(names.status, key_type=bytes, value_type=bytes, **raw)
    dead = app.topic(names.dead_letters, key_type=bytes, value_type=bytes, **raw)
    items = app.Table("items", default=None, partitions=settings.partitions,
                      key_type=bytes, value_type=bytes)

    async def emit(output: Output) -> None:
        for snapshot in output.snapshots:
            await indicators.send(key=snapshot["scope_key"].encode(), value=orjson.dumps(snapshot))
        for change in output.changes:
            await status.send(key=change["subject"].encode(), value=orjson.dumps(change))
            # Roll-ups at INFO, the many indicator scopes at DEBUG.
            level = logging.DEBUG if change["data"]["kind"] == "indicator" else logging.INFO
            log.log(level, "status %s: %s -> %s", change["subject"],
                    change["data"]["previous"], change["data"]["status"])

    async def pair_record(key: bytes | None, value: bytes | None, topic: str,
                          partition: int, offset: int) -> None:
        """Stage 1 for one record of the events topic."""
        # 1. Decode and check the record; a bad one goes to the dead letters (3).
        try:
            cloud_event = validate(orjson.loads(value or b""))
        except (orjson.JSONDecodeError, ContractError, RecursionError, TypeError) as exc:
            await send_dead_letter(dead, key, value, f"{topic}[{partition}]@{offset}",
                                   str(exc) or type(exc).__name__)
            return
        subject = cloud_event["subject"]
        # 2. Add it to its item and derive the messages for stage 2.
        state_bytes = items.get(subject.encode())
        state = orjson.loads(state_bytes) if state_bytes else None
        new_state, messages = process(runtime.active_norms(), subject, state, cloud_event,
                                      runtime.calendars, runtime.event_types)
        # 3. Send the messages first, then store the state: a crash between the two
        #    replays the event, which derives the same messages again.
        for message in messages:
            await observations.send(key=message["norm"].encode(), value=orjson.dumps(message))
        items[subject.encode()] = orjson.dumps(new_state)
        # 4. Remember when a finished item may go, and let expired ones go (4).
        if is_finished(new_state, messages):
            runtime.expiry[partition].append(
                (time.time() + settings.item_retention_seconds, subject.encode()))
        expire_items(items, runtime.expiry[partition], time.time())
        if runtime.cases is not None and cloud_event["type"].startswith(CASE_PREFIX):
            runtime.cases.apply(cloud_event)
        runtime.newest_event = max(runtime.newest_event, event_seconds(cloud_event))
        runtime.processed += 1

    @app.agent(events)
    async def pair(stream: faust.StreamT[bytes]) -> None:
        await runtime.ready.wait()  # 2
        async for event in stream.events():
            await fill_gap(event, "events")  # 8
            message = event.message
            await pair_record(event.key, event.value, message.topic, message.partition,
                              message.offset)
            runtime.watchdog.processed[(names.events, message.partition)] = message.offset

    async def fill_gap(event: Any, stage: str) -> None:
        """Process the messages the library skipped before this one, read directly (8)."""
        message = event.message
        committed = app.consumer._committed_offset.get(message.tp)
        start = runtime.continuity[stage].seen(message.partition, message.offset, committed)
        if start is None:
            return
        log.warning("partition %s[%d]: offset %d follows %d; reading the %d messages between "
                    "directly", message.topic, message.partition, message.offset, start - 1,
                    message.offset - start)
        handled = 0
        async for record in read_range(settings, message.topic, message.partition,
                                       start, message.offset):
            if stage == "events":
                await pair_record(record.key, record.value, record.topic, record.partition,
                                  record.offset)
            else:
                aggregate_value(record.value, record.partition, record.offset)
            handled += 1
        # Let the library count the range as done, so that its commits move on.
        await app.consumer._add_gap(message.tp, start, message.offset - 1)
        log.warning("partition %s[%d]: %d skipped messages processed", message.topic,
                    message.partition, handled)

    async def forget_offsets(sender: Any, partitions: Any, **kwargs: Any) -> None:
        """On a rebalance another worker may move a partition on (8)."""
        for guard in runtime.continuity.values():
            guard.forget()

    app.on_partitions_revoked.connect(forget_offsets)
    app.on_partitions_assigned.connect(forget_offsets)

    def aggregate_value(value: bytes, partition: int, offset: int) -> None:
        """Stage 2 for one observation."""
        message = orjson.loads(value)
        runtime.watchdog.processed[(names.observations, partition)] = offset
        runtime.newest_event = max(runtime.newest_event,
                                   float(message.get("end", message["start"])))
        if runtime.engine.apply(message, time.time(), runtime.now()):
            runtime.changed.set()

    @app.agent(observations)
    async def aggregate(stream: faust.StreamT[bytes]) -> None:
        await runtime.ready.wait()  # 2
        async for event in stream.events():
            await fill_gap(event, "observations")  # 8
            aggregate_value(event.value, event.message.partition, event.message.offset)

    @app.task
    async def evaluate_loop() -> None:
        """Evaluate the norms that changed soon after, and every norm once a second (5)."""
        await runtime.ready.wait()
        while True:
            # 1. Wait for a change, or for the next evaluation of every norm.
            until_all = runtime.evaluated_all_at + EVALUATE_ALL_SECONDS - time.monotonic()
            if until_all > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(runtime.changed.wait(), until_all)
            # 2. Keep to the pace, and let the rest of what arrived together come in.
            await asyncio.sleep(max(settings.tick_seconds,
                                    runtime.pacer.next_at - time.monotonic()))
            runtime.changed.clear()
            # 3. Evaluate and emit.
            started = time.monotonic()
            everything = started - runtime.evaluated_all_at >= EVALUATE_ALL_SECONDS
            try:
                output = runtime.engine.tick(runtime.now(), everything=everything,
                                             owned=owned_norms())
                runtime.pacer.spent(started, time.monotonic())
                if everything:
                    runtime.evaluated_all_at = started
                await emit(output)
            except Exception:
                # One bad evaluation must not end the live figures for good.
                log.exception("evaluation failed; trying again in %.0fs", EVALUATE_ALL_SECONDS)
                runtime.evaluated_all_at = time.monotonic()

    @app.timer(interval=5.0)
    async def watch_partitions() -> None:
        """Resume a partition that has a backlog but does not move (6)."""
        consumer = app.consumer
        if not runtime.ready.is_set() or app.rebalancing:
            runtime.watchdog.forget()
            return
        mine = [tp for tp in consumer.assignment()
                if tp.topic in (names.events, names.observations)]
        highwater = {(tp.topic, tp.partition): consumer.highwater(tp) for tp in mine}
        commits = {(tp.topic, tp.partition): consumer._committed_offset.get(tp) for tp in mine}
        for topic, partition in runtime.watchdog.stalled(highwater, time.monotonic(), commits):
            tp = next(t for t in mine if (t.topic, t.partition) == (topic, partition))
            committed = commits[(topic, partition)]
            log.warning(
                "partition %s[%d] has not moved for %.0fs: processed up to %s, high-water "
                "%s, committed %s, paused %s, active %s, read offset %s, fetch position %s; "
                "resuming it from the committed offset", topic, partition,
                settings.stall_seconds, runtime.watchdog.processed.get((topic, partition)),
                highwater[(topic, partition)], committed,
                tp in consumer._paused_partitions, tp in (consumer._active_partitions or ()),
                consumer._read_offset.get(tp), await consumer.position(tp))
            consumer.resume_partitions([tp])
            if committed is not None:
                await consumer.seek(tp, committed)

    @app.timer(interval=settings.case_tick_seconds)
    async def tick_cases() -> None:
        if runtime.cases is None or not runtime.ready.is_set():
            return
        if not runtime.cases_rebuilt:
            # After a restart the case book is rebuilt from the item table (recovered
            # from its changelog): every case event of every item is still there.
            rebuild_case_book(runtime.cases, items.items())
            runtime.cases_rebuilt = True
        now = now_in_amsterdam(runtime.now())
        evaluation = runtime.cases.evaluate(now.date())
        changes = CaseBook.transitions(runtime.case_views, evaluation.views)
        runtime.case_views = list(evaluation.views)
        output = Output(snapshots=case_snapshots(runtime.cases, evaluation, now),
                        changes=[t.to_event(now) for t in changes])
        await emit(output)

    def owned_norms() -> set[str]:
        """Norms whose observations partition this worker holds (all, with one worker)."""
        assigned = {tp.partition for tp in app.consumer.assignment()
                    if tp.topic == names.observations}
        return {name for name in runtime.norms
                if (murmur2(name.encode()) & 0x7FFFFFFF) % settings.partitions in assigned}

    @app.task
    async def start_up() -> None:
        t0 = time.monotonic()
        await read_definitions(runtime, settings, names.definitions, follow=False)
        await seed_statuses(runtime, settings, names.indicators)
        await warm_up(runtime, settings, names.observations)
        runtime.ready.set()
        log.info("evaluator ready in %.1fs: %d norms, %d observations replayed",
                 time.monotonic() - t0, len(runtime.norms),
                 sum(len(s.done) + len(s.open) for s in runtime.engine.states.values()))
        await read_definitions(runtime, settings, names.definitions, follow=True)

    app.runtime = runtime  # type: ignore[attr-defined]
    return app, runtime


CASE_PREFIX = "nl.servicenorm.case."
# Every norm is evaluated this often, changed or not: the longest wait grows, windows
# roll off and a norm goes stale with time alone.
EVALUATE_ALL_SECONDS = 1.0
# A dead letter keeps at most this much of the original record, so that it always fits
# in one produce request; the original size is kept in a header.
DEAD_LETTER_MAX_BYTES = 512 * 1024


async def send_dead_letter(dead: Any, key: bytes | None, value: bytes | None, where: str,
                           reason: str) -> None:
    """Write a refused record to the dead-letter topic with its reason (3).

    ``where`` names the record as ``topic[partition]@offset``, for the log.
    """
    value = value or b""
    size = len(value)
    headers = {"reason": reason[:500].encode(), "original-size": str(size).encode()}
    if size > DEAD_LETTER_MAX_BYTES:
        value = value[:DEAD_LETTER_MAX_BYTES]
        headers["truncated"] = b"true"
    await dead.send(key=key, value=value, headers=headers)
    log.warning("dead letter from %s (%d bytes): %s", where, size, reason[:200])
EXPIRE_PER_EVENT = 50


def expire_items(items: Any, queue: deque[tuple[float, bytes]], now: float) -> int:
    """Delete up to a few expired items of the current partition (4)."""
    removed = 0
    while queue and queue[0][0] <= now and removed < EXPIRE_PER_EVENT:
        _, key = queue.popleft()
        if key in items:
            del items[key]
            removed += 1
    return removed


def event_seconds(event: dict[str, Any]) -> float:
    from services.evaluator.timeutil import parse_time

    return parse_time(event["time"])


def rebuild_case_book(book: CaseBook, stored: Any) -> int:
    """Feed every case event kept in the item table to the book (idempotent)."""
    from services.evaluator.timeutil import iso

    applied = 0
    for subject, value in stored:
        state = orjson.loads(value) if value else None
        for key, event in ((state or {}).get("events") or {}).items():
            if not event["type"].startswith(CASE_PREFIX):
                continue
            source, _, event_id = key.rpartition("|")
            applied += book.apply({"specversion": "1.0", "id": event_id, "source": source,
                                   "type": event["type"], "time": iso(event["ts"]),
                                   "subject": subject.decode(), "data": event["data"]})
    log.info("case book rebuilt: %d case events, %d cases", applied, len(book))
    return applied


async def read_range(settings: EvaluatorSettings, topic: str, partition: int, start: int,
                     end: int) -> Any:
    """The records of one partition from ``start`` up to (not including) ``end`` (8)."""
    consumer = _consumer(settings)
    await consumer.start()
    try:
        tp = TopicPartition(topic, partition)
        consumer.assign([tp])
        consumer.seek(tp, start)
        position = start
        while position < end:
            batch = await consumer.getmany(tp, timeout_ms=1000, max_records=1000)
            for record in batch.get(tp, []):
                if record.offset >= end:
                    return
                position = record.offset + 1
                yield record
            if not batch and await consumer.position(tp) >= end:
                return  # nothing more to read (the range held offsets no longer kept)
    finally:
        await consumer.stop()


def _consumer(settings: EvaluatorSettings) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(bootstrap_servers=settings.common.kafka_bootstrap,
                            enable_auto_commit=False, auto_offset_reset="earliest",
                            group_id=None)


async def _read_to_end(consumer: AIOKafkaConsumer, topic: str, start_ms: int | None,
                       follow: bool, handle: Any) -> None:
    """Read ``topic`` from ``start_ms`` (or the beginning) to its end, or forever."""
    # A consumer without a group only knows the metadata of what it fetched itself.
    metadata = await consumer._client.fetch_all_metadata()
    partitions = [TopicPartition(topic, p) for p in metadata.partitions_for_topic(topic) or ()]
    if not partitions:
        raise RuntimeError(f"topic {topic} does not exist; run 'servicenorm setup' first")
    consumer.assign(partitions)
    if start_ms is None:
        await consumer.seek_to_beginning(*partitions)
    else:
        offsets = await consumer.offsets_for_times({tp: start_ms for tp in partitions})
        for tp in partitions:
            found = offsets.get(tp)
            if found is None:
                await consumer.seek_to_end(tp)
            else:
                consumer.seek(tp, found.offset)
    ends = await consumer.end_offsets(partitions)
    while True:
        batch = await consumer.getmany(timeout_ms=500, max_records=5000)
        for records in batch.values():
            for record in records:
                handle(record)
        if not follow:
            positions = [await consumer.position(tp) for tp in partitions]
            if all(pos >= ends[tp] for pos, tp in zip(positions, partitions, strict=True)):
                return


async def read_definitions(runtime: Runtime, settings: EvaluatorSettings, topic: str,
                           follow: bool) -> None:
    def handle(record: Any) -> None:
        if record.value is None:
            name = record.key.decode()
            runtime.norms.pop(name, None)
            runtime.event_types.pop(name, None)
            runtime.engine.remove_definition(name)
            log.info("definition removed: norm %s", name)
            return
        try:
            runtime.set_definition(NormDefinition.from_dict(orjson.loads(record.value)))
        except (ValueError, KeyError, TypeError) as exc:
            log.error("definition at offset %d not applied: %s", record.offset, exc)

    consumer = _consumer(settings)
    await consumer.start()
    try:
        await _read_to_end(consumer, topic, None, follow, handle)
    finally:
        await consumer.stop()


async def seed_statuses(runtime: Runtime, settings: EvaluatorSettings, topic: str) -> None:
    def handle(record: Any) -> None:
        if record.value:
            snapshot = orjson.loads(record.value)
            runtime.engine.seed_status(snapshot["scope_key"], snapshot["status"], time.time())

    consumer = _consumer(settings)
    await consumer.start()
    try:
        await _read_to_end(consumer, topic, None, False, handle)
    finally:
        await consumer.stop()


async def warm_up(runtime: Runtime, settings: EvaluatorSettings, topic: str) -> None:
    """Rebuild stage 2's facts from the observations still needed (1)."""
    longest = max((i.window_seconds for n in runtime.norms.values() for i in n.indicators),
                  default=3600.0)
    now = time.time()
    since = min(now - longest, local_midnight(now)) - settings.allowed_lateness_seconds

    def handle(record: Any) -> None:
        message = orjson.loads(record.value)
        runtime.engine.apply(message, record.timestamp / 1000.0)
        runtime.newest_event = max(runtime.newest_event,
                                   float(message.get("end", message["start"])))

    consumer = _consumer(settings)
    await consumer.start()
    try:
        await _read_to_end(consumer, topic, int(since * 1000), False, handle)
    finally:
        await consumer.stop()


def run() -> None:
    app, _ = build_app()
    worker = faust.Worker(app, loglevel=os.environ.get("SERVICENORM_LOG_LEVEL", "info"),
                          quiet=True)
    worker.execute_from_commandline()
