"""Live state and fan-out: one Kafka consumer per process, many SSE clients.

The hub reads the compacted indicators topic from its start (that is the current
state of every scope key) and keeps following it. Each change is encoded once as
an SSE frame and offered to every client's bounded queue.

Departures from the obvious:

1. Frames are encoded once per change, not once per client: at thousands of
   clients the encoding would dominate.
2. A client whose queue is full is dropped, not waited for: one frozen client
   must not hold back the others, nor grow memory without bound. Its browser
   reconnects with ``Last-Event-ID`` and gets the missed changes (or, if they
   left the replay buffer, a fresh snapshot).
3. Event ids are ``<epoch>-<sequence>``: the epoch changes with each start of
   the process, so an id from before a restart is recognised and answered with a
   fresh snapshot rather than a wrong replay.
4. A client may ask for ``heartbeat`` events (without an id, so they do not move
   ``Last-Event-ID``). Changes come only when something changes, so a screen
   cannot tell a quiet hour from a dead link without them; the heartbeat also
   says whether the live feed from Kafka is working.
5. ``listeners`` see every change after it is stored. The web service uses
   one to feed a second hub that holds only what the public may see, so that
   public frames, too, are encoded once per change.
6. Changes that arrive together (one fetch from Kafka) go to each client as one
   chunk inside :meth:`Hub.batch`, and a client's stream joins whatever waits in
   its queue into one write. The cost of fan-out is per client per write, not
   per change; under load a client gets fewer, larger writes instead of falling
   behind. Each frame keeps its own id, so ``Last-Event-ID`` works as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)

Snapshot = dict[str, Any]


def sse_frame(event: str, data: bytes, event_id: str | None = None) -> bytes:
    head = f"id: {event_id}\r\n" if event_id else ""
    return f"{head}event: {event}\r\n".encode() + b"data: " + data + b"\r\n\r\n"


@dataclass(eq=False)
class Client:
    queue: asyncio.Queue[bytes | None]
    dropped: bool = False
    filter: Callable[[Snapshot], bool] | None = None


@dataclass
class Hub:
    """Current state per scope key, a replay buffer, and the connected clients."""

    queue_size: int = 256
    replay_size: int = 10_000
    epoch: str = field(default_factory=lambda: format(int(time.time() * 1000), "x"))
    state: dict[str, Snapshot] = field(default_factory=dict)
    sequence: int = 0
    replay: deque[tuple[int, Snapshot, bytes]] = field(default_factory=deque)
    clients: set[Client] = field(default_factory=set)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    last_update: float = 0.0
    dropped_clients: int = 0
    kafka_ok: bool = False
    listeners: list[Callable[[str, Snapshot | None], None]] = field(default_factory=list)
    upstream: Hub | None = None
    """The hub this one is fed from; its feed health is reported in heartbeats (4, 5)."""
    downstream: list[Hub] = field(default_factory=list)
    """Hubs fed by this one's listeners; they batch when this one does (5, 6)."""
    _pending: list[tuple[Snapshot, bytes]] = field(default_factory=list)
    _batching: int = 0

    # -- state --------------------------------------------------------------------------------

    def apply(self, snapshot: Snapshot) -> None:
        """A new snapshot from Kafka: store it and offer it to every client (1, 2)."""
        key = snapshot["scope_key"]
        self.state[key] = snapshot
        self.sequence += 1
        self.last_update = time.time()
        event_id = f"{self.epoch}-{self.sequence}"
        frame = sse_frame("update", orjson.dumps(snapshot), event_id)
        self.replay.append((self.sequence, snapshot, frame))
        if len(self.replay) > self.replay_size:
            self.replay.popleft()
        self._pending.append((snapshot, frame))
        for listener in self.listeners:
            listener(key, snapshot)
        if not self._batching:
            self.flush()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Changes applied inside go out together when it ends (6)."""
        hubs = [self, *self.downstream]
        for hub in hubs:
            hub._batching += 1
        try:
            yield
        finally:
            for hub in hubs:
                hub._batching -= 1
                if not hub._batching:
                    hub.flush()

    def flush(self) -> None:
        """Offer the changes applied since the last flush to every client (1, 2, 6)."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        whole = b"".join(frame for _, frame in pending)
        filtered: dict[Callable[[Snapshot], bool], bytes] = {}
        for client in list(self.clients):
            chunk = whole
            if client.filter is not None:
                if client.filter not in filtered:
                    filtered[client.filter] = b"".join(
                        frame for snapshot, frame in pending if client.filter(snapshot))
                chunk = filtered[client.filter]
                if not chunk:
                    continue
            try:
                client.queue.put_nowait(chunk)
            except asyncio.QueueFull:
                self._drop(client)

    def remove(self, key: str) -> None:
        self.state.pop(key, None)
        for listener in self.listeners:
            listener(key, None)

    @property
    def live(self) -> bool:
        """Is the feed this hub's state comes from working?"""
        return (self.upstream or self).kafka_ok

    def heartbeat_frame(self) -> bytes:
        body = {"now": time.time(), "live": self.live, "sequence": self.sequence,
                "last_update": self.last_update}
        return sse_frame("heartbeat", orjson.dumps(body))

    def _drop(self, client: Client) -> None:
        client.dropped = True
        self.clients.discard(client)
        self.dropped_clients += 1
        with contextlib.suppress(asyncio.QueueFull):
            # Make room for the end marker so the client's stream closes now.
            while not client.queue.empty():
                client.queue.get_nowait()
            client.queue.put_nowait(None)

    def snapshot_frame(self, visible: Callable[[Snapshot], bool] | None = None) -> bytes:
        items = [s for s in self.state.values() if visible is None or visible(s)]
        body = {"epoch": self.epoch, "sequence": self.sequence, "items": items,
                "last_update": self.last_update}
        return sse_frame("snapshot", orjson.dumps(body), f"{self.epoch}-{self.sequence}")

    def missed_since(self, last_event_id: str | None,
                     visible: Callable[[Snapshot], bool] | None = None) -> list[bytes] | None:
        """Frames after ``last_event_id``, or None when a fresh snapshot is needed (3)."""
        if not last_event_id:
            return None
        epoch, _, seq_text = last_event_id.partition("-")
        if epoch != self.epoch or not seq_text.isdigit():
            return None
        seq = int(seq_text)
        if seq == self.sequence:
            return []
        if not self.replay or self.replay[0][0] > seq + 1:
            return None
        return [frame for number, snapshot, frame in self.replay
                if number > seq and (visible is None or visible(snapshot))]

    # -- clients ------------------------------------------------------------------------------

    async def subscribe(self, last_event_id: str | None = None,
                        visible: Callable[[Snapshot], bool] | None = None,
                        heartbeat: float | None = None) -> AsyncIterator[bytes]:
        """Frames for one client: a snapshot or the missed changes, then each change,
        and a heartbeat after each ``heartbeat`` seconds without one (4)."""
        client = Client(asyncio.Queue(self.queue_size), filter=visible)
        self.clients.add(client)
        try:
            missed = self.missed_since(last_event_id, visible)
            if missed is None:
                yield self.snapshot_frame(visible)
            elif missed:
                yield b"".join(missed)
            while True:
                if heartbeat is None:
                    frame = await client.queue.get()
                else:
                    try:
                        frame = await asyncio.wait_for(client.queue.get(), heartbeat)
                    except TimeoutError:
                        yield self.heartbeat_frame()
                        continue
                if frame is None:
                    return
                chunks = [frame]
                while not client.queue.empty():
                    more = client.queue.get_nowait()
                    if more is None:
                        yield b"".join(chunks)
                        return
                    chunks.append(more)
                yield chunks[0] if len(chunks) == 1 else b"".join(chunks)
        finally:
            self.clients.discard(client)


