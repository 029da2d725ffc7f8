"""Many SSE clients in one process, on raw asyncio sockets.

httpx would spend more CPU per client than the server under test, so each
client is an :class:`asyncio.Protocol` that speaks HTTP/1.0 (no chunked
encoding: the body is the event stream, ended by the connection closing).

Two ways of listening, chosen per pool:

1. ``scan``: search each chunk for marker text with one regular expression and
   note when each client first saw each marker. Cheap enough for 10,000 clients.
2. ``parse``: split the stream into frames, remember the last ``id:`` and read
   the scope keys of every update and snapshot, for the reconnect test.
"""

from __future__ import annotations

import asyncio
import logging
import re
import resource
import socket
import time
from collections import defaultdict
from typing import Any

import orjson

log = logging.getLogger(__name__)

WAVE = 250


def raise_open_files() -> int:
    """Lift the soft limit on open files to the hard one (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Client(asyncio.Protocol):
    def __init__(self, pool: Pool, index: int, last_event_id: str | None = None,
                 frozen: bool = False) -> None:
        self.pool, self.index, self.frozen = pool, index, frozen
        self.last_event_id = last_event_id
        self.transport: asyncio.Transport | None = None
        self.head_done = False
        self.buffer = b""
        self.tail = b""
        self.seen: set[str] = set()
        self.open = False
        self.closing = False
        self.snapshots = 0
        self.updates = 0
        self.bytes = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.open = True
        extra = f"Last-Event-ID: {self.last_event_id}\r\n" if self.last_event_id else ""
        if self.pool.cookie:
            extra += f"Cookie: {self.pool.cookie}\r\n"
        transport.write(f"GET {self.pool.path} HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                        f"Accept: text/event-stream\r\n{extra}\r\n".encode())
        if self.frozen:
            transport.pause_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        self.pool.closed += 1
        if self.pool.reconnect_after is not None and not self.closing:
            # As a browser's EventSource would: come back after a pause.
            loop = asyncio.get_running_loop()
            loop.call_later(self.pool.reconnect_after,
                            lambda: loop.create_task(self.pool.reopen(self)))

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self.bytes += len(data)
        if not self.head_done:
            self.buffer += data
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if not sep:
                return
            self.head_done = True
            self.buffer = b""
            if b" 200 " in head.split(b"\r\n", 1)[0]:
                self.pool.connected += 1
            else:
                self.pool.refused += 1
            data = rest
        self.pool.updates += data.count(b"event: update")
        if self.pool.mode == "scan":
            self._scan(data, now)
        else:
            self._parse(data, now)

    def _scan(self, data: bytes, now: float) -> None:
        # Keep a short tail so that a marker split over two reads is still found.
        window = self.tail + data
        for match in self.pool.marker.finditer(window):
            self._saw(match.group(0).decode(), now)
        self.tail = window[-self.pool.tail_bytes:]

    def _parse(self, data: bytes, now: float) -> None:
        self.buffer += data
        *frames, self.buffer = self.buffer.split(b"\r\n\r\n")
        for frame in frames:
            event, body, event_id = b"", b"", None
            for line in frame.split(b"\r\n"):
                if line.startswith(b"id: "):
                    event_id = line[4:].decode()
                elif line.startswith(b"event: "):
                    event = line[7:]
                elif line.startswith(b"data: "):
                    body = line[6:]
            if event_id:
                self.last_event_id = event_id
            if event == b"update":
                self.updates += 1
                self._saw(orjson.loads(body)["scope_key"], now)
            elif event == b"snapshot":
                self.snapshots += 1
                for item in orjson.loads(body)["items"]:
                    self._saw(item["scope_key"], now)

    def _saw(self, marker: str, now: float) -> None:
        if marker in self.seen:
            return
        self.seen.add(marker)
        if self.pool.marker.search(marker.encode()):
            self.pool.sightings[marker].append(now)

    def close(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.close()


class Pool:
    """Up to tens of thousands of SSE clients of one URL path."""

    def __init__(self, port: int, path: str = "/api/stream", marker: str = r"bm-\d+-\d+",
                 mode: str = "scan", cookie: str = "",
                 reconnect_after: float | None = None) -> None:
        self.port, self.path, self.mode, self.cookie = port, path, mode, cookie
        self.reconnect_after = reconnect_after
        self.reconnects = 0
        self.updates = 0
        self.marker = re.compile(marker.encode())
        self.tail_bytes = 64
        self.clients: list[Client] = []
        self.sightings: dict[str, list[float]] = defaultdict(list)
        self.connected = self.refused = self.closed = self.failed = 0

    async def _open(self, client: Client, small_buffer: bool = False) -> None:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        if small_buffer:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            await loop.sock_connect(sock, ("127.0.0.1", self.port))
            await loop.create_connection(lambda: client, sock=sock)
        except OSError as exc:
            sock.close()
            self.failed += 1
            log.debug("client %d could not connect: %s", client.index, exc)

    async def grow(self, total: int, timeout: float = 120.0) -> float:
        """Open clients until ``total`` are connected (in waves); seconds it took."""
        t0 = time.monotonic()
        while len(self.clients) < total:
            wave = [Client(self, len(self.clients) + i)
                    for i in range(min(WAVE, total - len(self.clients)))]
            self.clients.extend(wave)
            await asyncio.gather(*(self._open(c) for c in wave))
        await self.wait_connected(total, timeout - (time.monotonic() - t0))
        return time.monotonic() - t0

    async def wait_connected(self, total: int, timeout: float) -> None:
        deadline = time.monotonic() + max(timeout, 1.0)
        while self.connected < total and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self.connected < total:
            log.warning("only %d of %d SSE clients connected (%d refused, %d failed)",
                        self.connected, total, self.refused, self.failed)

    async def reopen(self, old: Client) -> None:
        """Connect again in place of ``old``, keeping what it saw."""
        if old.closing:
            return
        fresh = Client(self, old.index, last_event_id=old.last_event_id)
        fresh.seen, fresh.snapshots, fresh.updates = old.seen, old.snapshots, old.updates
        if 0 <= old.index < len(self.clients) and self.clients[old.index] is old:
            self.clients[old.index] = fresh
        self.reconnects += 1
        await self._open(fresh)

    async def frozen(self) -> Client:
        """One client that never reads, with a small receive buffer."""
        client = Client(self, -1, frozen=True)
        await self._open(client, small_buffer=True)
        return client

    def live(self) -> list[Client]:
        return [c for c in self.clients if c.open]

    async def reconnect_all(self) -> float:
        """Drop every client and connect anew with its last event id; seconds it took."""
        t0 = time.monotonic()
        old = self.clients
        for client in old:
            client.close()
        await asyncio.sleep(0.05)
        self.connected = 0
        self.clients = []
        for start in range(0, len(old), WAVE):
            wave = []
            for client in old[start:start + WAVE]:
                fresh = Client(self, client.index, last_event_id=client.last_event_id)
                fresh.seen = client.seen  # the same person, a new connection
                fresh.snapshots, fresh.updates = client.snapshots, client.updates
                wave.append(fresh)
            self.clients.extend(wave)
            await asyncio.gather(*(self._open(c) for c in wave))
        await self.wait_connected(len(old), 60.0)
        return time.monotonic() - t0

    def close(self) -> None:
        self.reconnect_after = None
        for client in self.clients:
            client.close()

    def reach(self, marker: str, sent_at: float, expected: int) -> dict[str, Any]:
        """How long ``marker`` took to reach each client that saw it, and how many did."""
        times = sorted(t - sent_at for t in self.sightings.get(marker, []))
        return {"reached": len(times), "expected": expected,
                "all_s": times[-1] if len(times) >= expected and times else None,
                "times": times}