async def follow_indicators(hub: Hub, bootstrap: str, topic: str) -> None:
    """Read the compacted topic from its start, then follow it; reconnect on faults."""
    delay = 0.5
    while True:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None,
                                    enable_auto_commit=False, auto_offset_reset="earliest")
        try:
            await consumer.start()
            # A consumer without a group only knows the metadata it fetched itself.
            metadata = await consumer._client.fetch_all_metadata()
            partitions = metadata.partitions_for_topic(topic) or set()
            if not partitions:
                raise KafkaError(f"topic {topic} does not exist yet")
            tps = [TopicPartition(topic, p) for p in partitions]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            ends = await consumer.end_offsets(tps)
            hub.kafka_ok = True
            delay = 0.5
            log.info("following %s (%d partitions)", topic, len(tps))
            while True:
                batch = await consumer.getmany(timeout_ms=200, max_records=2000)
                with hub.batch():
                    for records in batch.values():
                        for record in records:
                            if record.value is None:
                                hub.remove(record.key.decode())
                            else:
                                hub.apply(orjson.loads(record.value))
                if not hub.ready.is_set():
                    positions = [await consumer.position(tp) for tp in tps]
                    if all(pos >= ends[tp] for pos, tp in zip(positions, tps, strict=True)):
                        hub.ready.set()
                        log.info("state loaded: %d scope keys", len(hub.state))
        except asyncio.CancelledError:
            raise
        except KafkaError as exc:
            hub.kafka_ok = False
            log.warning("indicator feed interrupted (%s); reconnecting in %.1fs", exc, delay)
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()
        await asyncio.sleep(delay)
        delay = min(delay * 2, 10.0)
